"""Reports: create, issue (closing what an end of alert ends), read, list, CAP.

Every write is one transaction that also appends its events to the audit chain; a report is
written together with its outbox rows (transactional outbox), which the worker
(:mod:`hazatlas.delivery.outbox`) delivers.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from hazatlas.domain import delivery_state as ds
from hazatlas.domain.errors import (
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    Problem,
    ValidationError,
)
from hazatlas.domain.notification import Report, ReportType
from hazatlas.domain.text import check_text
from hazatlas.formats.cap import render_cap
from hazatlas.formats.reports import ReportDefaults, report_from_dict, report_to_dict
from hazatlas.services.notify.common import (
    DEFAULT_ACK_WINDOW_S,
    PARTY,
    Context,
    audit_event,
    now,
)
from hazatlas.services.notify.results import (
    ReportSummary,
    ReportView,
    report_summary,
    report_view,
)
from hazatlas.storage import notifications as store
from hazatlas.storage.db import Session
from hazatlas.storage.notification_tables import ContactRow, DeliveryRow, ReportRow

Event = dict[str, Any]


def with_scenario_areas(ctx: Context, data: Any) -> Any:
    """The areas of the scenario a report cites, when it gives none (see
    :func:`hazatlas.services.notify.draft.with_scenario_areas`; imported when used: it brings
    in the river network)."""
    if not (isinstance(data, dict) and data.get("scenario_id") and not data.get("areas")):
        return data
    from hazatlas.services.notify import draft

    return draft.with_scenario_areas(ctx, data)


class Reports:
    """Reports as one user sees them."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def create_report(
        self,
        data: dict[str, Any],
        recipients: Iterable[str] = (),
        *,
        issue: bool = False,
        ack_window_s: int = DEFAULT_ACK_WINDOW_S,
        disclosure: str = "recipients",
        campaign_id: int | None = None,
        source: str = "report",
    ) -> ReportView:
        """Validate and store a report with one outbox row per recipient channel; issue it now
        if ``issue``. ``recipients``: ISO3 codes and ``basin:NAME`` (the first contact in the
        escalation order) or contact ids."""
        if disclosure not in ("recipients", "parties"):
            raise ValidationError(
                [Problem("request", None, "disclosure", "expected 'recipients' or 'parties'")]
            )
        if ack_window_s <= 0:
            raise ValidationError([Problem("request", None, "ack_window_s", "must be positive")])
        check_text(data, source)
        check_text(list(recipients), "request", "recipients")
        country = self.ctx.sender_country(data)
        self._check_references(data, source)
        data = with_scenario_areas(self.ctx, data)
        sender = self.ctx.sender
        at = now()
        with self.ctx.db.transaction() as s:
            store.begin_write(s)
            defaults = ReportDefaults(
                id=f"{country}-{at:%Y%m%d}-{uuid.uuid4().hex[:8]}",
                sender=sender,
                sender_name=_sender_name(s, country),
                sender_country_iso3=country,
                sent=at,
            )
            report = report_from_dict(data, source=source, defaults=defaults)
            if report.sender != sender:
                raise ValidationError(
                    [Problem(source, None, "sender", f"this instance sends as {sender!r}")]
                )
            if store.get_report(s, report.sender, report.id) is not None:
                raise ConflictError(f"report '{report.id}' already exists")
            contacts = _resolve(s, list(recipients))
            if issue and report.sent != at:  # issuing sets the time sent
                report = report_from_dict(
                    {**report_to_dict(report), "sent": at.isoformat()}, source=source
                )
            row = store.add_report(
                s,
                report_id=report.id,
                sender=report.sender,
                type=report.type.value,
                status=report.status.value,
                sender_country_iso3=country,
                state="issued" if issue else "draft",
                disclosure=disclosure,
                incoming=False,
                data=report_to_dict(report),
                ack_window_s=ack_window_s,
                campaign_id=campaign_id,
                created_by=self.ctx.actor,
                created_at=at,
                issued_at=at if issue else None,
            )
            values = store.draft_deliveries(row.pk, contacts, report.id)
            events = [
                audit_event(
                    "report.created",
                    self.ctx.actor,
                    report_id=report.id,
                    type=report.type.value,
                    status=report.status.value,
                    recipients=[d["recipient_id"] for d in values],
                )
            ]
            if issue:
                events += self._issue_new(s, row, report, values, at)
            rows = store.insert_deliveries(s, values)
            store.append_audit(s, events)
            return report_view(row, rows)

    def _check_references(self, data: Any, source: str) -> None:
        """The scenario and the establishment a report cites must exist and be readable by the
        sender; else one :class:`ValidationError` naming each field."""
        from hazatlas.services.notify.draft import read_establishment, read_scenario

        if not isinstance(data, dict):
            return
        place = (data.get("accident") or {}).get("place") if isinstance(
            data.get("accident"), dict
        ) else None
        checks: list[tuple[str, Any, Callable[..., Any]]] = [
            ("scenario_id", data.get("scenario_id"), read_scenario)
        ]
        if isinstance(place, dict):
            checks.append(
                ("accident.place.establishment_id", place.get("establishment_id"),
                 read_establishment)
            )
        problems: list[Problem] = []
        for field, value, read in checks:
            if not isinstance(value, str) or not value:
                continue  # absent, or not text: the report's own validation says so
            try:
                read(self.ctx, value, field)
            except ValidationError as exc:
                problems += [Problem(source, None, p.field, p.message) for p in exc.problems]
        if problems:
            raise ValidationError(problems)

    def _issue_new(
        self,
        s: Session,
        row: ReportRow,
        report: Report,
        values: Sequence[dict[str, Any]],
        at: dt.datetime,
    ) -> list[Event]:
        """Issue a report created in this transaction: its outbox rows (``values``, not yet
        inserted) get the issued state in place; return the audit events."""
        _need_recipients(values)
        events = [_issued_event(row, self.ctx.actor)]
        deadline = _ack_deadline(row, at)
        for v in values:
            before = ds.Delivery(v["message_id"], v["recipient_id"])
            after = ds.issue(before, at, ack_deadline=deadline)
            v.update(store.delivery_columns(after), issued_at=at)
            events.append(ds.audit_event(before, after, ds.DeliveryEvent.ISSUE, self.ctx.actor))
        if report.type == ReportType.END_OF_ALERT:
            events += self._close_referenced(s, report, at)
        return events

    def issue_report(self, report_id: str) -> ReportView:
        at = now()
        with self.ctx.db.transaction() as s:
            store.begin_write(s)
            row = self.own(s, report_id)
            if row.state != "draft":
                raise ConflictError(f"report '{report_id}' is {row.state}, not a draft")
            rows = store.deliveries_of(s, row.pk)
            store.append_audit(s, self._issue(s, row, rows, at))
            return report_view(row, rows)

    def _issue(
        self, s: Session, row: ReportRow, rows: Sequence[DeliveryRow], at: dt.datetime
    ) -> list[Event]:
        _need_recipients(rows)
        data = dict(row.data)
        data["sent"] = at.isoformat()
        report = report_from_dict(data, source=f"report {row.report_id}")
        store.mark_issued(row, report_to_dict(report), at)
        deadline = _ack_deadline(row, at)
        events = [_issued_event(row, self.ctx.actor)]
        for d in rows:
            before = store.to_delivery(d)
            after = ds.issue(before, at, ack_deadline=deadline)
            store.store_delivery(d, after, issued_at=at)
            events.append(ds.audit_event(before, after, ds.DeliveryEvent.ISSUE, self.ctx.actor))
        if report.type == ReportType.END_OF_ALERT:
            events += self._close_referenced(s, report, at)
        return events

    def _close_referenced(self, s: Session, report: Report, at: dt.datetime) -> list[Event]:
        events: list[Event] = []
        for ref in report.references:
            target = store.get_report(s, ref.sender, ref.identifier)
            if target is None or target.state == "closed":
                continue
            store.mark_closed(target, at)
            events.append(
                audit_event(
                    "report.closed", self.ctx.actor, report_id=target.report_id, by=report.id
                )
            )
            for d in store.deliveries_of(s, target.pk):
                before = store.to_delivery(d)
                if (ds.DeliveryEvent.CLOSE, before.state) in ds.TRANSITIONS:
                    after = ds.close(before, at)
                    store.store_delivery(d, after)
                    events.append(
                        ds.audit_event(before, after, ds.DeliveryEvent.CLOSE, self.ctx.actor)
                    )
        return events

    def own(self, s: Session, report_id: str) -> ReportRow:
        """A report of this instance that the user may change (its sender's side)."""
        row = store.get_report(s, self.ctx.sender, report_id)
        if row is None:
            raise NotFoundError(f"report '{report_id}' not found")
        if not self.ctx.is_sender_side(row):
            raise PermissionDeniedError(
                f"user '{self.ctx.actor}' may not change report '{report_id}' of "
                f"{row.sender_country_iso3}"
            )
        return row

    def _find(self, s: Session, report_id: str) -> tuple[ReportRow, set[str]]:
        rows = store.reports_by_id(s, report_id)
        own = [r for r in rows if r.sender == self.ctx.sender]
        rows = own or rows
        if not rows:
            raise NotFoundError(f"report '{report_id}' not found")
        row = rows[0]
        parties = store.recipient_parties(s, [row.pk]).get(row.pk, set())
        if not self.ctx.can_read(row, parties):
            raise NotFoundError(f"report '{report_id}' not found")  # do not reveal that it exists
        return row, parties

    def get_report(self, report_id: str) -> ReportView:
        self.ctx.require_authority()
        with self.ctx.db.transaction() as s:
            row, _ = self._find(s, report_id)
            rows = store.deliveries_of(s, row.pk)
            if not self.ctx.is_sender_side(row):
                rows = [d for d in rows if d.party == self.ctx.principal.country_iso3]
            return report_view(row, rows)

    def list_reports(self, limit: int = 100, offset: int = 0) -> list[ReportSummary]:
        self.ctx.require_authority()
        admin = self.ctx.principal.is_admin
        with self.ctx.db.transaction() as s:
            rows = store.list_reports(
                s, limit=limit if admin else 10_000, offset=offset if admin else 0
            )
            parties = store.recipient_parties(s, [r.pk for r in rows])
            visible = [r for r in rows if self.ctx.can_read(r, parties.get(r.pk, set()))]
            if not admin:
                visible = visible[offset : offset + limit]
            return [report_summary(r, parties.get(r.pk, set())) for r in visible]

    def report(self, report_id: str) -> Report:
        self.ctx.require_authority()
        with self.ctx.db.transaction() as s:
            row, _ = self._find(s, report_id)
            return report_from_dict(row.data, source=f"report {report_id}")

    def cap(self, report_id: str) -> bytes:
        return render_cap(self.report(report_id))


