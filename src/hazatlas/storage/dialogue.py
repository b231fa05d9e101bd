"""Queries of the policy dialogue and the consultations (tables of
:mod:`hazatlas.storage.dialogue_tables`); the use cases, access rules and audit are
:mod:`hazatlas.services.dialogue`'s. Rows are returned as plain dictionaries."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hazatlas.storage.dialogue_tables import (
    ConsultationCommentRow,
    ConsultationRow,
    DialogueActionRow,
    DialogueBodyRow,
    DialogueMeetingRow,
)
from hazatlas.storage.tables import utcnow


def _utc(value: dt.datetime | None) -> dt.datetime | None:
    """A stored time as an aware UTC time (SQLite gives it back without its zone)."""
    if value is None:
        return None
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def _iso(value: dt.datetime | None) -> str | None:
    t = _utc(value)
    return None if t is None else t.isoformat()


# -- bodies -------------------------------------------------------------------------------------

def body_dict(row: DialogueBodyRow) -> dict[str, Any]:
    return {"id": row.id, "country_iso3": row.country_iso3, "kind": row.kind, "name": row.name,
            "mandate": row.mandate, "members": list(row.members or []),
            "created_by": row.created_by, "created_at": _iso(row.created_at),
            "updated_at": _iso(row.updated_at)}


def get_body(session: Session, body_id: str) -> DialogueBodyRow | None:
    return session.get(DialogueBodyRow, body_id)


def add_body(session: Session, *, body_id: str, country_iso3: str, kind: str, name: str,
             mandate: str, members: list[dict[str, str]], created_by: str) -> DialogueBodyRow:
    now = utcnow()
    row = DialogueBodyRow(id=body_id, country_iso3=country_iso3, kind=kind, name=name,
                          mandate=mandate, members=members, created_by=created_by,
                          created_at=now, updated_at=now)
    session.add(row)
    session.flush()
    return row


def bodies(session: Session, countries: list[str] | None) -> list[DialogueBodyRow]:
    """The bodies of ``countries`` (all: ``None``), by country and id."""
    stmt = select(DialogueBodyRow).order_by(DialogueBodyRow.country_iso3, DialogueBodyRow.id)
    if countries is not None:
        stmt = stmt.where(DialogueBodyRow.country_iso3.in_(countries))
    return list(session.scalars(stmt))


# -- meetings and actions -----------------------------------------------------------------------

def meeting_dict(row: DialogueMeetingRow) -> dict[str, Any]:
    return {"id": row.id, "body_id": row.body_id, "held_on": row.held_on.isoformat(),
            "title": row.title, "agenda": list(row.agenda or []),
            "participants": list(row.participants or []), "decisions": list(row.decisions or []),
            "minutes": row.minutes, "created_by": row.created_by,
            "created_at": _iso(row.created_at)}


def add_meeting(session: Session, **values: Any) -> DialogueMeetingRow:
    row = DialogueMeetingRow(created_at=utcnow(), **values)
    session.add(row)
    session.flush()
    return row


def get_meeting(session: Session, meeting_id: int) -> DialogueMeetingRow | None:
    return session.get(DialogueMeetingRow, meeting_id)


def meetings(session: Session, body_id: str) -> list[DialogueMeetingRow]:
    return list(session.scalars(select(DialogueMeetingRow)
                                .where(DialogueMeetingRow.body_id == body_id)
                                .order_by(DialogueMeetingRow.held_on, DialogueMeetingRow.id)))


def action_dict(row: DialogueActionRow) -> dict[str, Any]:
    return {"id": row.id, "meeting_id": row.meeting_id, "title": row.title,
            "responsible": row.responsible,
            "due_on": row.due_on.isoformat() if row.due_on else None, "status": row.status,
            "action_plan_ref": row.action_plan_ref, "updated_by": row.updated_by,
            "updated_at": _iso(row.updated_at)}


def add_action(session: Session, *, meeting_id: int, updated_by: str,
               **values: Any) -> DialogueActionRow:
    row = DialogueActionRow(meeting_id=meeting_id, updated_by=updated_by, updated_at=utcnow(),
                            **values)
    session.add(row)
    session.flush()
    return row


def get_action(session: Session, action_id: int) -> DialogueActionRow | None:
    return session.get(DialogueActionRow, action_id)


def actions(session: Session, *, meeting_ids: list[int] | None = None,
            countries: list[str] | None = None) -> list[tuple[DialogueActionRow, str, str]]:
    """Actions with their body's id and country, of ``meeting_ids`` and/or ``countries``
    (``None``: no filter), by due date (none last) and id."""
    stmt = (select(DialogueActionRow, DialogueBodyRow.id, DialogueBodyRow.country_iso3)
            .join(DialogueMeetingRow, DialogueMeetingRow.id == DialogueActionRow.meeting_id)
            .join(DialogueBodyRow, DialogueBodyRow.id == DialogueMeetingRow.body_id))
    if meeting_ids is not None:
        stmt = stmt.where(DialogueActionRow.meeting_id.in_(meeting_ids))
    if countries is not None:
        stmt = stmt.where(DialogueBodyRow.country_iso3.in_(countries))
    rows = [(a, b, c) for a, b, c in session.execute(stmt).tuples()]
    return sorted(rows, key=lambda r: (r[0].due_on is None, r[0].due_on or dt.date.min, r[0].id))


# -- consultations ------------------------------------------------------------------------------

def consultation_dict(row: ConsultationRow) -> dict[str, Any]:
    return {"id": row.id, "country_iso3": row.country_iso3, "title": row.title,
            "description": row.description, "subject_kind": row.subject_kind,
            "subject_ref": row.subject_ref, "document_title": row.document_title,
            "document_url": row.document_url, "opens_at": _iso(row.opens_at),
            "closes_at": _iso(row.closes_at), "created_by": row.created_by,
            "created_at": _iso(row.created_at)}


def period(row: ConsultationRow) -> tuple[dt.datetime, dt.datetime]:
    opens, closes = _utc(row.opens_at), _utc(row.closes_at)
    assert opens is not None and closes is not None
    return opens, closes


def add_consultation(session: Session, *, created_by: str, **values: Any) -> ConsultationRow:
    """Store a consultation; its times are stored in UTC (SQLite keeps no offset)."""
    for key in ("opens_at", "closes_at"):
        values[key] = values[key].astimezone(dt.UTC)
    row = ConsultationRow(created_by=created_by, created_at=utcnow(), **values)
    session.add(row)
    session.flush()
    return row


def get_consultation(session: Session, consultation_id: int) -> ConsultationRow | None:
    return session.get(ConsultationRow, consultation_id)


def consultations(session: Session, countries: list[str] | None) -> list[ConsultationRow]:
    """Consultations of ``countries`` (all: ``None``), newest opening first."""
    stmt = select(ConsultationRow).order_by(ConsultationRow.opens_at.desc(),
                                            ConsultationRow.id.desc())
    if countries is not None:
        stmt = stmt.where(ConsultationRow.country_iso3.in_(countries))
    return list(session.scalars(stmt))


def comment_dict(row: ConsultationCommentRow) -> dict[str, Any]:
    return {"id": row.id, "consultation_id": row.consultation_id, "author": row.author,
            "organisation": row.organisation, "text": row.text, "private": row.private,
            "created_at": _iso(row.created_at), "answer": row.answer,
            "answered_by": row.answered_by, "answered_at": _iso(row.answered_at)}


def add_comment(session: Session, *, consultation_id: int, author: str, organisation: str,
                text: str, private: bool) -> ConsultationCommentRow:
    row = ConsultationCommentRow(consultation_id=consultation_id, author=author,
                                 organisation=organisation, text=text, private=private,
                                 created_at=utcnow())
    session.add(row)
    session.flush()
    return row


def get_comment(session: Session, comment_id: int) -> ConsultationCommentRow | None:
    return session.get(ConsultationCommentRow, comment_id)


def comments(session: Session, consultation_id: int) -> list[ConsultationCommentRow]:
    return list(session.scalars(select(ConsultationCommentRow)
                                .where(ConsultationCommentRow.consultation_id == consultation_id)
                                .order_by(ConsultationCommentRow.id)))


def answer(row: ConsultationCommentRow, text: str, by: str) -> None:
    row.answer, row.answered_by, row.answered_at = text, by, utcnow()
