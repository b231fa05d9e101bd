"""Benchmark: sampling a hazard raster at many sites (hazard layers, issue 15 item 1).

What it compares: ``hazatlas.formats.hazard_rasters.sample_layers`` (windowed reads per site,
nearest sampling, and the distance to the nearest hazardous cell within the search radius)
against a baseline doing the sampling part of the same work, rasterio's ``DatasetReader.sample``
(nearest cell values at the same points). Both must give the same values at every site (nodata
and off-raster sites: missing in both); the script stops with an error otherwise. The baseline
does not search for the nearest hazardous cell, so the difference is the price of that search
and of the per-site windows. No target is stated by the issue for this step.

Input: a GeoTIFF written by the script in a temporary folder, EPSG:4326, 0.001 degree cells
(about 80 x 110 m at 45 N), a synthetic flood depth that is 0 (dry, nodata) on 90 % of the cells;
sites drawn uniformly over the raster with a fixed seed.

Timing: ``perf_counter`` around each call, once (the raster is in the OS cache after writing).

Run: ``.venv/bin/python benchmarks/natech_sampling.py`` (2000 x 2000 cells, 2,000 sites),
``--size N`` (N sites) or ``--quick`` (500 x 500 cells, 200 sites; the smoke size).
"""

from __future__ import annotations

import argparse
import math
import tempfile
import time
from pathlib import Path

import numpy as np
import rasterio
from affine import Affine

from hazatlas.domain.hazard_layer import HazardLayer
from hazatlas.formats.hazard_rasters import sample_layers

NODATA = -9999.0


def write_raster(path: Path, cells: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    depth = rng.gamma(2.0, 0.5, size=(cells, cells))
    depth[rng.random((cells, cells)) < 0.9] = NODATA
    with rasterio.open(path, "w", driver="GTiff", height=cells, width=cells, count=1,
                       dtype="float64", crs="EPSG:4326", nodata=NODATA, tiled=True,
                       blockxsize=256, blockysize=256,
                       transform=Affine(0.001, 0.0, 20.0, 0.0, -0.001, 45.0)) as ds:
        ds.write(depth, 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=2_000, help="number of sites")
    parser.add_argument("--cells", type=int, default=2_000, help="raster side in cells")
    parser.add_argument("--quick", action="store_true", help="500 x 500 cells, 200 sites")
    args = parser.parse_args()
    n, cells = (200, 500) if args.quick else (args.size, args.cells)
    rng = np.random.default_rng(7)
    span = cells * 0.001
    lon = 20.0 + rng.random(n) * span
    lat = 45.0 - rng.random(n) * span
    points = [(f"s{i}", float(x), float(y)) for i, (x, y) in enumerate(zip(lon, lat, strict=True))]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        write_raster(folder / "depth.tif", cells, 3)
        layer = HazardLayer("depth", "raster", "depth.tif", "flood", "depth", "m", 100.0,
                            "baseline", "baseline", "synthetic", "none", search_radius_m=1000.0)
        t0 = time.perf_counter()
        ours = sample_layers([layer], folder, points)
        t_ours = time.perf_counter() - t0
        t0 = time.perf_counter()
        with rasterio.open(folder / "depth.tif") as ds:
            base = [float(v[0]) for v in ds.sample(list(zip(lon, lat, strict=True)))]
        t_base = time.perf_counter() - t0
    mismatch = 0
    for s, b in zip(ours, base, strict=True):
        b_value = None if b == NODATA else b
        if (s.value is None) != (b_value is None) or (
            s.value is not None and b_value is not None and not math.isclose(s.value, b_value)
        ):
            mismatch += 1
    if mismatch:
        raise SystemExit(f"{mismatch} of {n} sites differ from rasterio's sample")
    wet = sum(s.value is not None for s in ours)
    near = [s.distance_to_hazard_m for s in ours if s.distance_to_hazard_m is not None]
    print(f"{n} sites on a {cells} x {cells} raster; same values as rasterio at every site")
    print(f"hazatlas sample_layers (nearest + distance to wet cell, 1 km): {t_ours:.3f} s "
          f"({t_ours / n * 1e3:.2f} ms per site)")
    print(f"baseline rasterio DatasetReader.sample (nearest only):        {t_base:.3f} s "
          f"({t_base / n * 1e3:.2f} ms per site)")
    print(f"fingerprint: {wet} sites in a wet cell; median distance to a wet cell "
          f"{float(np.median(near)) if near else float('nan'):.1f} m over {len(near)} sites")


if __name__ == "__main__":
    main()
