"""Use case: a tailings dam failure as one scenario, from the register to the next country.

The chain (``hazatlas scenario tailings-failure``, ``POST /api/scenarios/tailings-failure``):

1. **Site.** The establishment is read as the caller may see it (``RegisterService.get``, the
   access rules of :mod:`hazatlas.domain.access`); it must be a tailings facility. Its stored
   volume, dam height and constituents fill the inputs the caller leaves out
   (``filled_from_establishment`` says which); a confidential record gives only its public
   fields, so a caller not entitled to the tailings details must give them.
2. **Runout** (:func:`hazatlas.services.tailings.run_runout`): released volume (the caller's
   ``released_fraction`` of the stored volume, or the regression's) and runout distance, traced
   down the valley from the dam; its JSON is ``hazatlas runout --json``'s.
3. **River entry.** The receiving reach is the one screening gives
   (:func:`hazatlas.services.screen.screen_sites`: a ``receiving_water`` named in the register
   within 50 km wins over proximity, else the nearest reach within 20 km); the entry is the point
   of that reach nearest to the dam, and the runout path is taken as the straight line from the
   dam to it (``distance_km``, a lower bound of the valley's length). When the runout is shorter,
   the solids stop before the mapped river; the released water and what it carries are still
   taken to reach it (an upper bound, said in the warnings).
4. **River spill** (:func:`hazatlas.services.spill.run_spill`), one per constituent, released at
   the river entry at the failure time as an instantaneous pulse (or over ``duration_s``). Mass
   of a constituent stored as a concentration (mg/kg of dry tailings): concentration × released
   volume × dry density (the runout's ``river_source``, fraction to the river 1); of a substance
   of the inventory (a mass): its quantity × the released fraction (released / stored volume). Only substances the river model knows with a limit are run (the others are listed
   in ``not_modelled``); the register's concentration of a substance wins over an inventory line
   of the same substance. The river keeps its own low/mean/high discharge: the released water
   (``release.released_volume_m3``) is reported but not added to the flow (the model has no
   flood wave).
5. **Countries**: per border crossing of the path, the constituent that arrives first above its
   threshold (or, if none does, the one closest to its threshold), with arrival, peak time and
   peak concentration.
"""

from __future__ import annotations

import math
import uuid
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from hazatlas.domain.access import ANONYMOUS, Principal
from hazatlas.domain.errors import PermissionDeniedError, ValidationError
from hazatlas.domain.establishment import Establishment, EstablishmentKind
from hazatlas.domain.tailings import Constituent
from hazatlas.models.base import Validity, input_problem, raise_problems, scenario_summary
from hazatlas.services.river_entry import receiving_point
from hazatlas.services.tailings import DEFAULT_DRY_DENSITY_KG_M3, RunoutOutcome

#: Kind under which the run is stored (one of ``hazatlas.services.scenarios.KINDS``): the
#: report drafted from it reads the kind stored, so the chain must not be stored as a runout.
STORED_KIND = "tailings-failure"


@dataclass(frozen=True)
class TailingsFailureRequest:
    """Inputs of one tailings dam failure chain (SI units; ``None``: from the register)."""

    establishment_id: str
    start: datetime
    released_fraction: float | None = None
    stored_volume_m3: float | None = None
    dam_height_m: float | None = None
    constituents_mg_kg: dict[str, float] | None = None
    method: str = "larrauri2018"
    flow: str | float = "mean"
    duration_s: float = 0.0
    days: float = 30.0
    dry_density_kg_m3: float = DEFAULT_DRY_DENSITY_KG_M3
    #: °C, for the decay; None: the river's monthly climatology (``services/spill_temperature``),
    #: else the rates at their reference temperature
    water_temp_c: float | None = None
    #: month (1-12) of that climatology; None: the month of ``start``
    month: int | None = None

    def to_json(self) -> dict[str, Any]:
        """The request as plain data (ISO 8601 start)."""
        return {**asdict(self), "start": self.start.isoformat(timespec="minutes")}


@dataclass(frozen=True)
class Release:
    """One constituent as it enters the river: name, mass (kg) and how the mass was found."""

    constituent: str
    mass_kg: float
    basis: str


