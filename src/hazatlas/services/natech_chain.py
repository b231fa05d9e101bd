"""Natech chains: from a natural hazard at a register site to the countries a release reaches.

Two chains (``hazatlas natech chain ...``; docs/natech.md, section "Chains"):

* **flood → tanks → river / air** (:func:`run_flood_chain`): the flood depth at the site (given,
  or sampled from a layer of a manifest) → the flotation limit state of each storage tank
  (:func:`hazatlas.models.natech.screening.tank_event`, defaults of ``natech_unit_defaults.csv``
  for what the register lacks) → release = expected release fraction × the line's maximum
  quantity → a river spill (:func:`hazatlas.services.spill.run_spill`) of every released
  liquid the river model knows, entering the site's receiving reach as screening finds it, and
  a plume (:func:`hazatlas.services.air.run_plume`, instantaneous release) of every released
  liquefied gas → the countries reached, with arrival times (river) or listed (air).
* **heavy rain → dam** (:func:`run_rain_dam_chain`): the overtopping/freeboard screen
  (:class:`hazatlas.models.natech.tailings.FreeboardScreen`) under the design rainfall → when the
  minimum freeboard is used up, the dam failure chain of
  :mod:`hazatlas.services.tailings_failure` (runout → river entry → river spill per constituent
  → countries). The pond and crest levels and the minimum freeboard are the caller's, else the
  register's (``pond_level_m``, ``crest_level_m``, ``min_freeboard_m`` of the dam record).

Nothing is stored (the scenario store has no kind for a chain yet).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from hazatlas.domain.access import Principal
from hazatlas.domain.errors import ValidationError
from hazatlas.domain.establishment import Establishment
from hazatlas.domain.inventory import InventoryItem, PhysicalState
from hazatlas.models.base import input_problem, raise_problems
from hazatlas.models.natech.screening import TankUnit, tank_event, tank_unit
from hazatlas.models.natech.tailings import FreeboardScreen
from hazatlas.services import natech_attribution, natech_curves
from hazatlas.services.natech_curves import CurveTable
from hazatlas.services.natech_pathways import (
    PathwayOptions,
    RiverRuns,
    chain_countries,
    known,
    plume,
    river_entry_point,
)
from hazatlas.services.tailings_failure import TailingsFailureRequest

WATER_STATES = {PhysicalState.LIQUID, PhysicalState.SLURRY, PhysicalState.UNKNOWN}
AIR_STATES = {PhysicalState.LIQUEFIED_GAS}


@dataclass(frozen=True)
class FloodChainRequest:
    """Inputs of the flood chain (SI units). Exactly one of ``flood_depth_m`` and
    (``layers``, ``layer_id``) gives the depth. The river runs at ``flow`` (default ``high``:
    a river in flood); the plume at ``wind_speed_m_s``/``stability`` from ``wind_from_deg``."""

    establishment_id: str
    start: datetime
    flood_depth_m: float | None = None
    layers: Path | None = None
    layer_id: str | None = None
    flow: str | float = "high"
    days: float = 30.0
    wind_speed_m_s: float = 3.0
    stability: str = "D"
    wind_from_deg: float = 270.0
    #: fill of every tank at the time of the flood (0-1]; None: the register's or the default
    #: fill. The tank's size stays the one of its registered quantity at its design fill.
    fill_at_flood: float | None = None

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["start"] = self.start.isoformat(timespec="minutes")
        out["layers"] = str(self.layers) if self.layers is not None else None
        return out


@dataclass
class _Release:
    unit: dict[str, Any]
    medium: str  # water | air | none
    substance: str
    mass_kg: float
    notes: list[str] = field(default_factory=list)


def _depth(req: FloodChainRequest, est: Establishment) -> tuple[float, dict[str, Any]]:
    """The flood depth (m) at the site and where it comes from."""
    from hazatlas.formats.hazard_layers import read_manifest
    from hazatlas.formats.hazard_rasters import sample_layers

    given = req.flood_depth_m is not None
    by_layer = req.layers is not None or req.layer_id is not None
    if given == by_layer:
        raise ValidationError([input_problem("flood_depth_m", "give either a flood depth (--depth) or "
                                      "a layer manifest and a layer id (--layers, --layer)")])
    if req.flood_depth_m is not None:
        d = req.flood_depth_m
        if not (math.isfinite(d) and d >= 0):
            raise ValidationError([input_problem("flood_depth_m", f"{d!r}: expected a depth >= 0 m")])
        return d, {"depth_m": d, "source": "given"}
    if req.layers is None or req.layer_id is None:
        raise ValidationError([input_problem("layer_id", "a layer needs both --layers and --layer")])
    layers = {lay.id: lay for lay in read_manifest(Path(req.layers))}
    found = layers.get(str(req.layer_id))
    if found is None or (found.hazard, found.intensity_measure.lower(), found.unit) != (
            "flood", "depth", "m"):
        raise ValidationError([input_problem(
            "layer_id", f"{req.layer_id!r}: expected the id of a flood depth layer in m of "
                        f"{req.layers} (one of {', '.join(layers)})")])
    layer = found
    sample = sample_layers([layer], Path(req.layers).parent, [(est.id, est.lon, est.lat)])[0]
    if sample.value is None:
        raise ValidationError([input_problem("layer_id", f"layer {layer.id} has no value at "
                                      f"{est.id}: {sample.status} ({sample.note})")])
    return float(sample.value), {"depth_m": float(sample.value), "source": "layer",
                                 "layer_id": layer.id, "return_period_years":
                                 layer.return_period_years, "scenario": layer.scenario,
                                 "horizon": layer.horizon, "layer_source": layer.source,
                                 **natech_attribution.of_layer(layer),
                                 **sample.to_dict()}


def _at_fill(unit: TankUnit, fill: float | None) -> TankUnit:
    """The tank (sized by its registered content at its design fill) holding ``fill`` of its
    volume: content and liquid height scale with the fill."""
    if fill is None:
        return unit
    ratio = fill / unit.fill_fraction
    return replace(unit, content_kg=unit.content_kg * ratio, fill_fraction=fill,
                   fill_height_m=unit.fill_height_m * ratio,
                   assumed=tuple(a for a in unit.assumed if a != "fill_fraction"))


def _unit_release(i: int, item: InventoryItem, depth: float,
                  fill: float | None = None, curves: CurveTable | None = None,
                  default_curve: str | None = None) -> _Release | str:
    """The flotation of the line's tank (or its custom curve of flood depth in m) and its
    release, or why it is not assessed."""
    label = item.line_id or item.storage_unit or f"line {i + 1}"
    state = item.physical_state
    if state not in WATER_STATES | AIR_STATES:
        return f"{label} ({item.substance_name}): no flood model for a {state.value} store"
    try:
        unit = _at_fill(tank_unit(label, item.substance_name, item.max_quantity_kg, item.extra,
                                  curves=curves.curves if curves else None,
                                  default_curve=default_curve), fill)
    except ValidationError as exc:
        return f"{label}: " + "; ".join(str(p) for p in exc.problems)
    curve = natech_curves.flood_depth_curve(curves, unit)
    event = tank_event(unit, "flood", depth, math.inf, "baseline", "baseline",
                       curve=curve).to_dict()
    event.pop("return_period_years")
    notes = []
    if unit.custom_curve is not None and curve is None:
        notes.append(f"{label}: its custom curve {unit.custom_curve} does not take flood depth "
                     "in m; the flotation limit state is used")
    if state in AIR_STATES:
        notes.append(f"{label} ({item.substance_name}): a liquefied-gas store is taken as a "
                     "vertical tank that floats like an atmospheric one (assumption: pressure "
                     "vessels on saddles are usually anchored)")
    medium = "air" if state in AIR_STATES else "water"
    mass = float(event["release_per_event"])
    return _Release({"unit": unit.to_dict(), "flood": event}, medium if mass > 0 else "none",
                    item.substance_name, mass, notes)


def _river(req: FloodChainRequest, est: Establishment, releases: list[_Release],
           network: Any, warnings: list[str]) -> dict[str, Any] | None:
    from hazatlas.services.tailings_failure import combine_countries

    skipped: list[dict[str, str]] = []
    water = [r for r in releases if r.medium == "water" and known(r.substance, skipped)]
    if not water:
        return {"entry": None, "spills": [], "not_modelled": skipped, "countries": []}
    if network is None:
        from hazatlas.geo.network import RiverNetwork

        network = RiverNetwork.load_default()
    entry, notes = river_entry_point(network, est)
    warnings += notes
    runs = RiverRuns(entry, _options(req), network, reuse=False, site=est)
    spills = [(r, runs.run(r.substance, r.mass_kg)) for r in water]
    for r, run in spills:
        warnings += [f"{r.substance}: {w}" for w in run.warnings]
    return {
        "entry": entry,
        "spills": [{"substance": r.substance, "mass_kg": r.mass_kg, **run.to_json()}
                   for r, run in spills],
        "not_modelled": skipped,
        "countries": combine_countries([(r.substance, run) for r, run in spills]),
    }


def _options(req: FloodChainRequest) -> PathwayOptions:
    return PathwayOptions(req.start, req.flow, req.days, req.wind_speed_m_s, req.stability,
                          req.wind_from_deg)


def _air(req: FloodChainRequest, est: Establishment, releases: list[_Release],
         warnings: list[str]) -> list[dict[str, Any]]:
    return [plume(_options(req), est, r.substance, r.mass_kg, warnings)
            for r in releases if r.medium == "air"]


def run_flood_chain(db: Any, principal: Principal, req: FloodChainRequest,
                    network: Any = None, *, curves: CurveTable | None = None,
                    default_curve: str | None = None) -> dict[str, Any]:
    """flood depth → tank flotation → release → river spill / plume → countries; with a custom
    curve table, tanks naming one of its flood depth curves go through it
    (:mod:`hazatlas.services.natech_curves`)."""
    from hazatlas.services.register import RegisterService

    natech_curves.check_default(curves, default_curve)
    fill = req.fill_at_flood
    if fill is not None and not (math.isfinite(fill) and 0 < fill <= 1):
        raise_problems([input_problem("fill_at_flood", f"{fill!r}: expected a fraction in (0, 1]")])
    est, full = RegisterService(db, principal).get(req.establishment_id)
    depth, flood = _depth(req, est)
    warnings: list[str] = []
    if not full:
        warnings.append(f"'{est.id}': only the public fields are visible to "
                        f"'{principal.username}'; the inventory shown may be incomplete")
    releases: list[_Release] = []
    for i, item in enumerate(est.inventory):
        r = _unit_release(i, item, depth, req.fill_at_flood, curves, default_curve)
        if isinstance(r, str):
            warnings.append(f"{r}; not assessed")
        else:
            releases.append(r)
            warnings += r.notes
    river = _river(req, est, releases, network, warnings)
    air = _air(req, est, releases, warnings)
    doc = {
        "kind": "natech-flood-tanks",
        "establishment": {"id": est.id, "name": est.name, "country_iso3": est.country_iso3,
                          "lon": est.lon, "lat": est.lat,
                          "receiving_water": est.receiving_water},
        "inputs": req.to_json(),
        "flood": flood,
        "units": [{**r.unit, "medium": r.medium, "release_kg": r.mass_kg} for r in releases],
        "release_kg": {"water": sum(r.mass_kg for r in releases if r.medium == "water"),
                       "air": sum(r.mass_kg for r in releases if r.medium == "air")},
        "river": river,
        "air": air,
        "countries": chain_countries(river, air),
        "warnings": list(dict.fromkeys(warnings)),
    }
    if curves is not None:
        doc["custom_curves"] = {**curves.describe(), "default_curve": default_curve}
    return doc


# -- heavy rain → dam --------------------------------------------------------------------------


@dataclass(frozen=True)
class RainDamRequest:
    """The overtopping screen's inputs (m, m²) and the dam failure chain's request. A level or
    freeboard of ``None`` is taken from the register's dam record."""

    failure: TailingsFailureRequest
    design_rainfall_m: float
    pond_level_m: float | None
    crest_level_m: float | None
    min_freeboard_m: float | None
    pond_area_m2: float
    catchment_area_m2: float = 0.0
    runoff_coefficient: float = 1.0

    def to_json(self) -> dict[str, Any]:
        out = {k: v for k, v in asdict(self).items() if k != "failure"}
        return {**out, "failure": self.failure.to_json()}


