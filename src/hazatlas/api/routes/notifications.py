"""``/api/notifications``: directory of contacts, reports (create, issue, read, CAP), signed-link
and API acknowledgement, dead letters, notices, reachability, test campaigns; and
``POST /api/cap/incoming`` for CAP alerts from another hazatlas instance.

Every handler calls :class:`hazatlas.services.notify.NotifyService`; errors come back as
problem details through the app's handlers.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, ConfigDict, Field, model_validator
from starlette.concurrency import run_in_threadpool

from hazatlas.api.deps import get_db, get_principal, get_settings
from hazatlas.api.errors import INT32_MAX, problem
from hazatlas.delivery.signing import SIGNATURE_HEADER, SignatureError
from hazatlas.domain.access import ANONYMOUS, Principal
from hazatlas.domain.errors import Problem, ValidationError
from hazatlas.domain.text import bad_text_at
from hazatlas.services.notify import NotifyService
from hazatlas.services.settings import Settings
from hazatlas.services.store import Database

P = "/api/notifications"
CAP_TYPE = "application/cap+xml"
#: Largest id, offset or count the databases take (32-bit integer columns).
MAX_INT = INT32_MAX


def _plain_text_params(request: Request) -> None:
    """Path and query parameters without NUL characters or lone surrogates (422, not 500)."""
    pairs = [("path", k, v) for k, v in request.path_params.items()]
    pairs += [("query", k, v) for k, v in request.query_params.multi_items()]
    for kind, name, value in pairs:
        if isinstance(value, str) and bad_text_at(value) is not None:
            message = f"{kind} parameter contains a NUL character or an invalid code point"
            shown = name.encode("utf-8", "backslashreplace").decode("utf-8")
            raise ValidationError([Problem("parameter", None, shown, message)])


router = APIRouter(tags=["notifications"], dependencies=[Depends(_plain_text_params)])


class _In(BaseModel):
    """Request bodies: unknown fields refused; no NUL or lone surrogate in any text."""

    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _plain_text(cls, data: Any) -> Any:
        found = bad_text_at(data)
        if found is not None:
            raise ValueError(
                f"{found or 'body'}: text contains a NUL character or an invalid code point"
            )
        return data


Db = Annotated[Database, Depends(get_db)]
User = Annotated[Principal, Depends(get_principal)]
Conf = Annotated[Settings, Depends(get_settings)]


def _svc(db: Database, user: Principal, settings: Settings) -> NotifyService:
    return NotifyService(db, user, settings)


def _one(result: Mapping[str, Any]) -> dict[str, Any]:
    """A service's typed result as the JSON object the route declares (same keys, same order)."""
    return dict(result)


