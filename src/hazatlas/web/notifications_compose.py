"""Composing a report in the browser: ``/notifications/new`` (an empty report, or a communication
test with ``?type=test``) and ``/notifications/new?scenario={id}`` (drafted from a stored
scenario).

A scenario's draft is :meth:`hazatlas.services.notify.NotifyService.draft_report` (the facts read
by ``services/notify/scenario_facts.py``, the areas, the per-country text, the proposed
recipients of ``services/notify/proposal.py``), exactly as ``POST /api/notifications/drafts``
answers it. The form shows what a sender reviews (type, status, texts, the accident, its
substances, the areas, the recipients), all editable; what it does not show (the areas'
geometry, the cited scenario and establishment) travels with the form as the draft's JSON and is
checked again when the report is sent. Sending is
:meth:`~hazatlas.services.notify.NotifyService.create_report` with ``issue``, the path of ``POST
/api/notifications/reports``: the same validation (errors shown next to their field, named by
their path in the report, e.g. ``accident.occurred_at``), the same rule for the sending country,
the same outbox that the worker delivers.
"""

from __future__ import annotations

import json
import re
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from hazatlas.domain.errors import HazatlasError, ValidationError
from hazatlas.web import i18n, session
from hazatlas.web.notifications import may_use, refused, service
from hazatlas.web.render import page_principal, render

router = APIRouter(include_in_schema=False)

TEXT_FIELDS = ("description", "possible_effects", "measures_taken", "other_information")
PLACE_FIELDS = ("description", "country", "timezone", "lon", "lat")
#: the problems' field names that the form shows under another name
_ALIASES = (("accident.place.country_iso3", "accident.place.country"),
            ("quantity_kg", "quantity"))
_INDEX = re.compile(r"^recipients\[\d+\]$")


def _languages(request: Request) -> list[str]:
    """The draft's text languages: English, and the page's language when it is another."""
    lang = i18n.language_of(request)
    return ["en"] + ([lang] if lang != "en" else [])


def blank_report(request: Request, kind: str | None) -> dict[str, Any]:
    """The base of a report written from scratch; a communication test has its text."""
    lang = i18n.language_of(request)
    if kind == "test":
        text = i18n.gettext_for(lang)("Communication test: please acknowledge receipt.")
        return {"type": "test", "status": "test", "texts": [{"language": lang, "description": text}]}
    return {"type": "early_warning", "status": "actual", "texts": [{"language": lang}]}


def directory_parties(request: Request) -> list[str]:
    """Every party with a contact in the directory, but the user's own country."""
    own = page_principal(request).country_iso3
    parties = {c["party"] for a in service(request).directory() for c in a["contacts"]
               if c["active"]}
    return sorted(p for p in parties if p != own)


def _quantity(sub: dict[str, Any]) -> str:
    if sub.get("quantity"):
        return str(sub["quantity"])
    kg = sub.get("quantity_kg")
    return "" if kg is None else f"{float(kg):g} kg"


def form_view(request: Request, base: dict[str, Any], proposal: list[dict[str, Any]],
              chosen: list[str], scenario: str, errors: dict[str, str],
              other: str = "") -> dict[str, Any]:
    """What the form template needs."""
    accident = base.get("accident") or {}
    proposed = [r["party"] for r in proposal]
    return {
        "active": "notifications", "base": base, "base_json": json.dumps(base, ensure_ascii=False),
        "proposal": proposal, "proposal_json": json.dumps(proposal, ensure_ascii=False),
        "others": [p for p in directory_parties(request) if p not in proposed],
        "chosen": set(chosen), "recipients_other": other, "scenario": scenario,
        "accident": accident, "place": accident.get("place") or {},
        "substances": [{**s, "quantity": _quantity(s)} for s in accident.get("substances") or []],
        "errors": errors, "text_fields": TEXT_FIELDS, "sender": page_principal(request),
    }


@router.get("/notifications/new", response_class=HTMLResponse)
def compose_form(request: Request) -> Response:
    p = page_principal(request)
    if not may_use(p):
        return refused(request, "/notifications/new" + (f"?{request.url.query}" if request.url.query
                                                         else ""))
    scenario = (request.query_params.get("scenario") or "").strip()
    if not scenario:
        base = blank_report(request, request.query_params.get("type"))
        return render(request, "notification_new.html",
                      **form_view(request, base, [], [], "", {}))
    try:
        draft = service(request).draft_report(scenario, _languages(request))
    except ValidationError as exc:
        errors = {"scenario": "; ".join(pr.message for pr in exc.problems)}
        base = blank_report(request, None)
        return render(request, "notification_new.html", status_code=422,
                      **form_view(request, base, [], [], scenario, errors))
    except HazatlasError as exc:
        return render(request, "notification_new.html", status_code=403,
                      **form_view(request, blank_report(request, None), [], [], scenario,
                                  {"form": str(exc)}))
    proposal = [dict(r) for r in draft["proposal"]["recipients"]]
    return render(request, "notification_new.html",
                  **form_view(request, draft["report"], proposal, draft["recipients"], scenario,
                              {}))