@dataclass
class TailingsFailure:
    """The chain's result (a :class:`~hazatlas.models.base.ScenarioResult` of kind
    ``tailings-failure``); :meth:`to_json` is the CLI/API document."""

    request: TailingsFailureRequest
    site: dict[str, Any]
    filled: dict[str, Any]
    runout: RunoutOutcome
    river_entry: dict[str, Any]
    release: dict[str, Any]
    spills: list[tuple[Release, Any]]
    not_modelled: list[dict[str, str]]
    own_warnings: list[str] = field(default_factory=list)

    kind = "tailings-failure"

    @property
    def inputs(self) -> dict[str, Any]:
        return self.request.to_json()

    @property
    def warnings(self) -> list[str]:
        out = list(self.runout.warnings) + list(self.own_warnings)
        for rel, run in self.spills:
            out += [f"{rel.constituent}: {w}" for w in run.warnings]
        return list(dict.fromkeys(out))

    @property
    def validity(self) -> list[Validity]:
        out = list(self.runout.validity)
        for _, run in self.spills:
            out += run.validity
        return out

    def countries(self) -> list[dict[str, Any]]:
        """The combined list: per border crossing, the constituent arriving first."""
        return combine_countries([(rel.constituent, run) for rel, run in self.spills])

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "establishment_id": self.request.establishment_id,
            "establishment": self.site,
            "inputs": self.inputs,
            "filled_from_establishment": self.filled,
            "runout": self.runout.to_json(),
            "river_entry": self.river_entry,
            "release": self.release,
            "spills": [
                {"constituent": rel.constituent, "mass_kg": rel.mass_kg, "basis": rel.basis,
                 **run.to_json()}
                for rel, run in self.spills
            ],
            "not_modelled": self.not_modelled,
            "countries": self.countries(),
            "warnings": self.warnings,
            "validity": [v.to_json() for v in self.validity],
        }

    def summary(self) -> dict[str, Any]:
        r = self.runout.result
        return scenario_summary(
            self,
            {
                "released_volume_m3": r.released_volume_m3,
                "runout_km": r.runout_km,
                "river_entry_km": self.river_entry["distance_km"],
                "constituents": {rel.constituent: rel.mass_kg for rel, _ in self.spills},
            },
        )


# -- the chain ---------------------------------------------------------------------------------


def run_tailings_failure(
    db: Any, principal: Principal, req: TailingsFailureRequest, network: Any = None
) -> TailingsFailure:
    """Run the chain for ``req`` as ``principal`` sees the register (see the module)."""
    from hazatlas.services.register import RegisterService

    _check_request(req)
    est, full = RegisterService(db, principal).get(req.establishment_id)
    if est.kind is not EstablishmentKind.TAILINGS:
        raise ValidationError([input_problem(
            "establishment_id",
            f"'{est.id}' is a {est.kind.value} establishment, not a tailings facility")])
    volume, height, filled = _dam(req, est, full, principal)
    if network is None:
        from hazatlas.geo.network import RiverNetwork

        network = RiverNetwork.load_default()
    fraction = req.released_fraction
    runout, runout_notes = _runout(req, est, volume, height, network)
    released = runout.result.released_volume_m3
    if fraction is None:
        fraction = released / volume
    entry, entry_warnings = river_entry(network, est, runout.result.runout_km)
    releases, skipped, notes = _releases(req, est, runout, fraction, filled)
    spills = [(rel, _spill(req, rel, entry, network)) for rel in releases]
    warnings = runout_notes + entry_warnings + notes + _release_warnings(req, entry, released, spills)
    release = {
        "released_fraction": fraction,
        "stored_volume_m3": volume,
        "released_volume_m3": released,
        "tailings_mass_kg": released * req.dry_density_kg_m3,
        "dry_density_kg_m3": req.dry_density_kg_m3,
        "duration_s": req.duration_s,
        "mass_kg": {rel.constituent: rel.mass_kg for rel in releases},
    }
    return TailingsFailure(req, _public(est), filled, runout, entry, release, spills, skipped,
                           warnings)