_DAM_LEVELS = ("pond_level_m", "crest_level_m", "min_freeboard_m")


def _dam_levels(db: Any, principal: Principal,
                req: RainDamRequest) -> tuple[RainDamRequest, tuple[float, float, float], list[str]]:
    """``req`` with the levels it leaves out taken from the register's dam record, the pond
    level, crest level and minimum freeboard, and the names of those taken; a level neither
    gives is a problem naming it."""
    missing = [n for n in _DAM_LEVELS if getattr(req, n) is None]
    if missing:
        req = _levels_from_register(db, principal, req, missing)
    levels = tuple(float(getattr(req, n)) for n in _DAM_LEVELS)
    return req, (levels[0], levels[1], levels[2]), missing


def _levels_from_register(db: Any, principal: Principal, req: RainDamRequest,
                          missing: list[str]) -> RainDamRequest:
    from hazatlas.services.register import RegisterService

    est, full = RegisterService(db, principal).get(req.failure.establishment_id)
    t = est.tailings
    stored: dict[str, Any] = {n: getattr(t, n) if t is not None else None for n in missing}
    why = ("the register has none" if full else "the tailings details are confidential to "
           f"user '{principal.username}'")
    raise_problems([input_problem(n, f"no {n.removesuffix('_m').replace('_', ' ')} for "
                                     f"'{est.id}' ({why}): give it as an input")
                    for n, v in stored.items() if v is None])
    return replace(req, **stored)


