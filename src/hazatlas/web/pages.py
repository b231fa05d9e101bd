"""Web pages served by the app. Until the map lands, the root page lists the register."""

from __future__ import annotations

from importlib import resources
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from hazatlas.api.deps import get_db
from hazatlas.domain.access import ANONYMOUS
from hazatlas.domain.register_query import RegisterQuery
from hazatlas.services import geodata
from hazatlas.services.register import RegisterService
from hazatlas.services.store import Database

router = APIRouter(include_in_schema=False)
_env = Environment(
    loader=FileSystemLoader(str(resources.files("hazatlas.web").joinpath("templates"))),
    autoescape=select_autoescape(["html"]),
)


@router.get("/", response_class=HTMLResponse)
def index(request: Request, db: Annotated[Database, Depends(get_db)],
          country: Annotated[str | None, Query(pattern=r"^[A-Z]{3}$")] = None,
          kind: Annotated[str | None, Query(pattern="^(industrial|tailings)$")] = None) -> HTMLResponse:
    """The public view of the register (public fields of every site)."""
    records, total = RegisterService(db, ANONYMOUS).list(
        RegisterQuery(country=country, kind=kind, limit=10_000))
    names = geodata.country_names(db)
    html = _env.get_template("index.html").render(
        records=[e for e, _ in records], total=total, names=names, country=country, kind=kind,
        credit=geodata.NE_CREDIT)
    return HTMLResponse(html)
