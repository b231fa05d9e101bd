"""Web map benchmark: the map page with N synthetic sites (default 100,000) in headless Chromium.

    python benchmarks/web_map.py              # 100,000 sites
    python benchmarks/web_map.py --quick      # 2,000 sites (smoke test)
    python benchmarks/web_map.py --sites 20000

Builds a SQLite register of N synthetic sites uniform over the land of the programme region
(the sampling of benchmarks/register.py, one line per site), starts ``hazatlas serve`` on
127.0.0.1, and opens ``/map`` in Debian's Chromium (Playwright with ``executable_path``):

* time to first render of the sites: from navigation start to the page's
  ``hazatlas-sites-rendered`` performance mark (the first answer of ``/api/map/sites`` drawn),
  cold (the server reads the register for the first time) and warm (a second page load);
* bytes transferred (encoded response bodies plus headers of every request of the page, until
  the sites and the four base layers are drawn), split into scripts/styles, base map and sites;
* the same for a zoomed-in view (:data:`ZOOMED_VIEW`), where more, smaller clusters are sent.

Baseline in the same run: a naive map page that loads every site as GeoJSON from the register
API (``/api/establishments``, pages of 10,000) and draws each as a circle marker (Leaflet,
canvas). Both answers are checked: the naive page receives N features, and the cluster counts
of the map's first answer add up to N (the first view shows the whole region).
Targets (issue 13): time to first render < 3 s and bytes transferred < 5 MB with 100,000 sites.
No request may leave 127.0.0.1.
"""

from __future__ import annotations

import argparse
import csv
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "benchmarks"))
from register import _sample_points  # noqa: E402  (the register benchmark's sampling)

