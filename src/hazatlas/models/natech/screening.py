"""Natech screening of one unit: damage and release per return period, and per year.

A **tank unit** is an inventory line held in an atmospheric steel tank. The line's unit kind
(``unit_kind``, vocabulary :data:`UNIT_KINDS`) says what holds it; only
``atmospheric_tank`` goes through the tank models (the shipped curves, HAZUS and ALA 2001, are
for on-ground atmospheric steel tanks, and the flotation limit state for a vertical cylinder):
any other kind is refused with "no fragility model for this unit kind". A line without a kind is
taken as an atmospheric tank (``unit_kind`` in ``assumed``). What the register does not say
about the tank is taken from ``natech_unit_defaults.csv`` (hazatlas assumptions, listed in
``assumed``): the seismic curves (unanchored HAZUS unless the anchorage is known), the fill,
the liquid density, the shape (height = diameter) and the plate mass, from which the diameter,
the fill height and the empty mass follow:

    V_tank = content / (rho_L fill),  D = (4 V_tank / (pi k))^(1/3),  H = k D,
    h_L = fill H,  m_tank = plate (pi D H + 2 pi D^2 / 4)

with k the height-to-diameter ratio and ``plate`` the mass per area of shell, bottom and roof.
A given diameter D gives H = V_tank / (pi D^2 / 4); a given shell height H (with D) is used as
it is, and then the fill, when not given, is the content's share of the tank,
fill = V_liquid / (pi D^2 H / 4), which must not exceed 1.

**Per event** (one return period): the damage-state probabilities at the site's intensity and
the expected release = expected release fraction x content. **Per year**: the expected annual
release integrates the release over the annual exceedance frequency lambda = 1/T of the return
periods T_1 < ... < T_n given, by the trapezoidal rule, plus the tail beyond T_n at R_n:

    E[R per year] = sum_i (lambda_i - lambda_{i+1}) (R_i + R_{i+1}) / 2 + lambda_n R_n

Events more frequent than T_1 are left out (their release is not known), so this is a lower
bound in that respect; with a single return period it is lambda_1 R_1.

>>> round(expected_annual([100.0, 500.0], [10.0, 50.0]), 4)
0.34
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from hazatlas.domain.inventory import UNIT_KINDS
from hazatlas.domain.reference import load_table
from hazatlas.models.base import input_problem, raise_problems
from hazatlas.models.natech.custom import CustomFragility
from hazatlas.models.natech.damage import DamageResult
from hazatlas.models.natech.flood import TankFlotation
from hazatlas.models.natech.fragility import SHIPPED

#: the unit kinds the tank models (fragility curves and flotation) take
TANK_KINDS = frozenset({"atmospheric_tank"})

#: unit data an inventory line may give (its ``extra`` fields), with their units
TANK_FIELDS = {
    "unit_kind": "-",
    "anchored": "true/false",
    "tank_model": "-",
    "fill_fraction": "1",
    "liquid_density_kg_m3": "kg/m3",
    "tank_diameter_m": "m",
    "tank_height_m": "m",
    "tank_mass_kg": "kg",
}
#: older names of the unit data, still read
ALIASES = {"diameter_m": "tank_diameter_m"}


@functools.cache
def defaults() -> dict[str, str]:
    """The documented defaults of ``natech_unit_defaults.csv`` (name -> value)."""
    return {r["name"]: r["value"] for r in load_table("natech_unit_defaults")}


@dataclass(frozen=True)
class TankUnit:
    """A storage tank: its content and dimensions, with the names of the values assumed."""

    unit_id: str
    substance: str
    content_kg: float
    tank_model: str
    fill_fraction: float
    liquid_density_kg_m3: float
    diameter_m: float
    fill_height_m: float
    tank_mass_kg: float
    assumed: tuple[str, ...]
    #: ``custom:NAME`` when a user's curve (``models/natech/custom.py``) replaces the shipped
    #: model of its hazard (see :func:`tank_event`)
    custom_curve: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict."""
        return {**self.__dict__, "assumed": list(self.assumed)}


def _given_number(given: Mapping[str, str], key: str, low: float, high: float) -> float | None:
    raw = given.get(key)
    if raw is None or str(raw).strip() == "":
        return None
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and low < value <= high):
        raise_problems([input_problem(key, f"{raw!r}: expected a number in ({low:g}, {high:g}]")])
    return value


CUSTOM_PREFIX = "custom:"


def _custom_curve(model: str, curves: Mapping[str, CustomFragility]) -> str:
    name = model[len(CUSTOM_PREFIX):].strip()
    if name not in curves:
        known = ", ".join(sorted(curves)) if curves else "none: no custom curve table was given"
        raise_problems([input_problem("tank_model", f"{model!r}: no custom curve {name!r} "
                                      f"(curves of the table: {known})")])
    return f"{CUSTOM_PREFIX}{name}"


