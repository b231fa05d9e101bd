/* The map page: base map and sites from this app's /api/map (clustered on the server), the
   filter form and view kept in the URL. Plain JavaScript on Leaflet (no build step). */
(function () {
  "use strict";
  var FIELDS = ["q", "country", "basin", "kind", "tier", "convention", "status"];
  var BASE = ["countries", "lakes", "rivers", "borders"];
  var COLOURS = {
    seveso_tier: {upper: "#b3261e", lower: "#e08a00", none: "#5f6b7a", "not assessed": "#b8bec6"},
    convention_hazardous_activity: {yes: "#b3261e", no: "#5f6b7a", "not assessed": "#b8bec6"},
    kind: {industrial: "#1f5fa8", tailings: "#8a4b08"},
    // risk classes (services/map_risk.py), lowest first; withheld: confidential for this user
    wri_class: {"below 5": "#ffffb2", "5-6": "#fed976", "6-7": "#feb24c", "7-8": "#fd8d3c",
                "8-9": "#e31a1c", "9 and above": "#800026", withheld: "#6e7781", "not assessed": "#d0d7de"},
    thi_class: {"below 12": "#fed976", "12-14": "#fd8d3c", "14-16": "#e31a1c", "16 and above": "#800026",
                withheld: "#6e7781", "not assessed": "#d0d7de"}
  };
  var LABELS = {seveso_tier: "Seveso tier", convention_hazardous_activity: "Convention hazardous activity",
                kind: "Kind", wri_class: "Water Risk Index (WRI)", thi_class: "Tailings Hazard Index (THI)"};
  var FIELD_OF = {tier: "seveso_tier", convention: "convention_hazardous_activity", kind: "kind",
                  wri: "wri_class", thi: "thi_class"};
  var NOTES = {wri_class: "Classes of the ICPDR map of accident risk spots.",
               thi_class: "Display classes of hazatlas (the THI has no published classes)."};
  // the page's texts in its language (map.html's "map-messages"), English when missing
  var MESSAGES = JSON.parse((document.getElementById("map-messages") || {}).textContent || "{}");
  function t(text, values) {
    var out = MESSAGES[text] || text;
    Object.keys(values || {}).forEach(function (k) { out = out.split("{" + k + "}").join(String(values[k])); });
    return out;
  }
  var form = document.getElementById("filters");
  var mapEl = document.getElementById("map");
  var statusEl = document.getElementById("map-status");
  var listEl = document.getElementById("site-list");

  var map = L.map(mapEl, {minZoom: 2, maxZoom: 18, worldCopyJump: false, preferCanvas: true});
  window.hazatlasMap = map;  // for the page's other layers (map_network.js)
  map.attributionControl.setPrefix("Leaflet");
  map.attributionControl.addAttribution("Natural Earth");
  var styles = {
    countries: {color: "#9aa3ab", weight: 0.6, fillColor: "#f4f1ea", fillOpacity: 1},
    lakes: {color: "#7aa9cf", weight: 0.5, fillColor: "#b9d7ee", fillOpacity: 1},
    rivers: {color: "#5b9bd5", weight: 1.1, opacity: 0.9},
    borders: {color: "#6e5a7e", weight: 1.2, dashArray: "4 3", opacity: 0.9}
  };
  var base = {};
  // one pane and canvas per layer, so a layer that arrives late is still drawn in its place
  BASE.forEach(function (name, i) {
    map.createPane("base-" + name).style.zIndex = String(210 + i);
    base[name] = L.geoJSON(null, {style: styles[name], interactive: false, pane: "base-" + name,
      renderer: L.canvas({pane: "base-" + name, padding: 0.3})}).addTo(map);
  });
  var sitesLayer = L.layerGroup().addTo(map);
  var baseZoom = null, pending = null, firstRender = true;

  function colourField() {
    return FIELD_OF[form.elements.colour.value] || "seveso_tier";
  }

  function filterParams() {
    var p = new URLSearchParams();
    FIELDS.forEach(function (f) {
      var v = (form.elements[f].value || "").trim();
      if (v) { p.set(f, v); }
    });
    return p;
  }

  function writeUrl() {
    var p = filterParams();
    if (form.elements.colour.value !== "tier") { p.set("colour", form.elements.colour.value); }
    var c = map.getCenter();
    p.set("z", map.getZoom());
    p.set("lat", c.lat.toFixed(4));
    p.set("lon", c.lng.toFixed(4));
    var net = document.getElementById("f-network");
    if (net && net.value) { p.set("network", net.value); }
    history.replaceState(null, "", "/map?" + p.toString());
    var reg = new URLSearchParams();
    ["country", "kind"].forEach(function (f) { if (p.get(f)) { reg.set(f, p.get(f)); } });
    document.getElementById("register-link").href = "/register" + (reg.toString() ? "?" + reg : "");
  }

  // from zoom 6 on the server clips the base layers to the view widened to 10-degree steps
  function baseBox(z) {
    if (z < 6) { return ""; }
    var b = map.getBounds(), step = 10;
    return [Math.max(-180, Math.floor(b.getWest() / step) * step),
            Math.max(-90, Math.floor(b.getSouth() / step) * step),
            Math.min(180, Math.ceil(b.getEast() / step) * step),
            Math.min(90, Math.ceil(b.getNorth() / step) * step)].join(",");
  }

  function loadBase() {
    var z = Math.max(2, Math.min(8, map.getZoom()));
    var box = baseBox(z), key = z + "/" + box;
    if (key === baseZoom) { return; }
    baseZoom = key;
    BASE.forEach(function (name) {
      fetch("/api/map/base/" + name + "?zoom=" + z + (box ? "&bbox=" + box : ""))
        .then(function (r) { return r.json(); })
        .then(function (gj) {
          if (key !== baseZoom) { return; }
          base[name].clearLayers();
          base[name].addData(gj);
          mapEl.dataset["base" + name] = String(gj.zoom);
        });
    });
  }

  function esc(s) {
    return String(s).replace(/[&<>"']/g, function (ch) {
      return {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[ch];
    });
  }

  function popup(p) {
    return '<div class="site-popup"><strong>' + esc(p.name) + "</strong><dl>" +
      "<dt>" + esc(t("Id")) + "</dt><dd>" + esc(p.id) + "</dd><dt>" + esc(t("Kind")) + "</dt><dd>" + esc(t(p.kind)) + "</dd>" +
      "<dt>" + esc(t("Country")) + "</dt><dd>" + esc(p.country_iso3) + "</dd><dt>" + esc(t("Status")) + "</dt><dd>" +
      esc(t(p.status)) + "</dd><dt>" + esc(t("Seveso tier")) + "</dt><dd>" + esc(t(p.seveso_tier)) + "</dd>" +
      "<dt>" + esc(t("Convention")) + "</dt><dd>" + esc(t(p.convention_hazardous_activity)) + "</dd>" +
      risk(p, "wri", "WRI") + risk(p, "thi", "THI") + "</dl>" +
      '<a class="site-link" href="/sites/' + encodeURIComponent(p.id) + '">' + esc(t("Open the site page")) + "</a></div>";
  }

  // the risk index of a popup, when the map is coloured by it (the value only if readable)
  function risk(p, key, name) {
    var cls = p[key + "_class"];
    if (cls === undefined) { return ""; }
    var shown = p[key] !== null && p[key] !== undefined ? String(p[key]) + " (" + t(cls) + ")" : t(cls);
    return "<dt>" + esc(name) + "</dt><dd>" + esc(shown) + "</dd>";
  }

  function siteMarker(f, colour) {
    var p = f.properties, ll = [f.geometry.coordinates[1], f.geometry.coordinates[0]];
    var icon = L.divIcon({className: "", iconSize: [16, 16], iconAnchor: [8, 8],
      html: '<span class="site-marker kind-' + esc(p.kind) + '" style="background:' + colour + '"></span>'});
    var m = L.marker(ll, {icon: icon, title: p.name + " (" + p.id + ")", keyboard: true, alt: p.name});
    m.bindPopup(popup(p));
    m.feature = f;
    return m;
  }

  function clusterMarker(f, colour) {
    var p = f.properties, ll = [f.geometry.coordinates[1], f.geometry.coordinates[0]];
    var size = p.count < 10 ? "small" : (p.count < 100 ? "medium" : "large");
    var icon = L.divIcon({className: "marker-cluster marker-cluster-" + size, iconSize: [40, 40],
      html: '<div style="background:' + colour + '"><span>' + p.count + "</span></div>"});
    var m = L.marker(ll, {icon: icon, title: t("{n} sites: click to zoom in", {n: p.count}), keyboard: true});
    m.on("click", function () {
      var b = p.bbox;
      if (b[0] === b[2] && b[1] === b[3]) { map.setView(ll, Math.min(map.getZoom() + 3, 18)); }
      else { map.fitBounds([[b[1], b[0]], [b[3], b[2]]], {padding: [30, 30]}); }
    });
    return m;
  }

  function legend() {
    var field = colourField(), ul = document.getElementById("legend-colours");
    ul.innerHTML = "<li><strong>" + esc(t(LABELS[field])) + "</strong></li>";
    Object.keys(COLOURS[field]).forEach(function (k) {
      ul.insertAdjacentHTML("beforeend", '<li><span class="swatch" style="background:' +
        COLOURS[field][k] + '"></span> ' + esc(t(k)) + "</li>");
    });
    if (NOTES[field]) {
      ul.insertAdjacentHTML("beforeend", '<li class="legend-note">' + esc(t(NOTES[field])) + " " +
        esc(t("Withheld: confidential for you (sign in as a user who may read the site).")) + "</li>");
    }
  }

  function render(doc) {
    var field = colourField(), palette = COLOURS[field];
    sitesLayer.clearLayers();
    listEl.innerHTML = "";
    var shown = 0;
    doc.features.forEach(function (f) {
      var colour = palette[f.properties[field]] || "#888";
      if (f.properties.cluster) { sitesLayer.addLayer(clusterMarker(f, colour)); return; }
      sitesLayer.addLayer(siteMarker(f, colour));
      if (shown < 200) {
        listEl.insertAdjacentHTML("beforeend", '<li><a href="/sites/' + encodeURIComponent(f.properties.id) +
          '">' + esc(f.properties.name) + "</a> (" + esc(f.properties.id) + ")</li>");
      }
      shown++;
    });
    var n = doc.numberMatched;
    statusEl.textContent = t(doc.mode === "clusters" ?
      "Sites matching the filters in view: {n} (grouped; zoom in to see single sites)." :
      "Sites matching the filters in view: {n}.", {n: n});
    mapEl.dataset.numberMatched = n;
    mapEl.dataset.mode = doc.mode;
    mapEl.dataset.loads = String(Number(mapEl.dataset.loads || 0) + 1);
    if (firstRender) {
      firstRender = false;
      if (window.performance && performance.mark) { performance.mark("hazatlas-sites-rendered"); }
    }
  }

  function loadSites() {
    var b = map.getBounds().pad(0.1);
    var p = filterParams(), colour = form.elements.colour.value;
    if (colour === "wri" || colour === "thi") { p.set("colour", colour); }
    p.set("zoom", map.getZoom());
    p.set("bbox", [Math.max(-180, b.getWest()), Math.max(-90, b.getSouth()),
                   Math.min(180, b.getEast()), Math.min(90, b.getNorth())]
      .map(function (v) { return v.toFixed(4); }).join(","));
    if (pending) { pending.abort(); }
    pending = new AbortController();
    fetch("/api/map/sites?" + p.toString(), {signal: pending.signal, credentials: "same-origin"})
      .then(function (r) {
        if (r.status === 422) { refused(); }
        if (!r.ok) { throw new Error(r.status + " " + r.statusText); }
        return r.json();
      })
      .then(render)
      .catch(function (e) { if (e.name !== "AbortError") { statusEl.textContent = t("Could not load the sites: {error}", {error: e.message}); } });
  }

  // Filters the server refuses (an unknown basin typed in the form): the page itself is loaded
  // with them, which names each problem next to the form in the page's language (once per URL).
  function refused() {
    var target = "/map?" + filterParams().toString();
    var key = "hazatlas-map-refused";
    if (window.sessionStorage && sessionStorage.getItem(key) !== target) {
      sessionStorage.setItem(key, target);
      window.location.assign(target);
    }
  }

  function refresh() { writeUrl(); loadBase(); loadSites(); }

  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    legend();
    refresh();
  });
  form.elements.colour.addEventListener("change", function () { legend(); writeUrl(); loadSites(); });
  map.on("moveend", refresh);

  // the view of the URL, as the page checked it (null when absent or malformed)
  var view = JSON.parse(mapEl.dataset.view || "null");
  legend();
  if (view) {
    map.setView([view.lat, view.lon], Math.max(2, Math.min(18, view.z)));
  } else {
    var ext = JSON.parse(mapEl.dataset.extent || "null") || [13, 38, 75, 53];
    map.fitBounds([[ext[1], ext[0]], [ext[3], ext[2]]], {padding: [20, 20], maxZoom: 8});
  }
  window.hazatlasMap = map;
})();