CHROMIUM = os.environ.get("HAZATLAS_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
KINDS = ("industrial", "tailings")
ZOOMED_VIEW = "/map?z=8&lat=45.0&lon=25.0"  # Romania's centre, zoom 8: a dense view
STATUSES = ("operating", "operating", "operating", "closed", "abandoned")
NAIVE_PAGE = """<!doctype html><html><head><meta charset="utf-8">
<link rel="stylesheet" href="/static/vendor/leaflet/leaflet.css"></head>
<body style="margin:0"><div id="map" style="height:800px"></div>
<script src="/static/vendor/leaflet/leaflet.js"></script>
<script>
var map = L.map('map', {preferCanvas: true}).fitBounds([[38, 13], [53, 75]]);
var total = TOTAL, page = 10000, features = [];
function next(offset) {
  if (offset >= total) { return Promise.resolve(); }
  return fetch('/api/establishments?limit=' + page + '&offset=' + offset)
    .then(function (r) { return r.json(); })
    .then(function (d) { features = features.concat(d.features); return next(offset + page); });
}
next(0).then(function () {
  L.geoJSON({type: 'FeatureCollection', features: features}, {pointToLayer: function (f, ll) {
    return L.circleMarker(ll, {radius: 4}); }}).addTo(map);
  document.body.dataset.features = features.length;
  performance.mark('hazatlas-sites-rendered');
});
</script></body></html>"""


def make_csv(path: Path, n: int, seed: int = 7) -> None:
    from hazatlas.formats.register_columns import COLUMNS
    from hazatlas.services.geodata import country_polygons

    rng = np.random.default_rng(seed)
    lons, lats, isos = _sample_points(rng, country_polygons(), n)
    idx = {c: i for i, c in enumerate(COLUMNS)}
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(COLUMNS)
        for i in range(n):
            row = [""] * len(COLUMNS)
            row[idx["establishment_id"]] = f"SYN-{i:06d}"
            row[idx["name"]] = f"Synthetic site {i}"
            row[idx["kind"]] = KINDS[i % 7 == 0]
            row[idx["status"]] = STATUSES[i % len(STATUSES)]
            row[idx["country"]] = isos[i]
            row[idx["lon"]] = f"{lons[i]:.6f}"
            row[idx["lat"]] = f"{lats[i]:.6f}"
            row[idx["source"]] = "synthetic benchmark data"
            row[idx["disclosure"]] = ("public", "parties", "national")[i % 3]
            w.writerow(row)


def build_db(workdir: Path, n: int) -> Path:
    from hazatlas.domain.access import SYSTEM
    from hazatlas.services import geodata
    from hazatlas.services.register import RegisterService
    from hazatlas.services.store import open_database

    path = workdir / "map.sqlite"
    db = open_database(path, migrate=True)
    geodata.load_geodata(db, rivers=False)
    csv_path = workdir / "sites.csv"
    make_csv(csv_path, n)
    report = RegisterService(db, SYSTEM).import_file(csv_path)
    assert report.establishments == n, report.to_dict()
    db.dispose()
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(db: Path, log: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    exe = Path(sys.executable).with_name("hazatlas")
    with log.open("wb") as out:
        proc = subprocess.Popen([str(exe), "serve", "--db", str(db), "--port", str(port),
                                 "--no-worker"], stdout=out, stderr=subprocess.STDOUT,
                                env={**os.environ, "HAZATLAS_DATABASE_URL": ""})
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"hazatlas serve exited: {log.read_text()}")
        try:
            if httpx.get(url + "/api/health", timeout=1).status_code == 200:
                return proc, url
        except httpx.HTTPError:
            time.sleep(0.3)
    proc.terminate()
    raise SystemExit("hazatlas serve did not start within 120 s")


def category(url: str) -> str:
    path = urlsplit(url).path
    if path.startswith("/api/map/sites"):
        return "sites"
    if path.startswith("/api/map/base/"):
        return "base map"
    if path.startswith("/api/establishments"):
        return "sites"
    return "page, scripts, styles"


def load(browser, url: str, *, wait_base: bool, setup=None) -> dict:
    """Open ``url`` in a fresh context; time to the sites mark, bytes by category."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    if setup is not None:
        setup(page)
    requests: list = []
    page.on("requestfinished", lambda r: requests.append(r))
    outside: list[str] = []
    page.on("request", lambda r: outside.append(r.url)
            if urlsplit(r.url).hostname not in (None, "127.0.0.1") and not r.url.startswith("data:")
            else None)
    page.goto(url)
    page.wait_for_function("performance.getEntriesByName('hazatlas-sites-rendered').length > 0",
                           timeout=300_000)
    ttr_ms = page.evaluate("performance.getEntriesByName('hazatlas-sites-rendered')[0].startTime")
    if wait_base:
        for layer in ("countries", "lakes", "rivers", "borders"):
            page.wait_for_function(f"document.getElementById('map').dataset.base{layer}")
    page.wait_for_load_state("networkidle")
    by: dict[str, int] = {}
    for r in requests:
        sizes = r.sizes()
        by[category(r.url)] = by.get(category(r.url), 0) + sizes["responseBodySize"] + \
            sizes["responseHeadersSize"]
    info = {"ttr_s": ttr_ms / 1000, "bytes": sum(by.values()), "by": by, "page": page,
            "context": context, "requests": len(requests)}
    if outside:
        raise SystemExit(f"requests left 127.0.0.1: {outside[:5]}")
    return info


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sites", type=int, default=100_000)
    ap.add_argument("--quick", action="store_true", help="2,000 sites (smoke test)")
    ap.add_argument("--no-baseline", action="store_true")
    args = ap.parse_args()
    n = 2_000 if args.quick else args.sites
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="hazatlas-webmap-") as tmp:
        workdir = Path(tmp)
        t0 = time.perf_counter()
        db = build_db(workdir, n)
        print(f"register: {n:,} synthetic sites built in {time.perf_counter() - t0:.1f} s")
        proc, url = start_server(db, workdir / "server.log")
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
                report(browser, url, n, baseline=not args.no_baseline)
                browser.close()
        finally:
            proc.terminate()
            proc.wait(timeout=30)


def _mb(b: int) -> str:
    return f"{b / 1e6:.2f} MB" if b >= 100_000 else f"{b / 1e3:.1f} kB"


def report(browser, url: str, n: int, *, baseline: bool) -> None:
    results = {}
    for run in ("cold", "warm"):
        info = load(browser, url + "/map", wait_base=True)
        doc_matched = int(info["page"].locator("#map").get_attribute("data-number-matched"))
        mode = info["page"].locator("#map").get_attribute("data-mode")
        info["context"].close()
        results[run] = info
        split = ", ".join(f"{k} {_mb(v)}" for k, v in sorted(info["by"].items()))
        print(f"map ({run}): first render of the sites {info['ttr_s']:.2f} s, "
              f"{_mb(info['bytes'])} transferred in {info['requests']} requests ({split}); "
              f"{doc_matched:,} sites matched, drawn as {mode}")
    # the same answer: the first view's clusters add up to N
    first = httpx.get(url + "/api/map/sites", params={"zoom": 4, "bbox": "-180,-90,180,90"}).json()
    counted = sum(f["properties"].get("count", 1) for f in first["features"])
    assert first["numberMatched"] == counted == n, (first["numberMatched"], counted, n)
    zoomed = load(browser, url + ZOOMED_VIEW, wait_base=True)
    matched = int(zoomed["page"].locator("#map").get_attribute("data-number-matched"))
    mode = zoomed["page"].locator("#map").get_attribute("data-mode")
    zoomed["context"].close()
    print(f"map zoomed in ({ZOOMED_VIEW}): first render {zoomed['ttr_s']:.2f} s, "
          f"{_mb(zoomed['bytes'])} transferred (sites {_mb(zoomed['by'].get('sites', 0))}); "
          f"{matched:,} sites in view, drawn as {mode}")
    print(f"check: {len(first['features']):,} features at zoom 4, counts sum to {counted:,} = N")
    warm = results["warm"]
    print(f"target: first render < 3 s: {'met' if warm['ttr_s'] < 3 else 'NOT met'} "
          f"(cold {results['cold']['ttr_s']:.2f} s, warm {warm['ttr_s']:.2f} s); "
          f"bytes < 5 MB: {'met' if results['cold']['bytes'] < 5e6 else 'NOT met'} "
          f"(cold {_mb(results['cold']['bytes'])})")
    if not baseline:
        return

    def naive_route(page):
        page.route(url + "/naive", lambda route: route.fulfill(
            status=200, content_type="text/html", body=NAIVE_PAGE.replace("TOTAL", str(n))))

    info = load(browser, url + "/naive", wait_base=False, setup=naive_route)
    features = int(info["page"].evaluate("document.body.dataset.features"))
    info["context"].close()
    assert features == n, (features, n)
    print(f"baseline (naive map: every site as GeoJSON from /api/establishments, one circle "
          f"marker each): first render {info['ttr_s']:.2f} s, {_mb(info['bytes'])} transferred; "
          f"{features:,} features = N")


if __name__ == "__main__":
    main()
