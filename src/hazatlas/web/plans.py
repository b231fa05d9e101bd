"""The pages of joint contingency plans: the list (``/plans``, filtered by basin or area, Party
and status), a plan (``/plans/{id}``: its sections in one of its languages with their live
links, the completeness check per section, each Party's state, the review date, the versions and
a diff between two of them, ``/plans/{id}/diff``) and its downloads (``/plans/{id}/download``:
HTML, PDF or JSON). The forms (editing a section, linking, agreeing, adopting, the title and
Parties) are :mod:`hazatlas.web.plans_forms`.

Everything goes through :mod:`hazatlas.services.plans` for the user of the session
(:func:`~hazatlas.web.render.page_principal`), so the rules are the API's: the public sees a
public plan's public sections only, another country a site's public fields only, and the
completeness check, the versions and the diff are for the plan's Parties, basin bodies and
administrators (``docs/plans.md``).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from hazatlas.domain.access import Principal, Role
from hazatlas.domain.errors import HazatlasError, NotFoundError, PermissionDeniedError
from hazatlas.domain.plans.lifecycle import ADOPTED, DRAFT, STATUSES
from hazatlas.formats.plan_document import FORM_TITLES, SECTION_TITLES
from hazatlas.formats.plan_pdf import PdfUnavailableError
from hazatlas.services import geodata, plans
from hazatlas.services.plans.export import FORMATS, export_file
from hazatlas.web import i18n
from hazatlas.web.render import page_principal, render

router = APIRouter(include_in_schema=False)


def _value(request: Request, name: str) -> str | None:
    value = request.query_params.get(name, "").strip()
    return value or None


def list_view(request: Request) -> dict[str, Any]:
    """The plans the user may read, with the filters of the URL (``basin``: the area covered,
    ``party``: ISO3, ``state``: the plan's status); a value that matches no choice is named."""
    p = page_principal(request)
    rows = plans.list_plans(request.app.state.db, p)
    _ = i18n.gettext_for(i18n.language_of(request))
    basin, party, state = _value(request, "basin"), _value(request, "party"), _value(request, "state")
    party = party.upper() if party else None
    errors: dict[str, str] = {}
    if state is not None and state not in STATUSES:
        errors["state"] = _("'{value}' is not one of {allowed}", value=state,
                            allowed=", ".join(STATUSES))
        state = None
    shown = [r for r in rows if (basin is None or r["area"] == basin)
             and (party is None or party in r["parties"]) and (state is None or r["status"] == state)]
    return {"rows": shown, "total": len(rows), "basin": basin, "party": party, "state": state,
            "errors": errors, "areas": sorted({r["area"] for r in rows}),
            "parties": sorted({x for r in rows for x in r["parties"]}), "statuses": STATUSES}


@router.get("/plans", response_class=HTMLResponse)
def plan_list(request: Request) -> Response:
    return render(request, "plans.html", active="plans", form_titles=FORM_TITLES,
                  **list_view(request))


def writable_sections(p: Principal, doc: dict[str, Any]) -> set[str]:
    """The sections ``p`` may edit (``domain/plans/access.py``: the owner's authority, admins)."""
    if doc["access"] != "full":
        return set()
    return {s["key"] for s in doc["sections"]
            if p.is_admin or (p.role is Role.NATIONAL and p.country_iso3 == s["owner"])}


def party_actions(p: Principal, doc: dict[str, Any]) -> list[dict[str, Any]]:
    """What the user may do for each Party it acts for: ``agree`` (its state is draft),
    ``adopt`` (every Party has agreed and it has not adopted), ``review`` (the plan was
    adopted: ask for a review)."""
    mine = list(doc["parties"]) if p.is_admin else (
        [p.country_iso3] if p.role is Role.NATIONAL and p.country_iso3 in doc["parties"] else [])
    anyone_draft = any(s["state"] == DRAFT for s in doc["states"])
    out = []
    for s in doc["states"]:
        if s["party"] not in mine:
            continue
        out.append({"party": s["party"], "agree": s["state"] == DRAFT,
                    "adopt": not anyone_draft and s["state"] != ADOPTED,
                    "review": doc["adopted_version"] is not None})
    return out


def _language(request: Request, doc: dict[str, Any]) -> str:
    wanted = _value(request, "lang")
    if wanted in doc["languages"]:
        return str(wanted)
    ui = i18n.language_of(request)
    return ui if ui in doc["languages"] else str(doc["languages"][0])


def ordered_links(section: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """A section's links by kind; points of contact in escalation order (withheld ones last)."""
    out: dict[str, list[dict[str, Any]]] = {"establishment": [], "scenario": [], "contact": [],
                                            "report_type": []}
    for lk in section["links"]:
        out[lk["kind"]].append(lk)
    out["contact"].sort(key=lambda c: (c.get("escalation_order") is None,
                                       c.get("escalation_order") or 0, c["target"]))
    return out


def plan_view(request: Request, plan_id: str) -> dict[str, Any]:
    """Everything the plan page shows, as the session's user may see it."""
    p = page_principal(request)
    db = request.app.state.db
    doc = plans.get(db, p, plan_id)
    full = doc["access"] == "full"
    check = plans.check(db, p, plan_id) if full else None
    revisions = plans.revisions(db, p, plan_id) if full else []
    return {
        "plan": doc, "full": full, "lang": _language(request, doc),
        "check": {s["section"]: s for s in check["sections"]} if check else {},
        "complete": check["complete"] if check else None,
        "revisions": revisions, "versions": sorted({r["version"] for r in revisions}),
        "writable": writable_sections(p, doc), "actions": party_actions(p, doc),
        "links": {s["key"]: ordered_links(s) for s in doc["sections"]},
        "may_edit_plan": p.is_admin or (p.role is Role.NATIONAL and p.country_iso3 in doc["parties"]),
        "section_titles": SECTION_TITLES, "form_titles": FORM_TITLES,
        "names": i18n.country_names(i18n.language_of(request), geodata.country_names(db)),
    }


def not_found(request: Request, plan_id: str) -> HTMLResponse:
    return render(request, "plan_page.html", status_code=404, active="plans", plan=None,
                  missing=plan_id)


@router.get("/plans/{plan_id}", response_class=HTMLResponse)
def plan_page(plan_id: str, request: Request) -> Response:
    try:
        view = plan_view(request, plan_id)
    except NotFoundError:
        return not_found(request, plan_id)
    done = request.query_params.get("done")
    return render(request, "plan_page.html", active="plans", done=done, error=None, **view)


def _version(request: Request, name: str) -> int | None:
    raw = _value(request, name)
    return int(raw) if raw is not None and raw.isdigit() and 0 < int(raw) < 10**6 else None


@router.get("/plans/{plan_id}/diff", response_class=HTMLResponse)
def plan_diff(plan_id: str, request: Request) -> Response:
    """What changed between two versions (``from``, ``to``; default: the last two)."""
    p = page_principal(request)
    db = request.app.state.db
    try:
        doc = plans.get(db, p, plan_id)
    except NotFoundError:
        return not_found(request, plan_id)
    old, new = _version(request, "from"), _version(request, "to")
    new = new or doc["version"]
    old = old or max(1, new - 1)
    try:
        d = plans.diff(db, p, plan_id, old, new)
    except (NotFoundError, PermissionDeniedError) as exc:
        code = 403 if isinstance(exc, PermissionDeniedError) else 404
        return render(request, "plan_diff.html", status_code=code, active="plans", plan=doc,
                      diff=None, error=str(exc), old=old, new=new,
                      section_titles=SECTION_TITLES)
    return render(request, "plan_diff.html", active="plans", plan=doc, diff=d, error=None,
                  old=old, new=new, section_titles=SECTION_TITLES)


@router.get("/plans/{plan_id}/download")
def download(plan_id: str, request: Request) -> Response:
    """The export of ``format`` (html, pdf, json) in ``lang``, as the user may see the plan."""
    fmt = _value(request, "format") or "html"
    lang = _value(request, "lang")
    if fmt not in FORMATS:
        return Response(f"format {fmt!r} is not one of {', '.join(FORMATS)}", status_code=422,
                        media_type="text/plain; charset=utf-8")
    try:
        done = export_file(request.app.state.db, page_principal(request), plan_id, fmt, lang,
                           chromium=request.app.state.settings.chromium)
    except NotFoundError:
        return not_found(request, plan_id)
    except PdfUnavailableError as exc:
        return Response(str(exc), status_code=503, media_type="text/plain; charset=utf-8")
    except HazatlasError as exc:
        return Response(str(exc), status_code=422, media_type="text/plain; charset=utf-8")
    disposition = "inline" if fmt == "html" else "attachment"
    return Response(done.content, media_type=done.media_type, headers={
        "Content-Disposition": f'{disposition}; filename="{done.filename}"',
        "Cache-Control": "no-store"})
