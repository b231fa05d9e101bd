"""Benchmark: toxic gas threat zones (Gaussian plume, AEGL-1/2/3).

What it compares: nothing in the same run. It reports absolute figures against a stated
target, < 50 ms per site for the threat distances plus footprints (item 2); item 1 has no
target and is printed for information. There is no baseline because no other implementation
of this plume model and its AEGL zone search is available to run side by side on the same
inputs (the desktop tools that do such zones, e.g. ALOHA, cannot be scripted here, and the
model's correctness against published values is the test suite's job). The receptor counts
per level and the median distances printed are a fingerprint of the answer for a given size.

Timing: one warm-up of 5 sites first (loads the reference tables and sigma sets once, a
one-time cost a server pays at start), then each item is timed once with ``perf_counter``.

Prints
1. the time to compute the three zones of one release on an N x N ground-level receptor grid
   (concentration at every receptor and the highest level each receptor exceeds), and
2. the time to compute the three threat distances (root finding) for many sites in one
   vectorised call, and to trace their footprint polygons; target < 50 ms per site.

Run: ``.venv/bin/python benchmarks/air.py`` (500 x 500 grid, 1,000 sites), ``--size N`` (N
sites), ``--grid G`` (G x G receptors) or ``--quick`` (100 x 100 grid, 50 sites; the smoke size).
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from hazatlas.models.air.footprint import footprint_local
from hazatlas.models.air.plume import GaussianPlume
from hazatlas.models.air.zones import threat_distances

LEVELS_MG_M3 = np.array([1.45, 5.8, 58.0])  # chlorine AEGL-1/2/3, 60 min (aegl_values.csv)


def grid_zones(n: int) -> tuple[float, np.ndarray]:
    m = GaussianPlume("briggs-rural")
    x = np.linspace(10.0, 10_000.0, n)
    y = np.linspace(-2_000.0, 2_000.0, n)
    t0 = time.perf_counter()
    X, Y = np.meshgrid(x, y, indexing="ij")
    c = m.compute(X, Y, 0.0, rate_kg_s=1.0, wind_speed_m_s=3.0, stability="D") * 1e6
    level = (c[..., None] >= LEVELS_MG_M3).sum(axis=-1)  # 0 none, 1..3 = AEGL-1..3
    return time.perf_counter() - t0, np.bincount(level.ravel(), minlength=4)


def many_sites(n_sites: int, seed: int = 1) -> tuple[float, float, np.ndarray]:
    rng = np.random.default_rng(seed)
    m = GaussianPlume("briggs-rural")
    rate = rng.uniform(0.1, 20.0, (n_sites, 1))
    wind = rng.uniform(1.0, 8.0, (n_sites, 1))
    stab = rng.choice(list("ABCDEF"), (n_sites, 1))
    height = rng.uniform(0.0, 20.0, (n_sites, 1))

    def ground(x: np.ndarray) -> np.ndarray:
        return m.centreline(
            x, rate_kg_s=rate, wind_speed_m_s=wind, stability=stab, release_height_m=height
        )

    t0 = time.perf_counter()
    d = threat_distances(ground, LEVELS_MG_M3 * 1e-6, n_sites=n_sites)
    t_dist = time.perf_counter() - t0
    t0 = time.perf_counter()
    for i in range(n_sites):

        def g(x: np.ndarray, i: int = i) -> np.ndarray:
            return m.centreline(
                x,
                rate_kg_s=rate[i, 0],
                wind_speed_m_s=wind[i, 0],
                stability=stab[i, 0],
                release_height_m=height[i, 0],
            )

        for level, dist in zip(LEVELS_MG_M3, d[i], strict=True):
            footprint_local(
                g,
                lambda x, i=i: m.crosswind_sigma(x, stab[i, 0]),
                level * 1e-6,
                float(min(dist, 1e5)),
            )
    t_poly = time.perf_counter() - t0
    return t_dist, t_poly, d


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--size",
        type=int,
        default=None,
        help="number of release sites for the threat distances and footprints "
        "(default 1,000; 50 with --quick)",
    )
    parser.add_argument(
        "--grid",
        type=int,
        default=None,
        help="receptors per side of the square ground-level grid (default 500; 100 with --quick)",
    )
    parser.add_argument(
        "--quick", action="store_true", help="smoke size: 100 x 100 grid and 50 sites (seconds)"
    )
    args = parser.parse_args()
    for name, value in (("--size", args.size), ("--grid", args.grid)):
        if value is not None and value < 1:
            parser.error(f"{name} must be at least 1, got {value}")
    n_grid = args.grid if args.grid is not None else (100 if args.quick else 500)
    n_sites = args.size if args.size is not None else (50 if args.quick else 1000)
    many_sites(5)  # warm up caches (reference tables, sigma sets)
    t_grid, counts = grid_zones(n_grid)
    print(
        f"grid {n_grid}x{n_grid} receptors, 3 zones: {t_grid * 1e3:.1f} ms "
        f"(receptors per level none/AEGL-1/2/3: {counts.tolist()})"
    )
    t_dist, t_poly, d = many_sites(n_sites)
    per_site = (t_dist + t_poly) / n_sites * 1e3
    print(
        f"{n_sites} sites in one call: distances {t_dist * 1e3:.1f} ms, footprints "
        f"{t_poly * 1e3:.1f} ms, total {per_site:.2f} ms per site (target < 50 ms)"
    )
    print(
        f"median AEGL-1/2/3 distances: {np.nanmedian(np.where(np.isfinite(d) & (d > 0), d, np.nan), axis=0).round(0).tolist()} m"
    )


if __name__ == "__main__":
    main()
