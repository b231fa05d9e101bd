"""A flood-prone band along mapped rivers: the proxy of the demo layer set (docs/natech.md).

**Not a flood map.** No terrain, no levees, no hydraulic model: the band is a screening proxy so
that a demo without downloads shows Natech results. Per reach and return period T:

* flood discharge ``Q_T = Q_high (1 + K_T CV)``: ``Q_high`` the reach's high flow (the mean
  annual flood, MHQ, where gauged; docs/screening.md), ``K_T`` the frequency factor of the
  Gumbel (extreme value type I) distribution, ``K_T = -(sqrt 6 / pi) (0.5772 + ln ln (T/(T-1)))``
  (Chow, Maidment & Mays 1988, Applied Hydrology, section 12.3), ``CV`` the coefficient of
  variation of the annual maxima (``natech_coefficients.csv``, an assumption);
* depth at the river line ``h_T = d(Q_T) - d(Q_high)``: the rise of the water level above its
  depth at the mean annual flood, taken as bankfull (bankfull discharge is of the order of the
  1.5- to 2-year flood: Leopold, Wolman & Miller 1964, Fluvial Processes in Geomorphology), by
  the at-a-station depth relation ``d ~ Q^0.40`` of Leopold & Maddock (1953) carried overbank
  (which overstates the depth on a wide floodplain);
* the depth falls linearly with the distance x from the river line to 0 at the band's edge,
  ``h(x) = h_T (1 - x / W_T)``, ``W_T`` = ``band_width_factor`` x the channel width at ``Q_T``
  (an assumption); where bands overlap, the highest depth.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
EULER_GAMMA = 0.5772156649
M_PER_DEG_LAT = 111_320.0  # metres per degree of latitude (local equirectangular distances)


def gumbel_frequency_factor(return_period_years: float) -> float:
    """K_T of the Gumbel distribution (Chow, Maidment & Mays 1988, section 12.3).

    >>> round(gumbel_frequency_factor(100.0), 3)
    3.137
    """
    t = return_period_years
    if not (math.isfinite(t) and t > 1.0):
        raise ValueError(f"return period {t!r}: expected a number of years > 1")
    return -(math.sqrt(6.0) / math.pi) * (EULER_GAMMA + math.log(math.log(t / (t - 1.0))))


def flood_discharge(q_high: FloatArray, return_period_years: float, cv: float) -> FloatArray:
    """Q_T = Q_high (1 + K_T CV) per reach (m3/s)."""
    return np.asarray(q_high, dtype=float) * (1.0 + gumbel_frequency_factor(return_period_years) * cv)


def _distance_m(lon: FloatArray, lat: FloatArray, line: FloatArray) -> FloatArray:
    """Distance (m) of the points to the polyline ``line`` (n x 2 lon/lat), in a local
    equirectangular projection at the line's mean latitude (adequate within a few km)."""
    kx = M_PER_DEG_LAT * math.cos(math.radians(float(line[:, 1].mean())))
    px, py = lon * kx, lat * M_PER_DEG_LAT
    ax, ay = line[:-1, 0] * kx, line[:-1, 1] * M_PER_DEG_LAT
    dx, dy = line[1:, 0] * kx - ax, line[1:, 1] * M_PER_DEG_LAT - ay
    seg2 = np.maximum(dx * dx + dy * dy, 1e-12)
    out: FloatArray = np.empty(px.shape, dtype=float)
    step = max(1, 2_000_000 // len(ax))  # bounded memory: points x segments per chunk
    for i in range(0, px.size, step):
        x, y = px[i:i + step, None], py[i:i + step, None]
        t = np.clip(((x - ax) * dx + (y - ay) * dy) / seg2, 0.0, 1.0)
        out[i:i + step] = np.hypot(x - (ax + t * dx), y - (ay + t * dy)).min(axis=1)
    return out


def band_depth(
    lines: Sequence[FloatArray],
    depth_m: FloatArray,
    half_width_m: FloatArray,
    west: float,
    north: float,
    cell_deg: float,
    shape: tuple[int, int],
) -> FloatArray:
    """The band's depth (m) on a lon/lat grid (row 0 at ``north``, cell centres at half cells):
    max over the reaches of ``depth_m (1 - x / half_width_m)`` where x < half_width_m, else 0."""
    rows, cols = shape
    grid: FloatArray = np.zeros(shape, dtype=float)
    for line, h, w in zip(lines, depth_m, half_width_m, strict=True):
        if not (h > 0 and w > 0) or len(line) < 2:
            continue
        pad_lat = w / M_PER_DEG_LAT
        pad_lon = pad_lat / max(math.cos(math.radians(float(line[:, 1].mean()))), 0.05)
        c0 = max(int(math.floor((line[:, 0].min() - pad_lon - west) / cell_deg)), 0)
        c1 = min(int(math.ceil((line[:, 0].max() + pad_lon - west) / cell_deg)), cols)
        r0 = max(int(math.floor((north - line[:, 1].max() - pad_lat) / cell_deg)), 0)
        r1 = min(int(math.ceil((north - line[:, 1].min() + pad_lat) / cell_deg)), rows)
        if c0 >= c1 or r0 >= r1:
            continue
        lon = west + (np.arange(c0, c1) + 0.5) * cell_deg
        lat = north - (np.arange(r0, r1) + 0.5) * cell_deg
        glon, glat = np.meshgrid(lon, lat)
        x = _distance_m(glon.ravel(), glat.ravel(), line).reshape(glon.shape)
        depth = np.where(x < w, h * (1.0 - x / w), 0.0)
        window = grid[r0:r1, c0:c1]
        np.maximum(window, depth, out=window)
    return grid
