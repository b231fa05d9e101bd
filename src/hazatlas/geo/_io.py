"""Reading line features for a river network from GeoJSON or GeoPackage with the standard library.

The pure ``geo`` package may not import pyogrio, so this module reads the two formats the issue
names directly: GeoJSON with :mod:`json` and GeoPackage (an SQLite file, OGC 12-128r18) with
:mod:`sqlite3`, decoding the GeoPackage geometry blob header (``GP`` magic, version, flags,
envelope) and the WKB that follows with shapely. Any other format (shapefile, FileGDB) should be
converted first, for example with ``ogr2ogr -f GPKG``. :class:`FeatureColumns` turns the
features into the columns a :class:`~hazatlas.geo.network.RiverNetwork` is built from.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import shapely  # type: ignore[import-untyped]

from hazatlas.domain.errors import HazatlasError, Problem, ValidationError
from hazatlas.geo._geodesy import GEOD

USER_QUANTITIES = ("discharge_m3_s", "velocity_m_s", "width_m", "depth_m", "dispersion_m2_s")
# Column names accepted from user files, including HydroRIVERS v1.0 field names.
_ALIASES = {
    "reach_id": ("reach_id", "HYRIV_ID", "hyriv_id"),
    "next_down": ("next_down", "NEXT_DOWN"),
    "discharge_m3_s": ("discharge_m3_s", "DIS_AV_CMS", "dis_av_cms"),
    "length_km": ("length_km", "LENGTH_KM"),
}

# Envelope sizes (bytes) by the envelope indicator in bits 1-3 of the flags byte (OGC 12-128r18,
# clause 2.1.3.1.1).
_ENVELOPE_BYTES = {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}


def read_features(path: str | Path) -> list[tuple[dict[str, Any], Any]]:
    """Return ``(properties, shapely geometry)`` pairs of a GeoJSON or GeoPackage file."""
    path = Path(path)
    if not path.exists():
        raise HazatlasError(f"network file not found: {path}")
    suffix = path.suffix.lower()
    if suffix in {".geojson", ".json"}:
        return _read_geojson(path)
    if suffix == ".gpkg":
        return _read_gpkg(path)
    raise HazatlasError(
        f"{path.name}: unsupported network format {suffix!r}; expected .geojson, .json or .gpkg"
    )


def _read_geojson(path: Path) -> list[tuple[dict[str, Any], Any]]:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise HazatlasError(f"{path.name}: not valid GeoJSON ({exc})") from exc
    feats = doc.get("features") if isinstance(doc, dict) else None
    if not isinstance(feats, list):
        raise HazatlasError(f"{path.name}: expected a GeoJSON FeatureCollection")
    out = []
    for feat in feats:
        geom = feat.get("geometry")
        out.append((dict(feat.get("properties") or {}), shapely.from_geojson(json.dumps(geom))))
    return out


def _gpkg_geometry(blob: bytes) -> Any:
    if blob is None:
        return None
    if blob[:2] != b"GP":
        return shapely.from_wkb(bytes(blob))
    flags = blob[3]
    env = _ENVELOPE_BYTES.get((flags >> 1) & 0b111)
    if env is None:
        raise HazatlasError("GeoPackage geometry blob has an invalid envelope indicator")
    return shapely.from_wkb(bytes(blob[8 + env :]))


def _read_gpkg(path: Path) -> list[tuple[dict[str, Any], Any]]:
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        rows = con.execute(
            "SELECT c.table_name, g.column_name, g.srs_id FROM gpkg_contents c "
            "JOIN gpkg_geometry_columns g ON g.table_name = c.table_name "
            "WHERE c.data_type = 'features'"
        ).fetchall()
        if not rows:
            raise HazatlasError(f"{path.name}: no feature table in the GeoPackage")
        table, geom_col, srs_id = rows[0]
        if srs_id not in (4326, 0, -1):
            raise HazatlasError(
                f"{path.name}: layer {table!r} has SRS {srs_id}; expected WGS 84 (EPSG:4326)"
            )
        cur = con.execute(f'SELECT * FROM "{table}"')  # noqa: S608 - table name from the file
        names = [d[0] for d in cur.description]
        out = []
        for rec in cur:
            props = dict(zip(names, rec, strict=True))
            blob = props.pop(geom_col)
            out.append((props, _gpkg_geometry(blob)))
        return out
    except sqlite3.DatabaseError as exc:
        raise HazatlasError(f"{path.name}: not a readable GeoPackage ({exc})") from exc
    finally:
        con.close()


@dataclass(frozen=True)
class FeatureColumns:
    """The columns read from ``(properties, LineString)`` pairs (see ``from_features``)."""

    ids: list[int]
    next_down: list[int]
    geometry: list[Any]
    name: list[str]
    user: dict[str, list[float]]
    attributes: dict[str, list[Any]]

    @classmethod
    def read(cls, features: Sequence[tuple[Mapping[str, Any], Any]], source: str) -> FeatureColumns:
        problems: list[Problem] = []
        out = cls([], [], [], [], {q: [] for q in USER_QUANTITIES},
                  {k: [] for k in ("basin", "system", "featurecla")})  # fmt: skip
        for row, (props, geom) in enumerate(features, start=1):
            rid = _pick(props, "reach_id")
            if rid is None:
                problems.append(Problem(source, row, "reach_id", "missing reach_id (or HYRIV_ID)"))
                continue
            line = _as_line(geom)
            if line is None:
                problems.append(Problem(source, row, "geometry", "expected a LineString"))
                continue
            out.ids.append(int(rid))
            out.next_down.append(int(_pick(props, "next_down") or 0))
            out.geometry.append(line)
            out.name.append(str(props.get("name") or ""))
            for q in USER_QUANTITIES:
                val = _pick(props, q) if q == "discharge_m3_s" else props.get(q)
                out.user[q].append(np.nan if val in (None, "") else float(val))
            for k, values in out.attributes.items():
                values.append(props.get(k) or "")
        if problems:
            raise ValidationError(problems)
        return out


def _pick(props: Mapping[str, Any], key: str) -> Any:
    for alias in _ALIASES.get(key, (key,)):
        if alias in props and props[alias] not in (None, ""):
            return props[alias]
    return None


def _as_line(geom: Any) -> Any:
    if geom is None:
        return None
    if geom.geom_type == "LineString":
        return geom
    if geom.geom_type == "MultiLineString":
        merged = shapely.line_merge(geom)
        if merged.geom_type == "LineString":
            return merged
        return max(merged.geoms, key=lambda g: g.length)
    return None


def geodesic_length(coords: np.ndarray) -> float:
    if len(coords) < 2:
        return 0.0
    return float(GEOD.line_length(coords[:, 0], coords[:, 1]))
