"""Sampling hazard layers at many points at once: the values only, as arrays (ensembles).

:func:`hazatlas.formats.hazard_rasters.sample_layers` gives, per site, the value with its
status, note and distance to the nearest hazardous cell, reading a window per site. An ensemble
over a region (``services/natech_ensemble.py``) needs the values only, for up to hundreds of
thousands of sites: :func:`sample_values` projects all the points at once (pyproj, the same
transformation as ``hazatlas.geo.hazard_grid``), groups them by blocks of
``BLOCK`` x ``BLOCK`` cells and reads each block that has points once (with a one-cell margin
for bilinear sampling). The values are the same as ``sample_layers`` gives (nearest: the cell
that contains the point; bilinear: the four cell centres, nodata or off-raster neighbours left
out and the weights renormalised, nodata when the point's own cell is nodata), with NaN where
the sample is missing (nodata, or outside the raster), or 0 for nodata when the layer declares
``nodata_is = "zero"``. Polygon layers are sampled point by point with the same code as
``sample_layers``. ``benchmarks/natech_ensemble.py`` and ``tests/services/test_natech_ensemble.py``
check the values against ``sample_layers``.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pyproj
from numpy.typing import NDArray

from hazatlas.domain.hazard_layer import HazardLayer
from hazatlas.formats.hazard_rasters import _grid, _open_raster, read_polygons

FloatArray = NDArray[np.float64]
BLOCK = 512  # cells per side of a block read at once


def sample_values(layer: HazardLayer, folder: Path, lon: FloatArray, lat: FloatArray
                  ) -> FloatArray:
    """The layer's value at each point (WGS 84 lon/lat arrays), NaN where missing."""
    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    if layer.kind != "raster":
        polys = read_polygons(layer, folder)
        out = np.full(lon.shape, np.nan)
        for i, (x, y) in enumerate(zip(lon.tolist(), lat.tolist(), strict=True)):
            v = polys.sample(x, y, nodata_is=layer.nodata_is).value
            out[i] = np.nan if v is None else v
        return out
    with _open_raster(layer, folder) as ds:
        grid = _grid(ds, layer)
        transformer = pyproj.Transformer.from_crs(
            "EPSG:4326", pyproj.CRS.from_user_input(grid.crs), always_xy=True)
        x, y = transformer.transform(lon, lat)
        a, _b, c, _d, e, f = grid.transform
        col = (np.asarray(x, dtype=float) - c) / a
        row = (np.asarray(y, dtype=float) - f) / e
        out = np.full(lon.shape, np.nan)
        rows, cols = grid.shape
        inside = (col >= 0) & (col < cols) & (row >= 0) & (row < rows)
        idx = np.flatnonzero(inside)
        if idx.size == 0:
            return out
        br = np.floor(row[idx]).astype(np.int64) // BLOCK
        bc = np.floor(col[idx]).astype(np.int64) // BLOCK
        keys = br * (cols // BLOCK + 1) + bc
        order = np.argsort(keys, kind="stable")
        keys, idx = keys[order], idx[order]
        starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
        ends = np.r_[starts[1:], keys.size]
        for s, t in zip(starts.tolist(), ends.tolist(), strict=True):
            pts = idx[s:t]
            r0 = max(0, int(br[order][s]) * BLOCK - 1)
            c0 = max(0, int(bc[order][s]) * BLOCK - 1)
            r1 = min(rows, (int(br[order][s]) + 1) * BLOCK + 1)
            c1 = min(cols, (int(bc[order][s]) + 1) * BLOCK + 1)
            values = _read(ds, layer, r0, r1, c0, c1)
            out[pts] = _sample(values, r0, c0, grid.shape, col[pts], row[pts], layer.sampling)
    return out


def _read(ds: object, layer: HazardLayer, r0: int, r1: int, c0: int, c1: int) -> FloatArray:
    from rasterio.windows import Window  # type: ignore[import-untyped]

    data = ds.read(layer.band, window=Window(c0, r0, c1 - c0, r1 - r0),  # type: ignore[attr-defined]
                   masked=True)
    values: FloatArray = np.ma.filled(data.astype(float), np.nan)
    if layer.nodata_is == "zero":
        values = np.where(np.isnan(values), 0.0, values)
    return values


def _sample(values: FloatArray, r0: int, c0: int, shape: tuple[int, int], col: FloatArray,
            row: FloatArray, method: str) -> FloatArray:
    """Nearest or bilinear values at pixel positions inside the raster (block ``values``
    starting at raster cell ``(r0, c0)``)."""
    own = values[np.floor(row).astype(np.int64) - r0, np.floor(col).astype(np.int64) - c0]
    if method == "nearest":
        return own
    fx, fy = col - 0.5, row - 0.5
    j0, i0 = np.floor(fx).astype(np.int64), np.floor(fy).astype(np.int64)
    tx, ty = fx - j0, fy - i0
    total = np.zeros(col.shape)
    weight = np.zeros(col.shape)
    for di, dj, w in ((0, 0, (1 - tx) * (1 - ty)), (0, 1, tx * (1 - ty)),
                      (1, 0, (1 - tx) * ty), (1, 1, tx * ty)):
        i, j = i0 + di, j0 + dj
        on = (i >= 0) & (i < shape[0]) & (j >= 0) & (j < shape[1]) & (w != 0.0)
        v = np.full(col.shape, np.nan)
        v[on] = values[i[on] - r0, j[on] - c0]
        ok = on & ~np.isnan(v)
        total[ok] += w[ok] * v[ok]
        weight[ok] += w[ok]
    with np.errstate(invalid="ignore", divide="ignore"):
        out: FloatArray = np.where(np.isnan(own), np.nan, total / weight)
    return out


def finite_or_none(value: float) -> float | None:
    """``None`` for NaN (missing), else the value."""
    return None if math.isnan(value) else float(value)
