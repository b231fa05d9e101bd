"""Reading and writing flat tables (CSV, XLSX, GeoJSON, GeoPackage) as rows of strings.

Readers return :class:`RawTable`: the file name, the column names and the rows, each with the
row number a user sees (CSV/XLSX: header = row 1; GeoJSON/GeoPackage: first feature = row 1).
Geometry (GeoJSON, GeoPackage) becomes ``lon``/``lat`` columns for points and
``site_polygon_wkt`` for polygons.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import gc
import io
import json
import math
import operator
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hazatlas.domain.errors import Problem, ValidationError
from hazatlas.formats.cells import unescape_row

FORMATS = {
    ".csv": "csv",
    ".xlsx": "xlsx",
    ".geojson": "geojson",
    ".json": "geojson",
    ".gpkg": "gpkg",
}


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while a large file is read or parsed.

    Reading allocates millions of long-lived, acyclic objects; each burst would otherwise
    trigger collections that walk all of them again. The previous state is restored afterwards.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


class Row(Mapping[str, str]):
    """One data row: a read-only mapping from column name to (stripped) cell text.

    Rows of one table share the column index and keep their cells in a tuple, which takes a
    fraction of the memory of a dict per row. A column the row has no cell for reads as absent.
    """

    __slots__ = ("cells", "index")

    def __init__(self, index: dict[str, int], cells: tuple[str, ...]):
        self.index = index
        self.cells = cells

    def __getitem__(self, key: str) -> str:
        i = self.index[key]
        if i >= len(self.cells):
            raise KeyError(key)
        return self.cells[i]

    def get(self, key: str, default: Any = None) -> Any:
        i = self.index.get(key)
        if i is None or i >= len(self.cells):
            return default
        return self.cells[i]

    def __iter__(self) -> Iterator[str]:
        n = len(self.cells)
        return (k for k, i in self.index.items() if i < n)

    def __len__(self) -> int:
        n = len(self.cells)
        return sum(1 for i in self.index.values() if i < n)

    def __repr__(self) -> str:
        return f"Row({dict(self)!r})"


@dataclass
class RawTable:
    source: str
    columns: list[str]
    rows: list[tuple[int, Mapping[str, str]]]


def format_of(path: Path, explicit: str | None = None) -> str:
    if explicit:
        if explicit not in set(FORMATS.values()):
            raise ValidationError(
                [
                    Problem(
                        "parameter",
                        None,
                        "format",
                        f"'{explicit}' is not one of csv, xlsx, geojson, gpkg",
                    )
                ]
            )
        return explicit
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise ValidationError(
            [
                Problem(
                    path.name,
                    None,
                    "",
                    f"unknown file type '{path.suffix}': "
                    "expected .csv, .xlsx, .geojson/.json or .gpkg",
                )
            ]
        )
    return fmt


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        return repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def read_table(path: Path, fmt: str | None = None, *, layer: str | None = None) -> RawTable:
    path = Path(path)
    if not path.exists():
        raise ValidationError([Problem(str(path), None, "", "file not found")])
    kind = format_of(path, fmt)
    if kind == "csv":
        return _read_csv(path)
    if kind == "xlsx":
        return _read_xlsx(path)
    if kind == "geojson":
        return _read_geojson(path)
    return _read_gpkg(path, layer)


def _read_csv(path: Path) -> RawTable:
    try:
        text = path.read_bytes().decode("utf-8-sig")  # no newline translation inside fields
    except UnicodeDecodeError as exc:
        raise ValidationError(
            [Problem(path.name, None, "", f"not UTF-8 text ({exc.reason} at byte {exc.start})")]
        ) from exc
    reader = csv.reader(io.StringIO(text, newline=""))
    del text
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise ValidationError([Problem(path.name, None, "", "the file is empty")]) from None
    index = {h: i for i, h in enumerate(header)}  # a repeated name reads as its last column
    width = len(header)
    strip = str.strip
    rows: list[tuple[int, Mapping[str, str]]] = []
    append = rows.append
    with gc_paused():
        for n, values in enumerate(reader, start=2):
            cells = unescape_row(tuple(map(strip, values)))  # undo the export's escape
            if not any(cells):
                continue
            if len(cells) > width:
                raise ValidationError(
                    [
                        Problem(
                            path.name,
                            n,
                            "",
                            f"{len(values)} cells but the header has {width} columns",
                        )
                    ]
                )
            append((n, Row(index, cells)))
    return RawTable(path.name, header, rows)


def _read_xlsx(path: Path) -> RawTable:
    import openpyxl

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a broken file
        raise ValidationError(
            [Problem(path.name, None, "", f"not a readable XLSX file ({exc})")]
        ) from exc
    ws = wb["register"] if "register" in wb.sheetnames else wb.worksheets[0]
    it = ws.iter_rows(values_only=True)
    try:
        header = [_cell(h) for h in next(it)]
    except StopIteration:
        raise ValidationError([Problem(path.name, None, "", "the first sheet is empty")]) from None
    rows = []
    for n, values in enumerate(it, start=2):
        cells = [_cell(v) for v in values]
        if not any(cells):
            continue
        rows.append((n, {h: c for h, c in zip(header, cells, strict=False) if h}))
    wb.close()
    return RawTable(path.name, [h for h in header if h], rows)


def _geometry_columns(geom: dict | None) -> dict[str, str]:
    import shapely.geometry

    if not geom:
        return {}
    shape = shapely.geometry.shape(geom)
    if shape.geom_type == "Point":
        return {"lon": repr(shape.x), "lat": repr(shape.y)}
    if shape.geom_type in ("Polygon", "MultiPolygon"):
        c = shape.representative_point()
        return {
            "site_polygon_wkt": shape.wkt,
            "_centroid_lon": repr(c.x),
            "_centroid_lat": repr(c.y),
        }
    return {"_geometry_type": shape.geom_type}


def _read_geojson(path: Path) -> RawTable:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ValidationError([Problem(path.name, None, "", f"not valid GeoJSON ({exc})")]) from exc
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
        raise ValidationError(
            [Problem(path.name, None, "", "expected a GeoJSON FeatureCollection")]
        )
    rows, columns = [], []
    for n, feat in enumerate(doc.get("features") or [], start=1):
        props = {k: _cell(v) for k, v in (feat.get("properties") or {}).items()}
        props.update(_geometry_columns(feat.get("geometry")))
        for k in props:
            if k not in columns:
                columns.append(k)
        rows.append((n, props))
    return RawTable(path.name, columns, rows)


def _read_gpkg(path: Path, layer: str | None) -> RawTable:
    import pyogrio
    import shapely

    try:
        meta, _fids, geometry, field_data = pyogrio.raw.read(path, layer=layer)
    except Exception as exc:
        raise ValidationError(
            [Problem(path.name, None, "", f"not a readable GeoPackage ({exc})")]
        ) from exc
    fields = list(meta["fields"])
    geoms = (
        shapely.from_wkb(geometry)
        if geometry is not None
        else [None] * len(field_data[0] if fields else [])
    )
    rows = []
    for i in range(len(geoms)):
        props = {f: _cell(field_data[j][i]) for j, f in enumerate(fields)}
        g = geoms[i]
        if g is not None:
            props.update(_geometry_columns(shapely.geometry.mapping(g)))
        rows.append((i + 1, props))
    return RawTable(path.name, fields + ["lon", "lat"], rows)


def write_table(
    path: Path,
    columns: Sequence[str],
    rows: Iterable[Mapping[str, object]],
    fmt: str | None = None,
    *,
    numeric: Iterable[str] = (),
) -> int:
    """Write rows (mappings keyed by column) to ``path``; the format follows the extension.

    Rows are consumed one at a time (see :func:`write_rows`); returns the number written.
    """
    cols = list(columns)
    return write_rows(path, cols, ([_cell(r.get(c)) for c in cols] for r in rows), fmt,
                      numeric=numeric)


GPKG_BATCH = 20_000  # GeoPackage features written per call (bounds the memory)


def write_rows(
    path: Path,
    columns: Sequence[str],
    rows: Iterable[Sequence[str]],
    fmt: str | None = None,
    *,
    numeric: Iterable[str] = (),
) -> int:
    """Write ``rows`` (cell texts in ``columns`` order) to ``path`` as they come, in constant
    memory; returns the number of rows written.

    The file is written under a temporary name next to ``path`` and renamed when complete:
    after an error nothing is left behind and an existing ``path`` is unchanged.

    Spreadsheet safety (docs/register-format.md, "Export"): CSV cells that a spreadsheet would
    evaluate as a formula are written with a leading ``'`` (:func:`cells.escape_cell`, undone
    by :func:`read_table`); XLSX writes text as string cells, never formulas, and the
    ``numeric`` columns' numbers as number cells. GeoJSON and GeoPackage hold the texts as they
    are. ``lon``/``lat`` become the point geometry in GeoJSON and GeoPackage.
    """
    path = Path(path)
    kind = format_of(path, fmt)
    cols = list(columns)
    tmp = path.with_name(f".{path.stem}.part{path.suffix}")
    try:
        if kind == "csv":
            n = _write_csv(tmp, cols, rows)
        elif kind == "xlsx":
            from hazatlas.formats.xlsx_writer import XlsxCellError, write_xlsx

            try:
                n = write_xlsx(tmp, cols, rows, numeric=numeric)
            except XlsxCellError as exc:
                raise ValidationError(
                    [Problem(path.name, exc.row, exc.column, str(exc))]
                ) from None
        elif kind == "geojson":
            n = _write_geojson(tmp, cols, rows)
        else:
            n = _write_gpkg(tmp, cols, rows)
        tmp.replace(path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return n


def _write_csv(path: Path, columns: list[str], rows: Iterable[Sequence[str]]) -> int:
    from hazatlas.formats.cells import FORMULA_TRIGGERS, escape_cell

    # Only rows with a cell starting with a quote or a formula character need a closer look.
    # (a literal first character lets the regex engine skip ahead: 5x faster than ^|\x00)
    suspect = re.compile("\x00['" + re.escape("".join(sorted(FORMULA_TRIGGERS))) + "]")
    n = 0
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(columns)
        writerow = w.writerow
        search = suspect.search
        for cells in rows:
            if search("\x00" + "\x00".join(cells)):
                cells = [escape_cell(c) for c in cells]
            writerow(cells)
            n += 1
    return n


def _write_geojson(path: Path, columns: list[str], rows: Iterable[Sequence[str]]) -> int:
    """A FeatureCollection written feature by feature: the same text as ``json.dumps`` of the
    whole collection (``ensure_ascii=False``), with each feature's text put together from its
    cells encoded by the json module's own string encoder instead of building a dict per row."""
    from json.encoder import encode_basestring  # what json.dumps(ensure_ascii=False) uses

    prop_idx = [j for j, c in enumerate(columns) if c not in ("lon", "lat")]
    keys = [json.dumps(columns[j], ensure_ascii=False) + ": " for j in prop_idx]
    ilon, ilat = columns.index("lon"), columns.index("lat")
    pick = operator.itemgetter(*prop_idx) if len(prop_idx) > 1 else (
        (lambda cells: (cells[prop_idx[0]],)) if prop_idx else (lambda cells: ()))
    dumps, add, join = json.dumps, operator.add, ", ".join
    head = '{"type": "Feature", "geometry": {"type": "Point", "coordinates": '
    n = 0
    with path.open("w", encoding="utf-8") as fh:
        write = fh.write
        write('{"type": "FeatureCollection", "features": [')
        for cells in rows:
            coords = dumps([float(cells[ilon]), float(cells[ilat])])
            props = join(map(add, keys, map(encode_basestring, pick(cells))))
            write(f"{', ' if n else ''}{head}{coords}}}, \"properties\": {{{props}}}}}")
            n += 1
        write("]}")
    return n


