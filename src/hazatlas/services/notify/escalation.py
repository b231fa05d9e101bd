"""Escalation of messages not acknowledged in time (run by the worker, or by
``hazatlas notify escalate``), and the notices that tell the sending country."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from hazatlas.domain import delivery_state as ds
from hazatlas.services.notify.common import Context, audit_event, iso, now
from hazatlas.services.notify.results import NoticeView
from hazatlas.storage import notifications as store
from hazatlas.storage.db import Database, Session
from hazatlas.storage.notification_tables import DeliveryRow, ReportRow

ACTOR = "escalation"


def escalate_due(db: Database, at: dt.datetime | None = None) -> int:
    """Escalate every delivery whose acknowledgement deadline passed: the next contact of that
    country in its escalation order gets the message, and the sender is told. Returns how many
    contacts were escalated."""
    at = at or now()
    with db.transaction() as s:
        if not store.awaiting_escalation(s, at, limit=1):
            return 0
    count = 0
    with db.transaction() as s:
        store.begin_write(s)
        groups: dict[tuple[int, str], list[DeliveryRow]] = {}
        for d in store.awaiting_escalation(s, at):
            groups.setdefault((d.report_pk, d.contact_id), []).append(d)
        events: list[dict[str, Any]] = []
        for (report_pk, contact_id), rows in groups.items():
            report = store.report_by_pk(s, report_pk)
            assert report is not None
            all_rows = store.deliveries_of(s, report_pk)
            if any(x.contact_id == contact_id and x.state == "acknowledged" for x in all_rows):
                continue  # another channel of the same contact acknowledged
            events += _escalate(s, report, rows, all_rows, at)
            count += 1
        store.append_audit(s, events)
    return count


def _escalate(
    s: Session,
    report: ReportRow,
    rows: Sequence[DeliveryRow],
    all_rows: Sequence[DeliveryRow],
    at: dt.datetime,
) -> list[dict[str, Any]]:
    """Escalate one contact's deliveries ``rows`` of ``report`` to the next contact of its
    party (``all_rows``: every delivery of the report); return the audit events."""
    events = []
    for d in rows:
        before = store.to_delivery(d)
        after = ds.escalate(before, at)
        store.store_delivery(d, after, claim_token=None, claimed_until=None)
        events.append(ds.audit_event(before, after, ds.DeliveryEvent.ESCALATE, ACTOR))
    contact_id, party = rows[0].contact_id, rows[0].party
    order = [c.id for c in store.escalation_order(s, party)]
    nxt = ds.next_contact(order, {x.contact_id for x in all_rows if x.party == party})
    minutes = round(report.ack_window_s / 60)
    message = (
        f"{contact_id} ({party}) did not acknowledge report {report.report_id} "
        f"within {minutes} min; "
    )
    if nxt is None:
        message += "no further contact in the escalation order"
    else:
        events += _send_to(s, report, nxt, rows[0].id, at)
        message += f"escalated to {nxt}"
    store.add_notice(s, report.pk, report.sender_country_iso3, "escalated", message)
    events.append(
        audit_event(
            "report.escalated",
            ACTOR,
            report_id=report.report_id,
            party=party,
            contact_id=contact_id,
            to=nxt,
            notice=message,
        )
    )
    return events


def _send_to(
    s: Session, report: ReportRow, contact_id: str, escalated_from: int, at: dt.datetime
) -> list[dict[str, Any]]:
    """New outbox rows of ``report`` to the contact, issued to be sent at once."""
    contact = store.get_contact(s, contact_id)
    assert contact is not None
    values = store.draft_deliveries(
        report.pk, [contact], report.report_id, escalated_from=escalated_from
    )
    deadline = at + dt.timedelta(seconds=report.ack_window_s)
    events = []
    for d in store.add_deliveries(s, values):  # flushed with their final state
        before = store.to_delivery(d)
        after = ds.issue(before, at, ack_deadline=deadline)
        store.store_delivery(d, replace(after, next_attempt_at=None), issued_at=at)  # at once
        events.append(ds.audit_event(before, after, ds.DeliveryEvent.ISSUE, ACTOR))
    return events


class Notices:
    """Notices to the sending country (escalations), as one user sees them."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def notices(self) -> list[NoticeView]:
        self.ctx.require_authority()
        p = self.ctx.principal
        country = None if p.is_admin else (p.country_iso3 or "---")
        with self.ctx.db.transaction() as s:
            out: list[NoticeView] = []
            for n in store.notices(s, country):
                r = store.report_by_pk(s, n.report_pk)
                out.append(
                    {
                        "id": n.id,
                        "report_id": r.report_id if r else None,
                        "country": n.country_iso3,
                        "kind": n.kind,
                        "message": n.message,
                        "created_at": iso(n.created_at),
                    }
                )
            return out
