"""Natech screening of register sites against the hazard layers a user loads (docs/natech.md).

For each establishment the user may read: the value of every layer of the manifest at the site
(per hazard, return period, scenario and horizon), and, per unit, the damage probabilities and
the expected release per event and per year (:mod:`hazatlas.models.natech.screening`):

* **tanks**: each inventory line of a liquid, a slurry or a substance of unknown state is a
  storage tank holding its maximum quantity; earthquake layers of PGA in g go through the HAZUS
  (or ALA) tank curves, flood layers of depth in m through the flotation limit state. Tank data
  the register does not give come from the documented defaults (listed per unit as
  ``assumed``); solids and gases are not assessed (no fragility model), and the result says so;
* **tailings dams**: earthquake layers through the HAZUS conditional liquefaction probability
  (susceptibility ``tailings_susceptibility`` of the defaults), the release being that
  probability times the released volume of the runout regression (``larrauri2018``); the
  overtopping screen (pond and crest levels of the dam record, a design rainfall) is run by the
  rain-dam chain, not here, so flood and rainfall layers are reported but not turned into a dam
  failure;
* the **Tailings Hazard Index** of a tailings facility with its natural-conditions inputs:
  the PGA of a baseline earthquake layer with a 475-year return period, and "flood prone" when a
  baseline flood layer with a return period of at most 100 years is hazardous at the site.

Layers of other hazards or measures are sampled and listed, with a warning that no model takes
them. Reported damage of a unit (``services/damage_effect.py``) raises its release per event to
at least its reported damage state's. Nothing is stored.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from hazatlas.domain.access import Principal
from hazatlas.domain.damage import DAM_UNIT
from hazatlas.domain.errors import HazatlasError, Problem, ValidationError
from hazatlas.domain.establishment import Establishment, EstablishmentKind
from hazatlas.domain.hazard_layer import BASELINE, HazardLayer, LayerSample
from hazatlas.domain.inventory import PhysicalState
from hazatlas.formats.climate_factors import read_factors
from hazatlas.formats.hazard_layers import read_manifest
from hazatlas.formats.hazard_rasters import sample_layers
from hazatlas.indices.tailings_hazard import tailings_hazard_index
from hazatlas.models.natech.screening import (
    EventResult,
    defaults,
    expected_annual,
    tank_event,
    tank_unit,
)
from hazatlas.models.natech.tailings import HazusLiquefaction
from hazatlas.models.tailings.runout import runout_model
from hazatlas.services import damage_effect, natech_attribution, natech_curves
from hazatlas.services.damage import visible_by_site
from hazatlas.services.natech_curves import CurveTable
from hazatlas.services.natech_pathways import PathwayOptions
from hazatlas.services.register import RegisterService, list_establishments
from hazatlas.services.store import Database

#: (hazard, intensity measure, unit) -> what the models take
MODELLED = {("earthquake", "pga", "g"), ("flood", "depth", "m")}
TANK_STATES = {PhysicalState.LIQUID, PhysicalState.SLURRY, PhysicalState.UNKNOWN}


def _modelled(layer: HazardLayer) -> bool:
    return (layer.hazard, layer.intensity_measure.lower(), layer.unit) in MODELLED


def _when(event: EventResult) -> str:
    return event.scenario if event.scenario == BASELINE else f"{event.scenario} {event.horizon}"


def _per_year(events: Sequence[EventResult]) -> dict[str, dict[str, float]]:
    """Expected release per year, per hazard and scenario (return periods of one group)."""
    groups: dict[tuple[str, str], list[EventResult]] = defaultdict(list)
    for e in events:
        groups[(e.hazard, _when(e))].append(e)
    out: dict[str, dict[str, float]] = defaultdict(dict)
    for (hazard, when), es in groups.items():
        out[hazard][when] = expected_annual(
            [e.return_period_years for e in es], [e.release_per_event for e in es]
        )
    return dict(out)


def _tanks(e: Establishment, samples: list[tuple[HazardLayer, LayerSample]],
           warnings: list[str], damage: dict[str, Any] | None = None,
           gases: bool = False, curves: CurveTable | None = None,
           default_curve: str | None = None) -> list[dict[str, Any]]:
    units = []
    for i, item in enumerate(e.inventory):
        label = item.line_id or item.storage_unit or f"line {i + 1}"
        gas = gases and item.physical_state == PhysicalState.LIQUEFIED_GAS
        if gas:
            warnings.append(f"{label} ({item.substance_name}): a liquefied-gas store is taken as "
                            "a vertical tank with the tank curves and flotation of an "
                            "atmospheric one (assumption: pressure vessels on saddles are "
                            "usually anchored)")
        elif item.physical_state not in TANK_STATES:
            warnings.append(f"{label} ({item.substance_name}): no fragility model for a "
                            f"{item.physical_state.value} store; not assessed")
            continue
        try:
            unit = tank_unit(label, item.substance_name, item.max_quantity_kg, item.extra,
                             curves=curves.curves if curves else None, default_curve=default_curve)
        except ValidationError as exc:
            warnings += [f"{label}: {p}" for p in exc.problems]
            continue
        curve = curves.curve_of(unit) if curves else None
        routes = [natech_curves.route(curve, layer, _modelled(layer)) for layer, _ in samples]
        warnings += [f"{label}: layer {layer.id} ({layer.intensity_measure} in {layer.unit}) not "
                     f"assessed: its custom curve {unit.custom_curve} takes {layer.hazard} as "
                     f"{curve.intensity_measure} in {curve.unit}"
                     for (layer, _), r in zip(samples, routes, strict=True)
                     if r == "skip" and curve is not None]
        events = [
            replace(tank_event(unit, layer.hazard, s.value, layer.return_period_years,
                               layer.scenario, layer.horizon,
                               curve=curve if r == "custom" else None), layer_id=layer.id)
            for (layer, s), r in zip(samples, routes, strict=True)
            if s.value is not None and r in ("custom", "shipped")
        ]
        reported = damage_effect.unit_state(damage, label)
        if reported is not None:
            events = damage_effect.floor_events(events, reported, unit.content_kg)
        units.append({
            "unit": unit.to_dict(),
            "medium": "air" if gas else "water",
            "reported_damage": reported.to_dict() if reported else None,
            "damage_release": reported.release_fraction * unit.content_kg if reported else 0.0,
            "events": [ev.to_dict() for ev in events],
            "release_per_year": _per_year(events),
            "release_unit": "kg",
        })
    return units


def dam_released_volume(e: Establishment, warnings: list[str]) -> float | None:
    """The volume a failure of the site's tailings dam releases (m³): the runout regression
    ``larrauri2018`` of the stored volume and the dam height; None (and a warning) when the
    register lacks either. Shared with the earthquake scenario (services/natech_earthquake)."""
    t = e.tailings
    if t is not None and t.stored_volume_m3 and t.dam_height_m:
        return float(runout_model("larrauri2018").compute(
            impounded_volume_m3=t.stored_volume_m3, dam_height_m=t.dam_height_m
        ).released_volume_m3)
    warnings.append("tailings dam: no stored volume or dam height, so no released volume")
    return None


def dam_liquefaction(pga_g: float) -> tuple[Any, float]:
    """The dam's failure under a PGA: HAZUS conditional liquefaction probability with the
    documented susceptibility (natech_unit_defaults.csv); the damage result and the
    probability of failure."""
    susceptibility = defaults()["tailings_susceptibility"]
    damage = HazusLiquefaction().compute(pga_g=pga_g, susceptibility=susceptibility).damage()
    return damage, float(damage.probabilities[0, 1])


def _tailings(e: Establishment, samples: list[tuple[HazardLayer, LayerSample]],
              warnings: list[str], site_damage: dict[str, Any] | None = None
              ) -> dict[str, Any] | None:
    if e.kind != EstablishmentKind.TAILINGS and e.tailings is None:
        return None
    released = dam_released_volume(e, warnings)
    susceptibility = defaults()["tailings_susceptibility"]
    events = []
    for layer, s in samples:
        if s.value is None or (layer.hazard, layer.intensity_measure.lower(), layer.unit) != (
            "earthquake", "pga", "g"
        ):
            continue
        damage, p = dam_liquefaction(s.value)
        events.append(EventResult(
            "earthquake", damage.model, layer.scenario, layer.horizon, layer.return_period_years,
            s.value, "g", damage, p * released if released is not None else 0.0, "m3",
            (f"susceptibility {susceptibility} assumed (natech_unit_defaults.csv)",), layer.id,
        ))
    reported = damage_effect.unit_state(site_damage, DAM_UNIT)
    if reported is not None and released is not None:
        events = damage_effect.floor_events(events, reported, released)
    if any(layer.hazard in ("flood", "rainfall") for layer, _ in samples):
        warnings.append("tailings dam: the overtopping screen needs the pond level, crest level "
                        "and minimum freeboard and is run by the rain-dam chain, not by this "
                        "screening; not assessed")
    return {
        "released_volume_m3": released,
        "events": [ev.to_dict() for ev in events],
        "release_per_year": _per_year(events) if released is not None else {},
        "release_unit": "m3",
        "reported_damage": reported.to_dict() if reported else None,
    }


def _thi(e: Establishment, samples: list[tuple[HazardLayer, LayerSample]]) -> dict[str, Any] | None:
    from hazatlas.services.screen_indices import thi_natural_inputs

    pga, flood_prone = thi_natural_inputs(samples)
    result = tailings_hazard_index(e, seismic_pga_g=pga, flood_prone=flood_prone)
    if result is None:
        return None
    return {**result.to_dict(), "inputs": {"seismic_pga_g": pga, "flood_prone": flood_prone}}


def _site(e: Establishment, samples: list[tuple[HazardLayer, LayerSample]],
          damage: dict[str, Any] | None = None, gases: bool = False,
          curves: CurveTable | None = None, default_curve: str | None = None) -> dict[str, Any]:
    custom = list(curves.curves.values()) if curves else []
    warnings = [
        f"layer {lay.id}: no model takes {lay.hazard} {lay.intensity_measure} in {lay.unit}; "
        "sampled only"
        for lay, _ in samples
        if not _modelled(lay) and not any(natech_curves.takes(c, lay) for c in custom)
    ]
    warnings += [f"layer {lay.id}: {s.status} ({s.note})" for lay, s in samples if s.value is None]
    units = _tanks(e, samples, warnings, damage, gases, curves, default_curve)
    dam = _tailings(e, samples, warnings, damage)
    totals: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for u in units:
        for hazard, per in u["release_per_year"].items():
            for when, v in per.items():
                totals[hazard][when] += v
    return {
        "establishment_id": e.id,
        "name": e.name,
        "country": e.country_iso3,
        "kind": e.kind.value,
        "lon": e.lon,
        "lat": e.lat,
        "hazards": [{**s.to_dict(), "hazard": lay.hazard, "intensity_measure":
                     lay.intensity_measure, "return_period_years": lay.return_period_years,
                     "scenario": lay.scenario, "horizon": lay.horizon} for lay, s in samples],
        "units": units,
        "tank_release_per_year_kg": {h: dict(v) for h, v in totals.items()},
        "tailings_dam": dam,
        "thi": _thi(e, samples),
        "damage": damage,
        "warnings": warnings,
    }


def screen(db: Database, principal: Principal, manifest: Path, *,
           establishment_ids: Sequence[str] = (), country: str | None = None,
           event_layer: str | None = None, climate: Path | None = None,
           design_return_period_years: float | None = None,
           pathways: PathwayOptions | None = None, network: Any = None,
           curves: CurveTable | None = None, default_curve: str | None = None) -> dict[str, Any]:
    """Natech screening of the given establishments (or a country's, or all the user sees),
    with their ranking and, for ``event_layer``, the sites in that layer's footprint
    (:mod:`hazatlas.services.natech_region`); with future layers in the manifest or a change
    factor table ``climate``, the ``climate`` part (:mod:`hazatlas.services.natech_climate`);
    with ``pathways``, each site's releases passed to the river or plume model and the countries
    reached (:mod:`hazatlas.services.natech_pathways`; liquefied gases are then assessed too);
    with a custom curve table ``curves`` (and ``default_curve``), tanks naming one of its
    curves go through it (:mod:`hazatlas.services.natech_curves`)."""
    from hazatlas.services import natech_climate, natech_region

    natech_curves.check_default(curves, default_curve)
    if pathways is not None:
        pathways.check()
    layers = read_manifest(manifest)
    factors = read_factors(climate) if climate is not None else []
    if event_layer is not None and event_layer not in {la.id for la in layers}:
        raise ValidationError([Problem("parameter", None, "event", f"'{event_layer}': no such "
                                       f"layer in {manifest.name} (one of "
                                       f"{', '.join(la.id for la in layers)})")])
    if establishment_ids:
        svc = RegisterService(db, principal)
        sites = [svc.get(i)[0] for i in establishment_ids]
    else:
        sites = list_establishments(db, principal, country=country)
    if not sites:
        raise HazatlasError("no establishment to screen")
    events = visible_by_site(db, principal, {e.id: e for e in sites})
    points = [(e.id, e.lon, e.lat) for e in sites]
    samples = sample_layers(layers, manifest.parent, points)
    n = len(points)
    per_site = [[(layers[k], samples[k * n + i]) for k in range(len(layers))] for i in range(n)]
    derived, per_site, notes = natech_climate.with_table(sites, layers, per_site, factors)
    doc: dict[str, Any] = {
        "manifest": manifest.name,
        "layers": [natech_attribution.describe(layer) for layer in [*layers, *derived]],
        "sites": [_site(e, s, damage_effect.site_summary(events.get(e.id, ())),
                        gases=pathways is not None, curves=curves, default_curve=default_curve)
                  for e, s in zip(sites, per_site, strict=True)],
    }
    if curves is not None:
        doc["custom_curves"] = {**curves.describe(), "default_curve": default_curve}
    if pathways is not None:
        from hazatlas.services.natech_pathways import add_pathways

        add_pathways(doc, sites, pathways, network)
    doc["ranking"] = natech_region.ranking(doc)
    natech_attribution.annotate_rows(doc["ranking"], doc["sites"], doc["layers"])
    if event_layer is not None:
        doc["event"] = natech_region.event(doc, event_layer)
    if factors or any(la.scenario != BASELINE for la in layers):
        doc["climate"] = natech_climate.summary(
            doc, layers, derived, per_site, factors, notes,
            design_return_period_years=design_return_period_years
            or natech_climate.DEFAULT_DESIGN_RETURN_PERIOD_YEARS)
        natech_attribution.annotate_rows(doc["climate"]["table"], doc["sites"], doc["layers"],
                                         per_scenario=True)
    return doc
