"""Notification use cases: directory, reports, acknowledgement, escalation, campaigns, audit.

Access control goes through :mod:`hazatlas.domain.access`: a national authority keeps its own
country's directory entries and sends reports as its country; an administrator does all.
A report is read by the administrator, its sender's country and the countries it was sent to
(and by every Party's authority and basin body when its disclosure is ``parties``).

Every write is one transaction that also appends its events to the audit chain; a report is
written together with its outbox rows (transactional outbox), which the worker
(:mod:`hazatlas.delivery.outbox`) delivers.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy.orm import Session

from hazatlas.delivery.signing import SignatureError, verify_ack, verify_webhook_signature
from hazatlas.domain import delivery_state as ds
from hazatlas.domain.access import Role
from hazatlas.domain.errors import (
    ConflictError,
    HazatlasError,
    NotFoundError,
    PermissionDeniedError,
    Problem,
    ValidationError,
)
from hazatlas.domain.notification import Report, ReportType
from hazatlas.domain.text import check_text
from hazatlas.formats.cap import parse_cap, render_cap
from hazatlas.formats.reports import ReportDefaults, report_from_dict, report_to_dict
from hazatlas.services.notify_delivery import (
    delivery_values,
    delivery_view,
    escalate_due,
    outbox_config,
    report_view,
    verify_audit,
)
from hazatlas.services.notify_directory import (
    _PARTY,
    DEFAULT_ACK_WINDOW_S,
    DirectoryService,
    _audit,
    _iso,
    _key,
    _now,
    webhook_secret,
)
from hazatlas.services.settings import Settings
from hazatlas.storage import notifications as store
from hazatlas.storage.notification_tables import CampaignRow, ContactRow, DeliveryRow, ReportRow

__all__ = [
    "DEFAULT_ACK_WINDOW_S",
    "NotifyService",
    "escalate_due",
    "outbox_config",
    "verify_audit",
    "webhook_secret",
]


class NotifyService(DirectoryService):
    """Notifications as one user sees them: the directory (:class:`DirectoryService`),
    reports, acknowledgement, dead letters, notices, campaigns and incoming alerts."""

    @property
    def sender(self) -> str:
        return self.settings.smtp_from

    def _can_read(self, r: ReportRow, parties: set[str]) -> bool:
        p = self.principal
        if p.is_admin:
            return True
        if p.role is Role.NATIONAL and p.country_iso3 in ({r.sender_country_iso3} | parties):
            return True
        if p.role is Role.BASIN and any(x.startswith("basin:") for x in parties):
            return True
        return r.disclosure == "parties" and (
            p.role is Role.BASIN or (p.role is Role.NATIONAL and p.party)
        )

    def _own_delivery(self, d: DeliveryRow) -> bool:
        """Whether the delivery went to the user's own country (or basin body)."""
        p = self.principal
        if p.role is Role.NATIONAL:
            return d.party == p.country_iso3
        return p.role is Role.BASIN and d.party.startswith("basin:")

    def _is_sender_side(self, r: ReportRow) -> bool:
        return self.principal.is_admin or (
            self.principal.role is Role.NATIONAL
            and self.principal.country_iso3 == r.sender_country_iso3
        )

    # -- reports --------------------------------------------------------------------------
    def _sender_country(self, data: dict[str, Any]) -> str:
        given = data.get("sender_country")
        if self.principal.role is Role.NATIONAL:
            if given and given != self.principal.country_iso3:
                raise PermissionDeniedError(
                    f"user '{self.principal.username}' sends for {self.principal.country_iso3}, "
                    f"not for {given}"
                )
            return str(self.principal.country_iso3)
        if not self.principal.is_admin:
            raise PermissionDeniedError(
                f"user '{self.principal.username}' ({self.principal.role}) may not send reports"
            )
        if not given:
            raise ValidationError(
                [
                    Problem(
                        "report",
                        None,
                        "sender_country",
                        "missing; an administrator must name the sending country",
                    )
                ]
            )
        return str(given)

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
    ) -> dict[str, Any]:
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
        country = self._sender_country(data)
        now = _now()
        with self.db.transaction() as s:
            store.begin_write(s)
            defaults = ReportDefaults(
                id=f"{country}-{now:%Y%m%d}-{uuid.uuid4().hex[:8]}",
                sender=self.sender,
                sender_name=_sender_name(s, country),
                sender_country_iso3=country,
                sent=now,
            )
            report = report_from_dict(data, source=source, defaults=defaults)
            if report.sender != self.sender:
                raise ValidationError(
                    [Problem(source, None, "sender", f"this instance sends as {self.sender!r}")]
                )
            if store.get_report(s, report.sender, report.id) is not None:
                raise ConflictError(f"report '{report.id}' already exists")
            contacts = _resolve(s, list(recipients))
            data = report_to_dict(report)
            if issue and report.sent != now:  # issuing sets the time sent
                report = report_from_dict({**data, "sent": now.isoformat()}, source=source)
                data = report_to_dict(report)
            row = ReportRow(
                report_id=report.id,
                sender=report.sender,
                type=report.type.value,
                status=report.status.value,
                sender_country_iso3=country,
                state="issued" if issue else "draft",
                disclosure=disclosure,
                incoming=False,
                data=data,
                ack_window_s=ack_window_s,
                campaign_id=campaign_id,
                created_by=self.principal.username,
                created_at=now,
                issued_at=now if issue else None,
            )
            s.add(row)
            s.flush()
            values = delivery_values(row.pk, contacts, report.id)
            events = [
                _audit(
                    "report.created",
                    self.principal.username,
                    report_id=report.id,
                    type=report.type.value,
                    status=report.status.value,
                    recipients=[d["recipient_id"] for d in values],
                )
            ]
            if issue:
                events += self._issue_new(s, row, report, values, now)
            rows = store.insert_deliveries(s, values)
            store.append_audit(s, events)
            return report_view(row, rows)

    def _issue_new(
        self,
        s: Session,
        row: ReportRow,
        report: Report,
        values: Sequence[dict[str, Any]],
        now: dt.datetime,
    ) -> list[dict[str, Any]]:
        """Issue a report created in this transaction: its outbox rows (``values``, not yet
        inserted) get the issued state in place; return the audit events."""
        _need_recipients(values)
        events = [_issued_event(row, self.principal.username)]
        deadline = _ack_deadline(row, now)
        actor = self.principal.username
        for v in values:
            before = ds.Delivery(v["message_id"], v["recipient_id"])
            after = ds.issue(before, now, ack_deadline=deadline)
            v.update(store.delivery_columns(after), issued_at=now)
            events.append(ds.audit_event(before, after, ds.DeliveryEvent.ISSUE, actor))
        if report.type == ReportType.END_OF_ALERT:
            events += self._close_referenced(s, report, now)
        return events

    def issue_report(self, report_id: str) -> dict[str, Any]:
        now = _now()
        with self.db.transaction() as s:
            store.begin_write(s)
            row = self._own(s, report_id)
            if row.state != "draft":
                raise ConflictError(f"report '{report_id}' is {row.state}, not a draft")
            rows = store.deliveries_of(s, row.pk)
            store.append_audit(s, self._issue(s, row, rows, now))
            return report_view(row, rows)

    def _issue(
        self, s: Session, row: ReportRow, rows: Sequence[DeliveryRow], now: dt.datetime
    ) -> list[dict[str, Any]]:
        _need_recipients(rows)
        data = dict(row.data)
        data["sent"] = now.isoformat()
        report = report_from_dict(data, source=f"report {row.report_id}")
        row.data, row.state, row.issued_at = report_to_dict(report), "issued", now
        deadline = _ack_deadline(row, now)
        events = [_issued_event(row, self.principal.username)]
        for d in rows:
            before = store.to_delivery(d)
            after = ds.issue(before, now, ack_deadline=deadline)
            store.store_delivery(d, after)
            d.issued_at = now
            events.append(
                ds.audit_event(before, after, ds.DeliveryEvent.ISSUE, self.principal.username)
            )
        if report.type == ReportType.END_OF_ALERT:
            events += self._close_referenced(s, report, now)
        return events

    def _close_referenced(
        self, s: Session, report: Report, now: dt.datetime
    ) -> list[dict[str, Any]]:
        events: list[dict[str, Any]] = []
        for ref in report.references:
            target = store.get_report(s, ref.sender, ref.identifier)
            if target is None or target.state == "closed":
                continue
            target.state, target.closed_at = "closed", now
            events.append(
                _audit(
                    "report.closed",
                    self.principal.username,
                    report_id=target.report_id,
                    by=report.id,
                )
            )
            for d in store.deliveries_of(s, target.pk):
                before = store.to_delivery(d)
                if (ds.DeliveryEvent.CLOSE, before.state) in ds.TRANSITIONS:
                    after = ds.close(before, now)
                    store.store_delivery(d, after)
                    events.append(
                        ds.audit_event(
                            before, after, ds.DeliveryEvent.CLOSE, self.principal.username
                        )
                    )
        return events

    def _own(self, s: Session, report_id: str) -> ReportRow:
        row = store.get_report(s, self.sender, report_id)
        if row is None:
            raise NotFoundError(f"report '{report_id}' not found")
        if not self._is_sender_side(row):
            raise PermissionDeniedError(
                f"user '{self.principal.username}' may not change report '{report_id}' of "
                f"{row.sender_country_iso3}"
            )
        return row

    def _find(self, s: Session, report_id: str) -> tuple[ReportRow, set[str]]:
        rows = store.reports_by_id(s, report_id)
        own = [r for r in rows if r.sender == self.sender]
        rows = own or rows
        if not rows:
            raise NotFoundError(f"report '{report_id}' not found")
        row = rows[0]
        parties = store.recipient_parties(s, [row.pk]).get(row.pk, set())
        if not self._can_read(row, parties):
            raise NotFoundError(f"report '{report_id}' not found")  # do not reveal that it exists
        return row, parties

    def get_report(self, report_id: str) -> dict[str, Any]:
        self._authority_user()
        with self.db.transaction() as s:
            row, _ = self._find(s, report_id)
            rows = store.deliveries_of(s, row.pk)
            if not self._is_sender_side(row):
                rows = [d for d in rows if d.party == self.principal.country_iso3]
            return report_view(row, rows)

    def list_reports(self, limit: int = 100, offset: int = 0) -> list[dict[str, Any]]:
        self._authority_user()
        with self.db.transaction() as s:
            rows = store.list_reports(
                s,
                limit=10_000 if not self.principal.is_admin else limit,
                offset=0 if not self.principal.is_admin else offset,
            )
            parties = store.recipient_parties(s, [r.pk for r in rows])
            visible = [r for r in rows if self._can_read(r, parties.get(r.pk, set()))]
            if not self.principal.is_admin:
                visible = visible[offset : offset + limit]
            out = []
            for r in visible:
                view = report_view(r)
                view.pop("report")
                view["recipients"] = sorted(parties.get(r.pk, set()))
                out.append(view)
            return out

    def report(self, report_id: str) -> Report:
        self._authority_user()
        with self.db.transaction() as s:
            row, _ = self._find(s, report_id)
            return report_from_dict(row.data, source=f"report {report_id}")

    def cap(self, report_id: str) -> bytes:
        return render_cap(self.report(report_id))

    # -- acknowledgement ------------------------------------------------------------------
    def acknowledge(self, report_id: str, contact_id: str | None = None) -> dict[str, Any]:
        """Acknowledge receipt through the API for the user's country (or a named contact)."""
        p = self.principal
        if p.role is not Role.NATIONAL and not (p.is_admin and contact_id):
            raise PermissionDeniedError(
                "acknowledge as the national authority of a recipient country "
                "(an administrator must name the contact)"
            )
        with self.db.transaction() as s:
            store.begin_write(s)
            row = store.get_report(s, self.sender, report_id)
            rows = [
                d
                for d in (store.deliveries_of(s, row.pk) if row is not None else [])
                if (contact_id is None or d.contact_id == contact_id)
                and (p.is_admin or d.party == p.country_iso3)
            ]
            if not rows:  # the same answer whether the report exists or not
                raise NotFoundError(
                    f"no report '{report_id}' sent to {contact_id or p.country_iso3}"
                )
            return _acknowledge(s, rows, _now(), p.username)

    def acknowledge_link(self, m: str, r: str, exp: str, sig: str) -> dict[str, Any]:
        """Acknowledge by the signed link of an e-mail; an earlier acknowledgement is kept."""
        verify_ack(_key(self.settings), m, r, exp, sig, _now())
        with self.db.transaction() as s:
            store.begin_write(s)
            d = store.delivery_by_key(s, ds.idempotency_key(m, r))
            if d is None or d.message_id != m:
                raise NotFoundError("no message for this acknowledgement link")
            siblings = [
                x for x in store.deliveries_of(s, d.report_pk) if x.contact_id == d.contact_id
            ]
            done = sorted(x.acknowledged_at for x in siblings if x.acknowledged_at is not None)
            if done:
                return {
                    "report_id": m,
                    "contact_id": d.contact_id,
                    "already": True,
                    "acknowledged_at": _iso(done[0]),
                }
            return _acknowledge(s, siblings, _now(), f"link:{d.contact_id}")

    # -- dead letters, notices ------------------------------------------------------------
    def dead_letters(self) -> list[dict[str, Any]]:
        self._authority_user()
        with self.db.transaction() as s:
            out = []
            for d in store.dead_letters(s):
                r = s.get(ReportRow, d.report_pk)
                if r is not None and self._is_sender_side(r):
                    out.append({"report_id": r.report_id, **delivery_view(d)})
            return out

    def requeue(self, delivery_id: int) -> dict[str, Any]:
        with self.db.transaction() as s:
            store.begin_write(s)
            d = s.get(DeliveryRow, delivery_id)
            r = s.get(ReportRow, d.report_pk) if d is not None else None
            if d is None or r is None:
                raise NotFoundError(f"delivery {delivery_id} not found")
            self._own(s, r.report_id)
            before = store.to_delivery(d)
            after = ds.requeue(before, _now())
            store.store_delivery(d, after)
            store.append_audit(
                s,
                [ds.audit_event(before, after, ds.DeliveryEvent.REQUEUE, self.principal.username)],
            )
            return delivery_view(d)

    def notices(self) -> list[dict[str, Any]]:
        self._authority_user()
        country = None if self.principal.is_admin else (self.principal.country_iso3 or "---")
        with self.db.transaction() as s:
            out = []
            for n in store.notices(s, country):
                r = s.get(ReportRow, n.report_pk)
                out.append(
                    {
                        "id": n.id,
                        "report_id": r.report_id if r else None,
                        "country": n.country_iso3,
                        "kind": n.kind,
                        "message": n.message,
                        "created_at": _iso(n.created_at),
                    }
                )
            return out

    # -- test campaigns -------------------------------------------------------------------
    def start_campaign(
        self,
        name: str,
        window_s: int,
        parties: Sequence[str] = (),
        sender_country: str | None = None,
        languages: Sequence[str] = (),
    ) -> dict[str, Any]:
        """Send a Test message to every active contact (of ``parties``, or of all)."""
        check_text(
            {"name": name, "parties": list(parties), "languages": list(languages)}, "request"
        )
        data: dict[str, Any] = {
            "type": "test",
            "status": "test",
            "texts": [{"language": "en", "description": f"Communication test: {name}"}],
            "languages": [x for x in languages if x != "en"],
        }
        if sender_country:
            data["sender_country"] = sender_country
        self._sender_country(data)  # may this user send at all (before anything is written)?
        with self.db.transaction() as s:
            store.begin_write(s)
            targets = [
                c.id
                for c in store.list_contacts(s)
                if c.active and (not parties or c.party in parties)
            ]
            campaign = CampaignRow(
                name=name,
                window_s=window_s,
                parties=list(parties),
                created_by=self.principal.username,
                started_at=_now(),
            )
            if not targets:
                raise ValidationError([Problem("request", None, "parties", "no active contacts")])
            s.add(campaign)
            s.flush()
            campaign_id = campaign.id
            store.append_audit(
                s,
                [
                    _audit(
                        "campaign.started",
                        self.principal.username,
                        campaign_id=campaign_id,
                        name=name,
                        window_s=window_s,
                        contacts=targets,
                    )
                ],
            )
        view = self.create_report(
            data, targets, issue=True, ack_window_s=window_s, campaign_id=campaign_id
        )
        return {
            "campaign_id": campaign_id,
            "name": name,
            "report_id": view["id"],
            "contacts": len(targets),
        }

    def campaign_result(self, campaign_id: int) -> dict[str, Any]:
        """Who acknowledged the campaign's Test message within its window."""
        self._authority_user()
        with self.db.transaction() as s:
            c = store.get_campaign(s, campaign_id)
            reports = store.campaign_reports(s, campaign_id) if c is not None else []
            deliveries = {r.pk: store.deliveries_of(s, r.pk) for r in reports}
            # Read by the administrator, the sending country (all contacts) and the recipients
            # (their own contacts); to anyone else it does not exist.
            full = self.principal.is_admin or any(self._is_sender_side(r) for r in reports)
            mine = {
                d.id for rows in deliveries.values() for d in rows if full or self._own_delivery(d)
            }
            if c is None or not (full or mine):
                raise NotFoundError(f"campaign {campaign_id} not found")
            window = dt.timedelta(seconds=c.window_s)
            per: dict[str, dict[str, Any]] = {}
            for r in reports:
                issued = store.aware(r.issued_at) or store.aware(c.started_at)
                assert issued is not None
                for d in deliveries[r.pk]:
                    if d.id not in mine:
                        continue
                    dom = store.to_delivery(d)
                    e = per.setdefault(
                        d.contact_id,
                        {
                            "contact_id": d.contact_id,
                            "party": d.party,
                            "acknowledged_at": None,
                            "within": False,
                            "states": [],
                        },
                    )
                    e["states"].append(f"{d.channel}:{d.state}")
                    if dom.acknowledged_at and (
                        e["acknowledged_at"] is None
                        or dom.acknowledged_at.isoformat() < e["acknowledged_at"]
                    ):
                        e["acknowledged_at"] = dom.acknowledged_at.isoformat()
                    e["within"] = e["within"] or ds.acknowledged_within(dom, issued, window)
            rows = sorted(per.values(), key=lambda x: x["contact_id"])
            return {
                "campaign_id": c.id,
                "name": c.name,
                "window_s": c.window_s,
                "started_at": _iso(c.started_at),
                "contacts": rows,
                "acknowledged_within": sum(1 for x in rows if x["within"]),
                "total": len(rows),
            }

    # -- proposal -------------------------------------------------------------------------
    def propose(
        self,
        establishment_id: str | None = None,
        lon: float | None = None,
        lat: float | None = None,
        scenarios: Sequence[dict[str, Any]] = (),
    ) -> dict[str, Any]:
        """Recipients for an accident at an establishment or a point (see :func:`propose`)."""
        self._authority_user()
        from hazatlas.services.notify_proposal import propose_recipients

        return propose_recipients(
            self.db,
            self.principal,
            establishment_id=establishment_id,
            lon=lon,
            lat=lat,
            scenarios=scenarios,
        )

    # -- incoming alerts ------------------------------------------------------------------
    def receive_cap(self, body: bytes, signature: str | None) -> tuple[dict[str, Any], bool]:
        """Accept a CAP alert from another hazatlas instance; return (view, newly stored).

        The signature must verify with the webhook secret of one of the sending country's
        contacts in the directory (a secret shared by the two instances).
        """
        if not signature:
            raise SignatureError("missing X-Hazatlas-Signature header")
        report = parse_cap(body)
        with self.db.transaction() as s:
            store.begin_write(s)
            contacts = store.list_contacts(s, report.sender_country_iso3)
            if not _signed_by_any(self.settings, contacts, signature, body):
                raise SignatureError(
                    f"signature does not verify with any webhook secret of "
                    f"{report.sender_country_iso3} in the directory"
                )
            old = store.get_report(s, report.sender, report.id)
            if old is not None:
                return report_view(old), False
            row = ReportRow(
                report_id=report.id,
                sender=report.sender,
                type=report.type.value,
                status=report.status.value,
                sender_country_iso3=report.sender_country_iso3,
                state="received",
                disclosure="parties",
                incoming=True,
                data=report_to_dict(report),
                ack_window_s=DEFAULT_ACK_WINDOW_S,
                created_by=f"cap:{report.sender}",
                created_at=_now(),
                issued_at=store.utc(report.sent),
            )
            s.add(row)
            store.append_audit(
                s,
                [
                    _audit(
                        "report.received",
                        "cap-incoming",
                        report_id=report.id,
                        sender=report.sender,
                        type=report.type.value,
                    )
                ],
            )
            s.flush()
            return report_view(row), True


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


