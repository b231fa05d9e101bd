"""Threat zones: levels of concern and the downwind distance at which each is reached.

Levels of concern (LOC) come from ``aegl_values.csv`` (AEGL-1/2/3 for 10 min, 30 min, 60 min,
4 h, 8 h) or ``erpg_values.csv`` (ERPG-1/2/3, 1 h), or are given by the user. **Duration rule**
(a hazatlas design choice, not from a source; see ``docs/models/plume.md``): the exposure duration is rounded *up* to the next
published AEGL period (longer periods have lower, more protective values); beyond 8 h the 8 h
value is used with a warning. Values marked NR/NA are skipped with a warning.

The threat distance of a level is the **farthest** downwind distance at which the ground-level
centreline concentration (plume) or peak concentration (puff) equals the LOC. It is found by
root finding: the concentration is evaluated on a log-spaced grid from 1 m to 100 km, the last
grid interval where it crosses the LOC is bracketed, and the crossing refined by bisection in
log(x) (vectorised over sites and levels).

>>> levels = levels_of_concern("chlorine", duration_s=45 * 60)   # rounded up to 60 min
>>> [(lv.level, lv.threshold_mg_m3, lv.duration) for lv in levels]
[('AEGL-1', 1.45, '60 min'), ('AEGL-2', 5.8, '60 min'), ('AEGL-3', 58.0, '60 min')]
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from hazatlas.domain.reference import load_table
from hazatlas.models.base import invalid_input

AEGL_PERIODS_S = (
    (600.0, "10 min"),
    (1800.0, "30 min"),
    (3600.0, "60 min"),
    (14_400.0, "4 h"),
    (28_800.0, "8 h"),
)
AIR_MOLAR_MASS_G_MOL = 28.96
X_MIN_M = 1.0
X_MAX_M = 100_000.0


@dataclass(frozen=True)
class LevelOfConcern:
    """One level of concern: name, threshold (mg/m³), its status and source."""

    level: str
    threshold_mg_m3: float
    duration: str = ""
    status: str = "given by the user"
    source: str = "user value"


@dataclass(frozen=True)
class Substance:
    """A substance of the AEGL/ERPG tables: name, CAS number, molar mass (g/mol)."""

    name: str
    cas: str
    molar_mass_g_mol: float


def _norm(text: str) -> str:
    return text.strip().lower().replace("sulfur", "sulphur").replace("sulfide", "sulphide")


def find_substance(name_or_cas: str) -> Substance | None:
    """The AEGL-table substance whose name or CAS number is ``name_or_cas`` (or None).

    >>> find_substance("Hydrogen sulfide").cas
    '7783-06-4'
    """
    key = _norm(name_or_cas)
    for row in load_table("aegl_values"):
        if key in (_norm(row["chemical"]), row["cas"].strip()):
            return Substance(row["chemical"], row["cas"], float(row["mw_g_per_mol"]))
    return None


def aegl_period(duration_s: float) -> tuple[str, bool]:
    """Published AEGL period for an exposure duration (rounded up); flag True if > 8 h.

    >>> aegl_period(600), aegl_period(601), aegl_period(9 * 3600)
    (('10 min', False), ('30 min', False), ('8 h', True))
    """
    if not duration_s > 0:
        raise invalid_input("duration_s", f"exposure duration must be > 0 s, got {duration_s}")
    for limit_s, label in AEGL_PERIODS_S:
        if duration_s <= limit_s:
            return label, False
    return AEGL_PERIODS_S[-1][1], True


def levels_of_concern(
    name_or_cas: str, *, kind: str = "aegl", duration_s: float = 3600.0
) -> list[LevelOfConcern]:
    """AEGL-1/2/3 (at the rounded-up period) or ERPG-1/2/3 of a substance, NR/NA skipped."""
    sub = find_substance(name_or_cas)
    if sub is None:
        raise invalid_input(
            "substance",
            f"no AEGL/ERPG values for '{name_or_cas}': give --loc VALUE (mg/m3) or one of "
            + ", ".join(sorted({r["chemical"] for r in load_table("aegl_values")}))
        )
    out: list[LevelOfConcern] = []
    if kind == "aegl":
        period, _ = aegl_period(duration_s)
        for row in load_table("aegl_values"):
            if row["cas"] == sub.cas and row["duration"] == period and _number(row["value_ppm"]):
                out.append(
                    LevelOfConcern(
                        row["level"],
                        float(row["value_mg_m3_computed_25C"]),
                        period,
                        row["status"],
                        row["source"],
                    )
                )
    elif kind == "erpg":
        erpg = [r for r in load_table("erpg_values") if r["cas"] == sub.cas]
        for i in (1, 2, 3):
            if erpg and _number(erpg[0][f"erpg{i}_mg_m3_computed_25C"]):
                row = erpg[0]
                out.append(
                    LevelOfConcern(
                        f"ERPG-{i}",
                        float(row[f"erpg{i}_mg_m3_computed_25C"]),
                        "60 min",
                        row["status"],
                        row["source"],
                    )
                )
    else:
        raise invalid_input("levels", f"level-of-concern kind must be 'aegl' or 'erpg', got {kind!r}")
    return out


def _number(text: str) -> bool:
    try:
        return math.isfinite(float(text))
    except ValueError:
        return False


def threat_distances(
    ground_fn: Callable[[np.ndarray], np.ndarray],
    thresholds_kg_m3: np.ndarray,
    *,
    n_sites: int = 1,
    n_grid: int = 240,
    iterations: int = 40,
) -> np.ndarray:
    """Farthest downwind distance (m) where ``ground_fn`` equals each threshold.

    ``ground_fn(x)`` returns ground-level concentrations (kg/m³) for distances ``x`` of shape
    (n_sites, k) (site parameters broadcast along axis 0). ``thresholds_kg_m3`` has shape (L,) or
    (n_sites, L). Returns (n_sites, L): 0 where the level is never reached, ``inf`` where it is
    still exceeded at 100 km.
    """
    thr = np.broadcast_to(
        np.asarray(thresholds_kg_m3, dtype=float), (n_sites, np.shape(thresholds_kg_m3)[-1])
    )
    grid = np.geomspace(X_MIN_M, X_MAX_M, n_grid)
    conc = ground_fn(np.broadcast_to(grid, (n_sites, n_grid)))  # (S, G)
    above = conc[:, None, :] >= thr[:, :, None]  # (S, L, G)
    any_above = above.any(axis=-1)
    last = n_grid - 1 - np.argmax(above[..., ::-1], axis=-1)  # last index above
    beyond = last >= n_grid - 1
    lo = np.log(grid[np.minimum(last, n_grid - 2)])
    hi = np.log(grid[np.minimum(last + 1, n_grid - 1)])
    for _ in range(iterations):
        mid = 0.5 * (lo + hi)
        c_mid = ground_fn(np.exp(mid))
        up = c_mid >= thr
        lo = np.where(up, mid, lo)
        hi = np.where(up, hi, mid)
    dist = np.exp(0.5 * (lo + hi))
    dist = np.where(beyond, np.inf, dist)
    return np.where(any_above, dist, 0.0)


def validity_warnings(
    *,
    wind_speed_m_s: float,
    distances_m: list[float],
    molar_mass_g_mol: float | None = None,
    release_temperature_k: float | None = None,
    ambient_temperature_k: float = 293.15,
    level_status: list[str] | None = None,
) -> list[str]:
    """Sentences flagging where the neutral-gas Gaussian model is outside its validity."""
    out: list[str] = []
    dense = "use a dense-gas model (e.g. the Britter-McQuaid workbook, SLAB, DEGADIS or ALOHA's heavy-gas model)"
    if molar_mass_g_mol is not None and molar_mass_g_mol > 1.15 * AIR_MOLAR_MASS_G_MOL:
        out.append(
            f"molar mass {molar_mass_g_mol:g} g/mol is well above air "
            f"({AIR_MOLAR_MASS_G_MOL} g/mol): the cloud may behave as a dense gas, which "
            f"the Gaussian model does not represent; {dense}"
        )
    if release_temperature_k is not None and release_temperature_k < ambient_temperature_k - 20.0:
        out.append(
            f"release temperature {release_temperature_k:.0f} K is well below ambient: a "
            f"cold cloud is denser than air; {dense}"
        )
    if wind_speed_m_s < 1.0:
        out.append(
            f"wind speed {wind_speed_m_s:g} m/s is below 1 m/s: the Gaussian model is not "
            "valid in near-calm conditions (meandering, stagnation); use a puff-trajectory "
            "or calm-wind model"
        )
    finite = [d for d in distances_m if 0 < d < math.inf]
    if any(d < 100.0 for d in finite):
        out.append(
            "a threat distance is below 100 m, where the dispersion coefficients are not "
            "valid (source geometry, buildings and jet effects dominate); treat as indicative"
        )
    if any(d > 10_000.0 for d in distances_m if d > 0):
        out.append(
            "a threat distance exceeds 10 km: beyond that the coefficients are extrapolated "
            "and the wind is unlikely to stay steady; use a trajectory (puff) model"
        )
    if level_status and any("unconfirmed" in s.lower() for s in level_status):
        out.append(
            "some levels of concern are unconfirmed in the reference table "
            "(aegl_values.csv / erpg_values.csv status column); check them against the source"
        )
    return out
