"""One run of a river spill, a plume or a runout, as the commands and the routes make it.

Each function takes the inputs as the API's JSON fields (SI numbers, names carrying the unit;
the CLI converts its options to the same fields), an optional establishment whose site fills the
inputs left out (:mod:`hazatlas.services.site_scenarios`), runs the use case and returns the run
and its answer (:func:`hazatlas.services.scenarios.record`: the result document with the
establishment, the filled inputs, the provenance and the ``scenario_id``), stored when ``keep``.
``parameters`` stored with the run are the inputs as the caller gave them.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

from hazatlas.domain.access import Principal
from hazatlas.domain.errors import HazatlasError, ValidationError
from hazatlas.domain.establishment import Establishment
from hazatlas.formats.observations import ObservationSet, observations_from_json
from hazatlas.models.base import input_problem, raise_problems
from hazatlas.services import scenarios, site_scenarios
from hazatlas.services.air import PlumeRequest, PlumeResult, run_plume
from hazatlas.services.spill import NamedPoint, SpillRequest, SpillRun, run_spill
from hazatlas.services.spill_forecast import forecast_document
from hazatlas.services.tailings import RunoutOutcome, RunoutRequest, run_runout
from hazatlas.storage.db import Database

#: CLI option of each JSON field, for the messages of a missing input.
OPTIONS = {"at": "--at", "mass_kg": "--mass", "start": "--start",
           "impounded_volume_m3": "--volume", "dam_height_m": "--height"}


def _given(values: dict[str, Any], establishment_id: str | None,
           parameters: dict[str, Any] | None) -> dict[str, Any]:
    """The inputs stored with the run: ``parameters`` as the caller received them, else
    ``values`` with the establishment id."""
    if parameters is not None:
        return parameters
    return json.loads(json.dumps({**values, "establishment_id": establishment_id}, default=str))


def _site(db: Database | None, principal: Principal,
          establishment_id: str | None) -> Establishment | None:
    if establishment_id is None:
        return None
    if db is None:
        raise ValueError("a run on an establishment needs a database")
    return site_scenarios.site_for_run(db, principal, establishment_id)


def _required(values: dict[str, Any], fields: tuple[str, ...], site: Establishment | None) -> None:
    hint = " or the tailings details of the establishment" if site is not None else \
        " or an establishment (establishment_id, --establishment) whose site gives it"
    raise_problems([
        input_problem(f, f"required: give {f} ({OPTIONS[f]}){hint}")
        for f in fields if values.get(f) is None
    ])


def _about(site: Establishment | None) -> dict[str, Any] | None:
    if site is None:
        return None
    return {"id": site.id, "name": site.name, "country_iso3": site.country_iso3,
            "kind": str(site.kind), "receiving_water": site.receiving_water}


def river(db: Database | None, principal: Principal, values: dict[str, Any], *,
          establishment_id: str | None = None, keep: bool = True,
          network: Path | None = None, network_name: str | None = None,
          parameters: dict[str, Any] | None = None,
          observations: ObservationSet | None = None) -> tuple[SpillRun, dict[str, Any]]:
    """A river spill (fields of ``POST /api/scenarios/river``) on the bundled network, on
    ``network`` (the CLI's ``--network``: a file or a stored network's name) or on the stored
    network ``network_name`` (the API's ``network``: never a file); measurements
    (``observations``, or the field of that name) add the ``forecast`` fitted to them
    (:mod:`hazatlas.services.spill_forecast`)."""
    site = _site(db, principal, establishment_id)
    filled: dict[str, Any] = {}
    given = dict(values)
    if site is not None:
        given, filled = site_scenarios.fill_spill(site, values)
    _required(given, ("at", "mass_kg"), site)
    start = given["start"]
    request = SpillRequest(
        lon=float(given["at"][0]), lat=float(given["at"][1]), mass_kg=float(given["mass_kg"]),
        start=start if isinstance(start, datetime) else datetime.fromisoformat(str(start)),
        duration_s=float(given.get("duration_s") or 0.0), substance=given.get("substance"),
        decay_per_day=given.get("decay_per_day"), flow=given.get("flow", "mean"),
        threshold_mg_l=given.get("threshold_mg_l"),
        points=tuple(NamedPoint(p["name"], p["lon"], p["lat"]) for p in given.get("points") or ()),
        days=float(given.get("days", 30.0)),
        water_temp_c=given.get("water_temp_c"), month=given.get("month"),
        # released at the site: its receiving water guides the snapping, as in screening
        receiving_water=site.receiving_water if site is not None and "at" in filled else None,
    )
    net = None
    files: list[Path] = []
    stored: list[dict[str, str]] = []
    if network_name is not None:
        from hazatlas.services import networks

        if db is None:
            raise HazatlasError("a stored river network needs a database")
        net = networks.load_network(db, network_name)
        stored.append(networks.network_version(db, network_name))
    elif network is not None:
        net, files, stored = _network(db, network)
    run = run_spill(request, net)
    document = run.to_json()
    if observations is None and values.get("observations"):
        observations = observations_from_json(values["observations"])
    if observations is not None:
        document["forecast"] = forecast_document(run, observations)
    if site is not None:
        document["method"]["warnings"] += site_scenarios.receiving_water_warning(
            site, document["source"]["river"])
    answer = scenarios.record(db, principal, run,
                              _given(values, establishment_id, parameters),
                              establishment=_about(site), filled=filled, document=document,
                              extra_data=files, data_versions=stored, keep=keep)
    return run, answer


def plume(db: Database | None, principal: Principal, values: dict[str, Any], *,
          establishment_id: str | None = None, keep: bool = True,
          parameters: dict[str, Any] | None = None) -> tuple[PlumeResult, dict[str, Any]]:
    """A toxic gas release (fields of ``POST /api/scenarios/plume``; ``loc_kind`` for the
    JSON ``levels``, ``mixing_height_m`` None for no lid)."""
    site = _site(db, principal, establishment_id)
    given, filled = (site_scenarios.fill_plume(site, values) if site is not None
                     else (dict(values), {}))
    fields = {k: v for k, v in given.items() if k in PlumeRequest.__dataclass_fields__}
    fields["mixing_height_m"] = given.get("mixing_height_m") or float("inf")
    for key in ("receptors", "places"):
        fields[key] = [tuple(x) for x in given.get(key) or ()]
    if fields.get("at") is not None:
        fields["at"] = tuple(fields["at"])
    result = run_plume(PlumeRequest(**fields))
    answer = scenarios.record(db, principal, result,
                              _given(values, establishment_id, parameters),
                              establishment=_about(site), filled=filled, keep=keep)
    return result, answer


def runout(db: Database | None, principal: Principal, values: dict[str, Any], *,
           establishment_id: str | None = None, keep: bool = True,
           parameters: dict[str, Any] | None = None,
           network: Path | None = None) -> tuple[RunoutOutcome, dict[str, Any]]:
    """A tailings dam failure (fields of ``POST /api/scenarios/runout``), traced on the bundled
    network or on ``network`` (the CLI's ``--network``: a file or a stored network's name)."""
    from hazatlas.domain.tailings import Constituent

    site = _site(db, principal, establishment_id)
    given, filled = (site_scenarios.fill_runout(site, values) if site is not None
                     else (dict(values), {}))
    _required(given, ("impounded_volume_m3", "dam_height_m"), site)
    at = given.get("at")
    request = RunoutRequest(
        impounded_volume_m3=float(given["impounded_volume_m3"]),
        dam_height_m=float(given["dam_height_m"]),
        released_volume_m3=given.get("released_volume_m3"),
        method=given.get("method") or "larrauri2018",
        at=(float(at[0]), float(at[1])) if at is not None else None,
        constituents=[Constituent(k, float(v))
                      for k, v in (given.get("constituents_mg_kg") or {}).items()],
    )
    net, files, stored = _network(db, network)
    try:
        outcome = run_runout(request, net)
    except HazatlasError as exc:
        if "at" not in filled or isinstance(exc, ValidationError):
            raise
        # the site's point is off the mapped network: the regression still holds, untraced
        del filled["at"]
        outcome = run_runout(replace(request, at=None), net)
        outcome.warnings.append(f"the location of {establishment_id} was not used: {exc}; the "
                                "runout is not traced (give at, --at, to place it)")
    answer = scenarios.record(db, principal, outcome,
                              _given(values, establishment_id, parameters),
                              establishment=_about(site), filled=filled, keep=keep,
                              extra_data=files, data_versions=stored)
    return outcome, answer


def _network(db: Database | None, network: Path | None
             ) -> tuple[Any, list[Path], list[dict[str, str]]]:
    """The network ``--network`` names (None: the bundled one), with the file or the stored
    network to record in the run's provenance."""
    if network is None:
        return None, [], []
    from hazatlas.services import networks

    net = networks.resolve(db, network)
    if Path(network).exists():
        return net, [Path(network)], []
    if str(network) != networks.BUNDLED and db is not None:
        return net, [], [networks.network_version(db, str(network))]
    return net, [], []