def _check_request(req: TailingsFailureRequest) -> None:
    problems = []
    f = req.released_fraction
    if f is not None and not (math.isfinite(f) and 0 < f <= 1):
        problems.append(input_problem("released_fraction",
                                      f"{f!r}: must be a fraction in (0, 1] of the stored volume"))
    for name in ("stored_volume_m3", "dam_height_m"):
        v = getattr(req, name)
        if v is not None and not (math.isfinite(v) and v > 0):
            problems.append(input_problem(name, f"{v!r}: must be a positive number"))
    for name, c in (req.constituents_mg_kg or {}).items():
        if not name.strip() or not (math.isfinite(c) and c >= 0):
            problems.append(input_problem("constituents_mg_kg",
                                          f"{name!r}: {c!r} mg/kg: expected a name and a "
                                          "concentration >= 0"))
    if not (math.isfinite(req.duration_s) and req.duration_s >= 0):
        problems.append(input_problem("duration_s", f"{req.duration_s!r}: must be >= 0"))
    if req.month is not None and not 1 <= req.month <= 12:
        problems.append(input_problem("month", f"{req.month!r}: expected a month 1-12"))
    raise_problems(problems)


def _dam(req: TailingsFailureRequest, est: Establishment, full: bool,
         principal: Principal) -> tuple[float, float, dict[str, Any]]:
    """Stored volume and dam height: the caller's, else the register's; a missing one is a
    problem naming the input."""
    t = est.tailings
    filled: dict[str, Any] = {}
    values: dict[str, float | None] = {}
    problems = []
    for name, given, stored in (
        ("stored_volume_m3", req.stored_volume_m3, t.stored_volume_m3 if t else None),
        ("dam_height_m", req.dam_height_m, t.dam_height_m if t else None),
    ):
        values[name] = given if given is not None else stored
        if given is None and stored is not None:
            filled[name] = stored
        if values[name] is None:
            why = ("the tailings details are confidential to user "
                   f"'{principal.username}'" if not full else "the register has none")
            problems.append(input_problem(
                name, f"no {name.removesuffix('_m3').removesuffix('_m').replace('_', ' ')} for "
                      f"'{est.id}' ({why}): give it as an input"))
    raise_problems(problems)
    return float(values["stored_volume_m3"] or 0), float(values["dam_height_m"] or 0), filled


def _runout(req: TailingsFailureRequest, est: Establishment, volume: float, height: float,
            network: Any) -> tuple[RunoutOutcome, list[str]]:
    """The runout traced from the dam; without a reach within the runout service's snapping
    distance, the regression alone (no path), said in the notes."""
    from hazatlas.domain.errors import HazatlasError
    from hazatlas.services.tailings import RunoutRequest, run_runout

    constituents = _concentrations(req, est)
    released = None if req.released_fraction is None else req.released_fraction * volume
    request = RunoutRequest(volume, height, released, req.method, (est.lon, est.lat),
                            constituents, req.dry_density_kg_m3, 1.0)
    try:
        return run_runout(request, network), []
    except ValidationError:
        raise
    except HazatlasError as exc:
        request.at = None
        return run_runout(request, network), [f"the runout is not traced down the valley: {exc}"]


def _concentrations(req: TailingsFailureRequest, est: Establishment) -> list[Constituent]:
    if req.constituents_mg_kg is not None:
        return [Constituent(k, v) for k, v in req.constituents_mg_kg.items()]
    return list(est.tailings.constituents) if est.tailings else []


def river_entry(network: Any, est: Establishment, runout_km: float) -> tuple[dict[str, Any],
                                                                             list[str]]:
    """Where the runout path meets the river network: the site's receiving reach as screening
    finds it, at the point nearest to the dam (see the module)."""
    from shapely.geometry import mapping  # type: ignore[import-untyped]

    entry = receiving_point(network, est)
    i, offset, pt, notes, distance_km = (entry.index, entry.offset_m, entry.point, entry.notes,
                                         entry.distance_km)
    reaches = runout_km >= distance_km
    if not reaches:
        notes.append(
            f"the runout ({runout_km:.1f} km) stops {distance_km - runout_km:.1f} km short of the "
            f"mapped river ({network.river_name(i) or 'unnamed'}, {distance_km:.1f} km in a straight "
            "line): the released water and the constituents it carries are taken to reach the "
            "river anyway (an upper bound)")
    notes.append(
        "the spill starts at the river entry at the failure time: the travel from the dam to the "
        f"river ({distance_km:.1f} km) is not modelled, so arrivals are early")
    return {
        "lon": pt.x,
        "lat": pt.y,
        "reach_id": int(network.reach_id[i]),
        "river": network.river_name(i) or None, "river_names": network.river_names(i),
        "offset_m": offset, "schematic": entry.batch.result(0)["schematic"],
        "distance_km": distance_km,
        "match": str(entry.batch.snap_status[0]),
        "runout_km": runout_km,
        "runout_reaches_river": reaches,
        "path": mapping(_straight(est, pt)),
    }, notes


