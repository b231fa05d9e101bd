"""Loading the bundled geodata (Natural Earth countries and river network) into the database,
and the country polygons used to check that a site lies in its stated country. The stored
reaches carry the Danube Delta's mended topology, as the bundled network does
(``river_distributaries.csv``, :mod:`hazatlas.geo.distributaries`)."""

from __future__ import annotations

import functools
import json
from typing import Any

import shapely  # type: ignore[import-untyped]
import shapely.geometry  # type: ignore[import-untyped]

from hazatlas.domain.reference import data_path, load_table
from hazatlas.geo.distributaries import apply_to_features, bundled_branches
from hazatlas.storage import geodata as stored
from hazatlas.storage.db import Database, Session

NE_CREDIT = (
    "Made with Natural Earth. Free vector and raster map data @ naturalearthdata.com; "
    "borders and river topology derived by the hazatlas project from Natural Earth."
)
COUNTRIES_FILE = ("geo", "boundaries", "ne10m_admin0_countries_region.geojson")
RIVERS_FILE = ("geo", "rivers", "ne10m_river_network.geojson")


@functools.cache
def packaged_countries() -> dict[str, dict[str, Any]]:
    """adm0_a3 -> {"name", "name_ru", "geometry"} from the packaged Natural Earth file."""
    doc = json.loads(data_path(*COUNTRIES_FILE).read_text(encoding="utf-8"))
    out = {}
    for f in doc["features"]:
        p = f["properties"]
        geom = shapely.geometry.shape(f["geometry"])
        shapely.prepare(geom)
        out[p["adm0_a3"]] = {
            "name": p.get("name_en") or p["name"],
            "name_ru": p.get("name_ru"),
            "geometry": geom,
        }
    return out


def country_polygons() -> dict[str, Any]:
    return {k: v["geometry"] for k, v in packaged_countries().items()}


def convention_parties() -> dict[str, bool]:
    return {r["iso3"]: r["party"] == "yes" for r in load_table("unece_teia_parties")}


def load_geodata(db: Database, *, rivers: bool = True) -> dict[str, int]:
    """Replace the country and river tables with the packaged Natural Earth data (one
    transaction); how many countries and reaches were loaded."""
    with db.transaction() as s:
        return _load(s, rivers=rivers)


def _load(session: Session, *, rivers: bool) -> dict[str, int]:
    parties = convention_parties()
    rows = []
    for iso3, c in sorted(packaged_countries().items()):
        minx, miny, maxx, maxy = c["geometry"].bounds
        rows.append(
            {
                "iso3": iso3,
                "name": c["name"],
                "name_ru": c["name_ru"],
                "convention_party": parties.get(iso3, False),
                "min_lon": minx,
                "min_lat": miny,
                "max_lon": maxx,
                "max_lat": maxy,
                "geometry_wkb": shapely.to_wkb(c["geometry"]),
                "source": "Natural Earth 1:10m Admin 0 Countries (German point of view) v5.1.1. "
                + NE_CREDIT,
            }
        )
    stored.replace_countries(session, rows)
    n_reaches = 0
    if rivers:
        doc = json.loads(data_path(*RIVERS_FILE).read_text(encoding="utf-8"))
        # the Danube Delta's topology mended as in the bundled network (river_distributaries.csv)
        feats, _ = apply_to_features(
            [(f["properties"], shapely.geometry.shape(f["geometry"])) for f in doc["features"]],
            bundled_branches(),
        )
        reach_rows = []
        for p, geom in feats:
            reach_rows.append(
                {
                    "reach_id": int(p["reach_id"]),
                    "next_down": int(p["next_down"]),
                    "name": p.get("name") or None,
                    "system": p.get("system") or None,
                    "length_km": float(p["length_km"]),
                    "geometry_wkb": shapely.to_wkb(geom),
                    "source": "Natural Earth 1:10m rivers + Europe supplement v4.0.0. " + NE_CREDIT,
                }
            )
        stored.replace_river_reaches(session, reach_rows)
        n_reaches = len(reach_rows)
    return {"countries": len(rows), "reaches": n_reaches}


def country_names(db: Database) -> dict[str, str]:
    """ISO3 -> name of the loaded countries (the packaged ones before any are loaded)."""
    with db.transaction() as s:
        names = stored.country_names(s)
    return names or {k: v["name"] for k, v in packaged_countries().items()}


def is_party(session: Session, iso3: str | None) -> bool:
    """Whether ``iso3`` is a Party to the Convention (the loaded country's flag, else the
    packaged list), in the caller's transaction."""
    if not iso3:
        return False
    party = stored.convention_party(session, iso3)
    if party is not None:
        return party
    return convention_parties().get(iso3, False)