def _need_recipients(rows: Sequence[object]) -> None:
    if not rows:
        raise ValidationError(
            [
                Problem(
                    "request",
                    None,
                    "recipients",
                    "a report needs at least one recipient to be issued",
                )
            ]
        )


def _ack_deadline(row: ReportRow, at: dt.datetime) -> dt.datetime | None:
    """When escalation starts (campaign tests are not escalated)."""
    if row.campaign_id is not None:
        return None
    return at + dt.timedelta(seconds=row.ack_window_s)


def _issued_event(row: ReportRow, actor: str) -> Event:
    return audit_event("report.issued", actor, report_id=row.report_id, sent=row.data["sent"])


def _sender_name(s: Session, country: str) -> str:
    found = store.list_authorities(s, country)
    return found[0].name if found else f"Competent authority of {country}"


def _resolve(s: Session, recipients: Sequence[str]) -> list[ContactRow]:
    """Contacts for recipients: a party gives its first active contact, an id that contact."""
    everyone = store.list_contacts(s)  # ordered by party, escalation order
    by_id = {c.id: c for c in everyone}
    first: dict[str, ContactRow] = {}
    for c in everyone:
        if c.active:
            first.setdefault(c.party, c)
    out: dict[str, ContactRow] = {}
    problems = []
    for i, item in enumerate(recipients):
        contact = by_id.get(item) or (first.get(item) if PARTY.match(item) else None)
        if contact is None:
            message = f"no active contact for {item!r} in the directory"
        elif not (contact.email or contact.webhook_url):
            message = f"contact {contact.id!r} has no e-mail or webhook"
        else:
            out[contact.id] = contact
            continue
        problems.append(Problem("request", None, f"recipients[{i}]", message))
    if problems:
        raise ValidationError(problems)
    return list(out.values())
