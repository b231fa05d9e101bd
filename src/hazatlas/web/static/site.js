/* The downstream path of a site page on a small Leaflet map: the country polygons and land
   borders of the app's base map (/api/map/base/..., no tiles), the path and the site. The table
   beside it lists the same path as text. Data: #path-data, [lon, lat] pairs. */
(function () {
  "use strict";
  var el = document.getElementById("path-map");
  var data = document.getElementById("path-data");
  if (!el || !data || typeof L === "undefined") { return; }
  var d = JSON.parse(data.textContent);
  var map = L.map(el, { attributionControl: false, keyboard: true });
  map.createPane("path").style.zIndex = 450;  // above the base layers (overlay pane, 400)
  var line = L.polyline(d.path.map(function (p) { return [p[1], p[0]]; }),
                        { color: "#0b5cad", weight: 3, pane: "path" }).addTo(map);
  L.circleMarker([d.site[1], d.site[0]], { radius: 7, color: "#b3261e", fillOpacity: 0.9,
                                           pane: "path" }).addTo(map);
  map.fitBounds(line.getBounds().extend([d.site[1], d.site[0]]), { padding: [12, 12] });
  var zoom = Math.max(2, Math.min(8, map.getZoom()));
  var b = map.getBounds();  // only the part of the base map in view
  var box = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map(function (v) {
    return v.toFixed(3); }).join(",");
  var styles = {
    countries: { color: "#9aa5b1", weight: 0.5, fillColor: "#f4f1ea", fillOpacity: 1 },
    borders: { color: "#5f6b7a", weight: 1.2, dashArray: "4 3", fill: false }
  };
  ["countries", "borders"].forEach(function (name) {
    fetch("/api/map/base/" + name + "?zoom=" + zoom + "&bbox=" + box).then(function (r) { return r.json(); })
      .then(function (gj) {
        var layer = L.geoJSON(gj, { style: styles[name], interactive: false }).addTo(map);
        if (name === "countries") { layer.bringToBack(); } else { layer.bringToFront(); }
        el.dataset["base" + name] = "1";
      });
  });
}());
