"""The routes of scenarios in the browser: ``GET /scenarios/{id}`` (a stored run's page, under the
access rule of ``GET /api/scenarios/{id}``) and ``POST /sites/{id}/scenarios/{kind}`` (a run from
the site's page, see :mod:`hazatlas.web.scenarios.forms`)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from hazatlas.domain.access import ANONYMOUS
from hazatlas.domain.errors import (
    HazatlasError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from hazatlas.services import geodata, scenarios
from hazatlas.web import i18n, session
from hazatlas.web.render import page_principal, render
from hazatlas.web.scenarios import forms, rerun, view

router = APIRouter(include_in_schema=False)


def _names(request: Request) -> dict[str, str]:
    return i18n.country_names(i18n.language_of(request),
                              geodata.country_names(request.app.state.db))


@router.get("/scenarios/{scenario_id}", response_class=HTMLResponse)
def scenario_page(scenario_id: str, request: Request) -> Response:
    principal = page_principal(request)
    try:
        stored = scenarios.get(request.app.state.db, principal, scenario_id)
    except NotFoundError:
        return render(request, "scenario_page.html", status_code=404, s=None, missing=scenario_id)
    except PermissionDeniedError:
        return render(request, "scenario_page.html", status_code=403, s=None, denied=scenario_id)
    names = _names(request)
    values = view.scenario_view(principal, stored, names,
                                i18n.number_formatter(i18n.language_of(request)),
                                request.app.state.db)
    return render(request, "scenario_page.html", names=names, **values)


@router.post("/sites/{establishment_id}/scenarios/{kind}",
             dependencies=[Depends(session.require_csrf)])
async def run_scenario(establishment_id: str, kind: str, request: Request) -> Response:
    form = await request.form()
    raw = forms.raw_values(kind, form) if kind in forms.KINDS else {}
    return await run_in_threadpool(_run, request, establishment_id, kind, raw)


def _site_again(request: Request, establishment_id: str, kind: str, raw: dict[str, str],
                errors: forms.FormErrors, status: int) -> Response:
    from hazatlas.web.site import site_view

    try:
        values = site_view(request, establishment_id)
    except NotFoundError:
        return render(request, "site.html", status_code=404, e=None, missing=establishment_id)
    return render(request, "site.html", status_code=status,
                  run_form={"kind": kind, "values": raw, "errors": errors}, **values)


def _run(request: Request, establishment_id: str, kind: str, raw: dict[str, str]) -> Response:
    principal = page_principal(request)
    if principal == ANONYMOUS:
        return RedirectResponse(f"/login?next=/sites/{establishment_id}", status_code=303)
    if kind not in forms.KINDS:
        return render(request, "site.html", status_code=404, e=None, missing=establishment_id)
    body, errors = forms.validate(kind, establishment_id, raw)
    status = 422
    if body is not None:
        try:
            run, answer = forms.run(kind, request.app.state.db, principal, body)
        except ValidationError as exc:
            errors = forms.problems_by_field(kind, exc.problems)
        except PermissionDeniedError:
            errors, status = {"form": {"type": "denied", "msg": "", "ctx": {}}}, 403
        except NotFoundError:
            return render(request, "site.html", status_code=404, e=None, missing=establishment_id)
        except HazatlasError as exc:
            errors = {"form": {"type": "model", "msg": str(exc), "ctx": {}}}
        else:
            if run is not None:
                _remember(kind, answer, run)
            return RedirectResponse(f"/scenarios/{answer['scenario_id']}", status_code=303)
    return _site_again(request, establishment_id, kind, raw, errors, status)


def _remember(kind: str, answer: dict[str, Any], run: Any) -> None:
    """Keep the curves or polygons the run computed, for the page the user is sent to."""
    if kind == "river":
        rerun.remember(answer["scenario_id"], rerun.spill_extra(run))
    elif kind == "plume":
        rerun.remember(answer["scenario_id"], rerun.plume_extra(run))
