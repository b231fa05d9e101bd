"""XLSX reading benchmark: hazatlas's streaming sheet reader against openpyxl's read-only reader
(the reader hazatlas used before), on the same generated register workbook.

    python benchmarks/xlsx_import.py                          # 20,000 rows, correct <dimension>
    python benchmarks/xlsx_import.py --rows 100000
    python benchmarks/xlsx_import.py --dimension short        # <dimension ref="A1:B2"/>
    python benchmarks/xlsx_import.py --dimension wide         # <dimension ref="A1:XFD{rows}"/>

What is compared: reading the sheet into rows of text (header plus one tuple of cell texts per
non-empty row), nothing else. Each side runs cold in its own child process, so that its time
and its peak memory (ru_maxrss, minus the process's size before reading) are its own. Both
sides' rows are hashed and compared: they must agree when the ``<dimension>`` element is right
(``correct``); with a wrong one openpyxl drops rows (``short``) or pads every row to 16,384
cells (``wide``), and the row counts show it.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import resource
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

COLUMNS = ["establishment_id", "name", "country", "lon", "lat", "source", "substance_name",
           "cas_number", "hazard_statements", "quantity", "unit", "notes"]


def make_workbook(path: Path, rows: int, dimension: str) -> None:
    import openpyxl

    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("register")
    ws.append(COLUMNS)
    for i in range(rows):
        ws.append([f"BM-{i // 3:07d}", f"Site {i // 3}", "SRB", 20.0 + (i % 100) / 1000,
                   44.5 + (i % 77) / 1000, "benchmark", ["Chlorine", "Ammonia", "Methanol"][i % 3],
                   ["7782-50-5", "7664-41-7", "67-56-1"][i % 3], "H331;H400", 10 + i % 50, "t",
                   "" if i % 5 else "note"])
    tmp = path.with_suffix(".tmp.xlsx")
    wb.save(tmp)
    ref = {"correct": None, "short": "A1:B2", "wide": f"A1:XFD{rows + 1}"}[dimension]
    with zipfile.ZipFile(tmp) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            if ref and info.filename.startswith("xl/worksheets/sheet"):
                data = re.sub(rb"<dimension ref=\"[^\"]*\"/>", f'<dimension ref="{ref}"/>'.encode(), data)
                if b"<dimension" not in data:
                    data = data.replace(b"<sheetData", f'<dimension ref="{ref}"/><sheetData'.encode(), 1)
            dst.writestr(info, data)
    tmp.unlink()


def _openpyxl_rows(path: Path) -> tuple[list[str], list[tuple[str, ...]]]:
    """The previous reader: openpyxl read-only, values only, cells as stripped text."""
    import openpyxl

    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    ws = wb["register"] if "register" in wb.sheetnames else wb.worksheets[0]
    it = ws.iter_rows(values_only=True)
    header = ["" if h is None else str(h).strip() for h in next(it)]
    names = [h for h in header if h]
    rows = []
    for values in it:
        cells = ["" if v is None else (repr(v) if isinstance(v, float) else str(v)).strip() for v in values]
        if not any(cells):
            continue
        rows.append(tuple(c for h, c in zip(header, cells, strict=False) if h))
    wb.close()
    return names, rows


def _hazatlas_rows(path: Path) -> tuple[list[str], list[tuple[str, ...]]]:
    from hazatlas.formats.xlsx_read import read_xlsx_rows

    header, rows = read_xlsx_rows(path, path.name)
    return header, [cells for _, cells in rows]


def child(side: str, path: Path) -> None:
    read = _hazatlas_rows if side == "hazatlas" else _openpyxl_rows
    import openpyxl  # noqa: F401 - both sides pay the same imports before the clock starts

    import hazatlas.formats.xlsx_read  # noqa: F401

    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t0 = time.perf_counter()
    header, rows = read(path)
    elapsed = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base
    digest = hashlib.sha256(json.dumps([header, [list(r) for r in rows]]).encode()).hexdigest()
    print(json.dumps({"seconds": elapsed, "peak_mb": peak / 1024, "rows": len(rows), "sha256": digest}))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=20_000)
    ap.add_argument("--dimension", choices=["correct", "short", "wide"], default="correct")
    ap.add_argument("--quick", action="store_true", help="smoke test: 500 rows")
    ap.add_argument("--child", choices=["hazatlas", "openpyxl"], help=argparse.SUPPRESS)
    ap.add_argument("--file", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.quick:
        args.rows = 500
    if args.child:
        child(args.child, args.file)
        return
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "register.xlsx"
        make_workbook(path, args.rows, args.dimension)
        print(f"{args.rows:,} rows, <dimension> {args.dimension}, file {path.stat().st_size / 1024:,.0f} KiB")
        results = {}
        for side in ("openpyxl", "hazatlas"):
            out = subprocess.run([sys.executable, __file__, "--child", side, "--file", str(path)],
                                 check=True, capture_output=True, text=True).stdout
            results[side] = r = json.loads(out)
            print(f"  {side:9s} {r['seconds']:7.2f} s  peak +{r['peak_mb']:7.1f} MB  {r['rows']:,} rows")
        a, b = results["openpyxl"], results["hazatlas"]
        print(f"  time ratio openpyxl/hazatlas: {a['seconds'] / b['seconds']:.2f}")
        same = a["sha256"] == b["sha256"]
        print(f"  same rows: {'yes' if same else 'no'}")
        if args.dimension == "correct" and not same:
            sys.exit("the two readers disagree on a workbook with a correct <dimension>")
        if b["rows"] != args.rows:
            sys.exit(f"hazatlas read {b['rows']} rows, expected {args.rows}")


if __name__ == "__main__":
    main()
