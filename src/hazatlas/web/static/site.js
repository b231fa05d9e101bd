/* The downstream path of a site page on a small Leaflet map (no tiles: only the path and the
   site; the table beside it lists the same path as text). Data: #path-data, [lon, lat] pairs. */
(function () {
  "use strict";
  var el = document.getElementById("path-map");
  var data = document.getElementById("path-data");
  if (!el || !data || typeof L === "undefined") { return; }
  var d = JSON.parse(data.textContent);
  var map = L.map(el, { attributionControl: false, keyboard: true });
  var line = L.polyline(d.path.map(function (p) { return [p[1], p[0]]; }),
                        { color: "#0b5cad", weight: 3 }).addTo(map);
  L.circleMarker([d.site[1], d.site[0]], { radius: 7, color: "#b3261e", fillOpacity: 0.9 }).addTo(map);
  map.fitBounds(line.getBounds().extend([d.site[1], d.site[0]]), { padding: [12, 12] });
}());
