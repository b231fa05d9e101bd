"""What the notification use cases return: typed dictionaries, which are the JSON of the HTTP
API and of ``hazatlas notify ... --json`` as they are (the keys, and their order, are a
contract with other tools), and the views that build them from stored rows."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NotRequired, TypedDict

from hazatlas.services.notify.common import iso
from hazatlas.storage.notification_tables import AuthorityRow, ContactRow, DeliveryRow, ReportRow


class ContactView(TypedDict):
    id: str
    authority_id: str
    party: str
    name: str
    role: str
    email: str | None
    webhook_url: str | None
    webhook_format: str
    webhook_secret_ref: str | None
    languages: list[str]
    available_24_7: bool
    escalation_order: int
    active: bool


class AuthorityView(TypedDict):
    id: str
    country: str | None
    basin: str | None
    name: str
    kind: str
    contacts: list[ContactView]


class DeliveryView(TypedDict):
    id: int
    recipient_id: str
    contact_id: str
    party: str
    channel: str
    address: str
    language: str
    state: str
    attempts: int
    next_attempt_at: str | None
    ack_deadline: str | None
    last_error: str
    issued_at: str | None
    delivered_at: str | None
    acknowledged_at: str | None
    acknowledged_by: str | None
    escalated_at: str | None
    escalated_from: int | None
    idempotency_key: str


class DeadLetterView(DeliveryView):
    report_id: str


class ReportSummary(TypedDict):
    """A report as listed: its stored columns and the parties it was sent to."""

    id: str
    sender: str
    type: str
    status: str
    state: str
    sender_country: str
    disclosure: str
    incoming: bool
    campaign_id: int | None
    ack_window_s: int
    created_by: str
    created_at: str | None
    issued_at: str | None
    closed_at: str | None
    deliveries: list[DeliveryView]
    recipients: list[str]


class ReportView(TypedDict):
    """A report with its canonical JSON (``report``) and its deliveries."""

    id: str
    sender: str
    type: str
    status: str
    state: str
    sender_country: str
    disclosure: str
    incoming: bool
    campaign_id: int | None
    ack_window_s: int
    created_by: str
    created_at: str | None
    issued_at: str | None
    closed_at: str | None
    report: dict[str, Any]
    deliveries: list[DeliveryView]


class Acknowledgement(TypedDict):
    """An acknowledgement: the recipients acknowledged now, or (``already``) the contact and
    the time of an earlier one."""

    report_id: str
    contact_id: NotRequired[str]
    acknowledged: NotRequired[list[str]]
    already: bool
    acknowledged_at: str | None


class Reachability(TypedDict):
    contact_id: str
    party: str
    name: str
    role: str
    available_24_7: bool
    active: bool
    last_acknowledged_at: str | None


class NoticeView(TypedDict):
    id: int
    report_id: str | None
    country: str
    kind: str
    message: str
    created_at: str | None


class CampaignStarted(TypedDict):
    campaign_id: int
    name: str
    report_id: str
    contacts: int


class CampaignContact(TypedDict):
    contact_id: str
    party: str
    acknowledged_at: str | None
    within: bool
    states: list[str]


class CampaignResult(TypedDict):
    campaign_id: int
    name: str
    window_s: int
    started_at: str | None
    contacts: list[CampaignContact]
    acknowledged_within: int
    total: int


class ProposedRecipient(TypedDict):
    party: str
    reasons: list[str]
    contact_id: str | None
    in_directory: bool


class Proposal(TypedDict):
    origin: str | None
    basin: str | None
    recipients: list[ProposedRecipient]
    prefill: dict[str, Any]
    screening: dict[str, Any]


class Draft(TypedDict):
    """A report drafted from a scenario (not stored): the ``REPORT.json`` document, the
    proposed recipients that have a contact in the directory, and the whole proposal."""

    scenario_id: str
    kind: str
    establishment_id: str | None
    report: dict[str, Any]
    recipients: list[str]
    proposal: Proposal
    sender_country: str | None
    sender_country_basis: str


class AuditCheck(TypedDict):
    """The outcome of ``hazatlas audit verify`` (see :func:`.audit.verify_audit`)."""

    ok: bool
    status: str
    entries: int
    head: str
    bad_seq: int | None
    reason: str


# --- views of stored rows ------------------------------------------------------------------


def contact_view(c: ContactRow) -> ContactView:
    return {
        "id": c.id,
        "authority_id": c.authority_id,
        "party": c.party,
        "name": c.name,
        "role": c.role,
        "email": c.email,
        "webhook_url": c.webhook_url,
        "webhook_format": c.webhook_format,
        "webhook_secret_ref": c.webhook_secret_ref,
        "languages": list(c.languages or []),
        "available_24_7": c.available_24_7,
        "escalation_order": c.escalation_order,
        "active": c.active,
    }


def authority_view(a: AuthorityRow, contacts: Sequence[ContactRow] = ()) -> AuthorityView:
    return {
        "id": a.id,
        "country": a.country_iso3,
        "basin": a.basin,
        "name": a.name,
        "kind": a.kind,
        "contacts": [contact_view(c) for c in contacts],
    }


def delivery_view(d: DeliveryRow) -> DeliveryView:
    return {
        "id": d.id,
        "recipient_id": d.recipient_id,
        "contact_id": d.contact_id,
        "party": d.party,
        "channel": d.channel,
        "address": d.address,
        "language": d.language,
        "state": d.state,
        "attempts": d.attempts,
        "next_attempt_at": iso(d.next_attempt_at),
        "ack_deadline": iso(d.ack_deadline),
        "last_error": d.last_error,
        "issued_at": iso(d.issued_at),
        "delivered_at": iso(d.delivered_at),
        "acknowledged_at": iso(d.acknowledged_at),
        "acknowledged_by": d.acknowledged_by,
        "escalated_at": iso(d.escalated_at),
        "escalated_from": d.escalated_from,
        "idempotency_key": d.idempotency_key,
    }


def report_view(r: ReportRow, deliveries: Sequence[DeliveryRow] = ()) -> ReportView:
    return {
        "id": r.report_id,
        "sender": r.sender,
        "type": r.type,
        "status": r.status,
        "state": r.state,
        "sender_country": r.sender_country_iso3,
        "disclosure": r.disclosure,
        "incoming": r.incoming,
        "campaign_id": r.campaign_id,
        "ack_window_s": r.ack_window_s,
        "created_by": r.created_by,
        "created_at": iso(r.created_at),
        "issued_at": iso(r.issued_at),
        "closed_at": iso(r.closed_at),
        "report": r.data,
        "deliveries": [delivery_view(d) for d in deliveries],
    }


def report_summary(r: ReportRow, recipients: set[str]) -> ReportSummary:
    """A listed report: its view without the report itself, with the recipient parties."""
    return {
        "id": r.report_id,
        "sender": r.sender,
        "type": r.type,
        "status": r.status,
        "state": r.state,
        "sender_country": r.sender_country_iso3,
        "disclosure": r.disclosure,
        "incoming": r.incoming,
        "campaign_id": r.campaign_id,
        "ack_window_s": r.ack_window_s,
        "created_by": r.created_by,
        "created_at": iso(r.created_at),
        "issued_at": iso(r.issued_at),
        "closed_at": iso(r.closed_at),
        "deliveries": [],
        "recipients": sorted(recipients),
    }
