"""Physical properties of a substance from the ``chemicals`` package (Caleb Bell, MIT licence),
for the air source terms: molar mass, normal boiling point, vapour pressure (Lee-Kesler from the
critical constants) and the ideal-gas heat capacity ratio (TRC Cp correlation).

Each lookup that fails is reported, not guessed: the caller decides on a default and warns.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from hazatlas.domain.errors import HazatlasError

GAS_CONSTANT_J_MOL_K = 8.314462618


@dataclass(frozen=True)
class SubstanceProperties:
    """Properties in SI units; ``None`` where the ``chemicals`` package has no value."""

    name: str
    cas: str
    molar_mass_g_mol: float
    boiling_point_k: float | None
    critical_temperature_k: float | None
    critical_pressure_pa: float | None
    acentric_factor: float | None
    notes: list[str] = field(default_factory=list)

    def vapour_pressure_pa(self, temperature_k: float) -> float:
        """Vapour pressure (Pa) by the Lee-Kesler correlation (``chemicals.vapor_pressure``)."""
        from chemicals.vapor_pressure import Lee_Kesler

        tc, pc, omega = self.critical_temperature_k, self.critical_pressure_pa, self.acentric_factor
        if tc is None or pc is None or omega is None:
            raise HazatlasError(
                f"no critical constants for {self.name} in the chemicals package: "
                "give the release rate directly"
            )
        return float(Lee_Kesler(temperature_k, tc, pc, omega))

    def heat_capacity_ratio(self, temperature_k: float = 298.15) -> float | None:
        """Ideal-gas Cp/Cv from the TRC correlation in ``chemicals.heat_capacity`` (or None)."""
        try:
            import chemicals.heat_capacity as hc

            hc._load_Cp_data()  # the package loads its tables lazily
            row = hc.TRC_gas_data.loc[self.cas]
            cp = hc.TRCCp(temperature_k, *[float(row[f"a{i}"]) for i in range(8)])
        except (KeyError, AttributeError, ImportError, ValueError):
            return None
        if not (math.isfinite(cp) and cp > GAS_CONSTANT_J_MOL_K):
            return None
        return cp / (cp - GAS_CONSTANT_J_MOL_K)


def lookup(name_or_cas: str) -> SubstanceProperties:
    """Properties of a substance by name or CAS number (``chemicals`` identifiers database)."""
    from chemicals import Pc, Tb, Tc, omega
    from chemicals.identifiers import CAS_from_any, search_chemical

    try:
        cas = CAS_from_any(name_or_cas.strip())
        meta = search_chemical(cas)
    except ValueError as exc:
        raise HazatlasError(
            f"substance '{name_or_cas}' is not known to the chemicals package "
            "(give a CAS number or an English name)"
        ) from exc

    def safe(fn: object) -> float | None:
        try:
            value = fn(cas)  # type: ignore[operator]
        except (KeyError, ValueError, TypeError):
            return None
        return float(value) if value is not None and math.isfinite(float(value)) else None

    return SubstanceProperties(
        name=str(meta.common_name or name_or_cas),
        cas=cas,
        molar_mass_g_mol=float(meta.MW),
        boiling_point_k=safe(Tb),
        critical_temperature_k=safe(Tc),
        critical_pressure_pa=safe(Pc),
        acentric_factor=safe(omega),
    )