def _text(form: Any, name: str) -> str:
    raw = form.get(name)
    return raw.strip() if isinstance(raw, str) else ""


def _json(form: Any, name: str, default: Any) -> Any:
    try:
        value = json.loads(_text(form, name) or "null")
    except ValueError:
        return default
    return value if isinstance(value, type(default)) else default


def _number(text: str) -> float | str | None:
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        return text  # the report's validation names it


def _accident(form: Any, base: dict[str, Any]) -> dict[str, Any] | None:
    old = base.get("accident") or {}
    place = dict(old.get("place") or {})
    for name in PLACE_FIELDS:
        value = _text(form, f"accident.place.{name}")
        place[name] = _number(value) if name in ("lon", "lat") else (value or None)
    subs = []
    for i, sub in enumerate(old.get("substances") or []):
        if form.get(f"accident.substances[{i}].keep"):
            subs.append(_substance(form, f"accident.substances[{i}]", sub))
    new = _substance(form, "accident.substances[new]", {})
    if new["name"] or new.get("quantity") or new.get("cas"):
        subs.append(new)
    fields = {k: _text(form, f"accident.{k}") or None
              for k in ("type", "occurred_at", "severity", "certainty")}
    if not any(fields.values()) and not any(place.get(n) for n in PLACE_FIELDS) and not subs:
        return None
    return {**old, **{k: v for k, v in fields.items() if v},
            "ongoing": bool(form.get("accident.ongoing")), "place": place, "substances": subs}


def _substance(form: Any, prefix: str, old: dict[str, Any]) -> dict[str, Any]:
    sub = {k: v for k, v in old.items() if k not in ("quantity", "quantity_kg")}
    sub["name"] = _text(form, f"{prefix}.name")
    sub["cas"] = _text(form, f"{prefix}.cas") or None
    quantity = _text(form, f"{prefix}.quantity")
    if quantity:
        sub["quantity"] = quantity
    return sub


def report_from_form(form: Any, base: dict[str, Any]) -> dict[str, Any]:
    """The report of the form: ``base`` (the draft) with every field the form shows replaced."""
    data = dict(base)
    data["type"] = _text(form, "type") or data.get("type")
    data["status"] = _text(form, "status") or data.get("status")
    texts = []
    for i, old in enumerate(base.get("texts") or [{}]):
        text = {"language": _text(form, f"texts[{i}].language") or old.get("language") or "en"}
        for name in TEXT_FIELDS:
            text[name] = _text(form, f"texts[{i}].{name}")
        texts.append(text)
    data["texts"] = texts
    accident = _accident(form, base)
    if accident is None:
        data.pop("accident", None)
    else:
        data["accident"] = accident
    areas = []
    for i, area in enumerate(base.get("areas") or []):
        if form.get(f"areas[{i}].keep"):
            areas.append({**area, "description": _text(form, f"areas[{i}].description")})
    if base.get("areas") is not None:
        data["areas"] = areas
    return data


def recipients_from_form(form: Any) -> tuple[list[str], str]:
    """The checked parties and those typed in (ISO3 codes, ``basin:NAME`` or contact ids)."""
    chosen = [v for v in form.getlist("recipients") if isinstance(v, str) and v]
    other = _text(form, "recipients_other")
    return chosen + [x for x in re.split(r"[\s,;]+", other) if x], other


def errors_of(exc: ValidationError) -> dict[str, str]:
    """The problems by form field; ``recipients[i]`` under ``recipients``."""
    errors: dict[str, str] = {}
    for pr in exc.problems:
        field = pr.field or "form"
        for old, new in _ALIASES:
            field = field.replace(old, new)
        if _INDEX.match(field):
            field = "recipients"
        errors[field] = f"{errors[field]}; {pr.message}" if field in errors else pr.message
    return errors


@router.post("/notifications/new", dependencies=[Depends(session.require_csrf)])
async def compose_send(request: Request) -> Response:
    form = await request.form()
    return await run_in_threadpool(_send, request, form)


def _send(request: Request, form: Any) -> Response:
    p = page_principal(request)
    if not may_use(p):
        return refused(request, "/notifications/new")
    base = _json(form, "base", {})
    proposal = _json(form, "proposal", [])
    scenario = _text(form, "scenario")
    data = report_from_form(form, base)
    recipients, other = recipients_from_form(form)
    try:
        view = service(request).create_report(data, recipients, issue=True, source="form")
    except ValidationError as exc:
        errors = errors_of(exc)
        return render(request, "notification_new.html", status_code=422,
                      **form_view(request, data, proposal, recipients, scenario, errors, other))
    except HazatlasError as exc:
        return render(request, "notification_new.html", status_code=403,
                      **form_view(request, data, proposal, recipients, scenario,
                                  {"form": str(exc)}, other))
    return RedirectResponse(f"/notifications/{view['id']}?done=sent", status_code=303)
