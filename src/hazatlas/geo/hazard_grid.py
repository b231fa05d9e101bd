"""Sampling a hazard raster at a site: the pure part (no file reading; docs/natech.md).

A raster is described by a :class:`Grid`: its shape, its north-up affine transform
(``x = c + a * col``, ``y = f + e * row``; cell ``(row, col)`` covers ``[col, col + 1)`` x
``[row, row + 1)`` in pixel coordinates, the GDAL convention) and its CRS (any CRS pyproj knows).
A site is given in WGS 84 longitude/latitude and projected into the raster's CRS point-wise.
The reader (``hazatlas.formats.hazard_rasters``) reads only the :class:`Window` of cells that
:meth:`Grid.window_for` asks for, with nodata already turned into NaN.

* **nearest**: the value of the cell that contains the site;
* **bilinear**: the four cell centres around the site, weighted by distance along each axis. A
  neighbour that is nodata or beyond the raster edge (and has a non-zero weight) is left out and
  the others' weights are renormalised; the sample's ``status`` is then ``"partial"`` and its
  ``note`` says how many were left out. When the site's own cell is nodata the sample is nodata
  (a dry cell of a flood map gets no depth from its wet neighbours);
* a site outside the raster gives ``status = "outside"``, a site whose cells are all nodata
  ``status = "nodata"``, both with ``value = None``: missing data is never read as zero unless
  the layer declares it (``nodata_is = "zero"`` in the manifest, done by the reader);
* **distance to the nearest hazardous cell**: the geodesic distance (WGS 84) from the site to the
  centre of the nearest cell whose value exceeds the layer's threshold, within the search radius,
  or 0 when the site's own cell is hazardous; ``None`` when there is none within the radius.

>>> g = Grid(shape=(2, 2), transform=(10.0, 0.0, 0.0, 0.0, -10.0, 20.0), crs="EPSG:32634")
>>> w = Window(np.array([[1.0, 2.0], [3.0, 4.0]]), row0=0, col0=0)
>>> g.sample(w, x=10.0, y=10.0, method="bilinear").value
2.5
>>> g.sample(w, x=12.0, y=18.0, method="nearest").value
2.0
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np
import pyproj
from numpy.typing import NDArray

from hazatlas.geo._geodesy import geodesic_m

FloatArray = NDArray[np.float64]
METHODS = ("nearest", "bilinear")
#: metres per degree of latitude, rounded down, so a window in degrees covers the radius
_M_PER_DEG_LOW = 110_000.0


@dataclass(frozen=True)
class Window:
    """Cells ``values[i, j]`` = raster cell ``(row0 + i, col0 + j)``; NaN where nodata."""

    values: FloatArray
    row0: int
    col0: int

    def cell(self, row: int, col: int) -> float:
        """The value of raster cell (row, col) (NaN when nodata or not in the window)."""
        i, j = row - self.row0, col - self.col0
        if 0 <= i < self.values.shape[0] and 0 <= j < self.values.shape[1]:
            return float(self.values[i, j])
        return math.nan


@dataclass(frozen=True)
class CellSample:
    """A sampled value (``None`` when missing), its status and a sentence about missing data."""

    value: float | None
    status: str
    note: str = ""


@functools.cache
def _to_crs(crs: str) -> pyproj.Transformer:
    return pyproj.Transformer.from_crs("EPSG:4326", pyproj.CRS.from_user_input(crs), always_xy=True)


@functools.cache
def _to_lonlat(crs: str) -> pyproj.Transformer:
    return pyproj.Transformer.from_crs(pyproj.CRS.from_user_input(crs), "EPSG:4326", always_xy=True)


@functools.cache
def _crs_info(crs: str) -> tuple[bool, float]:
    """(geographic?, metres per CRS unit along x)."""
    c = pyproj.CRS.from_user_input(crs)
    if c.is_geographic:
        return True, math.nan
    factor = c.axis_info[0].unit_conversion_factor if c.axis_info else 1.0
    return False, float(factor)


@dataclass(frozen=True)
class Grid:
    """Shape, north-up affine transform ``(a, b, c, d, e, f)`` (b = d = 0) and CRS of a raster."""

    shape: tuple[int, int]
    transform: tuple[float, float, float, float, float, float]
    crs: str

    def __post_init__(self) -> None:
        a, b, _c, d, e, _f = self.transform
        if b != 0.0 or d != 0.0 or a == 0.0 or e == 0.0:
            raise ValueError(f"only north-up rasters are read, got transform {self.transform}")

    def project(self, lon: float, lat: float) -> tuple[float, float]:
        """The site's coordinates in the raster's CRS."""
        x, y = _to_crs(self.crs).transform(lon, lat)
        return float(x), float(y)

    def pixel(self, x: float, y: float) -> tuple[float, float]:
        """Continuous pixel coordinates (col, row) of a point in the raster's CRS."""
        a, _b, c, _d, e, f = self.transform
        return (x - c) / a, (y - f) / e

    def inside(self, col: float, row: float) -> bool:
        """Whether the pixel position lies on the raster."""
        return 0.0 <= col < self.shape[1] and 0.0 <= row < self.shape[0]

    def window_for(
        self, lon: float, lat: float, radius_m: float = 0.0
    ) -> tuple[int, int, int, int] | None:
        """(row0, row1, col0, col1), end exclusive, of the cells needed to sample the site and
        to search ``radius_m`` around it, clipped to the raster; ``None`` if nothing overlaps."""
        x, y = self.project(lon, lat)
        col, row = self.pixel(x, y)
        a, _b, _c, _d, e, _f = self.transform
        geographic, factor = _crs_info(self.crs)
        if geographic:
            dy = radius_m / _M_PER_DEG_LOW
            dx = dy / max(math.cos(math.radians(min(abs(lat) + dy, 89.9))), 1e-6)
        else:
            dx = dy = radius_m / factor
        half_c = abs(dx / a) + 1.0
        half_r = abs(dy / e) + 1.0
        row0 = max(0, math.floor(row - half_r))
        row1 = min(self.shape[0], math.floor(row + half_r) + 1)
        col0 = max(0, math.floor(col - half_c))
        col1 = min(self.shape[1], math.floor(col + half_c) + 1)
        if row0 >= row1 or col0 >= col1:
            return None
        return row0, row1, col0, col1

    def sample(self, window: Window, *, x: float, y: float, method: str) -> CellSample:
        """The value at (x, y) in the raster's CRS by ``method`` (nearest or bilinear)."""
        if method not in METHODS:
            raise ValueError(f"sampling method {method!r}: expected one of {METHODS}")
        col, row = self.pixel(x, y)
        if not self.inside(col, row):
            return CellSample(None, "outside", "the site lies outside the raster")
        if method == "nearest":
            v = window.cell(math.floor(row), math.floor(col))
            if math.isnan(v):
                return CellSample(None, "nodata", "the site's cell is nodata")
            return CellSample(v, "ok")
        return self._bilinear(window, col, row)

    def _bilinear(self, window: Window, col: float, row: float) -> CellSample:
        if math.isnan(window.cell(math.floor(row), math.floor(col))):
            return CellSample(None, "nodata", "the site's cell is nodata")
        fx, fy = col - 0.5, row - 0.5
        j0, i0 = math.floor(fx), math.floor(fy)
        tx, ty = fx - j0, fy - i0
        total = weight = 0.0
        left_out = 0
        for di, dj, w in (
            (0, 0, (1 - tx) * (1 - ty)),
            (0, 1, tx * (1 - ty)),
            (1, 0, (1 - tx) * ty),
            (1, 1, tx * ty),
        ):
            if w == 0.0:
                continue
            i, j = i0 + di, j0 + dj
            on_raster = 0 <= i < self.shape[0] and 0 <= j < self.shape[1]
            v = window.cell(i, j) if on_raster else math.nan
            if math.isnan(v):
                left_out += 1
                continue
            total += w * v
            weight += w
        if left_out:
            return CellSample(
                total / weight,
                "partial",
                f"{left_out} of the cells around the site are nodata or beyond the raster edge; "
                "bilinear weights renormalised over the others",
            )
        return CellSample(total / weight, "ok")

    def nearest_hazard_m(
        self, window: Window, *, lon: float, lat: float, threshold: float, radius_m: float
    ) -> float | None:
        """Geodesic distance (m) to the centre of the nearest cell with a value > ``threshold``
        within ``radius_m`` (0 if the site's own cell is one); ``None`` if there is none."""
        x, y = self.project(lon, lat)
        col, row = self.pixel(x, y)
        if self.inside(col, row) and window.cell(math.floor(row), math.floor(col)) > threshold:
            return 0.0
        with np.errstate(invalid="ignore"):
            ii, jj = np.nonzero(window.values > threshold)
        if ii.size == 0:
            return None
        a, _b, c, _d, e, f = self.transform
        cx = c + a * (window.col0 + jj + 0.5)
        cy = f + e * (window.row0 + ii + 0.5)
        clon, clat = _to_lonlat(self.crs).transform(cx, cy)
        dist = geodesic_m(
            np.full(ii.size, lon), np.full(ii.size, lat), np.asarray(clon), np.asarray(clat)
        )
        best = float(dist.min())
        return best if best <= radius_m else None
