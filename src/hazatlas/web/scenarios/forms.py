"""Running a scenario from a site's page: ``POST /sites/{id}/scenarios/{kind}`` for ``river``,
``plume``, ``runout`` and ``tailings-failure``.

The form's fields are the JSON fields of ``POST /api/scenarios/{kind}`` (SI units, named as
there), so a run is validated by the API's own models (:class:`RiverSpillIn`,
:class:`PlumeIn`, :class:`RunoutIn`, :class:`TailingsFailureIn`) and made by the same use cases
(:mod:`hazatlas.services.scenario_runs`, :mod:`hazatlas.services.tailings_failure`) with the site as ``establishment_id``: the site fills
what the form leaves empty, the run is stored and audited under the signed-in user, and the
access rule is the API's (only a user entitled to the site's confidential fields may run).
Lists are typed one per line: places as ``name=lon,lat``, constituents as ``name=mg/kg``.
An error is shown next to its field (``errors``: field -> ``{type, msg, ctx}``, translated by
the template from the pydantic error type, else the model's own sentence in English).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pydantic

from hazatlas.api.routes.scenarios_air import PlumeIn
from hazatlas.api.routes.scenarios_river import RiverSpillIn
from hazatlas.api.routes.scenarios_tailings import RunoutIn
from hazatlas.api.routes.scenarios_tailings_failure import TailingsFailureIn

KINDS = ("river", "plume", "runout", "tailings-failure")
MODELS: dict[str, type[pydantic.BaseModel]] = {"river": RiverSpillIn, "plume": PlumeIn,
                                               "runout": RunoutIn,
                                               "tailings-failure": TailingsFailureIn}
#: number and text fields of each form (empty: left out, the API's default or the site's value)
FIELDS = {
    "river": ("mass_kg", "substance", "start", "duration_s", "flow", "flow_m3_s", "threshold_mg_l",
              "decay_per_day", "water_temp_c", "month", "days", "at_lon", "at_lat", "points"),
    "plume": ("substance", "mass_kg", "rate_kg_s", "hole_diameter_m", "pressure_pa", "pool_area_m2",
              "temperature_k", "wind_speed_m_s", "wind_height_m", "stability", "wind_from_deg",
              "release_height_m", "levels", "duration_s", "sigmas", "mixing_height_m", "places"),
    "runout": ("impounded_volume_m3", "dam_height_m", "released_volume_m3", "method",
               "constituents_mg_kg"),
    "tailings-failure": ("start", "stored_volume_m3", "dam_height_m", "released_fraction",
                         "constituents_mg_kg", "method", "flow", "flow_m3_s", "duration_s", "days"),
}
FormErrors = dict[str, dict[str, Any]]


def _error(kind: str, msg: str, **ctx: Any) -> dict[str, Any]:
    return {"type": kind, "msg": msg, "ctx": ctx}


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _named_points(field: str, text: str, errors: FormErrors) -> list[tuple[str, str, str]]:
    """``name=lon,lat`` lines; an unreadable line is an error naming it."""
    out = []
    for n, line in enumerate(_lines(text), 1):
        name, eq, where = line.partition("=")
        lon, comma, lat = where.partition(",")
        if not (eq and comma and name.strip()):
            errors.setdefault(field, _error("line_format", f"line {n}: expected NAME=LON,LAT",
                                            line=n, expected="NAME=LON,LAT"))
            continue
        out.append((name.strip(), lon.strip(), lat.strip()))
    return out


def _constituents(text: str, errors: FormErrors) -> dict[str, str]:
    out = {}
    for n, line in enumerate(_lines(text), 1):
        name, eq, value = line.partition("=")
        if not (eq and name.strip() and value.strip()):
            errors.setdefault("constituents_mg_kg", _error(
                "line_format", f"line {n}: expected NAME=MG_PER_KG", line=n, expected="NAME=MG/KG"))
            continue
        out[name.strip()] = value.strip()
    return out


def raw_values(kind: str, form: Any) -> dict[str, str]:
    """The form's fields as typed (stripped), for showing them again."""
    return {name: (form.get(name) or "").strip() for name in FIELDS[kind]}


