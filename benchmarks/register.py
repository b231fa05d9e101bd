"""Register benchmark: CSV import of N synthetic establishments (3 inventory lines each) inside
the programme region, bounding-box query latency (median and p95 over 200 random boxes) and
peak memory, on SQLite and on PostGIS.

    python benchmarks/register.py            # 100,000 establishments, both backends
    python benchmarks/register.py --quick    # 2,000 establishments (smoke test)

Each backend runs in its own child process so that its peak memory (ru_maxrss) is its own.
Targets on the 2-core reference machine: import of 100,000 establishments < 60 s; bbox p95 < 50 ms.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import numpy as np
import shapely

REGION = (13.0, 38.0, 75.0, 53.0)  # lon/lat box over the Danube basin to Central Asia
SUBSTANCES = [
    ("Chlorine", "7782-50-5", "H270;H315;H319;H331;H335;H400"),
    ("Ammonia, anhydrous", "7664-41-7", "H221;H280;H314;H331;H410"),
    ("Sodium cyanide", "143-33-9", "H290;H300;H310;H330;H372;H410"),
    ("Methanol", "67-56-1", "H225;H301;H311;H331;H370"),
    ("Sulphuric acid", "7664-93-9", "H290;H314"),
]


def _sample_points(rng: np.random.Generator, polys: dict, n: int) -> tuple[list, list, list]:
    """``n`` points uniform over the land of REGION, each with the country it lies in.

    Uniform points in the REGION box are kept where they fall inside a country: one vectorised
    point-in-polygon test per country (prepared polygon, points within its bounding box).
    """
    lons: list[float] = []
    lats: list[float] = []
    isos: list[str] = []
    while len(lons) < n:
        x = rng.uniform(REGION[0], REGION[2], 4 * n)
        y = rng.uniform(REGION[1], REGION[3], 4 * n)
        owner = np.full(x.shape, -1)
        codes = list(polys)
        for k, code in enumerate(codes):
            geom = polys[code]
            minx, miny, maxx, maxy = geom.bounds
            cand = np.flatnonzero(
                (x >= minx) & (x <= maxx) & (y >= miny) & (y <= maxy) & (owner < 0)
            )
            if cand.size:
                shapely.prepare(geom)
                owner[cand[shapely.contains_xy(geom, x[cand], y[cand])]] = k
        keep = np.flatnonzero(owner >= 0)[: n - len(lons)]
        lons.extend(x[keep].tolist())
        lats.extend(y[keep].tolist())
        isos.extend(codes[k] for k in owner[keep].tolist())
    return lons, lats, isos


def make_file(path: Path, n: int, seed: int = 1) -> None:
    from hazatlas.formats.register_rows import COLUMNS
    from hazatlas.services.geodata import country_polygons

    rng = np.random.default_rng(seed)
    lons, lats, isos = _sample_points(rng, country_polygons(), n)
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(COLUMNS)
        idx = {c: i for i, c in enumerate(COLUMNS)}
        for i in range(n):
            base = [""] * len(COLUMNS)
            base[idx["establishment_id"]] = f"SYN-{i:06d}"
            base[idx["name"]] = f"Synthetic site {i}"
            base[idx["country"]] = isos[i]
            base[idx["lon"]] = f"{lons[i]:.6f}"
            base[idx["lat"]] = f"{lats[i]:.6f}"
            base[idx["source"]] = "synthetic benchmark data"
            base[idx["disclosure"]] = ("public", "parties", "national")[i % 3]
            for k in range(3):
                name, cas, hs = SUBSTANCES[(i + k) % len(SUBSTANCES)]
                row = list(base)
                row[idx["substance_name"]] = name
                row[idx["cas_number"]] = cas
                row[idx["hazard_statements"]] = hs
                row[idx["quantity"]] = f"{(i * 7 + k * 13) % 500 + 1}"
                row[idx["unit"]] = "t"
                row[idx["quantity_basis"]] = "illustrative"
                w.writerow(row)


def run_backend(url: str, csv_path: Path, boxes: int = 200) -> dict[str, float]:
    from hazatlas.domain.access import SYSTEM
    from hazatlas.services.register import RegisterService
    from hazatlas.storage import repositories as repo
    from hazatlas.storage.db import Database
    from hazatlas.storage.spatial import BBox

    db = Database(url)
    db.migrate()
    svc = RegisterService(db, SYSTEM)
    t0 = time.perf_counter()
    report = svc.import_file(csv_path)
    t_import = time.perf_counter() - t0
    t0 = time.perf_counter()
    again = svc.import_file(csv_path)
    t_reimport = time.perf_counter() - t0
    assert again.summary.to_dict()["unchanged"] == report.establishments
    rng = random.Random(3)
    lat_ms = []
    counts = []
    for _ in range(boxes):
        w, h = rng.uniform(0.2, 2.0), rng.uniform(0.2, 2.0)
        x, y = rng.uniform(REGION[0], REGION[2] - w), rng.uniform(REGION[1], REGION[3] - h)
        t0 = time.perf_counter()
        with db.transaction() as s:
            ids, total = repo.query_ids(s, repo.Query(bbox=BBox(x, y, x + w, y + h), limit=100))
            repo.get_many(s, ids)
        lat_ms.append((time.perf_counter() - t0) * 1000)
        counts.append(total)
    db.dispose()
    lat_ms.sort()
    return {
        "establishments": report.establishments,
        "import_s": t_import,
        "reimport_unchanged_s": t_reimport,
        "bbox_median_ms": statistics.median(lat_ms),
        "bbox_p95_ms": lat_ms[int(0.95 * len(lat_ms)) - 1],
        "bbox_mean_matches": statistics.mean(counts),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def child(backend: str, csv_path: Path, workdir: Path) -> dict[str, float]:
    if backend == "sqlite":
        return run_backend(str(workdir / "bench.sqlite"), csv_path)
    from sqlalchemy import create_engine, text

    admin_url = os.environ.get(
        "HAZATLAS_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres"
    )
    admin = create_engine(
        "postgresql+psycopg://" + admin_url.split("://", 1)[1], isolation_level="AUTOCOMMIT"
    )
    name = f"hazatlas_bench_{uuid.uuid4().hex[:8]}"
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        return run_backend(admin_url.rsplit("/", 1)[0] + "/" + name, csv_path)
    finally:
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("-n", type=int, default=100_000, help="number of establishments")
    ap.add_argument("--quick", action="store_true", help="2,000 establishments")
    ap.add_argument("--backends", default="sqlite,postgis")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--csv", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(child(args.child, Path(args.csv), Path(args.csv).parent)))
        return
    n = 2_000 if args.quick else args.n
    with tempfile.TemporaryDirectory() as tmp:
        csv_path = Path(tmp) / "register.csv"
        t0 = time.perf_counter()
        make_file(csv_path, n)
        print(
            f"generated {n:,} establishments x 3 lines ({csv_path.stat().st_size / 1e6:.1f} MB) "
            f"in {time.perf_counter() - t0:.1f} s"
        )
        for backend in args.backends.split(","):
            print(f"load average before {backend}: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
            proc = subprocess.run(
                [sys.executable, __file__, "--child", backend, "--csv", str(csv_path)],
                capture_output=True,
                text=True,
            )
            if proc.returncode != 0:
                print(f"{backend}: FAILED\n{proc.stderr[-2000:]}")
                sys.exit(1)
            r = json.loads(proc.stdout.strip().splitlines()[-1])
            print(
                f"{backend:8s} import {r['import_s']:6.1f} s ({r['establishments'] / r['import_s']:,.0f}/s) | "
                f"re-import unchanged {r['reimport_unchanged_s']:5.1f} s | bbox median "
                f"{r['bbox_median_ms']:5.1f} ms p95 {r['bbox_p95_ms']:5.1f} ms "
                f"(mean {r['bbox_mean_matches']:.0f} matches, first 100 read) | peak RSS "
                f"{r['peak_rss_mb']:.0f} MB"
            )


if __name__ == "__main__":
    main()
