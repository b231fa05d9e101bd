"""Threat-zone polygons: the footprint of a level of concern, the wind-direction uncertainty
wedge, and their geo-referencing.

**Footprint.** The ground-level concentration is C(x, y) = C(x, 0) · exp(-y²/2sy²), so the
contour C = LOC has half-width w(x) = sy(x) · sqrt(2 ln(C(x,0)/LOC)) wherever C(x,0) >= LOC.
The polygon is traced at log-spaced x from where the level is first reached to the threat
distance. Because w(x) shrinks as the LOC grows, footprints of higher levels nest inside those
of lower levels (AEGL-3 ⊂ AEGL-2 ⊂ AEGL-1, tested).

**Uncertainty wedge** (as ALOHA draws its "wind direction confidence lines": the area the zone
could cover if the wind direction swings). hazatlas draws the sector of radius equal to the
threat distance, centred on the downwind axis, of half-angle 2·sigma_theta (a ~95 % band of the
wind-direction fluctuation), sigma_theta per stability class from ``pasquill_sigma_theta.csv``
(NOAA READY table), united with the footprint. Below 1 m/s the wedge is a full circle (the wind
direction is undefined in near-calm). ALOHA's own wind-speed-dependent rule was not available to
us; this rule is a hazatlas choice, documented in docs/models/plume.md.

**Geo-referencing.** Local coordinates (x downwind, y to the left of the downwind direction, in
metres) are rotated so that x points to the bearing ``wind_from + 180°`` and projected from a
local azimuthal equidistant projection centred on the release point (pyproj) to WGS 84 lon/lat.

>>> import math
>>> fp = footprint_local(lambda x: 1.0 / (x * x), lambda x: 0.1 * x, 1e-4, 100.0)
>>> round(fp.bounds[2], 1), fp.is_valid
(100.0, True)
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable

import numpy as np
import shapely  # type: ignore[import-untyped]
from pyproj import Transformer
from shapely.geometry import Polygon  # type: ignore[import-untyped]
from shapely.geometry.base import BaseGeometry  # type: ignore[import-untyped]

from hazatlas.domain.reference import load_table
from hazatlas.models.air.stability import class_index


def footprint_local(
    ground_fn: Callable[[np.ndarray], np.ndarray],
    sigma_y_fn: Callable[[np.ndarray], np.ndarray],
    threshold_kg_m3: float,
    distance_m: float,
    n: int = 120,
) -> Polygon:
    """Polygon (local metres) where the ground-level concentration is >= the threshold.

    ``ground_fn`` and ``sigma_y_fn`` map 1-D arrays of downwind distance to the ground-level
    centreline concentration (kg/m³) and sigma_y (m). Empty polygon if the distance is 0.
    """
    if not distance_m > 0 or not math.isfinite(distance_m):
        return Polygon()
    x = np.geomspace(min(1.0, distance_m / 10.0), distance_m, n)
    inside = ground_fn(x) >= threshold_kg_m3
    if not inside.any():
        return Polygon()
    start = int(np.argmax(inside))
    x0 = 0.0
    if start > 0:  # elevated release: the level is first reached at x0 (refined bracketing)
        lo, hi = float(x[start - 1]), float(x[start])
        for _ in range(4):  # each pass narrows the bracket 32-fold (in log x)
            xx = np.geomspace(lo, hi, 33)
            k = max(int(np.argmax(ground_fn(xx) >= threshold_kg_m3)), 1)
            lo, hi = float(xx[k - 1]), float(xx[k])
        x0 = hi
    xs = np.geomspace(max(x0, x[0]), distance_m, n)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.maximum(ground_fn(xs) / threshold_kg_m3, 1.0)
        w = sigma_y_fn(xs) * np.sqrt(2.0 * np.log(ratio))
    w[-1] = 0.0
    if start > 0:
        w[0] = 0.0
    upper = list(zip(xs.tolist(), w.tolist(), strict=True))
    lower = [(px, -py) for px, py in reversed(upper[:-1])]
    ring = [(x0, 0.0), *upper, *lower, (x0, 0.0)]
    poly = Polygon(ring)
    return poly if poly.is_valid else shapely.make_valid(poly).buffer(0)


@functools.cache
def _sigma_theta_deg() -> tuple[float, ...]:
    rows = {
        r["stability_class"]: float(r["sigma_theta_deg"])
        for r in load_table("pasquill_sigma_theta")
    }
    return tuple(rows[c] for c in "ABCDEF")


def wedge_half_angle_deg(stability: str, wind_speed_m_s: float) -> float:
    """Half-angle (degrees) of the uncertainty wedge: 2·sigma_theta, or 180 below 1 m/s.

    >>> wedge_half_angle_deg("D", 3.0), wedge_half_angle_deg("F", 0.5)
    (20.0, 180.0)
    """
    if wind_speed_m_s < 1.0:
        return 180.0
    return min(180.0, 2.0 * _sigma_theta_deg()[class_index(stability)])


def wedge_local(
    distance_m: float, half_angle_deg: float, footprint: BaseGeometry, n: int = 64
) -> BaseGeometry:
    """Sector of radius ``distance_m`` and half-angle ``half_angle_deg`` about +x, ∪ footprint."""
    if not distance_m > 0 or not math.isfinite(distance_m):
        return Polygon()
    if half_angle_deg >= 180.0:
        sector = shapely.Point(0.0, 0.0).buffer(distance_m, quad_segs=n // 4)
    else:
        a = np.radians(np.linspace(-half_angle_deg, half_angle_deg, n))
        arc = list(
            zip((distance_m * np.cos(a)).tolist(), (distance_m * np.sin(a)).tolist(), strict=True)
        )
        sector = Polygon([(0.0, 0.0), *arc, (0.0, 0.0)])
    return sector.union(footprint) if not footprint.is_empty else sector


@functools.lru_cache(maxsize=256)
def _transformer(lon: float, lat: float) -> Transformer:
    aeqd = f"+proj=aeqd +lat_0={lat} +lon_0={lon} +datum=WGS84 +units=m +no_defs"
    return Transformer.from_crs(aeqd, "EPSG:4326", always_xy=True)


def local_to_lonlat(
    geometry: BaseGeometry, lon: float, lat: float, wind_from_deg: float
) -> BaseGeometry:
    """Rotate local (x downwind, y left) metres to the wind and project to WGS 84 lon/lat."""
    if geometry.is_empty:
        return geometry
    bearing = math.radians((wind_from_deg + 180.0) % 360.0)
    de, dn = math.sin(bearing), math.cos(bearing)  # downwind unit vector (east, north)
    le, ln = -dn, de  # left of downwind
    transformer = _transformer(float(lon), float(lat))

    def fn(coords: np.ndarray) -> np.ndarray:
        x, y = coords[:, 0], coords[:, 1]
        east, north = x * de + y * le, x * dn + y * ln
        lo, la = transformer.transform(east, north)
        return np.column_stack([lo, la])

    return shapely.transform(geometry, fn)


def local_point_to_lonlat(
    x_m: float, y_m: float, lon: float, lat: float, wind_from_deg: float
) -> tuple[float, float]:
    """Lon/lat of a local receptor (x downwind, y left, metres)."""
    pt = local_to_lonlat(shapely.Point(x_m, y_m), lon, lat, wind_from_deg)
    return float(pt.x), float(pt.y)
