"""Lakes and reservoirs on the river network, as storage reaches with a residence time.

Rule (documented in ``docs/screening.md``):

1. A reach is a *lake reach* when at least half of its length lies inside a lake or reservoir
   polygon of the bundled Natural Earth lakes file.
2. The lake volume is taken from ``lake_volumes.csv`` when the lake's name (or an alias) is
   listed there; otherwise it is the lake's geodesic area times the default mean depth of that
   table (a project assumption, marked unconfirmed).
3. The volume is shared among the lake reaches of that lake in proportion to the length of each
   reach inside it.
4. A pollution wave crosses a lake reach in its mean residence time ``tau = V / Q`` (plug flow
   through the whole volume); :mod:`hazatlas.geo.network` therefore gives a lake reach the
   effective velocity ``L Q / V`` and the cross-section ``V / L``.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from typing import Any

import numpy as np
import shapely  # type: ignore[import-untyped]

from hazatlas.domain.reference import data_path, load_table
from hazatlas.geo._geodesy import GEOD

LAKE_SHARE_MIN = 0.5


@functools.cache
def _lakes() -> tuple[list[Any], list[str], np.ndarray]:
    doc = json.loads(data_path("geo", "lakes", "ne10m_lakes_region.geojson").read_text("utf-8"))
    geoms, names, areas = [], [], []
    for feat in doc["features"]:
        geom = shapely.make_valid(shapely.from_geojson(json.dumps(feat["geometry"])))
        geoms.append(geom)
        names.append(str(feat["properties"].get("name") or ""))
        areas.append(abs(GEOD.geometry_area_perimeter(geom)[0]))
    return geoms, names, np.array(areas)


def _volume_rules() -> tuple[dict[str, float], float]:
    by_alias: dict[str, float] = {}
    depth = float("nan")
    for row in load_table("lake_volumes"):
        if row["lake_name"] == "default_mean_depth_m":
            depth = float(row["volume_m3"])
            continue
        for alias in [row["lake_name"], *row["name_aliases"].split("|")]:
            if alias.strip():
                by_alias[alias.strip().casefold()] = float(row["volume_m3"])
    return by_alias, depth


def lake_volumes(geometry: Sequence[Any]) -> np.ndarray:
    """Storage volume (m3) per reach: NaN unless the reach is a lake reach (rule above).

    ``geometry`` is a list of WGS 84 LineStrings, one per reach.
    """
    n = len(geometry)
    out = np.full(n, np.nan)
    if n == 0:
        return out
    lakes, names, areas = _lakes()
    tree = shapely.STRtree(lakes)
    lines = np.asarray(geometry, dtype=object)
    pairs = tree.query(lines, predicate="intersects")
    if pairs.shape[1] == 0:
        return out
    ri, li = pairs
    inside = shapely.length(shapely.intersection(lines[ri], np.asarray(lakes, dtype=object)[li]))
    total = shapely.length(lines)
    share = inside / np.where(total[ri] > 0, total[ri], 1.0)
    keep = share >= LAKE_SHARE_MIN
    ri, li, inside = ri[keep], li[keep], inside[keep]
    by_alias, depth = _volume_rules()
    for lake in np.unique(li):
        sel = li == lake
        volume = by_alias.get(names[lake].casefold(), areas[lake] * depth)
        weights = inside[sel] / inside[sel].sum()
        out[ri[sel]] = np.nan_to_num(out[ri[sel]]) + volume * weights
    return out
