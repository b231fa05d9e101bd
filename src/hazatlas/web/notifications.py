"""The notification pages: the inbox of the user's country (``/notifications``), a report with the
delivery and acknowledgement status of each recipient (``/notifications/{id}``, kept current by
``static/notify.js`` polling ``/notifications/{id}/status``), and the acknowledge button
(``POST /notifications/{id}/ack``). Composing is :mod:`hazatlas.web.notifications_compose`.

Every read and write goes through :class:`hazatlas.services.notify.NotifyService` for the user of
the session, as the API's ``/api/notifications/...`` routes do, so the access rules are the
services' (:class:`hazatlas.services.notify.common.Context`): a country reads the reports it
sent and those sent to it (only its own deliveries of the latter), and acknowledges for itself;
anyone else gets 404, whether the report exists or not. The acknowledgement is the API's
(:meth:`~hazatlas.services.notify.NotifyService.acknowledge`), behind the form's CSRF token.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from hazatlas.domain.access import Principal, Role
from hazatlas.domain.errors import (
    ConflictError,
    HazatlasError,
    NotFoundError,
    PermissionDeniedError,
)
from hazatlas.services.notify import NotifyService
from hazatlas.web import session
from hazatlas.web.render import page_principal, render

router = APIRouter(include_in_schema=False)

#: the inbox lists at most this many reports (newest first)
INBOX_LIMIT = 100
#: seconds between two status requests of the report page (and of the meta refresh without JS)
POLL_S = 5
#: delivery states in which the recipient has not acknowledged yet but may
ACKNOWLEDGEABLE = frozenset({"sent", "delivered", "failed", "dead_letter", "escalated"})


def may_use(p: Principal) -> bool:
    """The accounts that read reports: authorities and the administrator (the services' rule,
    :meth:`~hazatlas.services.notify.common.Context.require_authority`)."""
    return p.role in (Role.ADMINISTRATOR, Role.NATIONAL, Role.BASIN)


def service(request: Request) -> NotifyService:
    app = request.app
    return NotifyService(app.state.db, page_principal(request), app.state.settings)


def refused(request: Request, path: str) -> Response:
    """Sign in first (a visitor), or a page saying the account may not (others)."""
    if page_principal(request).username == "anonymous":
        return RedirectResponse(f"/login?next={path}", status_code=303)
    return render(request, "inbox.html", status_code=403, active="notifications", refused=True,
                  sent=[], received=[])


def _own_states(svc: NotifyService, report_id: str) -> list[str]:
    try:
        return sorted({d["state"] for d in svc.get_report(report_id)["deliveries"]})
    except NotFoundError:
        return []


def inbox_view(request: Request) -> dict[str, Any]:
    """The reports the user may read, split into those its country sent and those it received;
    a received report carries the states of the country's own deliveries."""
    p = page_principal(request)
    svc = service(request)
    sent: list[dict[str, Any]] = []
    received: list[dict[str, Any]] = []
    for r in svc.list_reports(limit=INBOX_LIMIT):
        if p.is_admin or r["sender_country"] == p.country_iso3:
            sent.append(dict(r))
        else:
            received.append({**r, "own_states": _own_states(svc, r["id"])})
    return {"sent": sent, "received": received}


@router.get("/notifications", response_class=HTMLResponse)
def inbox(request: Request) -> Response:
    if not may_use(page_principal(request)):
        return refused(request, "/notifications")
    return render(request, "inbox.html", active="notifications", refused=False,
                  demo_mail=hasattr(request.app.state, "demo_mail"), **inbox_view(request))


def status_of(view: dict[str, Any], p: Principal, notices: list[dict[str, Any]]) -> dict[str, Any]:
    """What the report page shows that changes: the report's state, each delivery, the
    escalation notices, and whether the user may acknowledge now."""
    deliveries = [{k: d[k] for k in ("id", "recipient_id", "contact_id", "party", "channel",
                                     "address", "state", "attempts", "delivered_at",
                                     "acknowledged_at", "acknowledged_by", "escalated_at",
                                     "escalated_from", "last_error")}
                  for d in view["deliveries"]]
    own = [d for d in deliveries if p.role is Role.NATIONAL and d["party"] == p.country_iso3]
    return {
        "id": view["id"], "state": view["state"], "deliveries": deliveries,
        "notices": [{"kind": n["kind"], "message": n["message"], "created_at": n["created_at"]}
                    for n in notices if n["report_id"] == view["id"]],
        "may_acknowledge": view["state"] != "closed" and any(
            d["state"] in ACKNOWLEDGEABLE and not d["acknowledged_at"] for d in own),
        "acknowledged": any(d["acknowledged_at"] for d in own),
    }


def report_status(request: Request, report_id: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The report as the user may read it, and its :func:`status_of`."""
    p = page_principal(request)
    svc = service(request)
    view = svc.get_report(report_id)
    is_sender = p.is_admin or (p.role is Role.NATIONAL and view["sender_country"] == p.country_iso3)
    notices: list[dict[str, Any]] = [dict(n) for n in svc.notices()] if is_sender else []
    return dict(view), status_of(dict(view), p, notices)


@router.get("/notifications/{report_id}", response_class=HTMLResponse)
def report_page(report_id: str, request: Request) -> Response:
    if not may_use(page_principal(request)):
        return refused(request, f"/notifications/{report_id}")
    try:
        view, status = report_status(request, report_id)
    except NotFoundError:
        return render(request, "notification_report.html", status_code=404,
                      active="notifications", view=None, missing=report_id)
    flash = request.query_params.get("done")
    return render(request, "notification_report.html", active="notifications", view=view,
                  status=status, poll_s=POLL_S, flash=flash if flash in ("sent", "ack") else None,
                  error=None)


@router.get("/notifications/{report_id}/status")
def report_status_json(report_id: str, request: Request) -> Response:
    """The changing part of the report page, for ``notify.js``; 404 like the page."""
    if not may_use(page_principal(request)):
        return JSONResponse({"detail": "sign in as an authority"}, status_code=403)
    try:
        _, status = report_status(request, report_id)
    except NotFoundError as exc:
        return JSONResponse({"detail": str(exc)}, status_code=404)
    return JSONResponse(status, headers={"Cache-Control": "no-store"})


@router.post("/notifications/{report_id}/ack", dependencies=[Depends(session.require_csrf)])
async def acknowledge(report_id: str, request: Request) -> Response:
    return await run_in_threadpool(_acknowledge, request, report_id)


def _acknowledge(request: Request, report_id: str) -> Response:
    if not may_use(page_principal(request)):
        return refused(request, f"/notifications/{report_id}")
    try:
        service(request).acknowledge(report_id)
    except NotFoundError:
        return render(request, "notification_report.html", status_code=404,
                      active="notifications", view=None, missing=report_id)
    except (ConflictError, PermissionDeniedError) as exc:
        code = 409 if isinstance(exc, ConflictError) else 403
        return _with_error(request, report_id, str(exc), code)
    except HazatlasError as exc:
        return _with_error(request, report_id, str(exc), 422)
    return RedirectResponse(f"/notifications/{report_id}?done=ack", status_code=303)


def _with_error(request: Request, report_id: str, message: str, code: int) -> Response:
    view, status = report_status(request, report_id)
    return render(request, "notification_report.html", status_code=code, active="notifications",
                  view=view, status=status, poll_s=POLL_S, flash=None, error=message)
