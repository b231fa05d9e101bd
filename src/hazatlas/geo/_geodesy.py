"""Geodesy helpers shared by the geo modules: ellipsoidal distances on WGS 84.

Every distance that hazatlas reports is a geodesic on the WGS 84 ellipsoid computed with
:class:`pyproj.Geod` (Karney's algorithm); spatial indexes only *find* candidates
(:mod:`hazatlas.geo._segindex`).

>>> round(float(geodesic_m(np.array([0.0]), np.array([0.0]), np.array([1.0]), np.array([0.0]))[0]))
111319
"""

from __future__ import annotations

import numpy as np
import pyproj

GEOD = pyproj.Geod(ellps="WGS84")

#: Mean Earth radius (IUGG R1), used only for candidate search on the sphere.
EARTH_RADIUS_M = 6_371_008.8


def geodesic_m(
    lon1: np.ndarray, lat1: np.ndarray, lon2: np.ndarray, lat2: np.ndarray
) -> np.ndarray:
    """Geodesic distance on WGS 84 (metres) between paired points, vectorised."""
    if np.size(lon1) == 0:
        return np.zeros(0)
    _, _, dist = GEOD.inv(
        np.asarray(lon1, dtype=float),
        np.asarray(lat1, dtype=float),
        np.asarray(lon2, dtype=float),
        np.asarray(lat2, dtype=float),
    )
    return np.asarray(dist, dtype=float)


def line_length_m(coords: np.ndarray) -> float:
    """Geodesic length (metres) of a polyline given as an (m, 2) lon/lat array."""
    coords = np.asarray(coords, dtype=float)
    if len(coords) < 2:
        return 0.0
    return float(geodesic_m(coords[:-1, 0], coords[:-1, 1], coords[1:, 0], coords[1:, 1]).sum())
