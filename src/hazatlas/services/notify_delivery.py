"""Outbox side of notifications: the worker's configuration, new outbox rows, escalation of
unacknowledged messages (run by the worker) and verification of the audit chain."""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from sqlalchemy.orm import Session

from hazatlas.delivery.outbox import OutboxConfig
from hazatlas.delivery.retry import RetryPolicy
from hazatlas.delivery.smtp import SmtpSettings
from hazatlas.delivery.webhook import WebhookSettings
from hazatlas.domain import audit as chain
from hazatlas.domain import delivery_state as ds
from hazatlas.services.notify_directory import (
    _audit,
    _iso,
    _key,
    _now,
    allow_networks,
    webhook_secret,
)
from hazatlas.services.settings import Settings
from hazatlas.storage import notifications as store
from hazatlas.storage.db import Database
from hazatlas.storage.notification_tables import ContactRow, DeliveryRow, ReportRow


def _loopback(host: str) -> bool:
    try:
        return host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def outbox_config(
    settings: Settings,
    db: Database,
    *,
    threads: int = 4,
    batch: int = 20,
    lease_s: float = 60.0,
    poll_s: float = 0.5,
    retry: RetryPolicy | None = None,
    allow_http: bool | None = None,
) -> OutboxConfig:
    """The worker's configuration from the settings and ``HAZATLAS_SMTP_*`` variables."""
    env = os.environ
    policy = retry or RetryPolicy()
    security = env.get("HAZATLAS_SMTP_SECURITY") or (
        "none" if _loopback(settings.smtp_host) else "starttls"
    )
    domain = settings.smtp_from.rpartition("@")[2] or "hazatlas.invalid"
    smtp = SmtpSettings(
        host=settings.smtp_host,
        port=settings.smtp_port,
        from_address=settings.smtp_from,
        ack_base_url=settings.public_url.rstrip("/") + "/api/notifications/ack",
        ack_secret=_key(settings),
        message_id_domain=domain,
        security=security,
        username=env.get("HAZATLAS_SMTP_USERNAME") or None,
        password=env.get("HAZATLAS_SMTP_PASSWORD") or None,
        retry=policy,
    )
    if allow_http is None:
        allow_http = env.get("HAZATLAS_WEBHOOK_ALLOW_HTTP", "") in ("1", "true", "yes")
    return OutboxConfig(
        smtp=smtp,
        webhook=WebhookSettings(
            retry=policy, allow_http=allow_http, allow_networks=allow_networks(settings)
        ),
        secret_for=lambda ref, cid: webhook_secret(settings, ref, cid),
        threads=threads,
        batch=batch,
        lease_s=lease_s,
        poll_s=poll_s,
        max_attempts=policy.max_attempts,
        periodic=(lambda now: escalate_due(db, now),),
    )


def delivery_view(d: DeliveryRow) -> dict[str, Any]:
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
        "next_attempt_at": _iso(d.next_attempt_at),
        "ack_deadline": _iso(d.ack_deadline),
        "last_error": d.last_error,
        "issued_at": _iso(d.issued_at),
        "delivered_at": _iso(d.delivered_at),
        "acknowledged_at": _iso(d.acknowledged_at),
        "acknowledged_by": d.acknowledged_by,
        "escalated_at": _iso(d.escalated_at),
        "escalated_from": d.escalated_from,
        "idempotency_key": d.idempotency_key,
    }


def report_view(r: ReportRow, deliveries: Sequence[DeliveryRow] = ()) -> dict[str, Any]:
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
        "created_at": _iso(r.created_at),
        "issued_at": _iso(r.issued_at),
        "closed_at": _iso(r.closed_at),
        "report": r.data,
        "deliveries": [delivery_view(d) for d in deliveries],
    }


def delivery_values(
    report_pk: int,
    contacts: Sequence[ContactRow],
    message_id: str,
    escalated_from: int | None = None,
) -> list[dict[str, Any]]:
    """Column values (all but ``id``) of new draft outbox rows: one per contact channel."""
    rows = []
    for c in contacts:
        channels = [("email", c.email), ("webhook", c.webhook_url)]
        for channel, address in channels:
            if not address:
                continue
            recipient_id = f"{c.id}/{channel}"
            languages = list(c.languages or ["en"])
            rows.append(
                {
                    **_EMPTY,
                    "report_pk": report_pk,
                    "message_id": message_id,
                    "recipient_id": recipient_id,
                    "contact_id": c.id,
                    "party": c.party,
                    "channel": channel,
                    "address": address,
                    "language": languages[0],
                    "webhook_format": c.webhook_format if channel == "webhook" else None,
                    "secret_ref": c.webhook_secret_ref if channel == "webhook" else None,
                    "idempotency_key": ds.idempotency_key(message_id, recipient_id),
                    "state": ds.DeliveryState.DRAFT.value,
                    "attempts": 0,
                    "last_error": "",
                    "escalated_from": escalated_from,
                }
            )
    return rows


