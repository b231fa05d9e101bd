"""Reading line features for a river network from GeoJSON or GeoPackage with the standard library.

The pure ``geo`` package may not import pyogrio, so this module reads the two formats the issue
names directly: GeoJSON with :mod:`json` and GeoPackage (an SQLite file, OGC 12-128r18) with
:mod:`sqlite3`, decoding the GeoPackage geometry blob header (``GP`` magic, version, flags,
envelope) and the WKB that follows with shapely. Any other format (shapefile, FileGDB) should be
converted first, for example with ``ogr2ogr -f GPKG``.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import shapely

from hazatlas.domain.errors import HazatlasError

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
