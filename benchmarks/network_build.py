"""Networks users bring: build a HydroRIVERS-like network of ``--size`` reaches, store it, load
it, and screen ``--sites`` sites on it against the bundled network, checking the answers agree.

What it does
------------
1. Generates a synthetic dendritic network (``hazatlas.geo.network_synthetic``: the bundled
   Natural Earth rivers cut into pieces as main stems, tributary trees grown upstream; not real
   data) and writes it as a HydroRIVERS GeoPackage (``HYRIV_ID``, ``NEXT_DOWN``, ``LENGTH_KM``,
   ``DIS_AV_CMS`` ...); with ``--osm`` also a network of the same size in the Danube box as an
   ``.osm.pbf`` (pyosmium's writer), built as well.
2. ``hazatlas network build`` (``services.networks.build_network``) into a fresh SQLite
   database: read, check, build, store. Timed, with the child process's peak RSS.
3. In a fresh process per network: load it (``load_network`` / ``RiverNetwork.load_default``),
   ``screen.prepare`` (the indexes: snapping tree, country runs, contacts, travel times) and
   the screening of the sites (``screen_sites(...).results()``). Timed, with the peak RSS.
   Three runs: the stored network as loaded (its snapping index and state runs read from the
   archive, stored there at build time), the same stored network with them built on load
   (``load_network(..., stored_index=False)``, the way before), and the bundled network. The
   answers of the first two must be identical, array by array and site by site (else exit 1).
4. In a fresh process: the snapping index and state runs read from the archive against the
   same built afresh, array by array (else exit 1); the river state runs of the stored network
   built both ways, by lon/lat cells and point by point, timed and checked equal (else exit 1);
   and the web map's layer of the network: the size and time of three views' answers.
5. Compares the answers site by site. Sites: half *on the main stems* (points on the bundled
   reach lines, moved about 10 m), half random points on land in the Danube/Tisza/Sava box
   (lon 13-30, lat 42-49). Where they must agree (else exit 1): the nearest border (country
   and km) of every site, and for on-stem sites snapped to a piece of the same bundled reach
   in both, the river km to the outlet (within 1 %: the pieces keep the bundled lengths).
   Printed as well: the mean hours to the outlet, the countries downstream in order and their
   km and hours, which differ where they should (border runs are smoothed within each reach,
   and a piece mostly inside a lake becomes a lake reach where its whole reach was not).

    .venv/bin/python benchmarks/network_build.py                      # 1 000 000 reaches, 100 000 sites
    .venv/bin/python benchmarks/network_build.py --quick              # 20 000 reaches, 2 000 sites
    .venv/bin/python benchmarks/network_build.py --size 200000 --sites 20000 --osm
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

LAND_BOX = (13.0, 42.0, 30.0, 49.0)
OSM_BOX = (8.0, 41.0, 30.0, 50.0)


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def make_sites(n: int, seed: int) -> dict[str, np.ndarray]:
    from hazatlas.geo.network import RiverNetwork

    rng = np.random.default_rng(seed)
    net = RiverNetwork.load_default()
    on = n // 2
    lengths = np.array([g.length for g in net.geometry])
    reach = rng.choice(len(net), on, p=lengths / lengths.sum())
    frac = rng.random(on)
    pts = np.array(
        [
            net.geometry[r].interpolate(f, normalized=True).coords[0]
            for r, f in zip(reach, frac, strict=False)
        ]
    )
    pts = pts + rng.normal(0.0, 0.0001, pts.shape)  # about 10 m
    rnd = np.column_stack(
        [
            rng.uniform(LAND_BOX[0], LAND_BOX[2], n - on),
            rng.uniform(LAND_BOX[1], LAND_BOX[3], n - on),
        ]
    )
    xy = np.vstack([pts, rnd])
    kind = np.array([1] * on + [0] * (n - on))
    return {"lon": xy[:, 0], "lat": xy[:, 1], "on_stem": kind}


# --------------------------------------------------------------------------- children
def child_build(db_url: str, path: str, name: str) -> None:
    from hazatlas.domain.access import SYSTEM
    from hazatlas.services.networks import build_network
    from hazatlas.services.store import open_database

    db = open_database(db_url, migrate=True)
    t = time.perf_counter()
    doc = build_network(db, SYSTEM, Path(path), name, replace=True)
    print(json.dumps({"build_s": time.perf_counter() - t, "peak_rss_mb": rss_mb(),
                      "summary": doc["summary"]}))  # fmt: skip


def child_screen(db_url: str, name: str, sites_path: str, out_path: str, how: str = "") -> None:
    """Load (``how`` "fresh": the stored network with its indexes built as before, not read
    from the archive), prepare and screen; the answers to ``out_path``."""
    from hazatlas.geo.network import RiverNetwork
    from hazatlas.services import screen
    from hazatlas.services.networks import load_network
    from hazatlas.services.store import open_database

    with np.load(sites_path) as f:
        lon, lat = f["lon"], f["lat"]
    sites = [
        screen.Site(f"s{i}", float(x), float(y))
        for i, (x, y) in enumerate(zip(lon, lat, strict=False))
    ]
    t0 = time.perf_counter()
    if name == "bundled":
        net = RiverNetwork.load_default()
    else:
        net = load_network(open_database(db_url), name, stored_index=how != "fresh")
    t1 = time.perf_counter()
    screen.prepare(net)
    t2 = time.perf_counter()
    results = screen.screen_sites(sites, network=net).results()
    t3 = time.perf_counter()
    rid = [r["reach_id"] for r in results]
    np.savez(
        out_path,
        nb_country=np.array([r["nearest_border"]["country"] or "" for r in results], dtype="<U3"),
        nb_km=np.array(
            [r["nearest_border"]["distance_km"] or np.nan for r in results], dtype=float
        ),
        reach_id=np.array([-1 if x is None else x for x in rid], dtype=np.int64),
        outlet=np.array(
            [
                [np.nan, np.nan]
                if not r.get("outlet")
                else [r["outlet"]["river_km"], r["outlet"]["travel_time_h"]["mean"]]
                for r in results
            ],
            dtype=float,
        ),  # fmt: skip
        downstream=np.array(
            [
                json.dumps(
                    [
                        [d["country"], d["river_km"], d["travel_time_h"]["mean"]]
                        for d in r["downstream"]
                    ]
                )
                for r in results
            ],
            dtype=object,
        ),  # fmt: skip
    )
    print(json.dumps({"load_s": t1 - t0, "prepare_s": t2 - t1, "screen_s": t3 - t2,
                      "reaches": len(net), "peak_rss_mb": rss_mb(),
                      "stored_index": net.index.stored}))  # fmt: skip


def child_check(db_url: str, name: str) -> None:
    """The river state runs of the stored network built the fast way (countries and border
    proximity by lon/lat cells, ``cells=True``, what ``screen.prepare`` does) and point by point
    (``cells=False``, the way before), each timed from the same snapping index; they must be
    equal. Then the web map's layer of the network (:mod:`hazatlas.services.network_map`):
    its arrays, and the answers for three views with their size (raw and gzip) and time."""
    import gzip

    from hazatlas.geo import borders, paths
    from hazatlas.services import network_map
    from hazatlas.services.networks import load_network
    from hazatlas.services.store import open_database

    db = open_database(db_url)
    net = load_network(db, name)
    # the indexes read from the archive against the same built afresh: array by array
    fresh = load_network(db, name, stored_index=False)
    a, b = net.index.snap, fresh.index.snap
    stored_same = bool(net.index.stored) and all(
        np.array_equal(getattr(a.segments, k), getattr(b.segments, k))
        and getattr(a.segments, k).dtype == getattr(b.segments, k).dtype
        for k in ("lon", "lat", "feature", "is_first", "is_last", "xyz", "along")
    )
    stored_same &= np.array_equal(a.scale, b.scale) and np.array_equal(a.river_key, b.river_key)
    ra, rb = net.index.runs, fresh.index.runs
    stored_same &= ra.state == rb.state and np.array_equal(ra.ptr, rb.ptr)
    stored_same &= np.array_equal(ra.pos, rb.pos) and np.array_equal(ra.code, rb.code)
    stored_same &= all(np.array_equal(x, y) for x, y in zip(ra.start, rb.start, strict=True))
    del fresh, a, b, ra, rb
    borders.prepare()
    # the lookups both builds share, built before either is timed (else the first one pays
    # for them and the second finds them ready)
    paths._border_index()
    paths._all_codes()
    borders._border_cells(paths.BORDER_TOLERANCE_M)
    snap = net.index.snap
    t0 = time.perf_counter()
    slow = paths.RiverRuns.build(net, snap, cells=False)
    t1 = time.perf_counter()
    fast = paths.RiverRuns.build(net, snap, cells=True)
    t2 = time.perf_counter()
    same = (
        slow.state == fast.state
        and all(np.array_equal(a, b) for a, b in zip(slow.start, fast.start, strict=True))
        and np.array_equal(slow.ptr, fast.ptr)
        and np.array_equal(slow.pos, fast.pos)
    )
    t3 = time.perf_counter()
    layer = network_map.NetworkLayer.of(net, name)
    t4 = time.perf_counter()
    views = []
    for zoom, box in ((5, (5.0, 40.0, 35.0, 52.0)), (8, (18.0, 44.0, 22.0, 47.0)),
                      (11, (20.3, 44.7, 20.6, 44.9))):  # fmt: skip
        t = time.perf_counter()
        doc = layer.geojson(zoom, box)
        body = json.dumps(doc, separators=(",", ":")).encode()
        gz = gzip.compress(body, compresslevel=5)
        views.append({"zoom": zoom, "bbox": box, "s": time.perf_counter() - t,
                      "matched": doc["numberMatched"], "returned": doc["numberReturned"],
                      "bytes": len(body), "gzip_bytes": len(gz)})  # fmt: skip
    print(json.dumps({"runs_points_s": t1 - t0, "runs_cells_s": t2 - t1, "same": bool(same),
                      "stored_same": bool(stored_same),
                      "runs": int(fast.ptr[-1]), "layer_s": t4 - t3, "views": views}))  # fmt: skip


def spawn(*args: str, refusal_ok: bool = False) -> dict[str, Any]:
    t = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, __file__, "--child", *args], capture_output=True, text=True, check=False
    )
    if proc.returncode != 0 and refusal_ok and "ValidationError" in proc.stderr:
        return {"refused": proc.stderr.strip().splitlines()[-3:]}
    if proc.returncode != 0:
        sys.exit(f"child {args[0]} failed:\n{proc.stderr[-4000:]}")
    out: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    out["process_s"] = time.perf_counter() - t
    return out


# --------------------------------------------------------------------------- comparison
def _same_npz(a_path: str, b_path: str) -> bool:
    """Whether two answer files hold the same arrays, exactly (nan equal to nan)."""
    with np.load(a_path, allow_pickle=True) as fa, np.load(b_path, allow_pickle=True) as fb:
        if sorted(fa.files) != sorted(fb.files):
            return False
        for k in fa.files:
            x, y = fa[k], fb[k]
            if x.dtype != y.dtype or x.shape != y.shape:
                return False
            nan_ok = x.dtype.kind == "f"
            if not np.array_equal(x, y, equal_nan=nan_ok):
                return False
    return True


def compare(a_path: str, b_path: str, on_stem: np.ndarray, element: np.ndarray) -> dict[str, float]:
    """``a``: the synthetic network's answers, ``b``: the bundled one's; ``element``: the bundled
    reach of each synthetic reach (0 for tributaries), by synthetic reach id - FIRST_ID."""
    from hazatlas.geo.network_synthetic import FIRST_ID

    with np.load(a_path, allow_pickle=True) as fa, np.load(b_path, allow_pickle=True) as fb:
        a = {k: fa[k] for k in fa.files}
        b = {k: fb[k] for k in fb.files}
    a["base"] = np.where(
        a["reach_id"] >= FIRST_ID, element[np.maximum(a["reach_id"] - FIRST_ID, 0)], -1
    )
    b["base"] = b["reach_id"]
    n = len(on_stem)
    same_border = (a["nb_country"] == b["nb_country"]) & (
        np.abs(np.nan_to_num(a["nb_km"]) - np.nan_to_num(b["nb_km"])) <= 1e-6
    )
    same_reach = on_stem.astype(bool) & (a["base"] == b["base"]) & (a["base"] > 0)
    outlet_km = same_reach & np.isclose(a["outlet"][:, 0], b["outlet"][:, 0], rtol=0.01, atol=0.1)
    outlet_h = same_reach & np.isclose(a["outlet"][:, 1], b["outlet"][:, 1], rtol=0.02, atol=0.5)
    same_countries = agree = 0
    for i in np.flatnonzero(same_reach):
        da, db = json.loads(a["downstream"][i]), json.loads(b["downstream"][i])
        ok = [c for c, _, _ in da] == [c for c, _, _ in db]
        same_countries += ok
        for (_, ka, ta), (_, kb, tb) in zip(da, db, strict=False):
            ok &= abs(ka - kb) <= max(0.02 * kb, 0.5) and abs(ta - tb) <= max(0.02 * tb, 0.5)
        agree += bool(ok)
    m = max(int(same_reach.sum()), 1)
    return {
        "sites": n,
        "same nearest border (%)": 100.0 * same_border.mean(),
        "on-stem sites on the same bundled reach (%)": 100.0 * same_reach.sum() / max(on_stem.sum(), 1),
        "of those, same river km to the outlet within 1 % (%)": 100.0 * outlet_km.sum() / m,
        "of those, same mean hours to the outlet within 2 % (%)": 100.0 * outlet_h.sum() / m,
        "of those, same countries downstream in order (%)": 100.0 * same_countries / m,
        "of those, also their km and mean h within 2 % (%)": 100.0 * agree / m,
    }  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", type=int, default=1_000_000, help="reaches of the network")
    ap.add_argument("--sites", type=int, default=100_000, help="sites to screen")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--osm", action="store_true", help="also write and build an .osm.pbf")
    ap.add_argument("--quick", action="store_true", help="20 000 reaches, 2 000 sites")
    ap.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        kind, *rest = args.child
        {"build": child_build, "screen": child_screen, "check": child_check}[kind](*rest)
        return
    if args.quick:
        args.size, args.sites = 20_000, 2_000
    from hazatlas.formats.network_files import write_hydrorivers, write_osm
    from hazatlas.geo.network_synthetic import hydrorivers_columns, synthetic_network

    tmp = Path(tempfile.mkdtemp(prefix="hazatlas-network-"))
    db_url = f"sqlite:///{tmp / 'bench.sqlite'}"
    t = time.perf_counter()
    table = synthetic_network(args.size, args.seed)
    t_gen = time.perf_counter() - t
    gpkg = tmp / "synthetic_hydrorivers.gpkg"
    t = time.perf_counter()
    write_hydrorivers(gpkg, hydrorivers_columns(table), table)
    t_write = time.perf_counter() - t
    print(f"synthetic network: {len(table):,} reaches, {len(table.coords):,} vertices; "
          f"generated in {t_gen:.1f} s, GeoPackage written in {t_write:.1f} s "
          f"({gpkg.stat().st_size / 1e6:.0f} MB)")  # fmt: skip
    built = spawn("build", db_url, str(gpkg), "synthetic")
    print(f"network build (HydroRIVERS GeoPackage -> checked, stored): {built['build_s']:.1f} s, "
          f"process {built['process_s']:.1f} s, peak RSS {built['peak_rss_mb']:.0f} MB; "
          f"{built['summary']}")  # fmt: skip
    if args.osm:
        pbf = tmp / "synthetic.osm.pbf"
        t = time.perf_counter()
        # in the Danube box: elsewhere some Natural Earth lines are drawn against their
        # next_down (the Ganges delta), which the OpenStreetMap reader rightly refuses
        otable = synthetic_network(args.size, args.seed, bbox=OSM_BOX)
        way = np.where(otable.element > 0, otable.element, 10**9 + np.arange(len(otable)))
        write_osm(pbf, otable, way)
        print(f".osm.pbf written in {time.perf_counter() - t:.1f} s "
              f"({pbf.stat().st_size / 1e6:.0f} MB)")  # fmt: skip
        # random tributaries may pass within GAP_M of a river's mouth, which the reader
        # rightly calls a disconnected piece: shown, not fatal
        osm = spawn("build", db_url, str(pbf), "synthetic-osm", refusal_ok=True)
        if "refused" in osm:
            print("network build (.osm.pbf) refused the synthetic file:", *osm["refused"])
        else:
            print(f"network build (.osm.pbf): {osm['build_s']:.1f} s, peak RSS "
                  f"{osm['peak_rss_mb']:.0f} MB; {osm['summary']}")  # fmt: skip
    sites = make_sites(args.sites, args.seed)
    sites_path = str(tmp / "sites.npz")
    np.savez(sites_path, **sites)
    res = {}
    # "synthetic": as loaded, its snapping index and state runs read from the archive;
    # "synthetic-fresh": the same stored network with them built on load (the way before)
    for name, how in (("synthetic", ""), ("synthetic-fresh", "fresh"), ("bundled", "")):
        base = name.split("-")[0]
        res[name] = spawn("screen", db_url, base, sites_path, str(tmp / f"{name}.npz"), how)
    print(f"\nscreening {args.sites:,} sites (fresh process each):")
    print(f"{'network':<17}{'reaches':>10}{'load s':>9}{'prepare s':>11}{'screen s':>10}"
          f"{'sites/s':>10}{'peak RSS MB':>13}")  # fmt: skip
    for name, r in res.items():
        print(f"{name:<17}{r['reaches']:>10,}{r['load_s']:>9.1f}{r['prepare_s']:>11.1f}"
              f"{r['screen_s']:>10.1f}{args.sites / r['screen_s']:>10,.0f}{r['peak_rss_mb']:>13.0f}")  # fmt: skip
    same_answers = _same_npz(str(tmp / "synthetic.npz"), str(tmp / "synthetic-fresh.npz"))
    print(f"indexes read from the archive: {res['synthetic']['stored_index']}; answers equal to "
          f"those with the indexes built, array by array and site by site: {same_answers}")  # fmt: skip
    chk = spawn("check", db_url, "synthetic")
    print(f"\nriver state runs of the synthetic network ({chk['runs']:,} runs), same snapping "
          f"index: point by point {chk['runs_points_s']:.1f} s, by cells {chk['runs_cells_s']:.1f} s"
          f" ({chk['runs_points_s'] / chk['runs_cells_s']:.1f}x); identical: {chk['same']}")  # fmt: skip
    print(f"web map layer of the synthetic network: arrays {chk['layer_s']:.1f} s (once); views:")
    for v in chk["views"]:
        print(f"  zoom {v['zoom']:>2} bbox {v['bbox']}: {v['matched']:,} reaches in view, "
              f"{v['returned']:,} sent, {v['bytes'] / 1e3:,.0f} kB ({v['gzip_bytes'] / 1e3:,.0f} kB "
              f"gzip) in {v['s'] * 1e3:.0f} ms")  # fmt: skip
    print(f"snapping index and state runs read from the archive equal those built, array by "
          f"array: {chk['stored_same']}")  # fmt: skip
    total = {k: r["prepare_s"] + r["screen_s"] for k, r in res.items()}
    every = {k: r["load_s"] + r["prepare_s"] + r["screen_s"] for k, r in res.items()}
    for what, t in (("prepare + screening", total), ("load + prepare + screening", every)):
        print(f"{what}: synthetic {t['synthetic']:.1f} s ({t['synthetic'] / t['bundled']:.2f}x "
              f"the bundled network), built on load {t['synthetic-fresh']:.1f} s "
              f"({t['synthetic-fresh'] / t['bundled']:.2f}x), bundled {t['bundled']:.1f} s")  # fmt: skip
    cmp = compare(
        str(tmp / "synthetic.npz"), str(tmp / "bundled.npz"), sites["on_stem"], table.element
    )
    print("\nagreement with the bundled network:")
    for k, v in cmp.items():
        print(f"  {k}: {v:.1f}" if isinstance(v, float) else f"  {k}: {v}")
    # what must agree: the nearest border (the network plays no part) and the distance along
    # the same main stem to the outlet (the pieces keep the bundled lengths). The rest differs
    # where it should: the border smoothing runs within each reach (shorter pieces, other runs)
    # and a piece mostly inside a lake is a lake reach where its whole reach was not (and the
    # reverse); see docs/screening.md
    if not chk["same"]:
        sys.exit("the river state runs by cells differ from the point-by-point ones")
    if not (chk["stored_same"] and same_answers and res["synthetic"]["stored_index"]):
        sys.exit("the indexes read from the archive, or the answers with them, differ from "
                 "those built")  # fmt: skip
    if (
        cmp["same nearest border (%)"] < 100.0
        or cmp["of those, same river km to the outlet within 1 % (%)"] < 99.0
    ):
        sys.exit("answers differ where they should agree")


if __name__ == "__main__":
    main()
