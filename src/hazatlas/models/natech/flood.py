"""Flotation limit state of an unanchored vertical atmospheric tank under flood water.

An unanchored tank floats when the buoyancy of the flood water around it exceeds its weight
plus the weight of its content (Archimedes' principle):

    rho_w g (pi D^2 / 4) h_w  >  m_tank g + rho_L g (pi D^2 / 4) h_L

so the critical flood depth above the tank base is

    h_cr = m_tank / (rho_w pi D^2 / 4) + (rho_L / rho_w) h_L

(g cancels). This is first-principles physics; the published flood fragility models of
Landucci et al. (2012, RESS 106:200-216) and Khakzad & Van Gelder (2017, PSEP 111:75-84) build
on this limit state, but that they use exactly this form is **unconfirmed** (their equations
and coefficients were not retrieved). The screen ignores anchoring, friction, the dynamic load
of flowing water and shell buckling; a floating tank is taken to tear its pipes and lose its
whole content (the ``tank-flotation`` classification of ``natech_damage_classifications.csv``,
a hazatlas assumption). The flood water density is ``water_density_kg_m3`` of
``natech_coefficients.csv`` (clear water, 1000 kg/m3) unless given.

>>> t = TankFlotation()
>>> round(float(t.critical_depth_m(diameter_m=10.0, tank_mass_kg=20_000.0,
...                                fill_height_m=1.0, liquid_density_kg_m3=800.0)[0]), 4)
1.0546
>>> t.damage(flood_depth_m=[0.5, 1.5], diameter_m=10.0, tank_mass_kg=20_000.0,
...          fill_height_m=1.0, liquid_density_kg_m3=800.0).probabilities.tolist()
[[1.0, 0.0], [0.0, 1.0]]
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping, Sequence
from typing import ClassVar

import numpy as np

from hazatlas.domain.reference import load_table
from hazatlas.models.base import PublishedModel, input_problem, raise_problems
from hazatlas.models.natech.damage import DamageResult, FloatArray, classification
from hazatlas.models.natech.fragility import intensities


@functools.cache
def coefficient(model: str, name: str) -> float:
    """The value ``name`` of ``model`` in ``natech_coefficients.csv``."""
    for row in load_table("natech_coefficients"):
        if row["model"] == model and row["name"] == name:
            return float(row["value"])
    raise KeyError(f"natech_coefficients.csv has no {model}/{name}")


def positive(values: Mapping[str, float | None]) -> None:
    """Raise one ValidationError naming every value that is not a finite number > 0 (``None``
    values are skipped)."""
    raise_problems(
        [
            input_problem(k, f"{v!r}: expected a finite number > 0")
            for k, v in values.items()
            if v is not None and not (math.isfinite(v) and v > 0)
        ]
    )


class TankFlotation(PublishedModel):
    """Critical flood depth for flotation of an unanchored vertical tank (Archimedes)."""

    name: ClassVar[str] = "tank-flotation"
    source: ClassVar[str] = (
        "Archimedes' principle: buoyancy of the flood water against tank weight plus content "
        "(limit state as in Landucci et al. 2012 and Khakzad & Van Gelder 2017; that they use "
        "exactly this form is unconfirmed)"
    )
    inputs: ClassVar[Mapping[str, str]] = {
        "flood_depth_m": "m",
        "diameter_m": "m",
        "tank_mass_kg": "kg",
        "fill_height_m": "m",
        "liquid_density_kg_m3": "kg/m3",
        "water_density_kg_m3": "kg/m3",
    }

    def critical_depth_m(
        self,
        *,
        diameter_m: float,
        tank_mass_kg: float,
        fill_height_m: float,
        liquid_density_kg_m3: float,
        water_density_kg_m3: float | None = None,
    ) -> FloatArray:
        """h_cr (m) above the tank base, as a 1-element array."""
        positive(
            {
                "diameter_m": diameter_m,
                "tank_mass_kg": tank_mass_kg,
                "liquid_density_kg_m3": liquid_density_kg_m3,
                "water_density_kg_m3": water_density_kg_m3,
            }
        )
        if not (math.isfinite(fill_height_m) and fill_height_m >= 0):
            raise_problems([input_problem("fill_height_m", f"{fill_height_m!r}: expected >= 0")])
        rho_w = water_density_kg_m3 or coefficient("flotation", "water_density_kg_m3")
        area = math.pi * diameter_m**2 / 4.0
        h_cr = tank_mass_kg / (rho_w * area) + liquid_density_kg_m3 / rho_w * fill_height_m
        return np.array([h_cr])

    def damage(
        self,
        *,
        flood_depth_m: float | Sequence[float] | FloatArray,
        diameter_m: float,
        tank_mass_kg: float,
        fill_height_m: float,
        liquid_density_kg_m3: float,
        water_density_kg_m3: float | None = None,
    ) -> DamageResult:
        """Two states (stays / floats) at each flood depth: floats when depth > h_cr."""
        depth = intensities("flood_depth_m", flood_depth_m)
        h_cr = self.critical_depth_m(
            diameter_m=diameter_m,
            tank_mass_kg=tank_mass_kg,
            fill_height_m=fill_height_m,
            liquid_density_kg_m3=liquid_density_kg_m3,
            water_density_kg_m3=water_density_kg_m3,
        )[0]
        floats = (depth > h_cr).astype(float)[:, None]
        warnings = (
            f"tank-flotation: critical flood depth {h_cr:.3g} m above the tank base; anchoring, "
            "friction, flow velocity and buckling are not modelled",
        )
        env = self.envelope(flood_depth_m=depth)
        return classification("tank-flotation").result(
            self.name, floats, warnings=warnings, validity=(env,)
        )
