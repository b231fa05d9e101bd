"""Bulk screening benchmark: hazatlas vectorised screening vs a straightforward baseline.

Screens N synthetic establishments across the region (lon -10..80, lat 30..60; on land; half
of them placed within 15 km of a river) and, in the same run, times a baseline built the
obvious way: GeoPandas ``sjoin_nearest`` for the nearest land border and the nearest reach
(projected CRS), plus a networkx path walk per site that adds up river distance and travel
time under low/mean/high flow and notes country changes. Prints both times and the ratio.

    .venv/bin/python benchmarks/screen.py            # 100 000 sites, best of 2 runs each
    .venv/bin/python benchmarks/screen.py --quick    # 2 000 sites, one run, a few seconds

Times are wall-clock and CPU time of the process (the CPU time is less disturbed when other
work loads the machine); the speed-up is given for both, from the best run of each side.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from hazatlas.domain.establishment import Establishment, EstablishmentKind
from hazatlas.domain.inventory import InventoryItem
from hazatlas.domain.tailings import TailingsDetails
from hazatlas.geo.borders import countries_at, prepare
from hazatlas.geo.network import RiverNetwork
from hazatlas.geo.snapping import _index
from hazatlas.services.screen import screen_establishments


def synthetic_establishments(n: int, net: RiverNetwork, seed: int = 42) -> list[Establishment]:
    rng = np.random.default_rng(seed)
    index, _ = _index(net)
    lon = np.empty(0)
    lat = np.empty(0)
    while len(lon) < n:
        m = 2 * n
        near = rng.random(m) < 0.5
        v = rng.integers(0, len(index.lon), m)
        x = np.where(near, index.lon[v] + rng.normal(0, 0.08, m), rng.uniform(-10, 80, m))
        y = np.where(near, index.lat[v] + rng.normal(0, 0.06, m), rng.uniform(30, 60, m))
        inside = (x > -10) & (x < 80) & (y > 30) & (y < 60)
        x, y = x[inside], y[inside]
        land = countries_at(x, y) != ""
        lon, lat = np.concatenate([lon, x[land]]), np.concatenate([lat, y[land]])
    country = countries_at(lon[:n], lat[:n])
    out = []
    for i in range(n):
        tmf = i % 10 == 0
        out.append(
            Establishment(
                f"S{i:06d}", f"site {i}", str(country[i]), float(lon[i]), float(lat[i]),
                kind=EstablishmentKind.TAILINGS if tmf else EstablishmentKind.INDUSTRIAL,
                tailings=TailingsDetails(stored_volume_m3=1e6 + i, dam_height_m=15.0) if tmf else None,
                inventory=[InventoryItem("substance", 1000.0 * (1 + i % 97), water_hazard_class=1 + i % 3,
                                         seveso_categories=("E1",) if i % 3 == 0 else ())],
            )
        )  # fmt: skip
    return out


def baseline(ests: list[Establishment], net: RiverNetwork) -> tuple[float, list]:
    """GeoPandas sjoin_nearest + networkx path walk per site (the straightforward way)."""
    import geopandas as gpd
    import networkx as nx
    import shapely

    from hazatlas.domain.reference import data_path

    crs = "+proj=aeqd +lat_0=47 +lon_0=35 +datum=WGS84 +units=m"
    borders = gpd.read_file(data_path("geo", "boundaries", "land_borders_derived.geojson"))
    borders = borders.explode(index_parts=False).to_crs(crs)
    countries = gpd.read_file(
        data_path("geo", "boundaries", "ne10m_admin0_countries_region.geojson")
    )
    reaches = gpd.GeoDataFrame(
        {"reach": np.arange(len(net))}, geometry=list(net.geometry), crs="EPSG:4326"
    )
    mid = gpd.GeoDataFrame(
        {"reach": np.arange(len(net))},
        geometry=shapely.line_interpolate_point(
            np.asarray(net.geometry, dtype=object), 0.5, normalized=True
        ),
        crs="EPSG:4326",
    )
    reach_country = (
        gpd.sjoin(mid, countries[["adm0_a3", "geometry"]], how="left")
        .groupby("reach")["adm0_a3"]
        .first()
    )
    reaches_p = reaches.to_crs(crs)
    graph = nx.DiGraph()
    graph.add_nodes_from(range(len(net)))
    graph.add_edges_from((i, int(d)) for i, d in enumerate(net.downstream) if d >= 0)
    vel = {f: net.hydraulics(f).velocity_m_s for f in ("low", "mean", "high")}
    t0 = time.perf_counter()
    pts = gpd.GeoDataFrame(
        {"id": [e.id for e in ests]},
        geometry=gpd.points_from_xy([e.lon for e in ests], [e.lat for e in ests]),
        crs="EPSG:4326",
    ).to_crs(crs)
    nb = gpd.sjoin_nearest(
        pts, borders[["adm0_a3_a", "adm0_a3_b", "geometry"]], distance_col="d_border"
    )
    nb = nb[~nb.index.duplicated()]
    nr = gpd.sjoin_nearest(pts, reaches_p, max_distance=20_000, distance_col="d_reach")
    nr = nr[~nr.index.duplicated()]
    results = []
    for reach in nr["reach"].to_numpy():
        if reach != reach:
            results.append(None)
            continue
        dist = 0.0
        times = dict.fromkeys(vel, 0.0)
        seen = [reach_country.get(int(reach))]
        out = []
        for r in nx.dfs_preorder_nodes(graph, int(reach)):
            c = reach_country.get(r)
            if c not in seen:
                seen.append(c)
                out.append((c, dist, dict(times)))
            dist += net.length_m[r]
            for f in vel:
                times[f] += net.length_m[r] / vel[f][r]
        results.append(out)
    return time.perf_counter() - t0, results


def _timed(fn: Callable[[], Any]) -> tuple[float, float, Any]:
    """(wall s, CPU s of this process, result) of one call."""
    wall, cpu = time.perf_counter(), time.process_time()
    out = fn()
    return time.perf_counter() - wall, time.process_time() - cpu, out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="2 000 sites instead of 100 000, one run")
    ap.add_argument("-n", type=int, default=None, help="number of sites")
    ap.add_argument("--runs", type=int, default=None, help="runs of each side (default 2)")
    args = ap.parse_args()
    n = args.n or (2_000 if args.quick else 100_000)
    runs = args.runs or (1 if args.quick else 2)
    t = time.perf_counter()
    net = RiverNetwork.load_default()
    prepare()  # the spatial indexes of all country borders (one-off, cached)
    screen_establishments(synthetic_establishments(50, net, seed=1), network=net)  # warm caches
    print(f"network load + one-off preparation: {time.perf_counter() - t:.2f} s")
    ests = synthetic_establishments(n, net)
    fast, dicts, geo, slow = [], [], [], []
    for _ in range(runs):
        wall, cpu, batch = _timed(lambda: screen_establishments(ests, network=net))
        fast.append((wall, cpu))
        w2, c2, _ = _timed(batch.results)
        dicts.append((wall + w2, cpu + c2))
        geo.append(_timed(lambda: screen_establishments(ests, network=net, indices=lambda e: {})))
    for _ in range(runs):
        wall, cpu, _ = _timed(lambda: baseline(ests, net))
        slow.append((wall, cpu))
    with_path = int((batch.reach_index >= 0).sum())
    stages = ", ".join(f"{k} {v:.2f}" for k, v in batch.timings_s.items())
    best = {name: (min(w for w, _ in v), min(c for _, c in v)) for name, v in
            (("fast", fast), ("dicts", dicts), ("geo", [g[:2] for g in geo]), ("slow", slow))}  # fmt: skip
    print(f"sites: {n} ({with_path} with a receiving reach); best of {runs} run(s), wall / CPU s")
    print(
        "hazatlas, full result (borders, reaches, downstream countries, travel times, flags, "
        f"WRI/THI) as a ScreeningBatch: {best['fast'][0]:.2f} / {best['fast'][1]:.2f} s "
        f"({n / best['fast'][0]:,.0f} sites/s)"
    )
    print(f"  stages of the last run (wall s): {stages}")
    print(f"  + JSON-ready dicts for all sites (.results()): {best['dicts'][0]:.2f} / "
          f"{best['dicts'][1]:.2f} s")  # fmt: skip
    print(
        f"  geographic screening only (no indices): {best['geo'][0]:.2f} / {best['geo'][1]:.2f} s"
    )
    print(
        "baseline (GeoPandas sjoin_nearest + networkx walk per site, no indices): "
        f"{best['slow'][0]:.2f} / {best['slow'][1]:.2f} s"
    )
    print("  all runs (wall s): hazatlas " + ", ".join(f"{w:.2f}" for w, _ in fast)
          + "; baseline " + ", ".join(f"{w:.2f}" for w, _ in slow))  # fmt: skip
    for label, key in (
        ("full result", "fast"),
        ("full result + dicts", "dicts"),
        ("geographic part", "geo"),
    ):
        ratio_w = best["slow"][0] / best[key][0]
        ratio_c = best["slow"][1] / best[key][1]
        print(f"speed-up, {label}: {ratio_w:.1f}x wall, {ratio_c:.1f}x CPU (target >= 10x)")


if __name__ == "__main__":
    main()
