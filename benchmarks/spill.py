"""Benchmark of the river spill alarm model (issue 5). Prints figures; asserts nothing.

1. Whole Danube: one spill from Ulm routed to the delta, arrival and peak at every reach.
2. 30-day series at 20 points at 10-minute steps on that path.
3. Synthetic network of 100,000 reaches (a random tree; the spill starts at its deepest
   headwater), and a 100,000-reach chain (every reach downstream of the source).
4. The reference finite-volume solver (models/river/numerical.py) at equal accuracy, in the
   same run: on a uniform reach (exact solution known) the coarsest grid whose peaks are within
   1 % at the 20 points, timed for the same 30-day output; on the Danube path, its agreement
   with the moments model and its time.

Run: ``.venv/bin/python benchmarks/spill.py`` (about a minute) or ``--quick`` (seconds).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from hazatlas.models.river import numerical
from hazatlas.models.river.path import RiverPath
from hazatlas.models.river.spill import Release, RiverSpillModel

THRESHOLD = 0.05e-3  # kg/m3 = 0.05 mg/l
RELEASE = Release(mass_kg=100_000.0, duration_s=12 * 3600.0, decay_per_s=0.0)


def best_of(fn: Callable[[], Any], repeat: int = 3) -> tuple[float, Any]:
    best, out = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def danube_path() -> tuple[RiverPath, float]:
    from hazatlas.geo.network import RiverNetwork
    from hazatlas.geo.paths import downstream_path
    from hazatlas.geo.snapping import snap_point

    t0 = time.perf_counter()
    net = RiverNetwork.load_default()
    hyd = net.hydraulics("mean")
    load_s = time.perf_counter() - t0

    def route() -> RiverPath:
        snap = snap_point(net, 9.99, 48.40)  # Ulm
        reaches = downstream_path(net, snap.reach_index)
        lengths = net.length_m[reaches].copy()
        lengths[0] = max(lengths[0] - snap.offset_m, 1.0)
        return RiverPath(
            lengths,
            hyd.velocity_m_s[reaches],
            hyd.dispersion_m2_s[reaches],
            hyd.discharge_m3_s[reaches],
            lake_volume_m3=net.lake_volume_m3[reaches],
        )

    route()  # builds the snapping index once
    t_route, path = best_of(route)
    print(f"bundled network loaded in {load_s:.2f} s ({len(net)} reaches; not counted below)")
    return path, t_route


def whole_danube(path: RiverPath, t_path: float) -> None:
    def run() -> Any:
        model = RiverSpillModel(path)
        return model.compute(RELEASE, model.moments.end_m, THRESHOLD)

    t, res = best_of(run)
    print(
        f"[1] whole Danube: {path.size} reaches, {path.length_m.sum() / 1e3:.0f} km: "
        f"path {t_path * 1e3:.1f} ms + model {t * 1e3:.1f} ms "
        f"(arrival and peak at every reach; last peak {res.peak_kg_m3[-1] * 1e3:.4f} mg/l)"
    )


def series_20(path: RiverPath) -> tuple[float, np.ndarray, np.ndarray]:
    model = RiverSpillModel(path)
    # up to 95 % of the path: the peak at the delta itself comes after the 30 days
    points = np.linspace(0.05, 0.95, 20) * model.moments.total_length_m
    times = np.arange(0.0, 30 * 86_400.0 + 1, 600.0)
    t, c = best_of(lambda: model.series(RELEASE, points, times))
    print(f"[2] 30-day series, 20 points x {times.size} steps: {t * 1e3:.1f} ms")
    return t, points, times


def synthetic_tree(n: int, seed: int = 7) -> tuple[np.ndarray, np.ndarray]:
    """Random tree: reach i drains to a reach j > i close below it (outlet n-1)."""
    rng = np.random.default_rng(seed)
    idx = np.arange(n)
    jump = rng.geometric(0.5, n)
    down = np.minimum(idx + jump, n - 1)
    down[-1] = -1
    return down, rng.uniform(500.0, 5_000.0, n)


def synthetic(n: int) -> None:
    down, length = synthetic_tree(n)
    rng = np.random.default_rng(3)
    # discharge: 1 m3/s per reach plus accumulation in topological order (i < down[i])
    q = np.ones(n)
    for i in range(n - 1):
        q[down[i]] += q[i]
    velocity = 0.3 + 0.2 * np.log10(q)
    dispersion = rng.uniform(10.0, 500.0, n) * np.sqrt(q) / 10.0
    depth = np.zeros(n, dtype=int)  # reaches to the outlet, to pick the deepest headwater
    for i in range(n - 2, -1, -1):
        depth[i] = depth[down[i]] + 1
    source = int(np.argmax(depth))

    def run(chain: bool) -> Any:
        if chain:
            reaches = np.arange(n)
        else:
            walk, i = [], source
            while i >= 0:
                walk.append(i)
                i = int(down[i])
            reaches = np.array(walk)
        path = RiverPath(length[reaches], velocity[reaches], dispersion[reaches], q[reaches])
        model = RiverSpillModel(path)
        return model.compute(RELEASE, model.moments.end_m, THRESHOLD)

    t_tree, res = best_of(lambda: run(False))
    t_chain, res_chain = best_of(lambda: run(True))
    print(
        f"[3] synthetic network of {n} reaches: spill from the deepest headwater, "
        f"{res.distance_m.size} reaches downstream: {t_tree * 1e3:.0f} ms; "
        f"chain of {n} reaches all downstream: {t_chain * 1e3:.0f} ms"
    )


def reference_equal_accuracy(t_model_series: float, quick: bool) -> None:
    """Uniform reach with the exact solution: coarsest grid within 1 % at all 20 points."""
    path = RiverPath.uniform(300_000.0, 1.0, 100.0, 500.0)
    model = RiverSpillModel(path)
    points = np.linspace(0.05, 1.0, 20) * 300_000.0
    times = np.arange(0.0, (4 if quick else 5) * 86_400.0, 600.0)
    release = Release(10_000.0, 3600.0)
    exact = model.series(release, points, times).max(axis=1)
    t_model, _ = best_of(lambda: model.compute(release, points, THRESHOLD))
    for dx in (800.0, 400.0, 200.0, 100.0)[: 2 if quick else 4]:
        t0 = time.perf_counter()
        num = numerical.solve(numerical.build_grid(path, dx), release, points, times)
        t_num = time.perf_counter() - t0
        err = float(np.max(np.abs(num.max(axis=1) / exact - 1.0)))
        print(
            f"    reference solver dx = {dx:5.0f} m: max peak error {err * 100:6.2f} %, "
            f"{t_num:6.2f} s"
        )
        if err <= 0.01:
            t_series, _ = best_of(lambda: model.series(release, points, times))
            print(
                f"[4] equal accuracy (<= 1 % peak): reference {t_num:.2f} s vs moments model "
                f"{t_series * 1e3:.1f} ms for the same series ({t_num / t_series:.0f}x), "
                f"{t_model * 1e3:.1f} ms for peaks and edges ({t_num / t_model:.0f}x)"
            )
            return
    print("[4] reference solver did not reach 1 % in the grids tried (use the full run)")


def reference_on_danube(path: RiverPath, points: np.ndarray, quick: bool) -> None:
    days = 8 if quick else 30
    times = np.arange(0.0, days * 86_400.0 + 1, 600.0)
    sel = points[points < 800_000.0] if quick else points
    model = RiverSpillModel(path)
    t_model, ana = best_of(lambda: model.series(RELEASE, sel, times))
    for dx in (4000.0,) if quick else (2000.0, 1000.0):
        t0 = time.perf_counter()
        num = numerical.solve(numerical.build_grid(path, dx), RELEASE, sel, times)
        t_num = time.perf_counter() - t0
        seen = ana.max(axis=1) > 1e-9
        diff = np.max(np.abs(num.max(axis=1)[seen] / ana.max(axis=1)[seen] - 1.0))
        print(
            f"    Danube, reference dx = {dx:.0f} m, {days} days, {sel.size} points: "
            f"{t_num:.1f} s; peaks differ from the moments model by <= {diff * 100:.2f} %; "
            f"moments model {t_model * 1e3:.1f} ms ({t_num / t_model:.0f}x)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes, a few seconds")
    args = parser.parse_args()
    path, t_path = danube_path()
    whole_danube(path, t_path)
    t_series, points, _ = series_20(path)
    synthetic(10_000 if args.quick else 100_000)
    reference_equal_accuracy(t_series, args.quick)
    reference_on_danube(path, points, args.quick)


if __name__ == "__main__":
    main()
