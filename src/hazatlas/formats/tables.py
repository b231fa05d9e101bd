"""Reading and writing flat tables (CSV, XLSX, GeoJSON, GeoPackage) as rows of strings.

Readers return :class:`RawTable`: the file name, the column names and the rows, each with the
row number a user sees (CSV/XLSX: header = row 1; GeoJSON/GeoPackage: first feature = row 1).
Geometry (GeoJSON, GeoPackage) becomes ``lon``/``lat`` columns for points and
``site_polygon_wkt`` for polygons.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from hazatlas.domain.errors import Problem, ValidationError

FORMATS = {".csv": "csv", ".xlsx": "xlsx", ".geojson": "geojson", ".json": "geojson",
           ".gpkg": "gpkg"}


@dataclass
class RawTable:
    source: str
    columns: list[str]
    rows: list[tuple[int, dict[str, str]]]


def format_of(path: Path, explicit: str | None = None) -> str:
    if explicit:
        if explicit not in set(FORMATS.values()):
            raise ValidationError([Problem("parameter", None, "format",
                                           f"'{explicit}' is not one of csv, xlsx, geojson, gpkg")])
        return explicit
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise ValidationError([Problem(path.name, None, "", f"unknown file type '{path.suffix}': "
                                       "expected .csv, .xlsx, .geojson/.json or .gpkg")])
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
        raise ValidationError([Problem(path.name, None, "", f"not UTF-8 text ({exc.reason} at byte "
                                       f"{exc.start})")]) from exc
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise ValidationError([Problem(path.name, None, "", "the file is empty")]) from None
    rows: list[tuple[int, dict[str, str]]] = []
    for n, values in enumerate(reader, start=2):
        if not any(v.strip() for v in values):
            continue
        if len(values) > len(header):
            raise ValidationError([Problem(path.name, n, "", f"{len(values)} cells but the header "
                                           f"has {len(header)} columns")])
        rows.append((n, {h: v.strip() for h, v in zip(header, values, strict=False)}))
    return RawTable(path.name, header, rows)


def _read_xlsx(path: Path) -> RawTable:
    import openpyxl

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a broken file
        raise ValidationError([Problem(path.name, None, "", f"not a readable XLSX file ({exc})")]) from exc
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
        return {"site_polygon_wkt": shape.wkt, "_centroid_lon": repr(c.x), "_centroid_lat": repr(c.y)}
    return {"_geometry_type": shape.geom_type}


def _read_geojson(path: Path) -> RawTable:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ValidationError([Problem(path.name, None, "", f"not valid GeoJSON ({exc})")]) from exc
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
        raise ValidationError([Problem(path.name, None, "", "expected a GeoJSON FeatureCollection")])
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
        raise ValidationError([Problem(path.name, None, "", f"not a readable GeoPackage ({exc})")]) from exc
    fields = list(meta["fields"])
    geoms = shapely.from_wkb(geometry) if geometry is not None else [None] * len(field_data[0] if fields else [])
    rows = []
    for i in range(len(geoms)):
        props = {f: _cell(field_data[j][i]) for j, f in enumerate(fields)}
        g = geoms[i]
        if g is not None:
            props.update(_geometry_columns(shapely.geometry.mapping(g)))
        rows.append((i + 1, props))
    return RawTable(path.name, fields + ["lon", "lat"], rows)


def write_table(path: Path, columns: Sequence[str], rows: Sequence[dict[str, object]],
                fmt: str | None = None) -> None:
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
            feats.append({"type": "Feature",
                          "geometry": {"type": "Point", "coordinates": [float(r["lon"]), float(r["lat"])]},
                          "properties": props})
        tmp.write_text(json.dumps({"type": "FeatureCollection", "features": feats}, ensure_ascii=False),
                       encoding="utf-8")
    else:
        _write_gpkg(tmp, columns, rows)
    tmp.replace(path)


def _write_gpkg(path: Path, columns: Sequence[str], rows: Sequence[dict[str, object]]) -> None:
    import numpy as np
    import pyogrio
    import shapely

    cols = [c for c in columns if c not in ("lon", "lat")]
    geoms = shapely.to_wkb(shapely.points([float(r["lon"]) for r in rows], [float(r["lat"]) for r in rows]))
    data = [np.array([_cell(r.get(c)) for r in rows], dtype=object) for c in cols]
    if path.exists():
        path.unlink()
    pyogrio.raw.write(path, geometry=np.asarray(geoms, dtype=object), field_data=data, fields=cols,
                      geometry_type="Point", crs="EPSG:4326", driver="GPKG", layer="register")
