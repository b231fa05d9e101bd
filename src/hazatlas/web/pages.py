"""Web pages served by the app: the map (``/``, ``/map``) and the register table (``/register``),
its text alternative. Every page extends ``templates/base.html`` and uses ``static/style.css``,
and is rendered with :func:`hazatlas.web.render.render`: the language switch, the sign-in form and
the page's text in the visitor's language (the ``web`` catalogues), country names included.

Query strings come from HTML forms, which send every field, empty or not: an empty field means
"no filter", and a malformed value is shown on the page next to the form, never answered with a
raw 422.
"""

from __future__ import annotations

import json
import re
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from hazatlas.api.deps import get_db
from hazatlas.domain.access import ANONYMOUS
from hazatlas.domain.errors import ValidationError
from hazatlas.domain.register_query import RegisterQuery
from hazatlas.services import geodata
from hazatlas.services import map as site_map
from hazatlas.services.register import RegisterService
from hazatlas.services.store import Database
from hazatlas.web import i18n
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


COLOURS = (("tier", "Seveso tier"), ("convention", "Convention status"), ("kind", "Kind"))


@router.get("/", response_class=HTMLResponse)
@router.get("/map", response_class=HTMLResponse)
def map_page(request: Request, db: Annotated[Database, Depends(get_db)]) -> HTMLResponse:
    """The map of hazardous activities; the filters come from the URL (a shared view)."""
    errors: dict[str, str] = {}
    try:
        filt = site_map.MapFilter.from_params(request.query_params)
    except ValidationError as exc:
        errors = {p.field or "": p.message for p in exc.problems}
        valid = {k: v for k, v in request.query_params.items() if k not in errors}
        filt = site_map.MapFilter.from_params(valid)
    colour = form_value(request, "colour") or "tier"
    names = i18n.country_names(i18n.language_of(request), geodata.country_names(db))
    info = site_map.summary(db)
    choices = {
        "countries": [{"iso3": c, "name": names.get(c, c)} for c in info["countries"]],
        "basins": site_map.basin_names(), "kinds": site_map.KINDS, "tiers": site_map.TIERS,
        "conventions": site_map.CONVENTION, "statuses": site_map.STATUSES,
    }
    register_query = urlencode({k: v for k in ("country", "kind") if (v := getattr(filt, k))})
    return render(request, "map.html", active="map", filt=filt, errors=errors, choices=choices,
                  colour=colour if colour in dict(COLOURS) else "tier", colours=COLOURS,
                  register_query=register_query, extent_json=json.dumps(info["extent"]))
