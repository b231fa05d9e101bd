"""Writes ``river_uniform_reach.csv``: expected values from the classical solution, computed here
independently of hazatlas (direct evaluation of Eq. (1) of docs/models/river.md and quadrature).

Eq. (1): C(x, t) = M / (A sqrt(4 pi K t)) exp(-(x - U t)^2 / (4 K t)) exp(-k t), A = Q/U
(Fischer et al. 1979, ch. 2; equation number not checked, with decay). A continuous release of M over T is the time
integral of Eq. (1) with M/T per second (superposition), done by adaptive quadrature.

Run: ``.venv/bin/python tests/models/reference/make_river_reference.py``
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

from scipy.integrate import quad
from scipy.optimize import brentq, minimize_scalar

# case, mass_kg, duration_s, decay_per_day, velocity_m_s, dispersion_m2_s, discharge_m3_s,
# distance_m, threshold_mg_l
CASES = [
    ("inst-small-stream", 10.0, 0.0, 0.0, 0.3, 5.0, 10.0, 2_000.0, 0.01),
    ("inst-medium-river", 1_000.0, 0.0, 0.0, 1.0, 50.0, 100.0, 50_000.0, 0.01),
    ("inst-large-river", 100_000.0, 0.0, 0.0, 1.2, 500.0, 2_000.0, 300_000.0, 0.05),
    ("inst-decay", 100_000.0, 0.0, 1.0, 0.8, 200.0, 500.0, 150_000.0, 0.05),
    ("inst-low-peclet", 50.0, 0.0, 0.0, 0.2, 100.0, 5.0, 3_000.0, 0.001),
    ("cont-1h", 1_000.0, 3_600.0, 0.0, 1.0, 50.0, 100.0, 50_000.0, 0.01),
    ("cont-12h", 100_000.0, 43_200.0, 0.0, 1.2, 500.0, 2_000.0, 300_000.0, 0.05),
    ("cont-3d-plateau", 100_000.0, 259_200.0, 0.0, 1.0, 100.0, 1_000.0, 20_000.0, 0.05),
    ("cont-12h-decay", 100_000.0, 43_200.0, 0.5, 0.8, 200.0, 500.0, 150_000.0, 0.05),
]


def eq1(m, u, k_disp, q, x, k, t):
    """Eq. (1) in kg/m3 for an instantaneous release of m kg."""
    if t <= 0:
        return 0.0
    area = q / u
    return (
        m
        / (area * math.sqrt(4 * math.pi * k_disp * t))
        * math.exp(-((x - u * t) ** 2) / (4 * k_disp * t) - k * t)
    )


def conc(case, t):
    _, m, dur, kd, u, k_disp, q, x, _ = case
    k = kd / 86_400.0
    if dur == 0:
        return eq1(m, u, k_disp, q, x, k, t)
    lo = max(0.0, t - dur)
    if t <= 0:
        return 0.0
    t0 = x / u
    pts = [p for p in (t0 * 0.9, t0, t0 * 1.1) if lo < p < t]
    val, _ = quad(
        lambda tau: eq1(m / dur, u, k_disp, q, x, k, tau),
        lo,
        t,
        points=pts or None,
        epsabs=0.0,
        epsrel=1e-12,
        limit=400,
    )
    return val


def expected(case):
    _, m, dur, kd, u, k_disp, q, x, thr_mg_l = case
    thr = thr_mg_l / 1000.0
    t0 = x / u
    sigma = math.sqrt(2 * k_disp * x / u**3)
    hi = t0 + dur + 8 * sigma
    res = minimize_scalar(
        lambda t: -conc(case, t),
        bounds=(max(1.0, t0 - 8 * sigma), hi),
        method="bounded",
        options={"xatol": 1e-3},
    )
    t_peak, c_peak = float(res.x), -float(res.fun)
    arrival = brentq(lambda t: conc(case, t) - thr, 1e-6 * t0, t_peak, xtol=1e-6)
    far = t_peak + 10 * (dur + sigma)
    while conc(case, far) > thr:
        far *= 2
    trailing = brentq(lambda t: conc(case, t) - thr, t_peak, far, xtol=1e-6)
    plateau = dur > 4 * sigma
    return (
        c_peak * 1000.0,
        "" if plateau else f"{t_peak:.3f}",
        arrival,
        trailing,
    )


def main() -> None:
    out = Path(__file__).with_name("river_uniform_reach.csv")
    fields = [
        "case",
        "mass_kg",
        "duration_s",
        "decay_per_day",
        "velocity_m_s",
        "dispersion_m2_s",
        "discharge_m3_s",
        "distance_m",
        "threshold_mg_l",
        "peak_mg_l",
        "peak_time_s",
        "arrival_s",
        "trailing_s",
        "tolerance_rel",
        "source",
    ]
    with out.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(fields)
        for case in CASES:
            peak, tpk, arr, trail = expected(case)
            w.writerow(
                [
                    *case,
                    f"{peak:.8g}",
                    tpk,
                    f"{arr:.3f}",
                    f"{trail:.3f}",
                    "0.01",
                    "Eq. (1) of docs/models/river.md (Fischer et al. 1979 ch. 2) evaluated directly; "
                    "continuous release by quadrature (scipy quad); script "
                    "make_river_reference.py",
                ]
            )


if __name__ == "__main__":
    main()
