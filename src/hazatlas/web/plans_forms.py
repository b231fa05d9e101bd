"""The forms of the plan pages: a Party's user edits the sections its country owns
(``/plans/{id}/sections/{key}/edit``: text per language, covered elements, visibility) and links
sites, stored scenarios, points of contact and report types to them (``/plans/{id}/links``);
agrees, adopts or asks for a review for its Party (``/plans/{id}/agree``, ``…/adopt``,
``…/review-requests``; an administrator names the Party); changes the title and the Parties
(``/plans/{id}/edit``). Every form carries the session's CSRF token
(:func:`hazatlas.web.session.require_csrf`) and calls the same use cases as the API
(:mod:`hazatlas.services.plans`), so the same rules, versions and change log apply; a refusal is
shown on the page with the services' message (403 not yours, 409 an illegal transition, 422 bad
input), never as a raw error.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from hazatlas.domain.errors import (
    ConflictError,
    HazatlasError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from hazatlas.domain.plans.model import SECTION_KEYS
from hazatlas.formats.plan_document import SECTION_TITLES
from hazatlas.services import plans
from hazatlas.web import session
from hazatlas.web.plans import not_found, plan_view, writable_sections
from hazatlas.web.render import page_principal, render

router = APIRouter(include_in_schema=False)
LINK_KINDS = ("establishment", "scenario", "contact", "report_type")
MAX_TEXT = 200_000


def _status(exc: HazatlasError) -> int:
    if isinstance(exc, PermissionDeniedError):
        return 403
    if isinstance(exc, ConflictError):
        return 409
    return 422


def _message(exc: HazatlasError) -> str:
    if isinstance(exc, ValidationError):
        return "; ".join(f"{p.field}: {p.message}" for p in exc.problems)
    return str(exc)


def _signed_in(request: Request, path: str) -> Response | None:
    if page_principal(request).username == "anonymous":
        return RedirectResponse(f"/login?next={path}", status_code=303)
    return None


def _with_error(request: Request, plan_id: str, exc: HazatlasError) -> Response:
    try:
        view = plan_view(request, plan_id)
    except NotFoundError:
        return not_found(request, plan_id)
    return render(request, "plan_page.html", status_code=_status(exc), active="plans", done=None,
                  error=_message(exc), **view)


async def _form(request: Request) -> dict[str, str]:
    form = await request.form()
    return {k: v for k, v in form.items() if isinstance(v, str)}


def _act(request: Request, plan_id: str, done: str,
         call: Callable[[], Any]) -> Response:
    if (refused := _signed_in(request, f"/plans/{plan_id}")) is not None:
        return refused
    try:
        call()
    except NotFoundError:
        return not_found(request, plan_id)
    except HazatlasError as exc:
        return _with_error(request, plan_id, exc)
    return RedirectResponse(f"/plans/{plan_id}?done={done}", status_code=303)


@router.post("/plans/{plan_id}/agree", dependencies=[Depends(session.require_csrf)])
async def agree(plan_id: str, request: Request) -> Response:
    party = (await _form(request)).get("party") or None
    return await run_in_threadpool(_act, request, plan_id, "agree", lambda: plans.agree(
        request.app.state.db, page_principal(request), plan_id, party))


@router.post("/plans/{plan_id}/adopt", dependencies=[Depends(session.require_csrf)])
async def adopt(plan_id: str, request: Request) -> Response:
    party = (await _form(request)).get("party") or None
    return await run_in_threadpool(_act, request, plan_id, "adopt", lambda: plans.adopt(
        request.app.state.db, page_principal(request), plan_id, party))


@router.post("/plans/{plan_id}/review-requests", dependencies=[Depends(session.require_csrf)])
async def review_request(plan_id: str, request: Request) -> Response:
    form = await _form(request)
    reason, party = form.get("reason", "")[:2000], form.get("party") or None
    return await run_in_threadpool(_act, request, plan_id, "review", lambda: plans.request_review(
        request.app.state.db, page_principal(request), plan_id, reason, party))


@router.post("/plans/{plan_id}/edit", dependencies=[Depends(session.require_csrf)])
async def edit_plan(plan_id: str, request: Request) -> Response:
    """The title and the Parties (``parties``: ISO3 codes separated by spaces or commas)."""
    form = await _form(request)
    title = form.get("title", "")[:1000]
    parties = [x for x in re.split(r"[\s,;]+", form.get("parties", "").upper()[:400]) if x]

    def call() -> Any:
        current = plans.get(request.app.state.db, page_principal(request), plan_id)
        return plans.edit_plan(
            request.app.state.db, page_principal(request), plan_id,
            title=title if title.strip() != current["title"] else None,
            parties=parties if parties != current["parties"] else None)
    return await run_in_threadpool(_act, request, plan_id, "edit", call)


@router.post("/plans/{plan_id}/links", dependencies=[Depends(session.require_csrf)])
async def add_link(plan_id: str, request: Request) -> Response:
    form = await _form(request)
    key, kind = form.get("section", ""), form.get("kind", "")
    target, note = form.get("target", "").strip()[:100], form.get("note", "").strip()[:1000]
    return await run_in_threadpool(_link, request, plan_id, key, kind, target, note)


def _link(request: Request, plan_id: str, key: str, kind: str, target: str, note: str) -> Response:
    if (refused := _signed_in(request, f"/plans/{plan_id}")) is not None:
        return refused
    try:
        plans.link(request.app.state.db, page_principal(request), plan_id, key, kind, target, note)
    except NotFoundError as exc:
        if "plan '" in str(exc) and kind not in str(exc):
            return not_found(request, plan_id)
        return _section_form(request, plan_id, key, {}, {"link": str(exc)}, status_code=404)
    except HazatlasError as exc:
        return _section_form(request, plan_id, key, {}, {"link": _message(exc)},
                             status_code=_status(exc))
    return RedirectResponse(f"/plans/{plan_id}/sections/{key}/edit?done=link", status_code=303)


def _section_form(request: Request, plan_id: str, key: str, values: dict[str, Any],
                  errors: dict[str, str], status_code: int = 200) -> Response:
    p = page_principal(request)
    try:
        doc = plans.get(request.app.state.db, p, plan_id)
    except NotFoundError:
        return not_found(request, plan_id)
    section = next((s for s in doc["sections"] if s["key"] == key), None)
    if section is None or key not in writable_sections(p, doc):
        return render(request, "plan_section_edit.html", status_code=403 if section else 404,
                      active="plans", plan=doc, section=None, key=key, values={}, errors={},
                      section_titles=SECTION_TITLES, link_kinds=LINK_KINDS, done=None)
    shown = {"text": dict(section["text"]), "covers": " ".join(section["covers"]),
             "public": section["public"]}
    shown.update(values)
    return render(request, "plan_section_edit.html", status_code=status_code, active="plans",
                  plan=doc, section=section, key=key, values=shown, errors=errors,
                  section_titles=SECTION_TITLES, link_kinds=LINK_KINDS,
                  done=request.query_params.get("done"))


@router.get("/plans/{plan_id}/sections/{key}/edit")
def section_form(plan_id: str, key: str, request: Request) -> Response:
    if (refused := _signed_in(request, f"/plans/{plan_id}/sections/{key}/edit")) is not None:
        return refused
    return _section_form(request, plan_id, key, {}, {})


@router.post("/plans/{plan_id}/sections/{key}/edit", dependencies=[Depends(session.require_csrf)])
async def save_section(plan_id: str, key: str, request: Request) -> Response:
    form = await _form(request)
    return await run_in_threadpool(_save_section, request, plan_id, key, form)


def _save_section(request: Request, plan_id: str, key: str, form: dict[str, str]) -> Response:
    if (refused := _signed_in(request, f"/plans/{plan_id}/sections/{key}/edit")) is not None:
        return refused
    if key not in SECTION_KEYS:
        return _section_form(request, plan_id, key, {}, {})
    text = {name[5:]: value.replace("\r\n", "\n")[:MAX_TEXT] for name, value in form.items()
            if name.startswith("text-")}
    covers = [c for c in re.split(r"[\s,;]+", form.get("covers", "")[:2000].upper()) if c]
    values = {"text": text, "covers": form.get("covers", ""), "public": form.get("public") == "on"}
    try:
        plans.edit_section(request.app.state.db, page_principal(request), plan_id, key,
                           text=text, covers=covers, public=form.get("public") == "on")
    except NotFoundError:
        return not_found(request, plan_id)
    except HazatlasError as exc:
        return _section_form(request, plan_id, key, values, {"form": _message(exc)},
                             status_code=_status(exc))
    return RedirectResponse(f"/plans/{plan_id}?done=section#section-{key}", status_code=303)