def run_rain_dam_chain(db: Any, principal: Principal, req: RainDamRequest,
                       network: Any = None) -> dict[str, Any]:
    """heavy rain → overtopping/freeboard screen → dam failure → runout → river → countries.
    The failure chain runs only when the screen flags the dam (minimum freeboard used up)."""
    from hazatlas.services.tailings_failure import run_tailings_failure

    req, (pond, crest, min_freeboard), from_register = _dam_levels(db, principal, req)
    screen = FreeboardScreen().compute(
        design_rainfall_m=[req.design_rainfall_m], pond_level_m=pond,
        crest_level_m=crest, min_freeboard_m=min_freeboard,
        pond_area_m2=req.pond_area_m2, catchment_area_m2=req.catchment_area_m2,
        runoff_coefficient=req.runoff_coefficient)
    fails = bool(screen.freeboard_exceeded[0])
    overtopping = {
        "model": FreeboardScreen.name,
        "rise_m": float(screen.rise_m[0]),
        "remaining_freeboard_m": float(screen.remaining_freeboard_m[0]),
        "freeboard_exceeded": fails,
        "overtopped": bool(screen.overtopped[0]),
        "failure_probability": float(screen.damage().probabilities[0, 1]),
        "warnings": list(screen.warnings),
    }
    warnings = list(screen.warnings)
    failure = None
    if fails:
        failure = run_tailings_failure(db, principal, req.failure, network).to_json()
        warnings += failure["warnings"]
        warnings.append("the screen flags a failure when the minimum freeboard is used up "
                        "(precautionary): the dam is then taken to fail and release the runout "
                        "regression's volume")
    else:
        warnings.append(f"the pond keeps {overtopping['remaining_freeboard_m']:.2f} m of "
                        f"freeboard (minimum {min_freeboard:g} m): no failure, the chain "
                        "stops at the screen")
    return {
        "kind": "natech-rain-dam",
        "establishment_id": req.failure.establishment_id,
        "inputs": req.to_json(),
        "from_register": from_register,
        "overtopping": overtopping,
        "failure": failure,
        "countries": failure["countries"] if failure else [],
        "warnings": list(dict.fromkeys(warnings)),
    }
