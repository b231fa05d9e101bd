"""Web pages served by the app: the map (``/``, ``/map``) and the register table (``/register``),
its text alternative. Every page extends ``templates/base.html`` and uses ``static/style.css``,
and is rendered with :func:`hazatlas.web.render.render`: the language switch, the sign-in form and
the page's text in the visitor's language (the ``web`` catalogues), country names included.

Query strings come from HTML forms, which send every field, empty or not: an empty field means
"no filter", and a malformed value is shown on the page next to the form, never answered with a
raw 422.
"""

from __future__ import annotations

import dataclasses
import json
import re
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from hazatlas.api.deps import get_db
from hazatlas.domain.access import ANONYMOUS
from hazatlas.domain.errors import Problem, ValidationError
from hazatlas.domain.register_query import RegisterQuery
from hazatlas.services import geodata, network_map
from hazatlas.services import map as site_map
from hazatlas.services.register import RegisterService
from hazatlas.services.store import Database
from hazatlas.web import i18n
from hazatlas.web.problems import translate
from hazatlas.web.render import render

router = APIRouter(include_in_schema=False)
KINDS = ("industrial", "tailings")
_ISO3 = re.compile(r"^[A-Z]{3}$")


def form_value(request: Request, name: str) -> str | None:
    """A query-string field as a form sends it: stripped, and ``None`` when empty or absent."""
    value = request.query_params.get(name, "").strip()
    return value or None


@router.get("/register", response_class=HTMLResponse)
def register(request: Request, db: Annotated[Database, Depends(get_db)]) -> HTMLResponse:
    """The public view of the register (public fields of every site): the map's text alternative."""
    country = form_value(request, "country")
    kind = form_value(request, "kind")
    lang = i18n.language_of(request)
    _ = i18n.gettext_for(lang)
    errors: dict[str, str] = {}
    if country is not None:
        country = country.upper()
        if not _ISO3.match(country):
            errors["country"] = _("'{value}' is not an ISO 3166 alpha-3 code (e.g. SRB)", value=country)
    if kind is not None and kind not in KINDS:
        errors["kind"] = _("'{value}' is not one of {allowed}", value=kind, allowed=", ".join(KINDS))
    query = RegisterQuery(country=None if "country" in errors else country,
                          kind=None if "kind" in errors else kind, limit=10_000)
    records, total = RegisterService(db, ANONYMOUS).list(query)
    return render(request, "register.html", active="register", records=[e for e, _r in records],
                  total=total, names=i18n.country_names(lang, geodata.country_names(db)),
                  country=country, kind=kind, errors=errors)


COLOURS = (("tier", "Seveso tier"), ("convention", "Convention status"), ("kind", "Kind"),
           ("wri", "Water Risk Index (WRI)"), ("thi", "Tailings Hazard Index (THI)"))
assert tuple(c for c, _ in COLOURS) == site_map.COLOURS
#: the map's view in the URL: name -> (lowest, highest)
VIEW = {"z": (2, 18), "lat": (-90, 90), "lon": (-180, 180)}


def _view(request: Request) -> tuple[dict[str, float] | None, list[Problem]]:
    """The view of the URL (``z``, ``lat``, ``lon``; all three or none) and its problems."""
    values: dict[str, float] = {}
    problems = []
    for name, (low, high) in VIEW.items():
        text = form_value(request, name)
        if text is None:
            continue
        try:
            value = float(text)
        except ValueError:
            problems.append(Problem("parameter", None, name, f"'{text[:40]}' is not a number"))
            continue
        if not low <= value <= high:
            problems.append(Problem("parameter", None, name,
                                    f"'{text[:40]}' is not between {low} and {high}"))
            continue
        values[name] = value
    return (values if len(values) == len(VIEW) else None), problems


def map_problems(request: Request, db: Database) -> tuple[site_map.MapFilter, str, Any, list[Problem]]:
    """The filters, colouring and view of the map's URL, each malformed or unknown value left
    out and named in the problems (as the API would refuse it)."""
    problems: list[Problem] = []
    try:
        filt = site_map.MapFilter.from_params(request.query_params)
    except ValidationError as exc:
        problems += exc.problems
        bad = {p.field for p in exc.problems}
        filt = site_map.MapFilter.from_params(
            {k: v for k, v in request.query_params.items() if k not in bad})
    unknown = filt.unknown(db)
    problems += unknown
    filt = dataclasses.replace(filt, **{p.field: None for p in unknown})
    colour = form_value(request, "colour") or "tier"
    if colour not in site_map.COLOURS:
        problems.append(Problem("parameter", None, "colour",
                                f"'{colour[:40]}' is not one of {', '.join(site_map.COLOURS)}"))
        colour = "tier"
    view, view_problems = _view(request)
    return filt, colour, view, problems + view_problems


@router.get("/", response_class=HTMLResponse)
@router.get("/map", response_class=HTMLResponse)
def map_page(request: Request, db: Annotated[Database, Depends(get_db)]) -> HTMLResponse:
    """The map of hazardous activities; the filters come from the URL (a shared view). A value
    the map cannot use is named next to the form, in the page's language, and left out."""
    filt, colour, view, problems = map_problems(request, db)
    _ = i18n.gettext_for(i18n.language_of(request))
    errors = {p.field: translate(p, _).message for p in problems}
    names = i18n.country_names(i18n.language_of(request), geodata.country_names(db))
    info = site_map.summary(db)
    choices = {
        "countries": [{"iso3": c, "name": names.get(c, c)} for c in info["countries"]],
        "basins": site_map.basin_names(), "kinds": site_map.KINDS, "tiers": site_map.TIERS,
        "conventions": site_map.CONVENTION, "statuses": site_map.STATUSES,
    }
    register_query = urlencode({k: v for k in ("country", "kind") if (v := getattr(filt, k))})
    networks, network = _network_choice(request, db, _, errors)
    return render(request, "map.html", active="map", filt=filt, errors=errors,
                  choices=choices, colour=colour, colours=COLOURS, register_query=register_query,
                  extent_json=json.dumps(info["extent"]), view_json=json.dumps(view),
                  networks=networks, network=network)


def _network_choice(request: Request, db: Database, _: Any,
                    errors: dict[str, str]) -> tuple[list[dict[str, Any]], str | None]:
    """The stored river networks the map may show and the one of the URL (``network``); an
    unknown one is named with the other errors and left out."""
    networks = network_map.choices(db)
    network = form_value(request, "network")
    if network and network not in {n["name"] for n in networks}:
        problem = Problem("parameter", None, "network", f"'{network[:100]}' is not a stored "
                          "river network (hazatlas network list)")
        errors["network"] = translate(problem, _).message
        network = None
    return networks, network
