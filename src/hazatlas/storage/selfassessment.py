"""Queries of self-assessments, implementation reports and actions (``sa_document``,
``sa_document_version``, ``sa_action``); the use cases, access rules and audit are
:mod:`hazatlas.services.selfassessment`'s."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hazatlas.storage.selfassessment_tables import SaActionRow, SaDocumentRow, SaDocumentVersionRow
from hazatlas.storage.tables import utcnow


def lock(session: Session, kind: str, country: str, round_id: str) -> bool:
    """Lock the document's row for the transaction on PostgreSQL; False if there is none."""
    return session.scalars(select(SaDocumentRow.kind).where(
        SaDocumentRow.kind == kind, SaDocumentRow.country_iso3 == country,
        SaDocumentRow.round_id == round_id).with_for_update()).first() is not None


def save(session: Session, kind: str, document: dict[str, Any], *, action: str,
         saved_by: str) -> int:
    """Store ``document`` as the next revision of (kind, country, round); returns it."""
    key = (kind, document["country"], document["round"])
    now = utcnow()
    last = session.scalar(select(func.max(SaDocumentVersionRow.revision)).where(
        SaDocumentVersionRow.kind == kind, SaDocumentVersionRow.country_iso3 == key[1],
        SaDocumentVersionRow.round_id == key[2])) or 0
    row = session.get(SaDocumentRow, key)
    if row is None:
        row = SaDocumentRow(kind=kind, country_iso3=key[1], round_id=key[2], created_by=saved_by,
                            created_at=now)
        session.add(row)
    state = document.get("state", "draft")
    row.state, row.version, row.revision, row.updated_at = state, document["version"], last + 1, now
    session.flush()
    session.add(SaDocumentVersionRow(kind=kind, country_iso3=key[1], round_id=key[2],
                                     revision=last + 1, version=document["version"], state=state,
                                     action=action, saved_by=saved_by, saved_at=now,
                                     document=document))
    return last + 1


def current(session: Session, kind: str, country: str, round_id: str) -> dict[str, Any] | None:
    row = session.get(SaDocumentRow, (kind, country, round_id))
    if row is None:
        return None
    got = session.get(SaDocumentVersionRow, (kind, country, round_id, row.revision))
    return None if got is None else dict(got.document)


def of_version(session: Session, kind: str, country: str, round_id: str,
               version: int) -> dict[str, Any] | None:
    """The last saved document of content version ``version`` (its signed-off state if it was
    signed off), or None."""
    got = session.scalars(select(SaDocumentVersionRow).where(
        SaDocumentVersionRow.kind == kind, SaDocumentVersionRow.country_iso3 == country,
        SaDocumentVersionRow.round_id == round_id, SaDocumentVersionRow.version == version)
        .order_by(SaDocumentVersionRow.revision.desc()).limit(1)).first()
    return None if got is None else dict(got.document)


def revisions(session: Session, kind: str, country: str, round_id: str) -> list[dict[str, Any]]:
    rows = session.scalars(select(SaDocumentVersionRow).where(
        SaDocumentVersionRow.kind == kind, SaDocumentVersionRow.country_iso3 == country,
        SaDocumentVersionRow.round_id == round_id).order_by(SaDocumentVersionRow.revision))
    return [{"revision": r.revision, "version": r.version, "state": r.state, "action": r.action,
             "saved_by": r.saved_by, "saved_at": r.saved_at.isoformat()} for r in rows]


def listing(session: Session, kind: str, country: str | None = None) -> list[dict[str, Any]]:
    stmt = select(SaDocumentRow).where(SaDocumentRow.kind == kind)
    if country is not None:
        stmt = stmt.where(SaDocumentRow.country_iso3 == country)
    stmt = stmt.order_by(SaDocumentRow.country_iso3, SaDocumentRow.round_id)
    return [{"country": r.country_iso3, "round": r.round_id, "state": r.state,
             "version": r.version, "updated_at": r.updated_at.isoformat()}
            for r in session.scalars(stmt)]


# -- actions -------------------------------------------------------------------------------

ACTION_COLUMNS = ("id", "country_iso3", "indicator_id", "title", "responsible_authority",
                  "start_on", "due_on", "resources", "assistance_requested", "status", "notes",
                  "source", "source_ref", "exercise_id", "plan_id", "plan_section", "created_by",
                  "created_at", "updated_at")


def action_json(row: SaActionRow) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in ACTION_COLUMNS:
        value = getattr(row, name)
        out[name] = value.isoformat() if hasattr(value, "isoformat") else value
    return out


def add_action(session: Session, country: str, fields: dict[str, Any], *, source: str,
               source_ref: str | None, created_by: str) -> dict[str, Any]:
    now = utcnow()
    row = SaActionRow(country_iso3=country, source=source, source_ref=source_ref or "",
                      created_by=created_by, created_at=now, updated_at=now,
                      resources="", assistance_requested="", notes="", status="planned")
    for name, value in fields.items():
        setattr(row, name, value)
    session.add(row)
    session.flush()
    if not source_ref:  # a manual action is its own reference
        row.source_ref = f"manual:{row.id}"
        session.flush()
    return action_json(row)


def action_row(session: Session, action_id: int, *, lock: bool = False) -> SaActionRow | None:
    stmt = select(SaActionRow).where(SaActionRow.id == action_id)
    if lock:
        stmt = stmt.with_for_update()
    return session.scalars(stmt).first()


def action_by_source(session: Session, country: str, source: str,
                     source_ref: str) -> SaActionRow | None:
    return session.scalars(select(SaActionRow).where(
        SaActionRow.country_iso3 == country, SaActionRow.source == source,
        SaActionRow.source_ref == source_ref)).first()


def update_action(session: Session, row: SaActionRow, fields: dict[str, Any]) -> dict[str, Any]:
    for name, value in fields.items():
        setattr(row, name, value)
    row.updated_at = utcnow()
    session.flush()
    return action_json(row)


def actions(session: Session, country: str) -> list[dict[str, Any]]:
    rows = session.scalars(select(SaActionRow).where(SaActionRow.country_iso3 == country)
                           .order_by(SaActionRow.indicator_id, SaActionRow.due_on, SaActionRow.id))
    return [action_json(r) for r in rows]
