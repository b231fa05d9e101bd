"""Sampling a hazard polygon layer at a site: the pure part (docs/natech.md).

A :class:`PolygonSet` holds the polygons of one layer in the layer's CRS with one value each (the
declared ``value_field`` of each feature, or the layer's constant ``value``). The site (WGS 84
longitude/latitude) is projected into that CRS point-wise:

* its value is that of the polygon containing it; where polygons overlap, the highest value, and
  the note says how many overlap; outside every polygon ``value = None`` and ``status =
  "outside"`` unless the layer declares that outside means zero (``nodata_is = "zero"``);
* the distance to the nearest polygon is measured in an azimuthal equidistant projection centred
  on the site (distances from the centre are true there, to the polygon's vertices exactly and
  between them to within the curvature of the edge), 0 inside a polygon, ``None`` beyond the
  search radius.

>>> from shapely.geometry import box
>>> s = PolygonSet((box(20.0, 44.0, 20.1, 44.1),), (2.5,), "EPSG:4326")
>>> s.sample(20.05, 44.05, nodata_is="missing").value
2.5
>>> round(s.nearest_m(20.2, 44.05, radius_m=20_000.0))
8014
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field

import numpy as np
import pyproj
import shapely  # type: ignore[import-untyped]
from shapely.geometry import Point  # type: ignore[import-untyped]
from shapely.geometry.base import BaseGeometry  # type: ignore[import-untyped]
from shapely.strtree import STRtree  # type: ignore[import-untyped]

from hazatlas.geo.hazard_grid import CellSample, _crs_info, _to_crs

_M_PER_DEG_LOW = 110_000.0


@functools.cache
def _to_aeqd(crs: str, lon: float, lat: float) -> pyproj.Transformer:
    aeqd = pyproj.CRS.from_proj4(f"+proj=aeqd +lat_0={lat} +lon_0={lon} +ellps=WGS84 +units=m")
    return pyproj.Transformer.from_crs(pyproj.CRS.from_user_input(crs), aeqd, always_xy=True)


def _apply(transformer: pyproj.Transformer, xy: np.ndarray) -> np.ndarray:
    x, y = transformer.transform(xy[:, 0], xy[:, 1])
    return np.column_stack([x, y])


@dataclass(frozen=True)
class PolygonSet:
    """Polygons of one layer in its CRS, with one value each."""

    geometries: tuple[BaseGeometry, ...]
    values: tuple[float, ...]
    crs: str
    tree: STRtree = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if len(self.geometries) != len(self.values):
            raise ValueError("one value per polygon")
        object.__setattr__(self, "tree", STRtree(list(self.geometries)))

    def _point(self, lon: float, lat: float) -> Point:
        x, y = _to_crs(self.crs).transform(lon, lat)
        return Point(float(x), float(y))

    def sample(self, lon: float, lat: float, *, nodata_is: str) -> CellSample:
        """The value of the polygon(s) containing the site."""
        p = self._point(lon, lat)
        hits = [int(i) for i in self.tree.query(p, predicate="intersects")]
        if not hits:
            if nodata_is == "zero":
                return CellSample(0.0, "ok", "outside every polygon: 0 as the layer declares")
            return CellSample(None, "outside", "the site lies outside every polygon")
        value = max(self.values[i] for i in hits)
        if len(hits) > 1:
            return CellSample(value, "ok", f"{len(hits)} polygons overlap here; the highest value")
        return CellSample(value, "ok")

    def nearest_m(self, lon: float, lat: float, *, radius_m: float) -> float | None:
        """Distance (m) from the site to the nearest polygon within ``radius_m`` (0 inside)."""
        p = self._point(lon, lat)
        geographic, factor = _crs_info(self.crs)
        if geographic:
            dy = radius_m / _M_PER_DEG_LOW
            dx = dy / max(math.cos(math.radians(min(abs(lat) + dy, 89.9))), 1e-6)
        else:
            dx = dy = radius_m / factor
        box = shapely.box(p.x - dx, p.y - dy, p.x + dx, p.y + dy)
        candidates = [int(i) for i in self.tree.query(box)]
        if not candidates:
            return None
        to_local = _to_aeqd(self.crs, lon, lat)
        origin = Point(0.0, 0.0)
        best = math.inf
        for i in candidates:
            g = self.geometries[i]
            if g.intersects(p):
                return 0.0
            local = shapely.transform(g, functools.partial(_apply, to_local))
            best = min(best, float(local.distance(origin)))
        return best if best <= radius_m else None
