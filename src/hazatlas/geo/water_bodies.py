"""Seas and lakes named as a site's receiving water, and the unmapped first leg from a site
to the water that receives it.

A register's ``receiving_water`` may name a sea (a name of ``sea_regions.csv``: a coastal site
such as a port discharging to the Adriatic, the Black Sea or the Caspian) or a lake of the
Natural Earth lakes layer (Issyk-Kul, an endorheic lake). Such a site has no river path: its
path is the first leg to that water, which is also its outlet.

* Distance to a lake: the geodesic distance to the nearest point of the lake polygon (0 inside).
* Distance to a sea: the geodesic distance to the nearest point of the outline of the site's
  country that lies in the sea's box of ``sea_regions.csv`` (the coast, where the site is on the
  coast; approximate, as the box also holds land borders).

The **first leg** of a site that is not on the river (more than ``ON_RIVER_M`` from its
receiving reach, or sending to a sea or lake) is the straight line from the site to the
network, flagged ``unmapped``: its length is a lower bound of the real watercourse, and its
travel time uses :func:`first_leg_velocity_m_s`.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from typing import Any

import numpy as np
import shapely  # type: ignore[import-untyped]
from shapely.ops import nearest_points  # type: ignore[import-untyped]

from hazatlas.domain.reference import data_path, load_table
from hazatlas.geo._geodesy import geodesic_m

#: A site within this distance of its receiving reach is on the river (no first leg).
ON_RIVER_M = 1_000.0
#: The discharge at which the first leg's velocity is taken (a small stream).
FIRST_LEG_DISCHARGE_M3_S = 1.0


def first_leg_velocity_m_s() -> float:
    """Velocity (m/s) along an unmapped first leg: the downstream hydraulic geometry of
    :mod:`hazatlas.geo.hydraulics` (``v = k Q^m``, Leopold & Maddock 1953, fitted to the
    project's observations) at ``FIRST_LEG_DISCHARGE_M3_S``, the same for low, mean and high
    flow (approximate: a small stream of unknown size)."""
    from hazatlas.geo import hydraulics as hy

    return float(hy.geometry_for_discharge(np.array([FIRST_LEG_DISCHARGE_M3_S]))[2][0])


@functools.cache
def _seas() -> Mapping[str, tuple[str, tuple[float, float, float, float]]]:
    from hazatlas.geo.network import fold

    return {
        fold(r["name"]): (
            r["name"],
            (float(r["lon_min"]), float(r["lon_max"]), float(r["lat_min"]), float(r["lat_max"])),
        )
        for r in load_table("sea_regions")
    }


@functools.cache
def _lakes() -> Mapping[str, tuple[str, Any]]:
    from hazatlas.geo.network import fold

    doc = json.loads(data_path("geo", "lakes", "ne10m_lakes_region.geojson").read_text("utf-8"))
    out: dict[str, tuple[str, Any]] = {}
    for feat in doc["features"]:
        name = str(feat["properties"].get("name") or "")
        if name and fold(name) not in out:
            geom = shapely.make_valid(shapely.from_geojson(json.dumps(feat["geometry"])))
            out[fold(name)] = (name, geom)
    return out


def water_body(name: str) -> str | None:
    """The sea or lake ``name`` refers to (its name in the data), or None."""
    from hazatlas.geo.network import fold

    key = fold(name)
    hit = _seas().get(key) or _lakes().get(key)
    return hit[0] if hit else None


def _nearest_m(geom: Any, lon: float, lat: float) -> float:
    """Geodesic distance from (lon, lat) to the nearest point of ``geom`` (0 inside)."""
    scale = np.cos(np.radians(lat))
    local = shapely.transform(geom, lambda xy: xy * np.array([scale, 1.0]))
    site = shapely.Point(lon * scale, lat)
    if local.covers(site):
        return 0.0
    near = nearest_points(local, site)[0]
    lon2, lat2 = np.array([near.x / scale]), np.array([near.y])
    return float(geodesic_m(np.array([lon]), np.array([lat]), lon2, lat2)[0])


def distance_to_water_body(name: str, lon: float, lat: float, country: str) -> float | None:
    """Geodesic distance (m) from a site to the sea or lake ``name`` (rule in the module doc);
    None if ``name`` is neither, or the site's country has no outline in the sea's box."""
    from hazatlas.geo.borders import load_countries
    from hazatlas.geo.network import fold

    key = fold(name)
    lake = _lakes().get(key)
    if lake is not None:
        return _nearest_m(lake[1], lon, lat)
    sea = _seas().get(key)
    polygon = load_countries().get(country)
    if sea is None or polygon is None:
        return None
    x0, x1, y0, y1 = sea[1]
    coast = shapely.intersection(polygon.boundary, shapely.box(x0, y0, x1, y1))
    if coast.is_empty:
        return None
    return _nearest_m(coast, lon, lat)
