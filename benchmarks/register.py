"""Register benchmark: CSV import of N synthetic establishments (3 inventory lines each) inside
the programme region, bounding-box query latency (median and p95 over 200 random boxes), peak
memory, and export to CSV, XLSX, GeoJSON and GeoPackage, on SQLite and on PostGIS.

    python benchmarks/register.py            # 100,000 establishments, both backends
    python benchmarks/register.py --quick    # 2,000 establishments (smoke test)
    python benchmarks/register.py -n 20000 --formats csv,gpkg --no-baseline
    python benchmarks/register.py --baseline main --repeat 2   # exports: this tree vs main
    python benchmarks/register.py --database URL --baseline main  # exports of an existing DB

Each backend runs in its own child process so that its peak memory (ru_maxrss) is its own.
Targets on the 2-core reference machine: import of 100,000 establishments < 60 s; bbox p95 < 50 ms.

Export phase: the imported register's identification is computed and stored first (timed on
its own: a bulk import leaves it to be computed when next read), then each export runs cold in
a fresh process (so the import's memory does not count), as the administrator, to a file:
wall time, that process's CPU time (user + system; on PostGIS the server's is not in it) and
its peak RSS. The baseline is the whole package of another git revision (``--baseline REV``,
default BASELINE_REV: the previous, in-memory implementation; ``--baseline main`` to compare a
branch with main), extracted with ``git archive`` and run the same way on the same database,
alternating with this tree's (``--repeat N`` times each; the best wall time is shown, all of
them are listed). The two files are then checked to hold the same rows: CSV and GeoJSON byte
for byte, XLSX every part of the archive byte for byte ("identical") or else the cell texts
("same cells", e.g. against openpyxl's XML), GeoPackage every table's rows (R-tree included,
the layer's date aside) or else the attributes and points ("same features", e.g. against
GDAL's file), or else, for a baseline older than columns added since, the same values in the
baseline's columns with the added columns empty ("same in the baseline's columns"); any other
difference stops the benchmark. Every exported row must carry its stored Seveso tier.
Target: each export of 100,000 establishments (300,000 rows) < 10 s and < 300 MB.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
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

BASELINE_REV = "88fb7760bd85e7797d9cfd7530a2ce559e1dded1"  # before streaming exports
FORMATS = ("csv", "xlsx", "geojson", "gpkg")
REPO = Path(__file__).resolve().parent.parent
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
    from hazatlas.formats.register_columns import COLUMNS
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


def baseline_tree(rev: str, workdir: Path) -> Path:
    """The ``src`` directory of git revision ``rev`` of this repository, extracted into
    ``workdir`` (the whole package: moving code between modules does not break it)."""
    dest = workdir / "baseline"
    if not dest.exists():
        dest.mkdir()
        archive = subprocess.run(["git", "-C", str(REPO), "archive", rev, "src"],
                                 capture_output=True, check=True).stdout
        subprocess.run(["tar", "-x", "-C", str(dest)], input=archive, check=True)
    return dest / "src"


def export_child(url: str, out: Path) -> dict[str, float]:
    """One export, cold, in this (fresh) process, with whichever ``hazatlas`` is first on the
    path (this tree's or a baseline's: see ``run_exports``)."""
    from hazatlas.domain.access import SYSTEM
    from hazatlas.services.register import RegisterService
    from hazatlas.storage.db import Database

    db = Database(url)
    t0 = time.perf_counter()
    c0 = time.process_time()
    rows = RegisterService(db, SYSTEM).export_file(out)
    elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
    db.dispose()
    return {"rows": rows, "s": elapsed, "cpu_s": cpu, "peak_rss_mb": _vm_hwm_mb(),
            "mb": out.stat().st_size / 1e6}


def _vm_hwm_mb() -> float:
    """This process's peak RSS. Not ru_maxrss: Linux keeps that across exec, so a child started
    by the (large) importing process would report the importer's peak."""
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _sha(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(1 << 20):
            h.update(block)
    return h.hexdigest()


def _xlsx_rows(path: Path):
    """Each row of the first sheet as {column letters: cell text}, empty cells left out."""
    import re
    import zipfile

    from lxml import etree

    ns = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    letters = re.compile(r"[A-Z]+")
    with zipfile.ZipFile(path) as zf:
        sheet = next(n for n in zf.namelist() if n.startswith("xl/worksheets/sheet"))
        with zf.open(sheet) as fh:
            for _, row in etree.iterparse(fh, tag=f"{ns}row"):
                cells = {}
                for c in row.iter(f"{ns}c"):
                    text = "".join(c.itertext())
                    if text:
                        cells[letters.match(c.get("r")).group()] = text
                yield cells
                row.clear()


def _gpkg_batches(path: Path, batch: int = 50_000):
    import pyogrio

    total = pyogrio.read_info(path)["features"]
    for start in range(0, total, batch):
        meta, _, geom, fields = pyogrio.raw.read(path, skip_features=start, max_features=batch)
        yield list(meta["fields"]), geom.tolist(), [f.tolist() for f in fields]


def _xlsx_parts_equal(a: Path, b: Path) -> bool:
    """Do two XLSX files hold the same parts, byte for byte (the archives' dates aside)?"""
    import zipfile

    with zipfile.ZipFile(a) as za, zipfile.ZipFile(b) as zb:
        if za.namelist() != zb.namelist():
            return False
        for name in za.namelist():
            with za.open(name) as fa, zb.open(name) as fb:
                while True:
                    ba, bb = fa.read(1 << 20), fb.read(1 << 20)
                    if ba != bb:
                        return False
                    if not ba:
                        break
    return True


def _gpkg_tables_equal(a: Path, b: Path) -> bool:
    """Do two GeoPackages hold the same schema and the same rows in every table (the layer's
    ``last_change`` date aside)?"""
    import sqlite3

    def digest(path: Path) -> list:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            out = [con.execute("SELECT type, name, sql FROM sqlite_master ORDER BY name").fetchall()]
            for (table,) in con.execute("SELECT name FROM sqlite_master WHERE type = 'table' "
                                        "AND sql NOT LIKE 'CREATE VIRTUAL%' ORDER BY name"):
                h = hashlib.sha256()
                cur = con.execute(f'SELECT * FROM "{table}" ORDER BY rowid')  # noqa: S608
                names = [d[0] for d in cur.description]
                for row in cur:
                    if table == "gpkg_contents":
                        row = tuple(v for k, v in zip(names, row, strict=True) if k != "last_change")
                    h.update(repr(row).encode())
                out.append((table, h.hexdigest()))
            return out
        finally:
            con.close()

    return digest(a) == digest(b)


def same_rows(fmt: str, a: Path, b: Path) -> bool:
    """Do two exports hold the same rows? (see the module docstring for what is compared)"""
    if fmt in ("csv", "geojson"):
        return _sha(a) == _sha(b)
    if fmt == "xlsx":
        sentinel = object()
        for ra, rb in __import__("itertools").zip_longest(_xlsx_rows(a), _xlsx_rows(b),
                                                          fillvalue=sentinel):
            if ra != rb:
                return False
        return True
    import shapely

    for (fa, ga, da), (fb, gb, db_) in __import__("itertools").zip_longest(
            _gpkg_batches(a), _gpkg_batches(b), fillvalue=(None, None, None)):
        if fa != fb or da != db_:
            return False
        if not all(shapely.equals_exact(shapely.from_wkb(ga), shapely.from_wkb(gb), 0)):
            return False
    return True


def _named_rows(fmt: str, path: Path):
    """Each exported row as {column: text or value} (geometry aside), in file order."""
    if fmt == "csv":
        with path.open(encoding="utf-8", newline="") as fh:
            yield from csv.DictReader(fh)
    elif fmt == "geojson":
        for f in json.loads(path.read_text(encoding="utf-8"))["features"]:
            yield {k: ("" if v is None else v) for k, v in f["properties"].items()}
    elif fmt == "xlsx":
        rows = _xlsx_rows(path)
        header = next(rows)
        for r in rows:
            yield {name: r.get(col, "") for col, name in header.items()}
    else:
        for names, _, columns in _gpkg_batches(path):
            for values in zip(*columns, strict=True):
                yield {n: ("" if v is None else v) for n, v in zip(names, values, strict=True)}


def same_in_common_columns(fmt: str, old: Path, new: Path) -> int | None:
    """The number of columns ``new`` adds when it holds the same rows as ``old`` in ``old``'s
    columns and leaves the added ones empty (columns added since the baseline, which it cannot
    write; the benchmark's register gives none of them); else None."""
    import itertools

    added: set[str] | None = None
    sentinel: dict = {}
    for ra, rb in itertools.zip_longest(_named_rows(fmt, old), _named_rows(fmt, new),
                                        fillvalue=sentinel):
        if ra is sentinel or rb is sentinel:
            return None
        if added is None:
            added = set(rb) - set(ra)
            if set(ra) - set(rb):
                return None
        if any(ra[k] != rb[k] for k in ra) or any(rb[k] not in ("", None) for k in added):
            return None
    return len(added or ())


def derived_check(path: Path) -> str:
    """Every exported row carries its identification: the tiers counted in a CSV export."""
    counts: dict[str, int] = {}
    with path.open(encoding="utf-8", newline="") as fh:
        for r in csv.DictReader(fh):
            counts[r["seveso_tier"] or "(empty)"] = counts.get(r["seveso_tier"] or "(empty)", 0) + 1
    return ", ".join(f"{k} {v:,}" for k, v in sorted(counts.items()))


def _export(url: str, fmt: str, out: Path, src: Path) -> dict:
    """One export in a fresh process with the package in ``src`` first on the path."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(src), *filter(None, [os.environ.get("PYTHONPATH")])])}
    proc = subprocess.run([sys.executable, __file__, "--export-child", url, "--out", str(out)],
                          capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        raise RuntimeError(f"export to {fmt} ({src}) failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _timings(runs: list[dict]) -> str:
    best = min(runs, key=lambda r: r["s"])
    line = (f"{best['s']:6.1f} s (CPU {best['cpu_s']:5.1f} s), peak RSS "
            f"{max(r['peak_rss_mb'] for r in runs):5.0f} MB")
    if len(runs) > 1:
        line += " [" + ", ".join(f"{r['s']:.1f}" for r in runs) + " s]"
    return line


def run_exports(url: str, workdir: Path, formats: list[str], baseline: str | None,
                repeat: int = 1) -> list[str]:
    from hazatlas.domain.access import SYSTEM
    from hazatlas.services.register import RegisterService
    from hazatlas.storage.db import Database

    db = Database(url)
    t0 = time.perf_counter()
    n = RegisterService(db, SYSTEM).ensure_classified()
    lines = [f"  identification of {n:,} imported establishments computed and stored in "
             f"{time.perf_counter() - t0:.1f} s (once; both implementations then read it)"]
    db.dispose()
    sides = {"streaming": REPO / "src"}
    if baseline:
        sides = {"baseline": baseline_tree(baseline, workdir), **sides}
    for fmt in formats:
        results: dict[str, list[dict]] = {impl: [] for impl in sides}
        for _ in range(repeat):  # alternating, so that both see the same load
            for impl, src in sides.items():
                results[impl].append(_export(url, fmt, workdir / f"export-{impl}.{fmt}", src))
        new = results["streaming"]
        line = (f"  export {fmt:8s} {new[0]['rows']:,} rows ({new[0]['mb']:.0f} MB): "
                f"this tree {_timings(new)}")
        if baseline:
            old = results["baseline"]
            a, b = workdir / f"export-baseline.{fmt}", workdir / f"export-streaming.{fmt}"
            if (fmt == "xlsx" and _xlsx_parts_equal(a, b)) or (
                    fmt == "gpkg" and _gpkg_tables_equal(a, b)):
                same = "identical" if fmt == "xlsx" else "equal content (every table)"
            elif same_rows(fmt, a, b):
                same = {"xlsx": "same cells", "gpkg": "same features"}.get(fmt, "identical")
            elif added := same_in_common_columns(fmt, a, b):
                same = f"same in the baseline's columns ({added} added, empty)"
            else:
                same = "NO"
            best_old, best_new = min(r["s"] for r in old), min(r["s"] for r in new)
            line += (f" | {baseline[:12]} {_timings(old)} | {best_old / best_new:4.1f}x faster"
                     f" | same rows: {same}")
            if same == "NO":
                lines.append(line)
                raise RuntimeError("\n".join(lines) + f"\n{fmt}: the exports differ")
        if fmt == "csv":
            line += f"\n  seveso_tier of the exported rows: {derived_check(workdir / 'export-streaming.csv')}"
        lines.append(line)
        for impl in results:
            (workdir / f"export-{impl}.{fmt}").unlink()
    return lines


def child(backend: str, csv_path: Path, workdir: Path, formats: list[str], baseline: str | None,
          repeat: int) -> dict:
    def run(url: str) -> dict:
        r = run_backend(url, csv_path)
        if formats:
            r["export"] = run_exports(url, workdir, formats, baseline, repeat)
        return r

    if backend == "sqlite":
        return run(str(workdir / "bench.sqlite"))
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
        return run(admin_url.rsplit("/", 1)[0] + "/" + name)
    finally:
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("-n", "--size", dest="n", type=int, default=100_000,
                    help="number of establishments (3 inventory lines each)")
    ap.add_argument("--quick", action="store_true", help="2,000 establishments")
    ap.add_argument("--backends", default="sqlite,postgis")
    ap.add_argument("--formats", default=",".join(FORMATS),
                    help="export formats to measure ('' for none)")
    ap.add_argument("--baseline", default=BASELINE_REV, metavar="REV",
                    help="git revision whose export to compare with (default: %(default)s, the "
                         "in-memory implementation); e.g. main")
    ap.add_argument("--no-baseline", action="store_true",
                    help="do not run another revision's export for comparison")
    ap.add_argument("--repeat", type=int, default=1,
                    help="run each export this many times, alternating the implementations")
    ap.add_argument("--database", metavar="URL",
                    help="only the exports, of this existing database (SQLite path or URL)")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--csv", help=argparse.SUPPRESS)
    ap.add_argument("--export-child", help=argparse.SUPPRESS)
    ap.add_argument("--out", help=argparse.SUPPRESS)
    args = ap.parse_args()
    formats = [f for f in args.formats.split(",") if f]
    baseline = None if args.no_baseline else args.baseline
    if args.export_child:
        print(json.dumps(export_child(args.export_child, Path(args.out))))
        return
    if args.child:
        print(json.dumps(child(args.child, Path(args.csv), Path(args.csv).parent, formats,
                               baseline, args.repeat)))
        return
    if args.database:
        with tempfile.TemporaryDirectory() as tmp:
            print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
            for line in run_exports(args.database, Path(tmp), formats, baseline, args.repeat):
                print(line)
            print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
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
                [sys.executable, __file__, "--child", backend, "--csv", str(csv_path),
                 "--formats", ",".join(formats), "--repeat", str(args.repeat)]
                + (["--no-baseline"] if baseline is None else ["--baseline", baseline]),
                capture_output=True,
                text=True,
            )
            if proc.returncode != 0:
                print(f"{backend}: FAILED\n{proc.stderr[-3000:]}")
                sys.exit(1)
            r = json.loads(proc.stdout.strip().splitlines()[-1])
            print(
                f"{backend:8s} import {r['import_s']:6.1f} s ({r['establishments'] / r['import_s']:,.0f}/s) | "
                f"re-import unchanged {r['reimport_unchanged_s']:5.1f} s | bbox median "
                f"{r['bbox_median_ms']:5.1f} ms p95 {r['bbox_p95_ms']:5.1f} ms "
                f"(mean {r['bbox_mean_matches']:.0f} matches, first 100 read) | peak RSS "
                f"{r['peak_rss_mb']:.0f} MB"
            )
            for line in r.get("export", []):
                print(line)
            print(f"load average after {backend}: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
