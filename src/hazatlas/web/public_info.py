"""Information to the public, without login: ``/public/sites`` (the index of published pages)
and ``/public/sites/{id}`` (the page of one hazardous activity, ``?audience=ISO3`` for the
public of an affected neighbouring country). Only what the authority published is shown
(:func:`hazatlas.services.public_info.published`): never a draft, never a field the
authority did not put in the page. ``docs/public-information.md``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from hazatlas.domain.errors import NotFoundError
from hazatlas.services import geodata, public_info
from hazatlas.web import i18n
from hazatlas.web.render import render

router = APIRouter(include_in_schema=False)
Iso3 = Annotated[str | None, Query(pattern="^[A-Z]{3}$")]


@router.get("/public/sites", response_class=HTMLResponse)
def index(request: Request, country: Iso3 = None, audience: Iso3 = None) -> Response:
    db = request.app.state.db
    pages = public_info.published_index(db, country=country, audience=audience)
    names = i18n.country_names(i18n.language_of(request), geodata.country_names(db))
    return render(request, "public_index.html", pages=pages, names=names, active="public")


@router.get("/public/sites/{establishment_id}", response_class=HTMLResponse)
def page(establishment_id: str, request: Request, audience: Iso3 = None) -> Response:
    db = request.app.state.db
    names = i18n.country_names(i18n.language_of(request), geodata.country_names(db))
    try:
        shown = public_info.published(db, establishment_id, audience)
    except NotFoundError:
        return render(request, "public_page.html", status_code=404, page=None, names=names,
                      missing=establishment_id, active="public")
    return render(request, "public_page.html", page=shown, names=names, active="public")
