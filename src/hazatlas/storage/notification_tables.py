"""SQLAlchemy tables of notifications between countries, on the register's ``Base``.

* ``notify_authority`` / ``notify_contact``: the directory. Each country (or basin body) has
  competent authorities; each authority has points of contact with channels (e-mail, webhook),
  languages, a 24/7 flag and a place in the country's escalation order.
* ``notify_report``: reports (the canonical JSON of :mod:`hazatlas.formats.reports`), with
  their lifecycle (draft, issued, closed) and who may read them.
* ``notify_delivery``: the transactional outbox, one row per report x recipient channel, with
  the state of :mod:`hazatlas.domain.delivery_state`, the worker's lease and the idempotency key.
* ``notify_audit`` / ``notify_audit_head``: the append-only hash chain of
  :mod:`hazatlas.domain.audit`; the one-row head table serialises appends.
* ``notify_notice``: messages to the sender (escalations, dead letters).
* ``notify_campaign``: communication-test campaigns.

Written for SQLite and PostgreSQL alike; the schema is created by migration ``0004``
(``0008`` added the audit chain's ``hash_version``, ``cutover_seq`` and ``rebuilt_at``).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from hazatlas.storage.tables import Base, utcnow


class AuthorityRow(Base):
    """A competent authority of a country, or a basin body (``basin`` set, no country)."""

    __tablename__ = "notify_authority"
    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    country_iso3: Mapped[str | None] = mapped_column(String(3), index=True)
    basin: Mapped[str | None] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(40))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ContactRow(Base):
    """A point of contact with its channels; ``party`` is the ISO3 code or ``basin:<name>``."""

    __tablename__ = "notify_contact"
    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    authority_id: Mapped[str] = mapped_column(
        ForeignKey("notify_authority.id", ondelete="CASCADE"), index=True
    )
    party: Mapped[str] = mapped_column(String(110), index=True)
    name: Mapped[str] = mapped_column(String(300))
    role: Mapped[str] = mapped_column(String(40))
    email: Mapped[str | None] = mapped_column(String(320))
    webhook_url: Mapped[str | None] = mapped_column(String(2000))
    webhook_format: Mapped[str] = mapped_column(String(10), default="json")
    webhook_secret_ref: Mapped[str | None] = mapped_column(String(200))
    languages: Mapped[list] = mapped_column(JSON, default=list)
    available_24_7: Mapped[bool] = mapped_column(Boolean, default=False)
    escalation_order: Mapped[int] = mapped_column(Integer, default=1)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ReportRow(Base):
    """A report; ``data`` is its canonical JSON. ``(sender, report_id)`` is unique."""

    __tablename__ = "notify_report"
    pk: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    report_id: Mapped[str] = mapped_column(String(200), index=True)
    sender: Mapped[str] = mapped_column(String(300))
    type: Mapped[str] = mapped_column(String(30))
    status: Mapped[str] = mapped_column(String(20))
    sender_country_iso3: Mapped[str] = mapped_column(String(3), index=True)
    state: Mapped[str] = mapped_column(String(20))
    disclosure: Mapped[str] = mapped_column(String(20), default="recipients")
    incoming: Mapped[bool] = mapped_column(Boolean, default=False)
    data: Mapped[dict] = mapped_column(JSON)
    ack_window_s: Mapped[int] = mapped_column(Integer, default=3600)
    campaign_id: Mapped[int | None] = mapped_column(Integer)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    issued_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (UniqueConstraint("sender", "report_id", name="uq_notify_report_sender_id"),)


class DeliveryRow(Base):
    """The outbox: one message to one recipient channel (snapshot of address and language)."""

    __tablename__ = "notify_delivery"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    report_pk: Mapped[int] = mapped_column(
        ForeignKey("notify_report.pk", ondelete="CASCADE"), index=True
    )
    message_id: Mapped[str] = mapped_column(String(200))
    recipient_id: Mapped[str] = mapped_column(String(120))
    contact_id: Mapped[str] = mapped_column(String(100), index=True)
    party: Mapped[str] = mapped_column(String(110))
    channel: Mapped[str] = mapped_column(String(10))
    address: Mapped[str] = mapped_column(String(2000))
    language: Mapped[str] = mapped_column(String(20))
    webhook_format: Mapped[str | None] = mapped_column(String(10))
    secret_ref: Mapped[str | None] = mapped_column(String(200))
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)
    state: Mapped[str] = mapped_column(String(20))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    ack_deadline: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str] = mapped_column(Text, default="")
    issued_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    delivered_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    acknowledged_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    acknowledged_by: Mapped[str | None] = mapped_column(String(100))
    escalated_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    escalated_from: Mapped[int | None] = mapped_column(
        ForeignKey("notify_delivery.id", ondelete="SET NULL")
    )
    claim_token: Mapped[str | None] = mapped_column(String(64))
    claimed_until: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        UniqueConstraint("report_pk", "recipient_id", name="uq_notify_delivery_recipient"),
        Index("ix_notify_delivery_due", "state", "next_attempt_at"),
        Index("ix_notify_delivery_claim", "claim_token"),
    )


class AuditRow(Base):
    """One entry of the hash chain; never updated or deleted by hazatlas."""

    __tablename__ = "notify_audit"
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    kind: Mapped[str] = mapped_column(String(60))
    report_id: Mapped[str | None] = mapped_column(String(200), index=True)
    event: Mapped[dict] = mapped_column(JSON)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    # the hash rule the entry was written with (hazatlas.domain.audit; 1 = before migration 0008)
    hash_version: Mapped[int] = mapped_column(SmallInteger, default=1, server_default="1")


class AuditHeadRow(Base):
    """The single row (id 1) holding the chain's last ``seq`` and ``hash``: appends lock it.

    ``cutover_seq``: the first entry written with the current hash rule (entries from there on
    may not carry an older one); ``rebuilt_at``: when the row was found missing while entries
    existed and was rebuilt from the last entry (``hazatlas audit verify`` then fails).
    """

    __tablename__ = "notify_audit_head"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(Integer)
    hash: Mapped[str] = mapped_column(String(64))
    cutover_seq: Mapped[int | None] = mapped_column(Integer)
    rebuilt_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class NoticeRow(Base):
    """A message to the sending country: an escalation, a dead letter, a missing contact."""

    __tablename__ = "notify_notice"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    report_pk: Mapped[int] = mapped_column(
        ForeignKey("notify_report.pk", ondelete="CASCADE"), index=True
    )
    country_iso3: Mapped[str] = mapped_column(String(3), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    message: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class CampaignRow(Base):
    """A communication test: Test messages to contacts, acknowledged within ``window_s``."""

    __tablename__ = "notify_campaign"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(200))
    window_s: Mapped[int] = mapped_column(Integer)
    parties: Mapped[list] = mapped_column(JSON, default=list)
    created_by: Mapped[str] = mapped_column(String(100))
    started_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
