"""The damage events of a site on its page (``/sites/{id}``, section "Damage events") and the
form that records one (``POST /sites/{id}/damage``) for users who may write the site, and the
list of sites with unassessed damage (``/damage``); the same service and access rules as
``/api/establishments/{id}/damage-events`` and ``/api/damage-events`` (docs/natech.md)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from hazatlas.domain.access import Principal
from hazatlas.domain.damage import HAZARD_TYPES, Cause, Extent, Reliability
from hazatlas.domain.errors import HazatlasError, NotFoundError, ValidationError
from hazatlas.services.damage import DamageService, unit_labels
from hazatlas.web import session
from hazatlas.web.render import page_principal, render

router = APIRouter(include_in_schema=False)
FIELDS = ("occurred_on", "cause", "hazard_type", "extent", "source", "source_url",
          "reliability", "notes")


def damage_view(db: Any, principal: Principal, e: Any, full: bool) -> dict[str, Any]:
    """What the page's damage section needs: the events, and the form's choices."""
    return {
        "damage_events": DamageService(db, principal).for_site(e.id),
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


@router.get("/damage", response_class=HTMLResponse)
def damage_list(request: Request) -> Response:
    """Damage events the session's user may see; ``?all=1``: also the assessed ones (default:
    the sites with unassessed damage), as ``GET /api/damage-events``."""
    from hazatlas.services import geodata
    from hazatlas.web import i18n

    every = request.query_params.get("all") == "1"
    db = request.app.state.db
    events = DamageService(db, page_principal(request)).visible_events(unassessed=not every)
    return render(request, "damage_events.html", events=events, every=every,
                  sites=len({ev["establishment_id"] for ev in events}),
                  names=i18n.country_names(i18n.language_of(request), geodata.country_names(db)))
