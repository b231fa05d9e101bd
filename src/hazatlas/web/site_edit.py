"""Editing a site from its page: ``/sites/{id}/edit`` (GET the form, POST it).

The form changes the public and descriptive fields (name, status, operator, NACE code, receiving
water, country, coordinates, disclosure level, source, notes); the inventory and tailings details
are kept as stored (edit them with ``PUT /api/establishments/{id}`` or a register import). The
record is validated exactly as the API validates it: the current record with the form's values
goes through :class:`hazatlas.api.schemas.EstablishmentIn` and is saved by
:meth:`hazatlas.services.register.RegisterService.save`, which applies the write rules of
:func:`hazatlas.domain.access.write_problems` and records the change in the history under the
signed-in user's name (context ``web``). Errors are shown next to their field.
"""

from __future__ import annotations

from typing import Any

import pydantic
from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from hazatlas.api.schemas import EstablishmentIn, properties
from hazatlas.domain.access import Scope, can_write, write_problems
from hazatlas.domain.errors import HazatlasError, NotFoundError, ValidationError
from hazatlas.domain.establishment import Establishment
from hazatlas.services.register import RegisterService
from hazatlas.web import session
from hazatlas.web.render import page_principal, render

router = APIRouter(include_in_schema=False)

#: the form's fields, in the order shown; optional ones are ``None`` when left empty
FIELDS = ("name", "status", "operator", "nace_code", "receiving_water", "country_iso3", "lat",
          "lon", "disclosure", "source", "source_date", "notes")
OPTIONAL = frozenset({"operator", "nace_code", "receiving_water", "source_date", "notes"})
# field names of the services' problems -> the form's
_ALIASES = {"country": "country_iso3", "location": "lon", "coordinates": "lon"}


def record_values(e: Establishment) -> dict[str, Any]:
    """The whole record as ``PUT /api/establishments/{id}`` takes it."""
    body = properties(e, True, detail=True)
    for derived in ("complete", "substances"):
        body.pop(derived, None)
    body.update(lon=e.lon, lat=e.lat)
    return body


def _form_values(form: Any) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name in FIELDS:
        raw = form.get(name)
        text = raw.strip() if isinstance(raw, str) else ""
        values[name] = None if (name in OPTIONAL and not text) else text
    return values


def validate(principal: Any, current: Establishment,
             values: dict[str, Any]) -> tuple[EstablishmentIn | None, dict[str, str]]:
    """The record with the form's ``values`` as the API would take it, or the errors by field."""
    try:
        body = EstablishmentIn.model_validate({**record_values(current), **values})
    except pydantic.ValidationError as exc:
        errors: dict[str, str] = {}
        for err in exc.errors():
            field = str(err["loc"][0]) if err["loc"] else "form"
            errors.setdefault(field if field in FIELDS else "form", err["msg"])
        return None, errors
    after = body.to_domain()
    errors = {_ALIASES.get(f, f) if _ALIASES.get(f, f) in FIELDS else "form": m
              for f, m in write_problems(principal, Scope.of(current), Scope.of(after))}
    return (None, errors) if errors else (body, {})


def _load(request: Request, establishment_id: str) -> tuple[RegisterService, Establishment | None]:
    principal = page_principal(request)
    svc = RegisterService(request.app.state.db, principal)
    try:
        e, full = svc.get(establishment_id)
    except NotFoundError:
        return svc, None
    if not full or not can_write(principal, e.country_iso3, e.id):
        return svc, None
    return svc, e


def _refused(request: Request, establishment_id: str) -> Response:
    if page_principal(request).username == "anonymous":
        return RedirectResponse(f"/login?next=/sites/{establishment_id}/edit", status_code=303)
    return render(request, "site_edit.html", status_code=403, e=None, missing=establishment_id,
                  values={}, errors={})


@router.get("/sites/{establishment_id}/edit", response_class=HTMLResponse)
def edit_form(establishment_id: str, request: Request) -> Response:
    _, e = _load(request, establishment_id)
    if e is None:
        return _refused(request, establishment_id)
    return render(request, "site_edit.html", e=e, values=record_values(e), errors={})


@router.post("/sites/{establishment_id}/edit", dependencies=[Depends(session.require_csrf)])
async def edit(establishment_id: str, request: Request) -> Response:
    values = _form_values(await request.form())
    return await run_in_threadpool(_save, request, establishment_id, values)


def _save(request: Request, establishment_id: str, values: dict[str, Any]) -> Response:
    svc, e = _load(request, establishment_id)
    if e is None:
        return _refused(request, establishment_id)
    body, errors = validate(page_principal(request), e, values)
    if body is not None:
        try:
            svc.save(body.to_domain(), create=False, context="web")
        except ValidationError as exc:
            errors = {_ALIASES.get(p.field, p.field) if _ALIASES.get(p.field, p.field) in FIELDS
                      else "form": p.message for p in exc.problems}
        except HazatlasError as exc:
            errors = {"form": str(exc)}
    if errors:
        return render(request, "site_edit.html", status_code=422, e=e,
                      values={**record_values(e), **values}, errors=errors)
    return RedirectResponse(f"/sites/{establishment_id}?saved=1", status_code=303)
