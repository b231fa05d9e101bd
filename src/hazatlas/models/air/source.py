"""Source terms: a direct rate or mass, evaporation from a liquid pool, gas flow through a hole.

Substance properties (molar mass, vapour pressure, heat capacity ratio) are arguments here; the
service layer looks them up with the ``chemicals`` package where it can.

>>> round(GasHoleRelease().compute(hole_diameter_m=0.01, pressure_pa=501325.0,
...     temperature_k=298.15, molar_mass_kg_mol=0.044096, heat_capacity_ratio=1.142,
...     discharge_coefficient=0.85), 4)   # CCPS (1999) p. 47 propane example: 0.0899 kg/s
0.0899
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from hazatlas.models.base import PublishedModel, input_problem, invalid_input, raise_problems

GAS_CONSTANT_J_MOL_K = 8.314462618
ATMOSPHERE_PA = 101_325.0
_LB_PER_MIN_TO_KG_S = 0.45359237 / 60.0
_FT2_PER_M2 = 1.0 / 0.09290304
_MMHG_PER_PA = 1.0 / 133.322368


@dataclass(frozen=True)
class SourceTerm:
    """What enters the atmosphere: a continuous rate (kg/s) or an instantaneous mass (kg)."""

    kind: str  # "continuous" or "instantaneous"
    rate_kg_s: float | None = None
    mass_kg: float | None = None
    release_temperature_k: float | None = None
    method: str = "direct"
    source: str = "given by the user"
    warnings: tuple[str, ...] = field(default_factory=tuple)


def direct_rate(rate_kg_s: float) -> SourceTerm:
    """A continuous release at a given rate (kg/s, > 0)."""
    if not (math.isfinite(rate_kg_s) and rate_kg_s > 0):
        raise invalid_input("rate_kg_s", f"release rate must be > 0 kg/s, got {rate_kg_s}")
    return SourceTerm(kind="continuous", rate_kg_s=float(rate_kg_s))


def direct_mass(mass_kg: float) -> SourceTerm:
    """An instantaneous release of a given mass (kg, > 0)."""
    if not (math.isfinite(mass_kg) and mass_kg > 0):
        raise invalid_input("mass_kg", f"released mass must be > 0 kg, got {mass_kg}")
    return SourceTerm(kind="instantaneous", mass_kg=float(mass_kg))


class PoolEvaporationEPA(PublishedModel):
    """Evaporation rate of a liquid pool at ambient temperature (US EPA RMP screening formula).

    US EPA (1999) *Risk Management Program Guidance for Offsite Consequence Analysis*,
    Appendix D, Eq. (D-1) (equation number and constants from memory, **unconfirmed**; the
    formula is the Kawamura-Mackay mass-transfer form used by ALOHA-type screening tools)::

        QR [lb/min] = 0.284 · U^0.78 · MW^(2/3) · A [ft²] · VP [mmHg] / (82.05 · T [K])

    computed here in SI (kg/s) by unit conversion. U is the wind speed (m/s) at 10 m.

    >>> round(PoolEvaporationEPA().compute(area_m2=100.0, wind_speed_m_s=1.5,
    ...     molar_mass_g_mol=78.11, vapour_pressure_pa=12_700.0, temperature_k=298.15), 4)
    0.2256
    """

    name = "pool-evaporation-epa-rmp"
    source = (
        "US EPA (1999) RMP Offsite Consequence Analysis Guidance, App. D, Eq. (D-1) (unconfirmed)"
    )
    inputs = {
        "area_m2": "m2",
        "wind_speed_m_s": "m/s",
        "molar_mass_g_mol": "g/mol",
        "vapour_pressure_pa": "Pa",
        "temperature_k": "K",
    }
    validity = {"vapour_pressure_pa": (0.0, ATMOSPHERE_PA)}

    def compute(
        self,
        *,
        area_m2: float,
        wind_speed_m_s: float,
        molar_mass_g_mol: float,
        vapour_pressure_pa: float,
        temperature_k: float,
    ) -> float:
        """Evaporation rate in kg/s."""
        raise_problems(
            [
                input_problem(name, f"{label} must be > 0, got {value}")
                for name, label, value in (
                    ("area_m2", "pool area", area_m2),
                    ("wind_speed_m_s", "wind speed", wind_speed_m_s),
                    ("molar_mass_g_mol", "molar mass", molar_mass_g_mol),
                    ("temperature_k", "temperature", temperature_k),
                )
                if not (math.isfinite(value) and value > 0)
            ]
        )
        lb_min = (
            0.284
            * wind_speed_m_s**0.78
            * molar_mass_g_mol ** (2.0 / 3.0)
            * area_m2
            * _FT2_PER_M2
            * vapour_pressure_pa
            * _MMHG_PER_PA
            / (82.05 * temperature_k)
        )
        return float(lb_min * _LB_PER_MIN_TO_KG_S)


class GasHoleRelease(PublishedModel):
    """Mass flow of a gas through a hole (choked or sub-critical), ideal gas.

    TNO *Yellow Book* (CPR 14E, 1997), Eq. (2.22) (secondary: as coded in a public repository that
    cites it; the standard isentropic orifice equation, e.g. Crowl & Louvar)::

        q = Cd · A · sqrt(psi · rho1 · P1 · k · (2/(k+1))^((k+1)/(k-1)))
        psi = 1                                   if P1/P2 >= ((k+1)/2)^(k/(k-1))  (choked)
        psi = 2/(k-1) · ((k+1)/2)^((k+1)/(k-1)) · (P2/P1)^(2/k) · (1 - (P2/P1)^((k-1)/k))

    with rho1 = P1 M / (R T1). Checked against the CCPS (1999, p. 47) propane example as
    reproduced in GasDispersion.jl (0.0899 kg/s). Pressures are absolute.
    """

    name = "gas-hole-release"
    source = "TNO Yellow Book CPR 14E (1997) Eq. (2.22); CCPS (1999) p. 47 example"
    inputs = {
        "hole_diameter_m": "m",
        "pressure_pa": "Pa",
        "temperature_k": "K",
        "molar_mass_kg_mol": "kg/mol",
        "heat_capacity_ratio": "1",
    }
    validity = {"heat_capacity_ratio": (1.0, 1.7)}

    @staticmethod
    def is_choked(
        pressure_pa: float, heat_capacity_ratio: float, ambient_pressure_pa: float = ATMOSPHERE_PA
    ) -> bool:
        """True when P1/P2 reaches the critical ratio ((k+1)/2)^(k/(k-1))."""
        k = heat_capacity_ratio
        return bool(pressure_pa / ambient_pressure_pa >= ((k + 1) / 2) ** (k / (k - 1)))

    def compute(
        self,
        *,
        hole_diameter_m: float,
        pressure_pa: float,
        temperature_k: float,
        molar_mass_kg_mol: float,
        heat_capacity_ratio: float = 1.4,
        discharge_coefficient: float = 0.61,
        ambient_pressure_pa: float = ATMOSPHERE_PA,
    ) -> float:
        """Mass flow rate in kg/s (0 if the pressure is not above ambient)."""
        k = heat_capacity_ratio
        raise_problems(
            [
                input_problem(name, f"{label} must be > {low:g}, got {value}")
                for name, label, value, low in (
                    ("hole_diameter_m", "hole diameter", hole_diameter_m, 0.0),
                    ("temperature_k", "temperature", temperature_k, 0.0),
                    ("molar_mass_kg_mol", "molar mass", molar_mass_kg_mol, 0.0),
                    ("heat_capacity_ratio", "heat capacity ratio k", k, 1.0),
                )
                if not value > low
            ]
        )
        if pressure_pa <= ambient_pressure_pa:
            return 0.0
        area = math.pi * hole_diameter_m**2 / 4.0
        rho1 = pressure_pa * molar_mass_kg_mol / (GAS_CONSTANT_J_MOL_K * temperature_k)
        if self.is_choked(pressure_pa, k, ambient_pressure_pa):
            psi = 1.0
        else:
            r = ambient_pressure_pa / pressure_pa
            psi = (
                2
                / (k - 1)
                * ((k + 1) / 2) ** ((k + 1) / (k - 1))
                * r ** (2 / k)
                * (1 - r ** ((k - 1) / k))
            )
        crit = (2 / (k + 1)) ** ((k + 1) / (k - 1))
        return discharge_coefficient * area * math.sqrt(psi * rho1 * pressure_pa * k * crit)
