"""GeoJSON register tables: a FeatureCollection read feature by feature into rows (points become
``lon``/``lat``, polygons ``site_polygon_wkt``) and written as point features."""

from __future__ import annotations

import json
import math
import operator
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import cast

from hazatlas.domain.errors import Problem, ValidationError
from hazatlas.formats.tables import (
    GEOMETRY_TYPES,
    RawTable,
    ReadProblems,
    number_text,
    polygon_columns,
    read_text,
    shown,
)


def _property_text(value: object, problems: ReadProblems, row: int, name: str) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, (bool, int, float)):
        text = number_text(value)
        if text is None:
            problems.add(row, name, "is not a finite number")
            return ""
        return text
    what = "an object" if isinstance(value, dict) else "a list"
    problems.add(row, name, f"is {what}: expected text or a number")
    return ""


def _position(value: object) -> tuple[float, float] | None:
    """(x, y) of a GeoJSON position [x, y] or [x, y, z] of finite numbers, else None."""
    if not isinstance(value, list) or len(value) not in (2, 3):
        return None
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value):
        return None
    x, y = float(value[0]), float(value[1])
    if not all(math.isfinite(float(v)) for v in value):
        return None
    return x, y


def _rings(value: object) -> list[list[tuple[float, float]]] | str:
    """The rings of GeoJSON Polygon coordinates, or what is wrong with them."""
    if not isinstance(value, list) or not value:
        return "a Polygon's coordinates must be a non-empty list of rings"
    rings = []
    for ring in value:
        if not isinstance(ring, list) or len(ring) < 4:
            return "each ring of a Polygon must be a list of at least 4 positions"
        points = [_position(p) for p in ring]
        if any(p is None for p in points):
            return "each position of a Polygon must be [lon, lat] (or [lon, lat, height]) of finite numbers"
        rings.append(cast(list[tuple[float, float]], points))
    return rings


def _geojson_geometry(geom: object, problems: ReadProblems, row: int) -> dict[str, str]:
    """Columns from a GeoJSON geometry (``lon``/``lat``, or ``site_polygon_wkt``)."""
    import shapely  # type: ignore[import-untyped]

    if geom is None:
        return {}
    if not isinstance(geom, dict):
        problems.add(row, "geometry", "is not an object: expected a GeoJSON geometry or null")
        return {}
    kind = geom.get("type")
    coords = geom.get("coordinates")
    if kind not in GEOMETRY_TYPES:
        problems.add(
            row,
            "geometry",
            f"geometry type '{shown(str(kind))}' is not supported: expected one of "
            + ", ".join(GEOMETRY_TYPES),
        )
        return {}
    if kind == "Point":
        point = _position(coords)
        if point is None:
            problems.add(
                row,
                "geometry",
                "a Point's coordinates must be [lon, lat] (or [lon, lat, height]) of finite numbers",
            )
            return {}
        return {"lon": repr(point[0]), "lat": repr(point[1])}
    polygons = [coords] if kind == "Polygon" else coords
    if not isinstance(polygons, list) or not polygons:
        problems.add(row, "geometry", "a MultiPolygon's coordinates must be a non-empty list of polygons")
        return {}
    shapes = []
    for polygon in polygons:
        rings = _rings(polygon)
        if isinstance(rings, str):
            problems.add(row, "geometry", rings)
            return {}
        shapes.append(shapely.Polygon(rings[0], rings[1:]))
    shape = shapes[0] if kind == "Polygon" else shapely.MultiPolygon(shapes)
    return polygon_columns(shape)


def _no_constant(name: str) -> float:
    raise ValueError(f"{name} is not a JSON number")


def read_geojson(path: Path, source: str) -> RawTable:
    text = read_text(path, source, "GeoJSON file")
    try:
        doc = json.loads(text, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        raise ValidationError(
            [Problem(source, None, "", f"not valid GeoJSON ({exc.msg}: line {exc.lineno} column {exc.colno})")]
        ) from None
    except RecursionError:
        raise ValidationError(
            [Problem(source, None, "", "not valid GeoJSON: nested too deeply")]
        ) from None
    except ValueError as exc:  # NaN/Infinity, an integer of more than 4300 digits
        raise ValidationError([Problem(source, None, "", f"not valid GeoJSON ({exc})")]) from None
    del text
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
        raise ValidationError([Problem(source, None, "", "expected a GeoJSON FeatureCollection")])
    features = doc.get("features")
    if not isinstance(features, list):
        raise ValidationError(
            [Problem(source, None, "features", "expected a list of features")]
        )
    problems = ReadProblems(source)
    rows: list[tuple[int, Mapping[str, str]]] = []
    columns: dict[str, None] = {}
    for n, feat in enumerate(features, start=1):
        if not isinstance(feat, dict) or feat.get("type", "Feature") != "Feature":
            problems.add(n, "", "is not a GeoJSON Feature object")
            continue
        props = feat.get("properties")
        if props is None:
            props = {}
        if not isinstance(props, dict):
            problems.add(n, "properties", "is not an object: expected an object or null")
            continue
        cells = {str(k).strip(): _property_text(v, problems, n, str(k)) for k, v in props.items()}
        cells.update(_geojson_geometry(feat.get("geometry"), problems, n))
        columns.update(dict.fromkeys(cells))
        rows.append((n, cells))
    problems.raise_any()
    return RawTable(source, list(columns), rows)


def write_geojson(path: Path, columns: list[str], rows: Iterable[Sequence[str]],
                  members: Mapping[str, object] | None = None) -> int:
    """A FeatureCollection written feature by feature: the same text as ``json.dumps`` of the
    whole collection (``ensure_ascii=False``), with each feature's text put together from its
    cells encoded by the json module's own string encoder instead of building a dict per row.
    ``members`` are written as foreign members of the collection (RFC 7946, 6.1) before its
    features, e.g. a licence and a generation time."""
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
        extra = "".join(f"{dumps(k, ensure_ascii=False)}: {dumps(v, ensure_ascii=False)}, "
                        for k, v in (members or {}).items())
        write(f'{{"type": "FeatureCollection", {extra}"features": [')
        for cells in rows:
            coords = dumps([float(cells[ilon]), float(cells[ilat])])
            props = join(map(add, keys, map(encode_basestring, pick(cells))))
            write(f"{', ' if n else ''}{head}{coords}}}, \"properties\": {{{props}}}}}")
            n += 1
        write("]}")
    return n