def _body(kind: str, raw: dict[str, str], errors: FormErrors) -> dict[str, Any]:
    """The API's JSON body from the form (empty fields left out)."""
    body: dict[str, Any] = {k: v for k, v in raw.items()
                            if v and k not in ("points", "places", "constituents_mg_kg", "at_lon",
                                               "at_lat", "flow_m3_s")}
    if raw.get("at_lon") or raw.get("at_lat"):
        body["at"] = [raw.get("at_lon") or None, raw.get("at_lat") or None]
    if raw.get("flow_m3_s"):
        body["flow"] = raw["flow_m3_s"]
    if raw.get("points"):
        body["points"] = [{"name": n, "lon": x, "lat": y}
                          for n, x, y in _named_points("points", raw["points"], errors)]
    if raw.get("places"):
        body["places"] = [list(p) for p in _named_points("places", raw["places"], errors)]
    if raw.get("constituents_mg_kg"):
        body["constituents_mg_kg"] = _constituents(raw["constituents_mg_kg"], errors)
    return body


def _field_of(kind: str, loc: tuple[Any, ...], body: dict[str, Any]) -> str:
    name = str(loc[0]) if loc else "form"
    if name == "at":
        return "at_lat" if len(loc) > 1 and loc[1] == 1 else "at_lon"
    if name == "flow" and "flow_m3_s" in FIELDS[kind] and body.get("flow") not in (
            None, "low", "mean", "high"):
        return "flow_m3_s"
    return name if name in FIELDS[kind] else "form"


def validate(kind: str, establishment_id: str,
             raw: dict[str, str]) -> tuple[pydantic.BaseModel | None, FormErrors]:
    """The API's request model of the form, or the errors by field."""
    errors: FormErrors = {}
    body = _body(kind, raw, errors)
    try:
        model = MODELS[kind].model_validate({**body, "establishment_id": establishment_id})
    except pydantic.ValidationError as exc:
        for err in exc.errors():
            field = _field_of(kind, tuple(err["loc"]), body)
            if (field == "flow") != (err["type"] == "literal_error") and "flow" in err["loc"][:1]:
                continue  # flow is a choice or a number: report the branch the user typed
            errors.setdefault(field, _error(err["type"], err["msg"], **{
                k: v for k, v in (err.get("ctx") or {}).items() if isinstance(v, (int, float, str))}))
        return None, errors
    return (None, errors) if errors else (model, {})


def run(kind: str, db: Any, principal: Any, body: pydantic.BaseModel) -> tuple[Any, dict[str, Any]]:
    """The run as the API route makes it: (the use case's run, the stored answer)."""
    from hazatlas.services import scenario_runs

    if kind == "tailings-failure":
        from hazatlas.services.tailings_failure import TailingsFailureRequest, run_and_store

        request = TailingsFailureRequest(**body.model_dump())
        return None, run_and_store(db, principal, request, body.model_dump(mode="json"))
    establishment_id = body.establishment_id  # type: ignore[attr-defined]
    parameters = body.model_dump(mode="json")
    values = body.model_dump(mode="json", exclude={"establishment_id", "levels"})
    if kind == "plume":
        values["loc_kind"] = body.levels  # type: ignore[attr-defined]
    cases: dict[str, Callable[..., tuple[Any, dict[str, Any]]]] = {
        "river": scenario_runs.river, "plume": scenario_runs.plume, "runout": scenario_runs.runout}
    use_case = cases[kind]
    return use_case(db, principal, values, establishment_id=establishment_id, parameters=parameters)


def problems_by_field(kind: str, problems: list[Any]) -> FormErrors:
    """A model's refusals (:class:`~hazatlas.domain.errors.ValidationError` problems) by field."""
    out: FormErrors = {}
    for p in problems:
        field = p.field if p.field in FIELDS[kind] else ("at_lon" if p.field == "at" else "form")
        out.setdefault(field, _error("model", p.message))
    return out