def _all(results: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    return [dict(r) for r in results]


class AuthorityIn(_In):
    id: str
    name: str
    country: str | None = Field(default=None, description="ISO3 of a national authority")
    basin: str | None = Field(default=None, description="basin of a basin body, e.g. Danube")
    kind: str = "competent_authority"


class ContactIn(_In):
    id: str
    authority_id: str
    name: str
    role: str = "ian_poc"
    email: str | None = None
    webhook_url: str | None = None
    webhook_format: Literal["json", "cap"] = "json"
    webhook_secret_ref: str | None = Field(
        default=None,
        description="empty or 'derived' (a secret derived for the contact), or 'env:NAME' "
        "(administrators only; NAME starts with HAZATLAS_WEBHOOK_SECRET_ENV_PREFIX); the secret "
        "itself is never stored",
    )
    languages: list[str] = ["en"]
    available_24_7: bool = False
    escalation_order: int = Field(default=1, ge=1, le=MAX_INT)
    active: bool = True


class ReportIn(_In):
    report: dict[str, Any] = Field(description="the REPORT.json form (docs/notifications.md)")
    recipients: list[str] = Field(default=[], description="ISO3 codes, 'basin:NAME' or contact ids")
    issue: bool = False
    ack_window_s: int = Field(default=3600, gt=0, le=MAX_INT)
    disclosure: Literal["recipients", "parties"] = "recipients"


class AckIn(_In):
    contact_id: str | None = None


class ProposalIn(_In):
    establishment_id: str | None = None
    lon: float | None = Field(default=None, ge=-180, le=180)
    lat: float | None = Field(default=None, ge=-90, le=90)
    scenarios: list[dict[str, Any]] = Field(
        default=[],
        description="scenario results as the API returns them (river, plume, runout, "
        "tailings failure; or a stored run with its 'result')",
    )


class DraftIn(_In):
    scenario_id: str = Field(min_length=1, max_length=100)
    languages: list[str] = Field(default=["en"], min_length=1, max_length=10)
    type: Literal["early_warning", "information"] = "early_warning"
    status: Literal["actual", "exercise", "test"] = "actual"
    occurred_at: datetime | None = Field(
        default=None, description="time of the accident (default: the scenario's start)"
    )
    timezone: str | None = Field(default=None, max_length=64, description="IANA time zone")


class CampaignIn(_In):
    name: str = Field(min_length=1)
    window_s: int = Field(default=3600, gt=0, le=MAX_INT)
    parties: list[str] = []
    sender_country: str | None = None
    languages: list[str] = []


# --- directory -----------------------------------------------------------------------------


@router.get(f"{P}/directory", summary="Authorities and their points of contact")
def directory(
    db: Db,
    user: User,
    conf: Conf,
    party: Annotated[str | None, Query(description="ISO3 or basin:NAME")] = None,
) -> list[dict[str, Any]]:
    return _all(_svc(db, user, conf).directory(party))


@router.put(f"{P}/authorities/{{authority_id:path}}", summary="Create or replace an authority")
def put_authority(
    authority_id: str, body: AuthorityIn, db: Db, user: User, conf: Conf
) -> dict[str, Any]:
    _same(authority_id, body.id)
    return _one(_svc(db, user, conf).save_authority(body.model_dump()))


@router.delete(f"{P}/authorities/{{authority_id:path}}", status_code=204)
def delete_authority(authority_id: str, db: Db, user: User, conf: Conf) -> Response:
    _svc(db, user, conf).delete_authority(authority_id)
    return Response(status_code=204)


@router.get(f"{P}/contacts", summary="Points of contact")
def contacts(db: Db, user: User, conf: Conf, party: str | None = None) -> list[dict[str, Any]]:
    return _all(c for a in _svc(db, user, conf).directory(party) for c in a["contacts"])


@router.get(
    f"{P}/contacts/{{contact_id:path}}/secret",
    summary="The webhook secret of a contact (derived), for the receiving side",
)
def contact_secret(contact_id: str, db: Db, user: User, conf: Conf) -> dict[str, str]:
    return {"contact_id": contact_id, "secret": _svc(db, user, conf).contact_secret(contact_id)}


@router.put(f"{P}/contacts/{{contact_id:path}}", summary="Create or replace a point of contact")
def put_contact(contact_id: str, body: ContactIn, db: Db, user: User, conf: Conf) -> dict[str, Any]:
    _same(contact_id, body.id)
    return _one(_svc(db, user, conf).save_contact(body.model_dump()))


@router.delete(f"{P}/contacts/{{contact_id:path}}", status_code=204)
def delete_contact(contact_id: str, db: Db, user: User, conf: Conf) -> Response:
    _svc(db, user, conf).delete_contact(contact_id)
    return Response(status_code=204)


def _same(path_id: str, body_id: str) -> None:
    if path_id != body_id:
        raise ValidationError(
            [Problem("request", None, "id", f"id {body_id!r} differs from the URL ({path_id!r})")]
        )


@router.get(f"{P}/reachability", summary="When each contact last acknowledged a message")
def reachability(db: Db, user: User, conf: Conf) -> list[dict[str, Any]]:
    return _all(_svc(db, user, conf).reachability())


# --- reports -------------------------------------------------------------------------------


@router.post(f"{P}/proposals", summary="Propose recipients from an establishment and scenarios")
def propose(body: ProposalIn, db: Db, user: User, conf: Conf) -> dict[str, Any]:
    proposal = _svc(db, user, conf).propose(
        body.establishment_id, body.lon, body.lat, body.scenarios
    )
    return _one(proposal)


@router.post(f"{P}/drafts", summary="Draft a report from a stored scenario (not stored)")
def draft_report(body: DraftIn, db: Db, user: User, conf: Conf) -> dict[str, Any]:
    """The REPORT.json document drafted from the scenario, the proposed recipients and the
    proposal; send it with ``POST /api/notifications/reports``."""
    draft = _svc(db, user, conf).draft_report(
        body.scenario_id,
        body.languages,
        report_type=body.type,
        status=body.status,
        occurred_at=body.occurred_at,
        timezone=body.timezone,
    )
    return _one(draft)


@router.post(f"{P}/reports", status_code=201, summary="Create (and optionally issue) a report")
def create_report(
    body: ReportIn, db: Db, user: User, conf: Conf, response: Response
) -> dict[str, Any]:
    view = _svc(db, user, conf).create_report(
        body.report,
        body.recipients,
        issue=body.issue,
        ack_window_s=body.ack_window_s,
        disclosure=body.disclosure,
        source="request",
    )
    response.headers["Location"] = f"{P}/reports/{view['id']}"
    return _one(view)


@router.get(f"{P}/reports", summary="Reports the user may read")
def list_reports(
    db: Db,
    user: User,
    conf: Conf,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=MAX_INT)] = 0,
) -> list[dict[str, Any]]:
    return _all(_svc(db, user, conf).list_reports(limit, offset))