def _write_gpkg(path: Path, columns: list[str], rows: Iterable[Sequence[str]]) -> int:
    """A GeoPackage layer ``register`` written :data:`GPKG_BATCH` features at a time."""
    import numpy as np
    import pyogrio
    import shapely

    ilon, ilat = columns.index("lon"), columns.index("lat")
    keep = [j for j, c in enumerate(columns) if c not in ("lon", "lat")]
    fields = [columns[j] for j in keep]
    if path.exists():
        path.unlink()
    n = 0

    def flush(batch: list[Sequence[str]], first: bool) -> None:
        geoms = shapely.to_wkb(
            shapely.points(
                np.array([r[ilon] for r in batch], dtype=float),
                np.array([r[ilat] for r in batch], dtype=float),
            )
        )
        data = [np.array([r[j] for r in batch], dtype=object) for j in keep]
        pyogrio.raw.write(
            path,
            geometry=np.asarray(geoms, dtype=object),
            field_data=data,
            fields=fields,
            geometry_type="Point",
            crs="EPSG:4326",
            driver="GPKG",
            layer="register",
            append=not first,
        )

    batch: list[Sequence[str]] = []
    for cells in rows:
        batch.append(cells)
        if len(batch) == GPKG_BATCH:
            flush(batch, n == 0)
            n += len(batch)
            batch = []
    if batch or n == 0:
        flush(batch, n == 0)
        n += len(batch)
    return n
