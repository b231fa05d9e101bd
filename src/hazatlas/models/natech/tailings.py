"""Natech screens of tailings dams: liquefaction, Newmark displacement, overtopping.

* :class:`HazusLiquefaction`: HAZUS-MH probability of liquefaction by susceptibility class,
  P[L | PGA] = clip(a PGA - b, 0, 1) and, when the magnitude and the groundwater depth are
  given, P[L] = P[L | PGA] P_ml / (K_M K_w) with K_M = 0.0027 M^3 - 0.0267 M^2 - 0.2055 M +
  2.9188 and K_w = 0.022 d_w + 0.93 (d_w in feet). Coefficients in
  ``natech_hazus_liquefaction.csv`` and ``natech_coefficients.csv``, read in the OpenQuake
  engine's implementation of HAZUS-MH MR5 (partially confirmed). Tailings are usually of high
  or very high susceptibility (an assumption the caller makes by choosing the class).
* :class:`Jibson2007Newmark`: Newmark sliding-block displacement of the dam slope, Jibson (2007)
  eq. 7, log10 D_n[cm] = -2.71 + log10[(1 - a_c/PGA)^2.335 (a_c/PGA)^-1.478] + 0.424 Mw, and the
  probability of slope failure of Jibson et al. (2000), P_f = 0.335 [1 - exp(-0.048
  D_n^1.565)]. The critical acceleration a_c = (FS - 1) sin(alpha) in g (dimensionless form;
  :func:`critical_acceleration_g`). No displacement when a_c >= PGA (the block does not slide).
* :class:`FreeboardScreen`: overtopping screen of a dam under a design rainfall (a generic
  engineering check, hazatlas design): the pond rises by the rain on the pond plus the runoff
  of its catchment, spread over the pond area; flagged when the risen pond is above the crest
  minus the minimum freeboard. Outflow through spillways and decants during the storm and
  evaporation are ignored (precautionary).

Each screen gives a two-state :class:`~hazatlas.models.natech.damage.DamageResult` of the
``tailings-dam`` classification (no failure / failure); the released volume after a failure
comes from the runout regressions (``hazatlas.models.tailings.runout``).

>>> round(float(HazusLiquefaction().compute(pga_g=0.3, susceptibility="low").conditional[0]), 3)
0.491
>>> r = Jibson2007Newmark().compute(pga_g=0.3, critical_acceleration_g=0.1, magnitude=6.5)
>>> round(float(r.displacement_cm[0]), 3), round(float(r.failure_probability[0]), 4)
(2.188, 0.0505)
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from numpy.typing import NDArray

from hazatlas.domain.reference import load_table
from hazatlas.models.base import PublishedModel, input_problem, raise_problems
from hazatlas.models.natech.damage import DamageResult, FloatArray, classification
from hazatlas.models.natech.flood import coefficient, positive
from hazatlas.models.natech.fragility import intensities

Numbers = float | Sequence[float] | FloatArray
NDArrayBool = NDArray[np.bool_]


@functools.cache
def _susceptibility() -> dict[str, dict[str, float]]:
    return {
        r["susceptibility"]: {
            k: float(r[k]) for k in ("a", "b", "pga_threshold_g", "map_proportion")
        }
        for r in load_table("natech_hazus_liquefaction")
    }


def susceptibility_classes() -> tuple[str, ...]:
    """The HAZUS susceptibility classes, from very high to very low."""
    return tuple(_susceptibility())


@dataclass(frozen=True)
class LiquefactionResult:
    """Conditional P[L | PGA] and, when magnitude and groundwater depth were given, P[L]."""

    susceptibility: str
    conditional: FloatArray
    probability: FloatArray | None
    warnings: tuple[str, ...]

    def damage(self) -> DamageResult:
        """Two-state result, liquefaction taken as dam failure (a screening assumption)."""
        p = self.conditional if self.probability is None else self.probability
        return classification("tailings-dam").result(
            HazusLiquefaction.name,
            p[:, None],
            warnings=self.warnings
            + ("hazus-liquefaction: liquefaction of the tailings is taken as dam failure",),
            validity=(HazusLiquefaction().envelope(),),
        )


class HazusLiquefaction(PublishedModel):
    """HAZUS-MH liquefaction probability of a deposit of a given susceptibility class."""

    name: ClassVar[str] = "hazus-liquefaction"
    source: ClassVar[str] = (
        "FEMA HAZUS-MH MR5 Earthquake Technical Manual, liquefaction susceptibility and "
        "probability, as implemented in the OpenQuake engine (natech_hazus_liquefaction.csv)"
    )
    inputs: ClassVar[Mapping[str, str]] = {
        "pga_g": "g",
        "magnitude": "Mw",
        "groundwater_depth_m": "m",
    }

    def magnitude_correction(self, magnitude: float) -> float:
        """K_M = 0.0027 M^3 - 0.0267 M^2 - 0.2055 M + 2.9188."""
        c = functools.partial(coefficient, "hazus-liquefaction")
        m = magnitude
        return c("km_m3") * m**3 + c("km_m2") * m**2 + c("km_m1") * m + c("km_0")

    def groundwater_correction(self, groundwater_depth_m: float) -> float:
        """K_w = 0.022 d_w + 0.93, d_w in feet."""
        c = functools.partial(coefficient, "hazus-liquefaction")
        return c("kw_ft") * groundwater_depth_m * c("ft_per_m") + c("kw_0")

    def compute(
        self,
        *,
        pga_g: Numbers,
        susceptibility: str,
        magnitude: float | None = None,
        groundwater_depth_m: float | None = None,
    ) -> LiquefactionResult:
        """P[L | PGA] per PGA, and P[L] when ``magnitude`` and ``groundwater_depth_m`` are given."""
        pga = intensities("pga_g", pga_g)
        table = _susceptibility()
        problems = []
        if susceptibility not in table:
            problems.append(
                input_problem(
                    "susceptibility",
                    f"{susceptibility!r}: expected one of {', '.join(table)}",
                )
            )
        if (magnitude is None) != (groundwater_depth_m is None):
            problems.append(
                input_problem(
                    "magnitude" if magnitude is None else "groundwater_depth_m",
                    "give both the magnitude and the groundwater depth, or neither",
                )
            )
        if groundwater_depth_m is not None and not (
            math.isfinite(groundwater_depth_m) and groundwater_depth_m >= 0
        ):
            problems.append(
                input_problem("groundwater_depth_m", f"{groundwater_depth_m!r}: expected >= 0 m")
            )
        if magnitude is not None and not (math.isfinite(magnitude) and magnitude > 0):
            problems.append(input_problem("magnitude", f"{magnitude!r}: expected Mw > 0"))
        raise_problems(problems)
        row = table[susceptibility]
        conditional: FloatArray = np.clip(row["a"] * pga - row["b"], 0.0, 1.0)
        if magnitude is None or groundwater_depth_m is None:
            return LiquefactionResult(susceptibility, conditional, None, ())
        k_m = self.magnitude_correction(magnitude)
        k_w = self.groundwater_correction(groundwater_depth_m)
        p: FloatArray = np.clip(conditional * row["map_proportion"] / (k_m * k_w), 0.0, 1.0)
        note = (
            "hazus-liquefaction: P[L] = P[L|PGA] P_ml / (K_M K_w) as implemented by OpenQuake; "
            "not checked against the HAZUS manual",
        )
        return LiquefactionResult(susceptibility, conditional, p, note)


def critical_acceleration_g(factor_of_safety: float, slope_deg: float) -> float:
    """a_c = (FS - 1) sin(alpha), in g (Newmark 1965 rigid block on an infinite slope, as in
    Jibson 2007); 0 for FS <= 1."""
    positive({"factor_of_safety": factor_of_safety})
    if not (math.isfinite(slope_deg) and 0 < slope_deg < 90):
        raise_problems([input_problem("slope_deg", f"{slope_deg!r}: expected 0 < angle < 90")])
    return max(0.0, (factor_of_safety - 1.0) * math.sin(math.radians(slope_deg)))


@dataclass(frozen=True)
class NewmarkResult:
    """Newmark displacement (cm) and failure probability per PGA."""

    displacement_cm: FloatArray
    failure_probability: FloatArray
    warnings: tuple[str, ...]

    def damage(self) -> DamageResult:
        """Two-state result: slope failure with the Jibson et al. (2000) probability."""
        return classification("tailings-dam").result(
            Jibson2007Newmark.name,
            self.failure_probability[:, None],
            warnings=self.warnings,
            validity=(Jibson2007Newmark().envelope(notes=Jibson2007Newmark.range_notes),),
        )


class Jibson2007Newmark(PublishedModel):
    """Jibson (2007) eq. 7 Newmark displacement with the Jibson et al. (2000) P_f."""

    name: ClassVar[str] = "jibson2007-newmark"
    source: ClassVar[str] = (
        "Jibson (2007), Eng. Geol. 91:209-218, eq. 7; Jibson, Harp & Michael (2000), Eng. Geol. "
        "58:271-289 (coefficients in natech_coefficients.csv)"
    )
    inputs: ClassVar[Mapping[str, str]] = {
        "pga_g": "g",
        "critical_acceleration_g": "g",
        "magnitude": "Mw",
    }
    range_notes: ClassVar[tuple[str, ...]] = (
        "jibson2007-newmark: the range of the records the regression was fitted on was not "
        "retrieved, so the inputs are not checked against it",
    )

    def compute(
        self, *, pga_g: Numbers, critical_acceleration_g: float, magnitude: float
    ) -> NewmarkResult:
        """Displacement D_n (cm) and P_f per PGA; D_n = 0 where a_c >= PGA."""
        pga = intensities("pga_g", pga_g)
        positive({"critical_acceleration_g": critical_acceleration_g, "magnitude": magnitude})
        c = functools.partial(coefficient, "jibson2007")
        ratio = np.full_like(pga, 1.0)
        sliding = pga > critical_acceleration_g
        ratio[sliding] = critical_acceleration_g / pga[sliding]
        d = np.zeros_like(pga)
        r = ratio[sliding]
        d[sliding] = 10.0 ** (
            c("c1") + c("c2") * np.log10(1.0 - r) + c("c3") * np.log10(r) + c("c4") * magnitude
        )
        p = functools.partial(coefficient, "jibson2000")
        pf: FloatArray = p("p_max") * (1.0 - np.exp(p("k") * d ** p("e")))
        return NewmarkResult(d, pf, self.range_notes)


@dataclass(frozen=True)
class FreeboardResult:
    """Pond rise (m), remaining freeboard (m) and the flags per design rainfall."""

    rise_m: FloatArray
    remaining_freeboard_m: FloatArray
    freeboard_exceeded: NDArrayBool
    overtopped: NDArrayBool
    warnings: tuple[str, ...]

    def damage(self) -> DamageResult:
        """Two-state result: failure when the minimum freeboard is used up (precautionary)."""
        return classification("tailings-dam").result(
            FreeboardScreen.name,
            self.freeboard_exceeded.astype(float)[:, None],
            warnings=self.warnings,
            validity=(FreeboardScreen().envelope(),),
        )


class FreeboardScreen(PublishedModel):
    """Overtopping screen: pond rise under a design rainfall against the crest and freeboard."""

    name: ClassVar[str] = "freeboard-screen"
    source: ClassVar[str] = (
        "generic engineering check (volume balance of the pond under the design storm); "
        "hazatlas design, see docs/natech.md"
    )
    inputs: ClassVar[Mapping[str, str]] = {
        "design_rainfall_m": "m",
        "pond_level_m": "m",
        "crest_level_m": "m",
        "min_freeboard_m": "m",
        "pond_area_m2": "m2",
        "catchment_area_m2": "m2",
        "runoff_coefficient": "1",
    }
    validity: ClassVar[Mapping[str, tuple[float, float]]] = {"runoff_coefficient": (0.0, 1.0)}

    def compute(
        self,
        *,
        design_rainfall_m: Numbers,
        pond_level_m: float,
        crest_level_m: float,
        min_freeboard_m: float,
        pond_area_m2: float,
        catchment_area_m2: float = 0.0,
        runoff_coefficient: float = 1.0,
    ) -> FreeboardResult:
        """rise = P (A_pond + C A_catchment) / A_pond; flags per rainfall depth P."""
        rain = intensities("design_rainfall_m", design_rainfall_m)
        positive({"pond_area_m2": pond_area_m2})
        problems = [
            input_problem(k, f"{v!r}: expected a finite number >= 0")
            for k, v in (
                ("min_freeboard_m", min_freeboard_m),
                ("catchment_area_m2", catchment_area_m2),
            )
            if not (math.isfinite(v) and v >= 0)
        ]
        if not (math.isfinite(runoff_coefficient) and 0.0 <= runoff_coefficient <= 1.0):
            problems.append(input_problem("runoff_coefficient", f"{runoff_coefficient!r}: 0 to 1"))
        if not (math.isfinite(pond_level_m) and math.isfinite(crest_level_m)):
            problems.append(input_problem("pond_level_m", "pond and crest levels must be finite"))
        elif pond_level_m > crest_level_m:
            problems.append(
                input_problem(
                    "pond_level_m",
                    f"{pond_level_m} m is above the crest ({crest_level_m} m): already overtopping",
                )
            )
        raise_problems(problems)
        rise: FloatArray = (
            rain * (pond_area_m2 + runoff_coefficient * catchment_area_m2) / pond_area_m2
        )
        remaining: FloatArray = crest_level_m - (pond_level_m + rise)
        warnings = (
            "freeboard-screen: outflow through spillways and decants during the storm is "
            "ignored (precautionary); the design rainfall is the caller's choice",
        )
        return FreeboardResult(
            rise, remaining, remaining < min_freeboard_m, remaining < 0.0, warnings
        )