def unit_kind(given: Mapping[str, str]) -> str | None:
    """The unit kind given (``None`` when not given); an unknown kind is a problem."""
    kind = (given.get("unit_kind") or "").strip().lower()
    if not kind:
        return None
    if kind not in UNIT_KINDS:
        raise_problems(
            [input_problem("unit_kind", f"{kind!r}: expected one of {', '.join(UNIT_KINDS)}")]
        )
    return kind


def _tank_model(given: Mapping[str, str], assumed: list[str]) -> str:
    model = given.get("tank_model")
    anchored = (given.get("anchored") or "").strip().lower()
    if model and model.startswith(CUSTOM_PREFIX):
        model = None
    if model:
        if model not in SHIPPED:
            raise_problems(
                [input_problem("tank_model", f"{model!r}: expected one of {', '.join(SHIPPED)}")]
            )
        return model
    if anchored in ("true", "yes", "1"):
        return "hazus-steel-tank-anchored"
    if anchored in ("false", "no", "0"):
        return "hazus-steel-tank-unanchored"
    if anchored:
        raise_problems([input_problem("anchored", f"{anchored!r}: expected true or false")])
    assumed.append("tank_model")
    return defaults()["tank_model"]


def tank_unit(
    unit_id: str,
    substance: str,
    content_kg: float,
    given: Mapping[str, str],
    *,
    curves: Mapping[str, CustomFragility] | None = None,
    default_curve: str | None = None,
) -> TankUnit:
    """A tank holding ``content_kg``, from the unit data ``given`` and the defaults.

    ``tank_model = custom:NAME`` in ``given`` picks the curve NAME of ``curves`` (a custom curve
    table); ``default_curve`` (a curve name) is taken for a tank that names no model. The
    shipped seismic model is still chosen (from the anchorage or the default) for the hazards
    the custom curve does not cover."""
    if not (math.isfinite(content_kg) and content_kg > 0):
        raise_problems([input_problem("max_quantity_kg", f"{content_kg!r}: expected > 0 kg")])
    given = {**{ALIASES.get(k, k): v for k, v in given.items()}}
    kind = unit_kind(given)
    d = defaults()
    assumed: list[str] = []
    if kind is None:
        assumed.append("unit_kind")
        kind = d["unit_kind"]
    if kind not in TANK_KINDS:
        raise_problems([input_problem(
            "unit_kind", f"{kind!r}: no fragility model for this unit kind (the tank models "
            f"take {', '.join(sorted(TANK_KINDS))}); not assessed")])
    chosen = (given.get("tank_model") or "").strip()
    if not chosen and default_curve:
        chosen = f"{CUSTOM_PREFIX}{default_curve}"
    custom = _custom_curve(chosen, curves or {}) if chosen.startswith(CUSTOM_PREFIX) else None
    model = _tank_model(given, assumed)
    values: dict[str, float] = {}
    diameter = _given_number(given, "tank_diameter_m", 0.0, 1e3)
    height = _given_number(given, "tank_height_m", 0.0, 1e3)
    if height is not None and diameter is None:
        raise_problems([input_problem("tank_height_m", "a shell height needs the tank diameter "
                                      "(tank_diameter_m) too")])
    density = _given_number(given, "liquid_density_kg_m3", 0.0, 3e4)
    if density is None:
        assumed.append("liquid_density_kg_m3")
        density = float(d["liquid_density_kg_m3"])
    values["liquid_density_kg_m3"] = density
    fill = _given_number(given, "fill_fraction", 0.0, 1.0)
    if fill is None and diameter is not None and height is not None:
        fill = content_kg / density / (math.pi * diameter**2 / 4.0 * height)
        if fill > 1.0:
            raise_problems([input_problem("tank_height_m", f"{content_kg:g} kg at "
                f"{density:g} kg/m3 does not fit a tank of {diameter:g} m x {height:g} m")])
    elif fill is None:
        assumed.append("fill_fraction")
        fill = float(d["fill_fraction"])
    elif diameter is not None and height is not None:
        held = fill * math.pi * diameter**2 / 4.0 * height
        if content_kg / density > held * (1.0 + 1e-6):
            # the release is the content: a given fill must leave room for it, or flotation
            # (fill x H) and the release would describe two different tanks
            raise_problems([input_problem("fill_fraction", f"{content_kg:g} kg at "
                f"{density:g} kg/m3 is {content_kg / density:.6g} m3, more than a fill of "
                f"{fill:g} of a tank of {diameter:g} m x {height:g} m holds ({held:.6g} m3)")])
    values["fill_fraction"] = fill
    volume_m3 = content_kg / density / fill
    k = float(d["height_to_diameter"])
    if diameter is None:
        assumed.append("diameter_m")
        diameter = (4.0 * volume_m3 / (math.pi * k)) ** (1.0 / 3.0)
        height = k * diameter
    elif height is None:
        height = volume_m3 / (math.pi * diameter**2 / 4.0)
    mass = _given_number(given, "tank_mass_kg", 0.0, 1e9)
    if mass is None:
        assumed.append("tank_mass_kg")
        plate = float(d["shell_plate_mass_kg_m2"])
        mass = plate * (math.pi * diameter * height + 2.0 * math.pi * diameter**2 / 4.0)
    return TankUnit(
        unit_id,
        substance,
        content_kg,
        model,
        values["fill_fraction"],
        values["liquid_density_kg_m3"],
        diameter,
        values["fill_fraction"] * height,
        mass,
        tuple(assumed),
        custom,
    )


