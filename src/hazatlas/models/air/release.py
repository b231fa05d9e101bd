"""Request and result of the air dispersion models (:mod:`.plume`, :mod:`.puff`).

:class:`AirRelease` is what one run needs besides the receptor points: the weather (wind speed at
release height, Pasquill stability class), the release height, the mixing height, and the amount
(``rate_kg_s`` for a continuous release, the plume; ``mass_kg`` for an instantaneous one, the
puff). Invalid values raise one :class:`~hazatlas.domain.errors.ValidationError` naming every
bad parameter. :class:`Concentrations` is what a run returns: the values with the run's
validity envelope (and so its warnings), never a bare array.

>>> AirRelease(wind_speed_m_s=3.0, stability="d", rate_kg_s=1.0).stability
'D'
>>> [p.field for p in air_problems(wind_speed_m_s=0.0, stability="G")]
['wind_speed_m_s', 'stability']
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from hazatlas.domain.errors import Problem
from hazatlas.models.air.stability import CLASSES
from hazatlas.models.base import Validity, input_problem, raise_problems


def air_problems(
    *,
    wind_speed_m_s: float,
    stability: str,
    release_height_m: float = 0.0,
    mixing_height_m: float = math.inf,
) -> list[Problem]:
    """Problems with the weather and geometry of an air release, each naming its parameter."""
    problems: list[Problem] = []
    if not (math.isfinite(wind_speed_m_s) and wind_speed_m_s > 0):
        problems.append(
            input_problem("wind_speed_m_s", f"the wind speed must be > 0 m/s, got {wind_speed_m_s}")
        )
    if str(stability).strip().upper() not in CLASSES:
        problems.append(
            input_problem("stability", f"stability class must be one of A-F, got {stability!r}")
        )
    if not (math.isfinite(release_height_m) and release_height_m >= 0):
        problems.append(
            input_problem("release_height_m", f"the release height must be >= 0 m, got {release_height_m}")
        )
    elif not release_height_m < mixing_height_m:
        problems.append(
            input_problem("mixing_height_m", "the release height must be below the mixing height")
        )
    return problems


@dataclass(frozen=True)
class AirRelease:
    """One release for the plume (``rate_kg_s``) or the puff (``mass_kg``) model, SI units."""

    wind_speed_m_s: float
    stability: str
    rate_kg_s: float | None = None
    mass_kg: float | None = None
    release_height_m: float = 0.0
    mixing_height_m: float = math.inf

    def __post_init__(self) -> None:
        problems = air_problems(
            wind_speed_m_s=self.wind_speed_m_s,
            stability=self.stability,
            release_height_m=self.release_height_m,
            mixing_height_m=self.mixing_height_m,
        )
        amounts = {"rate_kg_s": self.rate_kg_s, "mass_kg": self.mass_kg}
        given = {k: v for k, v in amounts.items() if v is not None}
        if len(given) != 1:
            problems.append(input_problem("rate_kg_s", "give exactly one of rate_kg_s and mass_kg"))
        for key, value in given.items():
            if not (math.isfinite(value) and value > 0):
                problems.append(input_problem(key, f"must be > 0, got {value}"))
        raise_problems(problems)
        object.__setattr__(self, "stability", self.stability.strip().upper())

    @property
    def kind(self) -> str:
        """"continuous" (a rate, plume) or "instantaneous" (a mass, puff)."""
        return "continuous" if self.rate_kg_s is not None else "instantaneous"


@dataclass(frozen=True)
class Concentrations:
    """Concentrations (kg/m³) at the requested points and the validity envelope of the run."""

    concentration_kg_m3: np.ndarray
    validity: Validity

    @property
    def warnings(self) -> list[str]:
        """Sentences for the inputs outside the validity envelope."""
        return list(self.validity.outside)
