"""The damage events of a site on its page (``/sites/{id}``, section "Damage events") and the
form that records one (``POST /sites/{id}/damage``) for users who may write the site, the list
of sites with unassessed damage (``/damage``), and on both the form that assesses an event
(``POST /damage/{event_id}/assessment``) for its country's national authority or an
administrator; the same service and access rules as ``/api/establishments/{id}/damage-events``,
``/api/damage-events`` and ``/api/damage-events/{id}/assessment`` (docs/natech.md). The site
page shows how the events it counts raise the site's release assumptions and where the site
stands in its country's ranking."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from hazatlas.domain.access import Principal
from hazatlas.domain.damage import HAZARD_TYPES, Cause, Extent, Reliability
from hazatlas.domain.errors import (
    HazatlasError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from hazatlas.services import ranking
from hazatlas.services.damage import DamageService, may_assess, unit_labels
from hazatlas.web import session
from hazatlas.web.render import page_principal, render

router = APIRouter(include_in_schema=False)
FIELDS = ("occurred_on", "cause", "hazard_type", "extent", "source", "source_url",
          "reliability", "notes")


ASSESS_FIELDS = ("extent", "note")


def _with_assess(principal: Principal, events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{**d, "may_assess": may_assess(principal, d["country"])} for d in events]


def damage_view(db: Any, principal: Principal, e: Any, full: bool) -> dict[str, Any]:
    """What the page's damage section needs: the events (each with ``may_assess``), their
    effect on the release assumptions and the rank, and the forms' choices."""
    svc = DamageService(db, principal)
    effect = svc.effect(e.id)
    return {
        "damage_events": _with_assess(principal, svc.for_site(e.id)),
        "damage_effect": effect,
        "damage_rank": (ranking.rank_in_country(db, principal, e.id, e.country_iso3)
                        if effect is not None else None),
        "damage_choices": {"cause": [c.value for c in Cause], "extent": [x.value for x in Extent],
                           "reliability": [r.value for r in Reliability],
                           "hazard_type": list(HAZARD_TYPES),
                           "units": list(unit_labels(e)) if full else []},
    }


@router.post("/sites/{establishment_id}/damage", dependencies=[Depends(session.require_csrf)])
async def add_damage(establishment_id: str, request: Request) -> Response:
    form = await request.form()
    fields: dict[str, Any] = {k: (str(form.get(k) or "").strip() or None) for k in FIELDS}
    fields["affected_units"] = [str(u) for u in form.getlist("affected_units")]
    fields["confidential"] = form.get("public") != "1"
    return await run_in_threadpool(_add, request, establishment_id, fields)


def _add(request: Request, establishment_id: str, fields: dict[str, Any]) -> Response:
    from hazatlas.web.site import site_page_with

    principal = page_principal(request)
    try:
        DamageService(request.app.state.db, principal).add(establishment_id, fields,
                                                             context="web")
    except NotFoundError:
        raise
    except ValidationError as exc:
        return site_page_with(request, establishment_id, status_code=422,
                              damage_errors=[str(p) for p in exc.problems], damage_values=fields)
    except HazatlasError as exc:
        return site_page_with(request, establishment_id, status_code=403,
                              damage_errors=[str(exc)], damage_values=fields)
    return RedirectResponse(f"/sites/{establishment_id}?damage=1#h-damage", status_code=303)


@router.post("/damage/{event_id}/assessment", dependencies=[Depends(session.require_csrf)])
async def assess_damage(event_id: int, request: Request) -> Response:
    """Assess an event (``extent``: the assessed extent, empty keeps the current one;
    ``note``); then the site's page, which shows the assessment and its effect. On a refusal,
    the page the form was on (``back``: ``list`` for ``/damage``, else the site's page) again,
    with the problems by field and the values kept."""
    form = await request.form()
    values = {k: (str(form.get(k) or "").strip() or None) for k in ASSESS_FIELDS}
    back = "list" if form.get("back") == "list" else "site"
    every = form.get("all") == "1"
    return await run_in_threadpool(_assess, request, event_id, values, back, every)


def _assess(request: Request, event_id: int, values: dict[str, Any], back: str,
            every: bool) -> Response:
    from hazatlas.web.site import site_page_with

    svc = DamageService(request.app.state.db, page_principal(request))
    event = svc.event(event_id)  # NotFoundError (404) for an event the user may not see
    errors: dict[str, str] = {}
    status = 422
    try:
        svc.assess(event_id, extent=values["extent"], note=values["note"], context="web")
    except ValidationError as exc:
        for p in exc.problems:
            errors.setdefault(p.field if p.field in ASSESS_FIELDS else "form", p.message)
    except PermissionDeniedError as exc:
        errors, status = {"form": str(exc)}, 403
    else:
        return RedirectResponse(f"/sites/{event['establishment_id']}?assessed={event_id}"
                                "#h-damage", status_code=303)
    form = {"event_id": event_id, "values": values, "errors": errors}
    if back == "list":
        return _list_page(request, every, status_code=status, assess_form=form)
    return site_page_with(request, event["establishment_id"], status_code=status,
                          assess_form=form)


@router.get("/damage", response_class=HTMLResponse)
def damage_list(request: Request) -> Response:
    """Damage events the session's user may see; ``?all=1``: also the assessed ones (default:
    the sites with unassessed damage), as ``GET /api/damage-events``."""
    return _list_page(request, request.query_params.get("all") == "1")


def _list_page(request: Request, every: bool, status_code: int = 200,
               **extra: Any) -> Response:
    from hazatlas.services import geodata
    from hazatlas.web import i18n

    db = request.app.state.db
    principal = page_principal(request)
    events = _with_assess(principal,
                          DamageService(db, principal).visible_events(unassessed=not every))
    return render(request, "damage_events.html", status_code=status_code, events=events,
                  every=every, sites=len({ev["establishment_id"] for ev in events}),
                  extents=[x.value for x in Extent],
                  names=i18n.country_names(i18n.language_of(request), geodata.country_names(db)),
                  **extra)
