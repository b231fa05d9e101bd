"""SQLAlchemy tables of self-assessments, action plans and implementation reports, on the
register's ``Base`` (migration ``0013``).

* ``sa_document``: one row per (kind, country, round), ``kind`` ``self_assessment`` or
  ``implementation_report``, with its current revision, version and state;
* ``sa_document_version``: every save of a document as its whole JSON, never updated;
* ``sa_action``: the actions of the countries' action plans; ``(country_iso3, source,
  source_ref)`` is unique, so an improvement action of an exercise becomes one action however
  often it is imported.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    JSON,
    Date,
    DateTime,
    ForeignKeyConstraint,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from hazatlas.storage.tables import Base, utcnow


class SaDocumentRow(Base):
    __tablename__ = "sa_document"
    kind: Mapped[str] = mapped_column(String(30), primary_key=True)
    country_iso3: Mapped[str] = mapped_column(String(3), primary_key=True)
    round_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    state: Mapped[str] = mapped_column(String(20))
    version: Mapped[int] = mapped_column(Integer)
    revision: Mapped[int] = mapped_column(Integer)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class SaDocumentVersionRow(Base):
    __tablename__ = "sa_document_version"
    kind: Mapped[str] = mapped_column(String(30), primary_key=True)
    country_iso3: Mapped[str] = mapped_column(String(3), primary_key=True)
    round_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    revision: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    version: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(20))
    action: Mapped[str] = mapped_column(String(30))
    saved_by: Mapped[str] = mapped_column(String(100))
    saved_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    document: Mapped[dict] = mapped_column(JSON)

    __table_args__ = (ForeignKeyConstraint(
        ["kind", "country_iso3", "round_id"],
        ["sa_document.kind", "sa_document.country_iso3", "sa_document.round_id"],
        ondelete="CASCADE"),)


class SaActionRow(Base):
    __tablename__ = "sa_action"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    country_iso3: Mapped[str] = mapped_column(String(3), index=True)
    indicator_id: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(Text)
    responsible_authority: Mapped[str] = mapped_column(String(300))
    start_on: Mapped[dt.date | None] = mapped_column(Date)
    due_on: Mapped[dt.date] = mapped_column(Date)
    resources: Mapped[str] = mapped_column(Text, default="")
    assistance_requested: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20))
    notes: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(20))  # manual or exercise
    source_ref: Mapped[str] = mapped_column(String(200))
    exercise_id: Mapped[str | None] = mapped_column(String(100))
    plan_id: Mapped[str | None] = mapped_column(String(100))
    plan_section: Mapped[str | None] = mapped_column(String(40))
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    __table_args__ = (UniqueConstraint("country_iso3", "source", "source_ref",
                                       name="uq_sa_action_source"),)