@router.get(f"{P}/reports/{{report_id}}", summary="A report with its deliveries")
def get_report(report_id: str, db: Db, user: User, conf: Conf) -> dict[str, Any]:
    return _one(_svc(db, user, conf).get_report(report_id))


@router.post(f"{P}/reports/{{report_id}}/issue", summary="Issue a draft report")
def issue_report(report_id: str, db: Db, user: User, conf: Conf) -> dict[str, Any]:
    return _one(_svc(db, user, conf).issue_report(report_id))


@router.get(
    f"{P}/reports/{{report_id}}/cap",
    summary="The report as a CAP 1.2 alert",
    response_class=Response,
    responses={200: {"content": {CAP_TYPE: {}}}},
)
def report_cap(report_id: str, db: Db, user: User, conf: Conf) -> Response:
    return Response(_svc(db, user, conf).cap(report_id), media_type=CAP_TYPE)


@router.post(f"{P}/reports/{{report_id}}/ack", summary="Acknowledge receipt (API)")
def acknowledge(
    report_id: str, db: Db, user: User, conf: Conf, body: AckIn | None = None
) -> dict[str, Any]:
    return _one(_svc(db, user, conf).acknowledge(report_id, body.contact_id if body else None))


@router.get(
    f"{P}/ack",
    summary="Acknowledge receipt by the signed link of an e-mail",
    response_class=HTMLResponse,
)
def acknowledge_link(db: Db, conf: Conf, m: str, r: str, exp: str, sig: str) -> Response:
    try:
        result = NotifyService(db, ANONYMOUS, conf).acknowledge_link(m, r, exp, sig)
    except SignatureError as exc:
        return problem(403, "Invalid acknowledgement link", str(exc))
    when = html.escape(str(result.get("acknowledged_at")))
    text = "was already acknowledged" if result.get("already") else "is acknowledged"
    body = (
        f"<!doctype html><meta charset=utf-8><title>Acknowledged</title>"
        f"<p>Receipt of report <b>{html.escape(m)}</b> {text} ({when}). Thank you.</p>"
    )
    return HTMLResponse(body)


@router.get(f"{P}/dead-letters", summary="Deliveries that failed for good")
def dead_letters(db: Db, user: User, conf: Conf) -> list[dict[str, Any]]:
    return _all(_svc(db, user, conf).dead_letters())


@router.post(f"{P}/deliveries/{{delivery_id}}/requeue", summary="Send a dead letter again")
def requeue(
    delivery_id: Annotated[int, Path(ge=1, le=MAX_INT)], db: Db, user: User, conf: Conf
) -> dict[str, Any]:
    return _one(_svc(db, user, conf).requeue(delivery_id))


@router.get(f"{P}/notices", summary="Notices to the sending country (escalations)")
def notices(db: Db, user: User, conf: Conf) -> list[dict[str, Any]]:
    return _all(_svc(db, user, conf).notices())


# --- campaigns -----------------------------------------------------------------------------


@router.post(f"{P}/campaigns", status_code=201, summary="Start a communication test")
def start_campaign(body: CampaignIn, db: Db, user: User, conf: Conf) -> dict[str, Any]:
    started = _svc(db, user, conf).start_campaign(
        body.name, body.window_s, body.parties, body.sender_country, body.languages
    )
    return _one(started)


@router.get(f"{P}/campaigns/{{campaign_id}}", summary="Who acknowledged a test within its time")
def campaign(
    campaign_id: Annotated[int, Path(ge=1, le=MAX_INT)], db: Db, user: User, conf: Conf
) -> dict[str, Any]:
    return _one(_svc(db, user, conf).campaign_result(campaign_id))


# --- incoming ------------------------------------------------------------------------------


@router.post(
    "/api/cap/incoming",
    summary="Receive a CAP 1.2 alert from another hazatlas instance",
    status_code=201,
    openapi_extra={"requestBody": {"content": {CAP_TYPE: {}}}},
)
async def incoming(request: Request, response: Response, db: Db, conf: Conf) -> dict[str, Any]:
    body = await request.body()
    svc = NotifyService(db, ANONYMOUS, conf)
    try:
        view, new = await run_in_threadpool(
            svc.receive_cap, body, request.headers.get(SIGNATURE_HEADER)
        )
    except SignatureError as exc:
        return problem(401, "Signature not valid", str(exc))  # type: ignore[return-value]
    if not new:
        response.status_code = 200
    return {"id": view["id"], "sender": view["sender"], "type": view["type"], "stored": new}
