"""Writes the expected values of the Natech models' verification tables (natech_fragility.csv,
natech_tailings.csv) from the published parameters, with the standard library only (math.erf),
independently of hazatlas's code. natech_gmpe.csv is not written here: it holds RAPID-N's own
validation values, copied from its estimator pages.

Run from the repository root: ``python tests/models/reference/make_natech_reference.py``.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

HERE = Path(__file__).parent

# medians (g) and betas of DS2-DS5, as in src/hazatlas/data/reference/natech_fragility_curves.csv
CURVES = {
    "hazus-steel-tank-anchored": [(0.30, 0.60), (0.70, 0.60), (1.25, 0.65), (1.60, 0.60)],
    "hazus-steel-tank-unanchored": [(0.15, 0.70), (0.35, 0.75), (0.68, 0.75), (0.95, 0.70)],
    "ala2001-steel-tank-fill60": [(0.22, 0.8), (0.70, 0.8), (1.09, 0.8), (1.16, 0.41)],
}
CHECKED = {  # (model, PGA) whose raw values the reference research notes also computed
    ("hazus-steel-tank-anchored", 0.1),
    ("hazus-steel-tank-anchored", 0.3),
    ("hazus-steel-tank-anchored", 0.5),
    ("hazus-steel-tank-unanchored", 0.1),
    ("hazus-steel-tank-unanchored", 0.3),
    ("hazus-steel-tank-unanchored", 0.5),
    ("ala2001-steel-tank-fill60", 0.3),
}


def phi(z: float) -> float:
    return 0.5 * (1.0 + math.erf(z / math.sqrt(2.0)))


def fragility() -> None:
    with open(HERE / "natech_fragility.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(
            [
                "model",
                "pga_g",
                "raw_ds2",
                "raw_ds3",
                "raw_ds4",
                "raw_ds5",
                "ds2",
                "ds3",
                "ds4",
                "ds5",
                "abs_tol",
                "source",
            ]
        )
        for model, params in CURVES.items():
            for x in (0.05, 0.1, 0.3, 0.5, 1.0, 1.5, 2.0):
                raw = [phi(math.log(x / t) / b) for t, b in params]
                env = raw[:]
                for k in range(len(env) - 2, -1, -1):
                    env[k] = max(env[k], env[k + 1])
                src = (
                    "Phi(ln(PGA/median)/beta) with math.erf from the published medians and "
                    "betas; ds2-ds5 after the upper envelope of the higher states (hazatlas "
                    "correction of crossing curves)"
                )
                if (model, x) in CHECKED:
                    src += "; the raw values agree to 1e-4 with those of the research notes"
                w.writerow([model, x, *[f"{v:.12g}" for v in raw + env], "1e-12", src])


def tailings() -> None:
    # HAZUS liquefaction (a, b, P_ml), K_M and K_w; Jibson 2007 eq. 7 and Jibson et al. 2000
    cls = {
        "very_high": (9.09, 0.82, 0.25),
        "high": (7.67, 0.92, 0.2),
        "moderate": (6.67, 1.0, 0.1),
        "low": (5.57, 1.18, 0.05),
        "very_low": (4.16, 1.08, 0.02),
    }
    rows = []
    for name, (a, b, pml) in cls.items():
        for pga, mw, dw_m in ((0.3, 6.5, 5 * 0.3048), (0.2, 7.0, 3.0), (0.6, 5.5, 0.0)):
            cond = min(1.0, max(0.0, a * pga - b))
            k_m = 0.0027 * mw**3 - 0.0267 * mw**2 - 0.2055 * mw + 2.9188
            k_w = 0.022 * dw_m / 0.3048 + 0.93
            rows.append(
                [
                    "hazus-liquefaction",
                    name,
                    pga,
                    mw,
                    dw_m,
                    "",
                    cond,
                    cond * pml / (k_m * k_w),
                    "",
                    "",
                    "HAZUS-MH coefficients as implemented by OpenQuake (P[L] = P[L|PGA] "
                    "P_ml / (K_M K_w)); hand calculation",
                ]
            )
    for pga, ac, mw in ((0.3, 0.1, 6.5), (0.2, 0.05, 6.0), (0.5, 0.1, 7.0), (0.1, 0.1, 6.0)):
        if pga > ac:
            r = ac / pga
            d = 10 ** (-2.71 + 2.335 * math.log10(1 - r) - 1.478 * math.log10(r) + 0.424 * mw)
        else:
            d = 0.0
        pf = 0.335 * (1 - math.exp(-0.048 * d**1.565))
        rows.append(
            [
                "jibson2007-newmark",
                "",
                pga,
                mw,
                "",
                ac,
                "",
                "",
                d,
                pf,
                "Jibson (2007) eq. 7 and Jibson et al. (2000); hand calculation (the first "
                "two rows agree to 1e-3 with the research notes)",
            ]
        )
    with open(HERE / "natech_tailings.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(
            [
                "model",
                "susceptibility",
                "pga_g",
                "magnitude",
                "groundwater_depth_m",
                "critical_acceleration_g",
                "conditional",
                "probability",
                "displacement_cm",
                "failure_probability",
                "source",
            ]
        )
        for row in rows:
            w.writerow([f"{v:.12g}" if isinstance(v, float) else v for v in row])


if __name__ == "__main__":
    fragility()
    tailings()
