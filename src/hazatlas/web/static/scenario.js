/* Scenarios: the map of a stored run (/scenarios/{id}) and the "running" status of the forms of
   a site page. The map draws the app's base map (/api/map/base/..., no tiles) and the run's
   layers from #scenario-data (GeoJSON built on the server; each feature says its role and
   colour). The tables of the page give the same results as text. */
(function () {
  "use strict";
  // the forms: say that the model is running and keep the button from being pressed twice
  Array.prototype.forEach.call(document.querySelectorAll("form.run-form"), function (form) {
    form.addEventListener("submit", function () {
      var button = form.querySelector("button[type=submit]");
      var status = form.querySelector(".run-status");
      if (status) { status.textContent = status.dataset.running; }
      if (button) { button.disabled = true; button.setAttribute("aria-busy", "true"); }
      form.setAttribute("aria-busy", "true");
    });
  });

  // a form sent back with errors: bring it into view and put the cursor in its first wrong field
  var refused = document.querySelector(".run-form .form-error");
  if (refused) {
    refused.scrollIntoView({ block: "start" });
    var wrong = refused.closest("form").querySelector("[aria-invalid=true]");
    if (wrong) { wrong.focus({ preventScroll: true }); }
  }

  var el = document.getElementById("scenario-map");
  var data = document.getElementById("scenario-data");
  if (!el || !data || typeof L === "undefined") { return; }
  var layers = JSON.parse(data.textContent).layers;
  var map = L.map(el, { attributionControl: false, keyboard: true });
  map.createPane("scenario").style.zIndex = 450;  // above the base layers (overlay pane, 400)

  function style(f) {
    var p = f.properties;
    if (p.role === "wedge") { return { color: p.colour, weight: 1.5, dashArray: "6 4", fill: false, pane: "scenario" }; }
    if (p.role === "footprint") { return { color: p.colour, weight: 1, fillColor: p.colour, fillOpacity: 0.3, pane: "scenario" }; }
    if (p.role === "wind") { return { color: p.colour, weight: 2.5, pane: "scenario" }; }
    if (p.role === "connector") { return { color: p.colour, weight: 2, dashArray: "2 6", pane: "scenario" }; }
    if (p.role === "runout") { return { color: p.colour, weight: 5, pane: "scenario" }; }
    return { color: p.colour, weight: p.bin === null ? 3 : 4, pane: "scenario" };
  }
  var drawn = L.geoJSON(layers, {
    style: style,
    pointToLayer: function (f, latlng) {
      var p = f.properties;
      var radius = { place: 5, entry: 5, stop: 10 }[p.role] || 7;
      return L.circleMarker(latlng, { radius: radius, color: p.colour,
        fillColor: p.role === "place" ? "#fff" : p.colour, fillOpacity: 0.95, weight: 2, pane: "scenario" });
    },
    onEachFeature: function (f, layer) {
      var p = f.properties;
      var text = p.name || p.level || p.label || p.river || "";
      if (p.km !== undefined && p.km !== null) { text += " — km " + p.km; }
      if (p.arrival) { text += " — " + p.arrival.replace("T", " "); }
      if (text) { layer.bindTooltip(text); }
    }
  }).addTo(map);
  el.dataset.layers = String(layers.features.length);
  var bounds = drawn.getBounds();
  if (bounds.isValid()) { map.fitBounds(bounds, { padding: [16, 16], maxZoom: 12 }); } else { map.setView([45, 20], 4); }
  var zoom = Math.max(2, Math.min(8, map.getZoom()));
  var b = map.getBounds();
  var box = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map(function (v) {
    return v.toFixed(3); }).join(",");
  var styles = {
    countries: { color: "#9aa5b1", weight: 0.5, fillColor: "#f4f1ea", fillOpacity: 1 },
    borders: { color: "#5f6b7a", weight: 1.2, dashArray: "4 3", fill: false },
    rivers: { color: "#9cc3e6", weight: 1, fill: false }
  };
  ["countries", "borders", "rivers"].forEach(function (name) {
    fetch("/api/map/base/" + name + "?zoom=" + zoom + "&bbox=" + box).then(function (r) { return r.json(); })
      .then(function (gj) {
        var layer = L.geoJSON(gj, { style: styles[name], interactive: false }).addTo(map);
        if (name === "countries") { layer.bringToBack(); }
        el.dataset["base" + name] = "1";
      });
  });
}());
