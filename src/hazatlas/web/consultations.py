"""Consultations in the browser: ``/consultations`` (those the signed-in user may see),
``/consultations/{id}`` (the document, the comments the user may read and their answers), a
registered stakeholder's comment form while the consultation is open, and the authority's
answer form under each comment. Everything goes through
:mod:`hazatlas.services.dialogue.consultations`, so the access rules are those of the API and
the CLI (``docs/dialogue.md``)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from hazatlas.domain.access import ANONYMOUS
from hazatlas.domain.errors import HazatlasError, NotFoundError, ValidationError
from hazatlas.services.dialogue import consultations as service
from hazatlas.web import session
from hazatlas.web.render import page_principal, render

router = APIRouter(include_in_schema=False)


def _login(next_path: str) -> Response:
    return RedirectResponse(f"/login?next={next_path}", status_code=303)


@router.get("/consultations", response_class=HTMLResponse)
def listing(request: Request) -> Response:
    principal = page_principal(request)
    if principal == ANONYMOUS:
        return _login("/consultations")
    rows = service.list_consultations(request.app.state.db, principal)
    return render(request, "consultations.html", consultations=rows, active="consultations")


def _detail(request: Request, consultation_id: int, status_code: int = 200,
            error: str | None = None, draft: str = "") -> Response:
    principal = page_principal(request)
    try:
        c = service.get(request.app.state.db, principal, consultation_id)
    except NotFoundError:
        return render(request, "consultation.html", status_code=404, c=None,
                      active="consultations")
    return render(request, "consultation.html", status_code=status_code, c=c, error=error,
                  draft=draft, saved=request.query_params.get("saved"), active="consultations")


@router.get("/consultations/{consultation_id}", response_class=HTMLResponse)
def detail(consultation_id: int, request: Request) -> Response:
    if page_principal(request) == ANONYMOUS:
        return _login(f"/consultations/{consultation_id}")
    return _detail(request, consultation_id)


def _message(exc: HazatlasError) -> str:
    if isinstance(exc, ValidationError):
        return "; ".join(f"{p.field}: {p.message}" for p in exc.problems)
    return str(exc)


@router.post("/consultations/{consultation_id}/comments",
             dependencies=[Depends(session.require_csrf)])
async def comment(consultation_id: int, request: Request) -> Response:
    form = await request.form()
    text = str(form.get("text") or "")
    organisation = str(form.get("organisation") or "")
    private = form.get("private") == "on"
    return await run_in_threadpool(_comment, request, consultation_id, text, organisation, private)


def _comment(request: Request, consultation_id: int, text: str, organisation: str,
             private: bool) -> Response:
    principal = page_principal(request)
    if principal == ANONYMOUS:
        return _login(f"/consultations/{consultation_id}")
    try:
        service.comment(request.app.state.db, principal, consultation_id, text,
                        organisation=organisation, private=private)
    except NotFoundError:
        return _detail(request, consultation_id)
    except HazatlasError as exc:
        return _detail(request, consultation_id, 422, _message(exc), text)
    return RedirectResponse(f"/consultations/{consultation_id}?saved=comment", status_code=303)


@router.post("/consultations/{consultation_id}/comments/{comment_id}/answer",
             dependencies=[Depends(session.require_csrf)])
async def answer(consultation_id: int, comment_id: int, request: Request) -> Response:
    form = await request.form()
    return await run_in_threadpool(_answer, request, consultation_id, comment_id,
                                   str(form.get("answer") or ""))


def _answer(request: Request, consultation_id: int, comment_id: int, text: str) -> Response:
    principal = page_principal(request)
    if principal == ANONYMOUS:
        return _login(f"/consultations/{consultation_id}")
    try:
        service.answer(request.app.state.db, principal, comment_id, text)
    except NotFoundError:
        return _detail(request, consultation_id)
    except HazatlasError as exc:
        return _detail(request, consultation_id, 422, _message(exc))
    return RedirectResponse(f"/consultations/{consultation_id}?saved=answer#comment-{comment_id}",
                            status_code=303)
