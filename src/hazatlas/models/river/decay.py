"""First-order decay rate at the water temperature (van 't Hoff / Arrhenius correction).

A decay rate ``k_ref`` measured at a reference temperature ``T_ref`` is carried to the water
temperature ``T`` (kelvin) by

    k(T) = k_ref · exp(−B (1/T − 1/T_ref))                                        (4)

(van 't Hoff equation of an equilibrium constant, or Arrhenius with ``B = E_a / R``); near
``T_ref`` it is the familiar ``k(T) = k_ref θ^(T − T_ref)`` with ``θ = exp(B / (T T_ref))``.
``B`` comes per substance from ``river_spill_substances.csv`` with its source (for cyanide the
temperature dependence of the Henry's-law constant of HCN, since the loss is volatilisation);
see Eq. (4) of ``docs/models/river.md``.

>>> round(decay_at_temperature(0.173, 20.0, 8200.0, 2.0), 4)
0.0278
>>> decay_at_temperature(0.173, 20.0, 8200.0, 20.0)
0.173
>>> round(theta(8200.0, 20.0, 10.0), 3)
1.104
"""

from __future__ import annotations

import math

from hazatlas.domain.errors import Problem
from hazatlas.models.base import input_problem

#: Water temperatures accepted (°C): liquid fresh water at the surface (0 °C, ice-covered
#: rivers run at about 0 °C) up to the warmest river water of the region, with margin; a value
#: outside is refused, never clamped (project bounds).
WATER_TEMP_RANGE_C = (0.0, 40.0)
KELVIN = 273.15


def decay_at_temperature(
    k_ref_per_day: float, ref_temp_c: float, coefficient_k: float, water_temp_c: float
) -> float:
    """Eq. (4): the decay rate (1/day) at ``water_temp_c``."""
    if water_temp_c == ref_temp_c:
        return k_ref_per_day
    t, t_ref = water_temp_c + KELVIN, ref_temp_c + KELVIN
    return k_ref_per_day * math.exp(-coefficient_k * (1.0 / t - 1.0 / t_ref))


def theta(coefficient_k: float, ref_temp_c: float, water_temp_c: float) -> float:
    """The equivalent ``θ`` of ``k_ref θ^(T − T_ref)`` between the two temperatures."""
    if water_temp_c == ref_temp_c:
        return math.exp(coefficient_k / (ref_temp_c + KELVIN) ** 2)
    ratio = decay_at_temperature(1.0, ref_temp_c, coefficient_k, water_temp_c)
    return float(ratio ** (1.0 / (water_temp_c - ref_temp_c)))


def water_temp_problems(water_temp_c: float | None) -> list[Problem]:
    """A problem naming ``water-temp`` when the temperature is outside the accepted range."""
    lo, hi = WATER_TEMP_RANGE_C
    if water_temp_c is None or (math.isfinite(water_temp_c) and lo <= water_temp_c <= hi):
        return []
    return [
        input_problem(
            "water-temp",
            f"{water_temp_c!r} °C: the water temperature must be between {lo:g} and {hi:g} °C",
        )
    ]
