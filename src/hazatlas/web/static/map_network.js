/* The map page's stored river network (issue 14): when the user picks a network built with
   "hazatlas network build", its reaches replace the bundled rivers. They come from
   /api/map/networks/{name} for the view (at most a few thousand, the largest discharge first,
   simplified for the zoom), never the whole network. Kept apart from map.js, which exposes its
   Leaflet map as window.hazatlasMap. */
(function () {
  "use strict";
  var select = document.getElementById("f-network");
  var map = window.hazatlasMap;
  if (!select || !map) { return; }
  var mapEl = document.getElementById("map");
  var statusEl = document.getElementById("network-status");
  var MESSAGES = JSON.parse((document.getElementById("map-messages") || {}).textContent || "{}");
  function t(text, values) {
    var out = MESSAGES[text] || text;
    Object.keys(values || {}).forEach(function (k) { out = out.split("{" + k + "}").join(String(values[k])); });
    return out;
  }
  map.createPane("network-reaches").style.zIndex = "214";  // just above the bundled rivers
  var layer = L.geoJSON(null, {
    pane: "network-reaches", renderer: L.canvas({pane: "network-reaches", padding: 0.3}),
    style: function (f) {
      var q = f.properties.discharge_m3_s || 0;
      return {color: "#1f6fb5", opacity: 0.9, weight: q >= 500 ? 2.4 : q >= 50 ? 1.6 : 0.9};
    },
    onEachFeature: function (f, l) {
      var p = f.properties;
      l.bindTooltip((p.name || t("unnamed reach")) + " (" + p.reach_id + ")" +
        (p.discharge_m3_s !== null ? ", " + p.discharge_m3_s + " m³/s" : ""), {sticky: true});
    }
  }).addTo(map);
  var wanted = null;

  function showBundled(show) {
    var pane = map.getPane("base-rivers");
    if (pane) { pane.style.display = show ? "" : "none"; }
  }

  function load() {
    var name = select.value;
    mapEl.dataset.network = name;
    if (!name) {
      wanted = null;
      layer.clearLayers();
      showBundled(true);
      statusEl.textContent = "";
      delete mapEl.dataset.networkReaches;
      return;
    }
    var b = map.getBounds(), z = map.getZoom();
    var box = [Math.max(-180, b.getWest()), Math.max(-90, b.getSouth()),
               Math.min(180, b.getEast()), Math.min(90, b.getNorth())].map(function (v) { return v.toFixed(4); });
    var url = "/api/map/networks/" + encodeURIComponent(name) + "?zoom=" + z + "&bbox=" + box.join(",");
    wanted = url;
    fetch(url)
      .then(function (r) { if (!r.ok) { throw new Error(r.status + " " + r.statusText); } return r.json(); })
      .then(function (gj) {
        if (wanted !== url) { return; }
        showBundled(false);
        layer.clearLayers();
        layer.addData(gj);
        mapEl.dataset.networkReaches = String(gj.numberReturned);
        statusEl.textContent = t(gj.truncated ?
          "River network {name}: the {shown} largest of {n} reaches in view (zoom in for the others)." :
          "River network {name}: {n} reaches in view.", {name: name, shown: gj.numberReturned, n: gj.numberMatched});
      })
      .catch(function (e) {
        if (wanted !== url) { return; }
        statusEl.textContent = t("Could not load the river network: {error}", {error: e.message});
      });
  }

  select.addEventListener("change", function () {
    var p = new URLSearchParams(location.search);
    if (select.value) { p.set("network", select.value); } else { p.delete("network"); }
    history.replaceState(null, "", "/map?" + p.toString());
    load();
  });
  map.on("moveend", function () { if (select.value) { load(); } });
  load();
})();