def _straight(est: Establishment, pt: Any) -> Any:
    from shapely.geometry import LineString  # type: ignore[import-untyped]

    return LineString([(est.lon, est.lat), (pt.x, pt.y)])


def _releases(req: TailingsFailureRequest, est: Establishment, runout: RunoutOutcome,
              fraction: float, filled: dict[str, Any]) -> tuple[list[Release],
                                                                list[dict[str, str]], list[str]]:
    """The constituents entering the river with their masses, those not modelled and notes."""
    from hazatlas.services.spill_substances import find_substance

    out: dict[str, Release] = {}
    skipped: list[dict[str, str]] = []
    notes: list[str] = []
    for name, mass in _constituent_masses(req, est, runout).items():
        key = _known(find_substance, name, None, skipped)
        if key and key not in out:
            out[key] = Release(name, float(mass), "concentration in the tailings x released "
                                                  "tailings mass")
    if req.constituents_mg_kg is None:
        if est.tailings and est.tailings.constituents:
            filled["constituents_mg_kg"] = {c.name: c.concentration_mg_kg
                                            for c in est.tailings.constituents}
        inventory = []
        for item in est.inventory:
            key = _known(find_substance, item.substance_name, item.cas_number, skipped)
            if not key:
                continue
            if key in out:
                notes.append(f"inventory line '{item.substance_name}' not added: the register's "
                             f"concentration of {key} is used")
                continue
            mass = item.max_quantity_kg * fraction
            out[key] = Release(item.substance_name, mass,
                               f"inventory quantity ({item.max_quantity_kg:g} kg) x released "
                               f"fraction ({fraction:.3g}); the mass is of the substance as "
                               "registered (e.g. a salt), not of its ion alone")
            inventory.append(item.substance_name)
        if inventory:
            filled["inventory"] = inventory
    return list(out.values()), skipped, notes


def _constituent_masses(req: TailingsFailureRequest, est: Establishment,
                        runout: RunoutOutcome) -> dict[str, float]:
    """kg per constituent stored as a concentration: the runout's river source (concentration x
    released volume x dry density), or the same product when the runout is not traced."""
    if runout.river_source is not None:
        return {k: float(v) for k, v in runout.river_source["mass_kg"].items()}
    tailings_kg = runout.result.released_volume_m3 * req.dry_density_kg_m3
    return {c.name: c.concentration_mg_kg * 1e-6 * tailings_kg for c in _concentrations(req, est)}


def _known(find: Any, name: str, cas: str | None, skipped: list[dict[str, str]]) -> str | None:
    """The river model's name of ``name`` (or its CAS number) if it has a limit, else None with
    the reason added to ``skipped``."""
    for text in (name, cas):
        if not text:
            continue
        try:
            s = find(text)
        except ValidationError:
            continue
        if s.default_threshold() is None:
            skipped.append({"constituent": name, "reason": f"{s.name}: no water-quality limit in "
                                                           "the packaged tables"})
            return None
        return str(s.name)
    skipped.append({"constituent": name,
                    "reason": "not a substance of the river model (river_spill_substances.csv or "
                              "the EU drinking-water and priority-substance tables)"})
    return None


def _spill(req: TailingsFailureRequest, rel: Release, entry: dict[str, Any], network: Any) -> Any:
    from hazatlas.services.spill import SpillRequest, run_spill

    return run_spill(
        SpillRequest(lon=entry["lon"], lat=entry["lat"], mass_kg=rel.mass_kg, start=req.start,
                     duration_s=req.duration_s, substance=rel.constituent, flow=req.flow,
                     days=req.days, water_temp_c=req.water_temp_c, month=req.month),
        network,
    )