def _ack_deadline(row: ReportRow, now: dt.datetime) -> dt.datetime | None:
    """When escalation starts (campaign tests are not escalated)."""
    if row.campaign_id is not None:
        return None
    return now + dt.timedelta(seconds=row.ack_window_s)


def _issued_event(row: ReportRow, actor: str) -> dict[str, Any]:
    return _audit("report.issued", actor, report_id=row.report_id, sent=row.data["sent"])


def _signed_by_any(
    settings: Settings, contacts: Sequence[ContactRow], header: str, body: bytes
) -> bool:
    for c in contacts:
        try:
            verify_webhook_signature(
                webhook_secret(settings, c.webhook_secret_ref, c.id), header, body, _now()
            )
            return True
        except (SignatureError, HazatlasError):
            continue
    return False


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
        contact = by_id.get(item) or (first.get(item) if _PARTY.match(item) else None)
        if contact is None:
            problems.append(
                Problem(
                    "request",
                    None,
                    f"recipients[{i}]",
                    f"no active contact for {item!r} in the directory",
                )
            )
        elif not (contact.email or contact.webhook_url):
            problems.append(
                Problem(
                    "request",
                    None,
                    f"recipients[{i}]",
                    f"contact {contact.id!r} has no e-mail or webhook",
                )
            )
        else:
            out[contact.id] = contact
    if problems:
        raise ValidationError(problems)
    return list(out.values())


