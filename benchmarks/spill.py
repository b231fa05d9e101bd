"""Benchmark of the river spill alarm model (issue 5). Prints figures; stops if the moments
model and the reference solver disagree.

What it compares: items 1-3 report absolute figures (no baseline: they size the moments model
on its own, there is no other implementation fast enough to run on those inputs; no target is
set). Item 4 compares the moments model with the baseline in the same run, the reference
finite-volume solver (``models/river/numerical.py``), on the same path, release, output points
and output times. Each side of item 4 is timed the same way: one cold call with
``perf_counter``, including building its model (``RiverSpillModel(path)``, respectively
``build_grid(path, dx)``), before any other call on those inputs. Answers are checked:

* on a uniform reach (where the moments model is the exact solution) the reference grids are
  refined until every peak is within 1 % of the exact one, and that grid is the one timed
  (equal accuracy);
* on the Danube path (varying hydraulics, lakes) the peaks of the finest reference grid must be
  within 2 % of the moments model's at the points whose peak passes in the window, and below
  the alarm threshold (0.05 mg/l) at the points the plume does not reach in it (points where the
  concentration is still rising at the end of the window are counted, not compared);
  otherwise the script exits with an error.

1. Whole Danube: one spill from Ulm routed to the delta, arrival and peak at every reach
   (best of 3).
2. 30-day series at P points (``--points``, default 20) at 10-minute steps on that path
   (best of 3).
3. Synthetic network of N reaches (``--size``; a random tree, the spill starting at its deepest
   headwater), and an N-reach chain (every reach downstream of the source) (best of 3).
4. The reference solver against the moments model, as above (5 days on the uniform reach, 30
   on the Danube; with ``--quick`` 4 and 8 days, and on the Danube coarser grids and only the
   points in the first 800 km of the path).

Run: ``.venv/bin/python benchmarks/spill.py`` (100,000 reaches, about a minute), ``--size N``
(N reaches) or ``--quick`` (10,000 reaches, seconds; the smoke size). The bundled network's
loading is timed once and not counted in the figures.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from hazatlas.models.river import numerical
from hazatlas.models.river.path import RiverPath
from hazatlas.models.river.spill import Release, RiverSpillModel

THRESHOLD = 0.05e-3  # kg/m3 = 0.05 mg/l
RELEASE = Release(mass_kg=100_000.0, duration_s=12 * 3600.0, decay_per_s=0.0)
EQUAL_ACCURACY = 0.01  # [4]: the reference grid must bring every peak within 1 % of exact
DANUBE_TOLERANCE = 0.02  # [4]: peaks of the finest reference grid vs the moments model, Danube
NOT_REACHED = 1e-9  # kg/m3: a series peak below this means the plume has not arrived


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


def series_on_danube(path: RiverPath, n_points: int) -> np.ndarray:
    model = RiverSpillModel(path)
    # up to 95 % of the path: the peak at the delta itself comes after the 30 days
    points = np.linspace(0.05, 0.95, n_points) * model.moments.total_length_m
    times = np.arange(0.0, 30 * 86_400.0 + 1, 600.0)
    t, _ = best_of(lambda: model.series(RELEASE, points, times))
    print(f"[2] 30-day series, {n_points} points x {times.size} steps: {t * 1e3:.1f} ms")
    return points


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


def timed_once(fn: Callable[[], Any]) -> tuple[float, Any]:
    """One cold call: how both sides of the comparison with the reference solver are timed."""
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def reference_equal_accuracy(n_points: int, quick: bool) -> bool:
    """Uniform reach with the exact solution: coarsest grid within 1 % at all the points."""
    path = RiverPath.uniform(300_000.0, 1.0, 100.0, 500.0)
    points = np.linspace(0.05, 1.0, n_points) * 300_000.0
    times = np.arange(0.0, (4 if quick else 5) * 86_400.0, 600.0)
    release = Release(10_000.0, 3600.0)
    # on a uniform reach the moments model is the exact solution of the equation
    t_series, exact = timed_once(lambda: RiverSpillModel(path).series(release, points, times))
    peak = exact.max(axis=1)
    for dx in (800.0, 400.0, 200.0, 100.0):
        t_num, num = timed_once(
            lambda dx=dx: numerical.solve(numerical.build_grid(path, dx), release, points, times)
        )
        err = float(np.max(np.abs(num.max(axis=1) / peak - 1.0)))
        print(
            f"    reference solver dx = {dx:5.0f} m: max peak error {err * 100:6.2f} %, "
            f"{t_num:6.2f} s"
        )
        if err <= EQUAL_ACCURACY:
            print(
                f"[4] equal accuracy (peaks within {EQUAL_ACCURACY:.0%} at all {n_points} "
                f"points): reference {t_num:.2f} s vs moments model {t_series * 1e3:.1f} ms "
                f"for the same {n_points} x {times.size} series ({t_num / t_series:.0f}x)"
            )
            return True
    print(
        f"[4] reference solver did not reach {EQUAL_ACCURACY:.0%} in the grids tried "
        "(down to 100 m): no equal-accuracy timing"
    )
    return True  # not a disagreement: the coarse grids are simply less accurate


def reference_on_danube(path: RiverPath, points: np.ndarray, quick: bool) -> bool:
    """Danube path (not uniform, with lakes): peaks of the reference solver on grids getting
    finer against the moments model; the finest grid must agree within DANUBE_TOLERANCE."""
    days = 8 if quick else 30
    times = np.arange(0.0, days * 86_400.0 + 1, 600.0)
    sel = points[points < 800_000.0] if quick else points
    t_model, ana = timed_once(lambda: RiverSpillModel(path).series(RELEASE, sel, times))
    peak = ana.max(axis=1)
    not_reached = peak <= NOT_REACHED  # the moments model has no plume there in the window
    # peak in the window (not still rising at its end, where only arrival times are compared)
    seen = ~not_reached & (ana.argmax(axis=1) < times.size - 1)
    rising = ~not_reached & ~seen
    grids = (2000.0, 1000.0) if quick else (2000.0, 1000.0, 500.0)
    agree = True
    for dx in grids:
        t_num, num = timed_once(
            lambda dx=dx: numerical.solve(numerical.build_grid(path, dx), RELEASE, sel, times)
        )
        num_peak = num.max(axis=1)
        diff = float(np.max(np.abs(num_peak[seen] / peak[seen] - 1.0), initial=0.0))
        unseen = float(np.max(num_peak[not_reached], initial=0.0))
        line = (
            f"    Danube, reference dx = {dx:.0f} m, {days} days, {sel.size} points: "
            f"{t_num:.1f} s vs moments model {t_model * 1e3:.1f} ms ({t_num / t_model:.0f}x); "
            f"peaks differ by <= {diff * 100:.2f} % at the {int(seen.sum())} points with "
            "their peak in the window"
        )
        if rising.any():
            line += f" ({int(rising.sum())} still rising at its end, not compared)"
        if not_reached.any():
            line += (
                f" ({int(not_reached.sum())} not reached: reference peak there "
                f"{unseen * 1e3:.2g} mg/l)"
            )
        if dx == grids[-1]:
            ok = diff <= DANUBE_TOLERANCE and unseen < THRESHOLD
            agree &= ok
            line += f" ({'within' if ok else 'BEYOND'} the tolerance)"
        print(line)
    return agree


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--size",
        type=int,
        default=None,
        help="reaches in the synthetic network and chain of item 3 "
        "(default 100,000; 10,000 with --quick)",
    )
    parser.add_argument(
        "--points",
        type=int,
        default=20,
        help="output points of the series in items 2 and 4 (default 20)",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="smoke size: 10,000 reaches; 4 days on the uniform reach, 8 days and coarser "
        "grids on the Danube",
    )
    args = parser.parse_args()
    for name, value, least in (("--size", args.size, 2), ("--points", args.points, 1)):
        if value is not None and value < least:
            parser.error(f"{name} must be at least {least}, got {value}")
    path, t_path = danube_path()
    whole_danube(path, t_path)
    points = series_on_danube(path, args.points)
    synthetic(args.size if args.size is not None else (10_000 if args.quick else 100_000))
    agree = reference_equal_accuracy(args.points, args.quick)
    agree &= reference_on_danube(path, points, args.quick)
    if not agree:
        sys.exit("the reference solver and the moments model disagree beyond the tolerance")


if __name__ == "__main__":
    main()