_EMPTY: dict[str, Any] = {c.name: None for c in DeliveryRow.__table__.columns if c.name != "id"}


def _new_deliveries(
    s: Session,
    report: ReportRow,
    contacts: Sequence[ContactRow],
    message_id: str,
    escalated_from: int | None = None,
) -> list[DeliveryRow]:
    rows = [
        DeliveryRow(**v) for v in delivery_values(report.pk, contacts, message_id, escalated_from)
    ]
    s.add_all(rows)  # flushed with their final state (one INSERT for all)
    return rows


# --- escalation (run by the worker) --------------------------------------------------------


def escalate_due(db: Database, now: dt.datetime | None = None) -> int:
    """Escalate every delivery whose acknowledgement deadline passed: the next contact of that
    country in its escalation order gets the message, and the sender is told. Returns how many
    contacts were escalated."""
    now = now or _now()
    with db.transaction() as s:
        if not store.awaiting_escalation(s, now, limit=1):
            return 0
    count = 0
    with db.transaction() as s:
        store.begin_write(s)
        groups: dict[tuple[int, str], list[DeliveryRow]] = {}
        for d in store.awaiting_escalation(s, now):
            groups.setdefault((d.report_pk, d.contact_id), []).append(d)
        events: list[dict[str, Any]] = []
        for (report_pk, contact_id), rows in groups.items():
            report = s.get(ReportRow, report_pk)
            assert report is not None
            all_rows = store.deliveries_of(s, report_pk)
            if any(x.contact_id == contact_id and x.state == "acknowledged" for x in all_rows):
                continue  # another channel of the same contact acknowledged
            for d in rows:
                before = store.to_delivery(d)
                after = ds.escalate(before, now)
                store.store_delivery(d, after)
                d.claim_token = d.claimed_until = None
                events.append(
                    ds.audit_event(before, after, ds.DeliveryEvent.ESCALATE, "escalation")
                )
            party = rows[0].party
            order = [c.id for c in store.escalation_order(s, party)]
            nxt = ds.next_contact(order, {x.contact_id for x in all_rows if x.party == party})
            minutes = round(report.ack_window_s / 60)
            if nxt is None:
                message = (
                    f"{contact_id} ({party}) did not acknowledge report {report.report_id} "
                    f"within {minutes} min; no further contact in the escalation order"
                )
            else:
                contact = store.get_contact(s, nxt)
                assert contact is not None
                new = _new_deliveries(
                    s, report, [contact], report.report_id, escalated_from=rows[0].id
                )
                deadline = now + dt.timedelta(seconds=report.ack_window_s)
                for d in new:
                    before = store.to_delivery(d)
                    after = ds.issue(before, now, ack_deadline=deadline)
                    store.store_delivery(d, replace(after, next_attempt_at=None))  # at once
                    d.issued_at = now
                    events.append(
                        ds.audit_event(before, after, ds.DeliveryEvent.ISSUE, "escalation")
                    )
                message = (
                    f"{contact_id} ({party}) did not acknowledge report {report.report_id} "
                    f"within {minutes} min; escalated to {nxt}"
                )
            store.add_notice(s, report.pk, report.sender_country_iso3, "escalated", message)
            events.append(
                _audit(
                    "report.escalated",
                    "escalation",
                    report_id=report.report_id,
                    party=party,
                    contact_id=contact_id,
                    to=nxt,
                    notice=message,
                )
            )
            count += 1
        store.append_audit(s, events)
    return count


# --- audit ---------------------------------------------------------------------------------


def verify_audit(db: Database, expected_head: str | None = None) -> dict[str, Any]:
    """Check the whole audit chain against the head row of the database, and against a head
    hash kept elsewhere earlier if given; reads one snapshot, so writers may go on.

    ``status`` is ``ok``, ``empty`` (no entries, and the head row says there never were) or
    ``broken`` (``bad_seq`` names the first bad entry, ``None`` when it is the head row)."""
    with db.transaction() as s:
        store.audit_snapshot(s)
        head_row = store.audit_head(s)
        witnesses = store.audit_witnesses(s)
        result = chain.verify_log(store.audit_entries(s), head_row, expected_head, witnesses)
    status = "broken" if not result.ok else "empty" if result.empty else "ok"
    return {
        "ok": result.ok,
        "status": status,
        "entries": result.entries,
        "head": result.head,
        "bad_seq": result.bad_seq,
        "reason": result.reason if not result.empty else "no entries (the log was never written)",
    }
