"""SQLAlchemy table of the damage events of register sites, on the register's ``Base``
(migration ``0011``; ``docs/natech.md``, section "Damage events")."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Boolean, Date, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hazatlas.storage.tables import Base, utcnow


class DamageEventRow(Base):
    __tablename__ = "damage_event"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    establishment_id: Mapped[str] = mapped_column(
        ForeignKey("establishment.id", ondelete="CASCADE"), index=True
    )
    occurred_on: Mapped[dt.date] = mapped_column(Date)
    cause: Mapped[str] = mapped_column(String(30))
    hazard_type: Mapped[str | None] = mapped_column(String(30))
    extent: Mapped[str] = mapped_column(String(20))
    extent_reported: Mapped[str] = mapped_column(String(20))
    affected_units: Mapped[list] = mapped_column(JSON, default=list)
    source: Mapped[str] = mapped_column(Text)
    source_url: Mapped[str | None] = mapped_column(Text)
    reliability: Mapped[str] = mapped_column(String(30))
    notes: Mapped[str | None] = mapped_column(Text)
    confidential: Mapped[bool] = mapped_column(Boolean, default=True)
    assessed: Mapped[bool] = mapped_column(Boolean, default=False)
    recorded_by: Mapped[str] = mapped_column(String(100))
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    assessed_by: Mapped[str | None] = mapped_column(String(100))
    assessed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    assessment_note: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (Index("ix_damage_event_assessed", "assessed", "establishment_id"),)
