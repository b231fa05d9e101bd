"""SQLAlchemy tables of exercises, on the register's ``Base`` (migration ``0012``).

* ``exercise``: one row per exercise with what a listing needs (title, type, Parties, state,
  times) and its whole JSON document (:meth:`hazatlas.domain.exercises.model.Exercise.to_json`:
  objectives, master events list, ratings, feedback, improvement plan), rewritten by each
  change (every change is also in the history, ``record_change``);
* ``exercise_journal``: the journal, one row per entry, never updated: what was released,
  sent, done and noted, with its wall time and its scenario time.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, DateTime, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hazatlas.storage.tables import Base, utcnow


class ExerciseRow(Base):
    __tablename__ = "exercise"
    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    title: Mapped[str] = mapped_column(Text)
    type: Mapped[str] = mapped_column(String(30))
    parties: Mapped[list] = mapped_column(JSON)
    state: Mapped[str] = mapped_column(String(20))
    plan_id: Mapped[str | None] = mapped_column(String(100), nullable=True)
    started_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    ended_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    document: Mapped[dict] = mapped_column(JSON)


class ExerciseJournalRow(Base):
    __tablename__ = "exercise_journal"
    exercise_id: Mapped[str] = mapped_column(ForeignKey("exercise.id", ondelete="CASCADE"),
                                             primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    scenario_s: Mapped[float | None] = mapped_column(Float, nullable=True)
    kind: Mapped[str] = mapped_column(String(20))
    party: Mapped[str | None] = mapped_column(String(3), nullable=True)
    actor: Mapped[str] = mapped_column(String(100))
    text: Mapped[str] = mapped_column(Text)
    inject_id: Mapped[str | None] = mapped_column(String(100), nullable=True)
    report_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