@dataclass(frozen=True)
class EventResult:
    """Damage and release of one unit in the event of one return period."""

    hazard: str
    model: str
    scenario: str
    horizon: str
    return_period_years: float
    intensity: float
    intensity_unit: str
    damage: DamageResult
    release_per_event: float
    release_unit: str
    notes: tuple[str, ...] = field(default=())
    #: the hazard layer the intensity was read from, when there is one
    layer_id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict."""
        d = self.damage
        return {
            "hazard": self.hazard,
            "model": self.model,
            "scenario": self.scenario,
            "horizon": self.horizon,
            "return_period_years": self.return_period_years,
            "intensity": self.intensity,
            "intensity_unit": self.intensity_unit,
            "damage_probabilities": dict(zip(d.states, d.probabilities[0].tolist(), strict=True)),
            "loc_probabilities": {k: float(v[0]) for k, v in d.loc_probabilities().items()},
            "expected_release_fraction": float(d.expected_release_fraction[0]),
            "release_per_event": self.release_per_event,
            "release_unit": self.release_unit,
            "warnings": list(d.warnings) + list(self.notes),
            **({"layer_id": self.layer_id} if self.layer_id is not None else {}),
        }


def tank_event(
    unit: TankUnit,
    hazard: str,
    intensity: float,
    return_period_years: float,
    scenario: str,
    horizon: str,
    *,
    curve: CustomFragility | None = None,
) -> EventResult:
    """The tank's damage and expected release (kg) at a PGA (g, earthquake) or a flood depth
    (m above the tank base, flood); with ``curve`` (the unit's custom curve, whose hazard,
    measure and unit the caller has matched to the layer's), at that curve's intensity."""
    notes: tuple[str, ...] = ()
    if curve is not None:
        if curve.hazard != hazard:
            raise ValueError(f"custom curve {curve.curve!r} is for {curve.hazard}, not {hazard}")
        damage = curve.damage(fill_fraction=None, **{curve.intensity_name(): [intensity]})
        unit_name = curve.unit
        notes = (f"custom curve {curve.curve!r} (source: {curve.curve_source})",)
    elif hazard == "earthquake":
        damage = SHIPPED[unit.tank_model]().damage(
            pga_g=[intensity], fill_fraction=unit.fill_fraction
        )
        unit_name = "g"
    elif hazard == "flood":
        damage = TankFlotation().damage(
            flood_depth_m=[intensity],
            diameter_m=unit.diameter_m,
            tank_mass_kg=unit.tank_mass_kg,
            fill_height_m=unit.fill_height_m,
            liquid_density_kg_m3=unit.liquid_density_kg_m3,
        )
        unit_name = "m"
    else:
        raise ValueError(f"no tank model for the hazard {hazard!r}")
    release = float(damage.expected_release_fraction[0]) * unit.content_kg
    return EventResult(
        hazard,
        damage.model,
        scenario,
        horizon,
        return_period_years,
        intensity,
        unit_name,
        damage,
        release,
        "kg",
        notes,
    )


def expected_annual(return_periods: Sequence[float], releases: Sequence[float]) -> float:
    """Expected release per year from the releases at the given return periods (see above)."""
    pairs = sorted(zip(return_periods, releases, strict=True))
    if not pairs:
        return 0.0
    lam = [1.0 / t for t, _ in pairs]
    r = [x for _, x in pairs]
    total = sum((lam[i] - lam[i + 1]) * (r[i] + r[i + 1]) / 2.0 for i in range(len(r) - 1))
    return total + lam[-1] * r[-1]
