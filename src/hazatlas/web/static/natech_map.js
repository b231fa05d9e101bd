/* The map's Natech layer (services/map_natech.py): sites in view coloured by their Natech
   screening against a layer manifest of the server, damaged sites ringed. An overlay on the
   map of map.js (window.hazatlasMap), drawn only when its box is ticked. */
(function () {
  "use strict";
  var map = window.hazatlasMap;
  var on = document.getElementById("natech-on");
  var select = document.getElementById("natech-layers");
  var legendEl = document.getElementById("natech-legend");
  var statusEl = document.getElementById("natech-status");
  var mapEl = document.getElementById("map");
  if (!map || !on || !select) { return; }
  var MESSAGES = JSON.parse((document.getElementById("natech-messages") || {}).textContent || "{}");
  function t(text, values) {
    var out = MESSAGES[text] || text;
    Object.keys(values || {}).forEach(function (k) { out = out.split("{" + k + "}").join(String(values[k])); });
    return out;
  }
  function esc(s) {
    return String(s).replace(/[&<>"']/g, function (ch) {
      return {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[ch];
    });
  }
  var COLOURS = {"release expected": "#b3261e", "exposed": "#e08a00", "not exposed": "#2e7d32",
                 "no hazard value": "#9aa3ab", "no layers": "#ffffff"};
  var DAMAGED = "#111111";
  map.createPane("natech").style.zIndex = "640";
  // SVG (not the page's canvas): a few hundred markers, each an element a test can find
  var renderer = L.svg({pane: "natech"});
  var layer = L.layerGroup().addTo(map);
  var pending = null;

  function legend() {
    legendEl.innerHTML = "";
    if (!on.checked) { return; }
    Object.keys(COLOURS).forEach(function (k) {
      if (k === "no layers" && select.value) { return; }
      legendEl.insertAdjacentHTML("beforeend", '<li><span class="swatch" style="background:' +
        COLOURS[k] + '"></span> ' + esc(t(k)) + "</li>");
    });
    legendEl.insertAdjacentHTML("beforeend", '<li><span class="swatch" style="background:#fff;border:3px solid ' +
      DAMAGED + '"></span> ' + esc(t("damage reported")) + "</li>");
  }

  function popup(p) {
    var rows = [[t("Natech screening"), t(p.natech_class)]];
    if (p.tank_release_per_year_kg !== null) { rows.push([t("Tanks: release per year (kg)"), p.tank_release_per_year_kg.toPrecision(3)]); }
    if (p.max_flood_depth_m !== null) { rows.push([t("Flood depth (m)"), p.max_flood_depth_m.toFixed(2)]); }
    if (p.max_pga_g !== null) { rows.push([t("PGA (g)"), p.max_pga_g.toFixed(2)]); }
    if (p.damage_events) {
      rows.push([t("damage reported"), p.reported_damage + (p.unassessed_damage ? " (" + t("unassessed") + ")" : "")]);
    }
    return "<strong>" + esc(p.name) + "</strong><dl>" + rows.map(function (r) {
      return "<dt>" + esc(r[0]) + "</dt><dd>" + esc(r[1]) + "</dd>";
    }).join("") + '</dl><a href="/sites/' + encodeURIComponent(p.id) + '">' + esc(t("Open the site page")) + "</a>";
  }

  function render(doc) {
    layer.clearLayers();
    var damaged = 0;
    doc.features.forEach(function (f) {
      var p = f.properties, c = f.geometry.coordinates;
      var marker = L.circleMarker([c[1], c[0]], {
        pane: "natech", renderer: renderer, radius: p.damage_events ? 9 : 6, fillColor: COLOURS[p.natech_class] || "#888",
        fillOpacity: 0.9, color: p.damage_events ? DAMAGED : "#444", weight: p.damage_events ? 3 : 1,
        className: "natech-marker natech-" + p.natech_class.replace(/ /g, "-") + (p.damage_events ? " natech-damaged" : "")
      });
      marker.bindPopup(popup(p));
      layer.addLayer(marker);
      if (p.damage_events) { damaged++; }
    });
    statusEl.textContent = t("Natech layer: {n} sites, {d} with damage events.", {n: doc.features.length, d: damaged}) +
      (doc.truncated ? " " + t("Zoom in: not every site in view was screened.") : "");
    mapEl.dataset.natechSites = String(doc.features.length);
    mapEl.dataset.natechDamaged = String(damaged);
    mapEl.dataset.natechLoads = String(Number(mapEl.dataset.natechLoads || 0) + 1);
  }

  function load() {
    legend();
    if (!on.checked) { layer.clearLayers(); statusEl.textContent = ""; return; }
    var b = map.getBounds().pad(0.1);
    var p = new URLSearchParams();
    if (select.value) { p.set("layers", select.value); }
    p.set("bbox", [Math.max(-180, b.getWest()), Math.max(-90, b.getSouth()),
                   Math.min(180, b.getEast()), Math.min(90, b.getNorth())]
      .map(function (v) { return v.toFixed(4); }).join(","));
    if (pending) { pending.abort(); }
    pending = new AbortController();
    statusEl.textContent = t("Screening the sites in view…");
    fetch("/api/map/natech?" + p.toString(), {signal: pending.signal, credentials: "same-origin"})
      .then(function (r) { if (!r.ok) { throw new Error(r.status + " " + r.statusText); } return r.json(); })
      .then(render)
      .catch(function (e) { if (e.name !== "AbortError") { statusEl.textContent = t("Could not load the Natech layer: {error}", {error: e.message}); } });
  }

  fetch("/api/map/natech/layers", {credentials: "same-origin"})
    .then(function (r) { return r.ok ? r.json() : []; })
    .then(function (names) {
      names.forEach(function (n) { select.insertAdjacentHTML("beforeend", '<option value="' + esc(n) + '">' + esc(n) + "</option>"); });
      if (names.length) { select.value = names[0]; }
      select.dataset.ready = "1";
    });
  on.addEventListener("change", load);
  select.addEventListener("change", load);
  map.on("moveend", function () { if (on.checked) { load(); } });
})();
