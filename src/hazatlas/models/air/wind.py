"""Wind speed at release height by the power law with Irwin (1979) exponents.

u(z) = u_ref · (z / z_ref)^p, with p per stability class and terrain from
``gaussian_wind_profile_exponents.csv`` (Irwin 1979, as coded and test-pinned in GasDispersion.jl).
Heights below ``min_height_m`` (default 1 m) are raised to it, so a ground-level release gets the
wind at 1 m rather than zero (a hazatlas choice; it errs towards lower wind and higher
concentrations).

>>> round(wind_at_height(3.0, 1.0, 10.0, "D"), 6)   # GasDispersion.jl ccps_tests: 4.237612633868263
4.237613
>>> wind_at_height(3.0, 10.0, 10.0, "F")
3.0
"""

from __future__ import annotations

import numpy as np

from hazatlas.domain.reference import load_table
from hazatlas.models.air.stability import CLASSES
from hazatlas.models.base import invalid_input

PROFILE_SETS = {
    "rural": "Irwin rural (=ISC3 rural, CCPS rural)",
    "urban": "Irwin urban (CCPS urban)",
    "isc3-urban": "ISC3 urban",
}


def exponents(terrain: str = "rural") -> np.ndarray:
    """Power-law exponents p for classes A-F (array of 6) for ``terrain``.

    >>> exponents("urban").tolist()
    [0.15, 0.15, 0.2, 0.25, 0.4, 0.6]
    """
    if terrain not in PROFILE_SETS:
        raise invalid_input("terrain", f"terrain must be one of {', '.join(PROFILE_SETS)}, got {terrain!r}")
    row = next(
        r
        for r in load_table("gaussian_wind_profile_exponents")
        if r["set"] == PROFILE_SETS[terrain]
    )
    return np.array([float(row[c]) for c in CLASSES])


def wind_at_height(
    wind_speed_m_s: float | np.ndarray,
    reference_height_m: float,
    height_m: float | np.ndarray,
    stability: str,
    terrain: str = "rural",
    min_height_m: float = 1.0,
) -> float | np.ndarray:
    """Wind speed (m/s) at ``height_m`` from a measurement at ``reference_height_m``.

    Eq. u = u_ref (z/z_ref)^p, exponents of Irwin (1979) (``gaussian_wind_profile_exponents.csv``).
    """
    from hazatlas.models.air.stability import class_index

    if reference_height_m <= 0:
        raise invalid_input(
            "wind_height_m", f"wind measurement height must be > 0 m, got {reference_height_m}"
        )
    p = exponents(terrain)[class_index(stability)]
    z = np.maximum(np.asarray(height_m, dtype=float), min_height_m)
    z_ref = max(reference_height_m, min_height_m)
    result = np.asarray(wind_speed_m_s, dtype=float) * (z / z_ref) ** p
    return float(result) if result.ndim == 0 else result
