"""Queries of exercises (``exercise``, ``exercise_journal``): the use cases, access rules and
audit are :mod:`hazatlas.services.exercises`'s."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from hazatlas.storage.exercise_tables import ExerciseJournalRow, ExerciseRow
from hazatlas.storage.notifications.times import aware
from hazatlas.storage.tables import utcnow


def exists(session: Session, exercise_id: str) -> bool:
    return session.get(ExerciseRow, exercise_id) is not None


def lock(session: Session, exercise_id: str) -> dict[str, Any] | None:
    """The exercise's document, its row locked for the transaction on PostgreSQL (one writer
    at a time); None if there is no such exercise."""
    row = session.scalars(select(ExerciseRow).where(ExerciseRow.id == exercise_id)
                          .with_for_update()).first()
    return None if row is None else dict(row.document)


def claim(session: Session, exercise_id: str) -> None:
    """Take the exercise's write lock as the transaction's **first** statement: an UPDATE of its
    row that changes nothing. On PostgreSQL it locks the row until commit; on SQLite it takes
    the database's write lock before anything is read (a second writer waits, up to the busy
    timeout, and then reads what the first committed). A use case that sends a message on a
    state it reads (the release of an inject) claims first, so two callers cannot both see the
    inject unreleased."""
    session.execute(update(ExerciseRow).where(ExerciseRow.id == exercise_id)
                    .values(updated_at=ExerciseRow.updated_at)
                    .execution_options(synchronize_session=False))


def _when(value: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value) if value else None


def save(session: Session, document: dict[str, Any], *, saved_by: str) -> None:
    """Store ``document`` (created if new)."""
    now = utcnow()
    row = session.get(ExerciseRow, document["id"])
    if row is None:
        row = ExerciseRow(id=document["id"], created_by=saved_by, created_at=now)
        session.add(row)
    row.title, row.type, row.parties = document["title"], document["type"], list(document["parties"])
    row.state, row.plan_id = document["state"], document.get("plan_id")
    row.started_at, row.ended_at = _when(document.get("started_at")), _when(document.get("ended_at"))
    row.updated_at, row.document = now, document
    session.flush()


def get(session: Session, exercise_id: str) -> dict[str, Any] | None:
    row = session.get(ExerciseRow, exercise_id)
    return None if row is None else dict(row.document)


def listing(session: Session, party: str | None = None) -> list[dict[str, Any]]:
    """Every exercise's document (of one Party if given), by id."""
    rows = session.scalars(select(ExerciseRow).order_by(ExerciseRow.id))
    return [dict(r.document) for r in rows if party is None or party in r.parties]


def append(session: Session, exercise_id: str, *, at: dt.datetime, scenario_s: float | None,
           kind: str, party: str | None, actor: str, text: str, inject_id: str | None = None,
           report_id: str | None = None) -> int:
    """Append one journal entry; returns its number (1, 2, ...)."""
    last = session.scalar(select(func.max(ExerciseJournalRow.seq))
                          .where(ExerciseJournalRow.exercise_id == exercise_id)) or 0
    session.add(ExerciseJournalRow(exercise_id=exercise_id, seq=last + 1, at=at,
                                   scenario_s=scenario_s, kind=kind, party=party, actor=actor,
                                   text=text, inject_id=inject_id, report_id=report_id))
    session.flush()
    return last + 1


def journal(session: Session, exercise_id: str) -> list[dict[str, Any]]:
    rows = session.scalars(select(ExerciseJournalRow)
                           .where(ExerciseJournalRow.exercise_id == exercise_id)
                           .order_by(ExerciseJournalRow.seq))
    return [{"seq": r.seq, "at": (aware(r.at) or r.at).isoformat(), "scenario_s": r.scenario_s,
             "kind": r.kind, "party": r.party, "actor": r.actor, "text": r.text,
             "inject_id": r.inject_id, "report_id": r.report_id} for r in rows]