def _release_warnings(req: TailingsFailureRequest, entry: dict[str, Any], released_m3: float,
                      spills: list[tuple[Release, Any]]) -> list[str]:
    out = []
    if not spills:
        out.append("no constituent the river model knows: no river spill was run (give the "
                   "constituents and their concentrations)")
        return out
    at_entry = sorted({c.country for c in spills[0][1].crossings if c.river_distance_m < 1000.0})
    if at_entry:
        out.append(
            f"the river is a border at the entry ({', '.join(at_entry)} reached at once): the "
            "concentration reported there is the model's value at the source, not a prediction")
    q = spills[0][1].runs[spills[0][1].selected].source_discharge_m3_s
    if req.duration_s > 0:
        added = released_m3 / req.duration_s
        what = f"{added:.3g} m3/s over {req.duration_s / 3600:g} h"
    else:
        added, what = math.inf, "at once"
    if added > 0.1 * q:
        out.append(
            f"the released {released_m3:.3g} m3 ({what}) is not small against the river's "
            f"{q:.3g} m3/s at the entry; the river model keeps the river's discharge (no flood "
            "wave), so the real wave travels faster and is less diluted near the entry")
    return out


def _public(est: Establishment) -> dict[str, Any]:
    return {"id": est.id, "name": est.name, "country_iso3": est.country_iso3, "lon": est.lon,
            "lat": est.lat, "receiving_water": est.receiving_water}


# -- countries ---------------------------------------------------------------------------------


def combine_countries(runs: list[tuple[str, Any]]) -> list[dict[str, Any]]:
    """Per border crossing of the (common) path: the constituent arriving first above its
    threshold, else the one whose peak comes closest to its threshold."""
    if not runs:
        return []
    from hazatlas.services.spill_report import country_rows

    docs = [country_rows(run) for _, run in runs]  # the "countries" of each spill's document
    out = []
    for i, crossing in enumerate(runs[0][1].crossings):
        rows = [_at_border(name, run, doc[i], i) for (name, run), doc in zip(runs, docs, strict=True)]
        arriving = [r for r in rows if r["first_arrival"] is not None]
        best = (min(arriving, key=lambda r: r["first_arrival"]) if arriving
                else max(rows, key=lambda r: r["peak_mg_l"] / r["threshold_mg_l"]))
        out.append({
            "country": crossing.country,
            "river_km_from_entry": round(crossing.river_distance_m / 1000.0, 1),
            **best,
            "above_threshold": [r["constituent"] for r in arriving],
        })
    return out


def _at_border(name: str, run: Any, doc: dict[str, Any], i: int) -> dict[str, Any]:
    from hazatlas.services.spill import iso

    b = run.runs[run.selected].borders
    tp = float(b.peak_time_s[i])
    horizon = run.request.days * 86_400.0
    return {
        "constituent": name,
        "first_arrival": doc["first_arrival"],
        "peak_time": iso(run.request.start, tp) if tp <= horizon else None,
        "peak_mg_l": doc["peak_mg_l"],
        "threshold_mg_l": run.threshold_mg_l,
    }


# -- storing -----------------------------------------------------------------------------------


def run_and_store(db: Any, principal: Principal, req: TailingsFailureRequest,
                  parameters: dict[str, Any] | None = None, *, store: bool = True,
                  network: Any = None) -> dict[str, Any]:
    """Run the chain and store it (``scenario_id`` in the answer; ``None`` when not stored).
    Only an authenticated user may store; the anonymous public is refused before the run."""
    if store and principal is ANONYMOUS:
        raise PermissionDeniedError("running a stored scenario needs an authenticated user")
    result = run_tailings_failure(db, principal, req, network)
    sid = str(uuid.uuid4()) if store else None
    # the stored document is the answer itself, so `scenarios show ID` prints what the run did
    answer = {**result.to_json(), "created_by": principal.username if store else None,
              "scenario_id": sid}
    if store:
        from hazatlas.services import scenarios

        scenarios.save(db, principal, STORED_KIND, parameters or req.to_json(), answer,
                       req.establishment_id, scenario_id=sid)
    return answer