def _not_acknowledgeable(rows: Sequence[DeliveryRow]) -> str:
    """Why none of ``rows`` can be acknowledged, from their states.

    The state machine accepts an acknowledgement once the message has left hazatlas (sent,
    delivered, failed, dead letter, escalated): it proves receipt. It refuses ``issued`` (not
    sent yet, or queued again after a dead letter: the recipient gets it, with a link that
    works then), ``draft`` and ``closed``.
    """
    states = {d.state for d in rows}
    report = rows[0].message_id
    if ds.DeliveryState.ACKNOWLEDGED in states:
        when = min((d.acknowledged_at for d in rows if d.acknowledged_at is not None), default=None)
        return f"receipt of report '{report}' was already acknowledged ({_iso(when)})"
    if ds.DeliveryState.ISSUED in states or ds.DeliveryState.DRAFT in states:
        return (
            f"report '{report}' has not been delivered to you yet (it is queued for sending); "
            "acknowledge it once it has arrived - the link in the message will work then"
        )
    if ds.DeliveryState.CLOSED in states:
        return f"report '{report}' is closed (end of alert); no acknowledgement is needed"
    return (
        f"receipt of report '{report}' cannot be acknowledged (state: {', '.join(sorted(states))})"
    )


def _acknowledge(
    s: Session, rows: Sequence[DeliveryRow], now: dt.datetime, actor: str
) -> dict[str, Any]:
    events = []
    for d in rows:
        before = store.to_delivery(d)
        if (ds.DeliveryEvent.ACKNOWLEDGE, before.state) not in ds.TRANSITIONS:
            continue
        after = ds.acknowledge(before, now)
        store.store_delivery(d, after)
        d.acknowledged_by = actor
        events.append(ds.audit_event(before, after, ds.DeliveryEvent.ACKNOWLEDGE, actor))
    if not events:
        raise ConflictError(_not_acknowledgeable(rows))
    store.append_audit(s, events)
    return {
        "report_id": rows[0].message_id,
        "acknowledged": [e["recipient_id"] for e in events],
        "acknowledged_at": now.isoformat(),
        "already": False,
    }
