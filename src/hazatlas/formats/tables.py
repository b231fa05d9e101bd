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
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hazatlas.domain.errors import Problem, ValidationError

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
        text = path.read_text(encoding="utf-8-sig")
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
            cells = tuple(map(strip, values))
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
    path: Path, columns: Sequence[str], rows: Sequence[dict[str, object]], fmt: str | None = None
) -> None:
    """Write rows (dicts keyed by column) to ``path``; the format follows the extension."""
    path = Path(path)
    kind = format_of(path, fmt)
    tmp = path.with_name(f".{path.stem}.part{path.suffix}")
    if kind == "csv":
        with tmp.open("w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(columns)
            for r in rows:
                w.writerow([_cell(r.get(c)) for c in columns])
    elif kind == "xlsx":
        import openpyxl

        wb = openpyxl.Workbook(write_only=True)
        ws = wb.create_sheet("register")
        ws.append(list(columns))
        for r in rows:
            ws.append([_cell(r.get(c)) for c in columns])
        wb.save(tmp)
    elif kind == "geojson":
        feats = []
        for r in rows:
            props = {c: _cell(r.get(c)) for c in columns if c not in ("lon", "lat")}
            feats.append(
                {
                    "type": "Feature",
                    "geometry": {
                        "type": "Point",
                        "coordinates": [float(r["lon"]), float(r["lat"])],
                    },
                    "properties": props,
                }
            )
        tmp.write_text(
            json.dumps({"type": "FeatureCollection", "features": feats}, ensure_ascii=False),
            encoding="utf-8",
        )
    else:
        _write_gpkg(tmp, columns, rows)
    tmp.replace(path)


def _write_gpkg(path: Path, columns: Sequence[str], rows: Sequence[dict[str, object]]) -> None:
    import numpy as np
    import pyogrio
    import shapely

    cols = [c for c in columns if c not in ("lon", "lat")]
    geoms = shapely.to_wkb(
        shapely.points([float(r["lon"]) for r in rows], [float(r["lat"]) for r in rows])
    )
    data = [np.array([_cell(r.get(c)) for r in rows], dtype=object) for c in cols]
    if path.exists():
        path.unlink()
    pyogrio.raw.write(
        path,
        geometry=np.asarray(geoms, dtype=object),
        field_data=data,
        fields=cols,
        geometry_type="Point",
        crs="EPSG:4326",
        driver="GPKG",
        layer="register",
    )
