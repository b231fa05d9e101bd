"""The pages of table-top exercises: the list (``/exercises``), an exercise
(``/exercises/{id}``: objectives with their critical tasks and ratings, the master events list
on the scenario clock with the message each released inject sent, the journal, the measured
times, the improvement plan and the downloads) and its downloads (``/exercises/{id}/report``:
the after-action report as HTML; ``/exercises/{id}/journal.xlsx``).

The forms (``docs/exercises.md``): a controller starts the clock, releases the injects that are
due, logs a note or an action and ends the exercise; an evaluator rates an objective or a
critical task (P/S/M/U, quick or detailed). Every form carries the session's CSRF token
(:func:`hazatlas.web.session.require_csrf`) and calls the same use cases as the API
(:mod:`hazatlas.services.exercises`) for the session's user, so the access rules are the API's:
a user who may not read the exercise gets 404, a refusal (403 not your role, 409 an illegal
state change, 422 bad input) is shown on the page with the service's message.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from hazatlas.domain.access import Principal
from hazatlas.domain.errors import (
    ConflictError,
    HazatlasError,
    NotFoundError,
    PermissionDeniedError,
    Problem,
    ValidationError,
)
from hazatlas.domain.exercises.play import clock_text
from hazatlas.services import exercises
from hazatlas.web import session
from hazatlas.web.render import page_principal, render

router = APIRouter(include_in_schema=False)
LOG_KINDS = ("note", "action", "hotwash")
RATINGS = ("P", "S", "M", "U")
PHASES = ("quick", "detailed")


@router.get("/exercises", response_class=HTMLResponse)
def exercise_list(request: Request) -> Response:
    rows = exercises.list_exercises(request.app.state.db, page_principal(request))
    return render(request, "exercises.html", active="exercises", rows=rows)


def roles_of(p: Principal, staff: list[list[str]]) -> set[str]:
    """The staff roles of ``p`` in the exercise (an administrator acts as every role)."""
    if p.is_admin:
        return {"controller", "evaluator", "observer"}
    return {role for user, role in staff if user == p.username}


def exercise_view(request: Request, exercise_id: str) -> dict[str, Any]:
    """Everything the exercise page shows, from the after-action report of the services."""
    p = page_principal(request)
    r = exercises.report(request.app.state.db, p, request.app.state.settings, exercise_id)
    ex = r["exercise"]
    objectives = {o["id"]: o["text"] for o in r["objectives"]}
    targets = [(o["id"], f'{o["id"]}: {o["text"]}') for o in r["objectives"]]
    targets += [(f'{o["id"]}/{t["id"]}', f'{o["id"]}/{t["id"]}: {t["text"]}')
                for o in r["objectives"] for t in o["tasks"]]
    return {"ex": ex, "r": r, "roles": roles_of(p, ex["staff"]), "objective_text": objectives,
            "targets": targets, "clock": clock_text, "log_kinds": LOG_KINDS,
            "ratings": RATINGS, "phases": PHASES,
            "signed_in": p.username != "anonymous"}


def not_found(request: Request, exercise_id: str) -> HTMLResponse:
    return render(request, "exercise_page.html", status_code=404, active="exercises", ex=None,
                  missing=exercise_id)


@router.get("/exercises/{exercise_id}", response_class=HTMLResponse)
def exercise_page(exercise_id: str, request: Request) -> Response:
    try:
        view = exercise_view(request, exercise_id)
    except NotFoundError:
        return not_found(request, exercise_id)
    return render(request, "exercise_page.html", active="exercises",
                  done=request.query_params.get("done"), error=None, **view)


@router.get("/exercises/{exercise_id}/report")
def report_html(exercise_id: str, request: Request) -> Response:
    """The after-action report as a self-contained HTML document (as the API's ``?format=html``)."""
    try:
        text = exercises.report_text(request.app.state.db, page_principal(request),
                                     request.app.state.settings, exercise_id, "html")
    except NotFoundError:
        return not_found(request, exercise_id)
    return Response(text, media_type="text/html; charset=utf-8",
                    headers={"Cache-Control": "no-store"})


@router.get("/exercises/{exercise_id}/journal.xlsx")
def journal_xlsx(exercise_id: str, request: Request) -> Response:
    try:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "journal.xlsx"
            exercises.journal_xlsx(request.app.state.db, page_principal(request), exercise_id,
                                   path)
            data = path.read_bytes()
    except NotFoundError:
        return not_found(request, exercise_id)
    return Response(data, media_type="application/vnd.openxmlformats-officedocument."
                    "spreadsheetml.sheet", headers={
                        "Content-Disposition": f'attachment; filename="{exercise_id}-journal.xlsx"',
                        "Cache-Control": "no-store"})


def _status(exc: HazatlasError) -> int:
    if isinstance(exc, PermissionDeniedError):
        return 403
    return 409 if isinstance(exc, ConflictError) else 422


def _message(exc: HazatlasError) -> str:
    if isinstance(exc, ValidationError):
        return "; ".join(f"{p.field}: {p.message}" for p in exc.problems)
    return str(exc)


async def _form(request: Request) -> dict[str, str]:
    form = await request.form()
    return {k: v for k, v in form.items() if isinstance(v, str)}


def _act(request: Request, exercise_id: str, done: str, call: Callable[[], Any]) -> Response:
    if page_principal(request).username == "anonymous":
        return RedirectResponse(f"/login?next=/exercises/{exercise_id}", status_code=303)
    try:
        call()
    except NotFoundError:
        return not_found(request, exercise_id)
    except HazatlasError as exc:
        try:
            view = exercise_view(request, exercise_id)
        except NotFoundError:
            return not_found(request, exercise_id)
        return render(request, "exercise_page.html", status_code=_status(exc),
                      active="exercises", done=None, error=_message(exc), **view)
    return RedirectResponse(f"/exercises/{exercise_id}?done={done}", status_code=303)


@router.post("/exercises/{exercise_id}/start", dependencies=[Depends(session.require_csrf)])
async def start(exercise_id: str, request: Request) -> Response:
    return await run_in_threadpool(_act, request, exercise_id, "start", lambda: exercises.start(
        request.app.state.db, page_principal(request), request.app.state.settings, exercise_id))


@router.post("/exercises/{exercise_id}/release", dependencies=[Depends(session.require_csrf)])
async def release(exercise_id: str, request: Request) -> Response:
    """Release the inject named by ``inject_id``, or every inject that is due."""
    inject = (await _form(request)).get("inject_id", "").strip()[:100] or None
    return await run_in_threadpool(_act, request, exercise_id, "release", lambda: exercises.release(
        request.app.state.db, page_principal(request), request.app.state.settings, exercise_id,
        inject))


@router.post("/exercises/{exercise_id}/journal", dependencies=[Depends(session.require_csrf)])
async def log(exercise_id: str, request: Request) -> Response:
    form = await _form(request)
    kind, text = form.get("kind", "note"), form.get("text", "").replace("\r\n", "\n")[:20_000]
    return await run_in_threadpool(_act, request, exercise_id, "log", lambda: exercises.log(
        request.app.state.db, page_principal(request), request.app.state.settings, exercise_id,
        kind=kind, text=text))


@router.post("/exercises/{exercise_id}/end", dependencies=[Depends(session.require_csrf)])
async def end(exercise_id: str, request: Request) -> Response:
    return await run_in_threadpool(_act, request, exercise_id, "end", lambda: exercises.end(
        request.app.state.db, page_principal(request), exercise_id))


@router.post("/exercises/{exercise_id}/ratings", dependencies=[Depends(session.require_csrf)])
async def rate(exercise_id: str, request: Request) -> Response:
    """Rate an objective or a task (``target``) P, S, M or U in a ``phase`` with a ``note``
    and ``evidence`` (journal entry numbers separated by spaces or commas)."""
    form = await _form(request)
    target, rating = form.get("target", "")[:201], form.get("rating", "")[:2]
    phase, note = form.get("phase", "detailed")[:20], form.get("note", "")[:20_000]
    evidence = form.get("evidence", "")[:2000]

    def call() -> Any:
        return exercises.rate(request.app.state.db, page_principal(request), exercise_id,
                              target=target, rating=rating, phase=phase, note=note,
                              evidence=entry_numbers(evidence))
    return await run_in_threadpool(_act, request, exercise_id, "rate", call)


def entry_numbers(text: str) -> list[int]:
    """Journal entry numbers from ``text`` (``3, 7 12``); anything else is named."""
    tokens = [t for t in re.split(r"[\s,;]+", text) if t]
    bad = [t for t in tokens if not t.isdigit() or len(t) > 9]
    if bad:
        raise ValidationError([Problem("request", None, "evidence", f"{bad[0]!r}: expected "
                                       "journal entry numbers (#) separated by spaces")])
    return [int(t) for t in tokens][:200]
