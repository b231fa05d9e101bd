"""Queries of joint contingency plans (``plan``, ``plan_version``): the use cases, access rules
and audit are :mod:`hazatlas.services.plans`'s."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hazatlas.storage.plan_tables import PlanRow, PlanVersionRow
from hazatlas.storage.tables import utcnow


def exists(session: Session, plan_id: str) -> bool:
    return session.get(PlanRow, plan_id) is not None


def lock(session: Session, plan_id: str) -> bool:
    """Lock the plan's row for the transaction on PostgreSQL (one writer at a time); False if
    there is no such plan."""
    return session.scalars(select(PlanRow.id).where(PlanRow.id == plan_id)
                           .with_for_update()).first() is not None


def save(session: Session, document: dict[str, Any], *, action: str, saved_by: str) -> int:
    """Store ``document`` as the plan's next revision (a new row) and update the plan's row
    (created if new); returns the revision."""
    now = utcnow()
    last = session.scalar(select(func.max(PlanVersionRow.revision))
                          .where(PlanVersionRow.plan_id == document["id"])) or 0
    row = session.get(PlanRow, document["id"])
    if row is None:
        row = PlanRow(id=document["id"], created_by=saved_by, created_at=now)
        session.add(row)
    row.title, row.area_kind, row.area = document["title"], document["area_kind"], document["area"]
    row.form, row.parties, row.public = document["form"], list(document["parties"]), document["public"]
    row.version, row.revision, row.updated_at = document["version"], last + 1, now
    session.flush()
    session.add(PlanVersionRow(plan_id=document["id"], revision=last + 1,
                               version=document["version"], action=action, saved_by=saved_by,
                               saved_at=now, document=document))
    return last + 1


def current(session: Session, plan_id: str) -> dict[str, Any] | None:
    row = session.get(PlanRow, plan_id)
    if row is None:
        return None
    got = session.get(PlanVersionRow, (plan_id, row.revision))
    return None if got is None else dict(got.document)


def of_version(session: Session, plan_id: str, version: int) -> dict[str, Any] | None:
    """The last saved document of content version ``version``, or None."""
    got = session.scalars(select(PlanVersionRow)
                          .where(PlanVersionRow.plan_id == plan_id, PlanVersionRow.version == version)
                          .order_by(PlanVersionRow.revision.desc()).limit(1)).first()
    return None if got is None else dict(got.document)


def revisions(session: Session, plan_id: str) -> list[dict[str, Any]]:
    rows = session.scalars(select(PlanVersionRow).where(PlanVersionRow.plan_id == plan_id)
                           .order_by(PlanVersionRow.revision))
    return [{"revision": r.revision, "version": r.version, "action": r.action,
             "saved_by": r.saved_by, "saved_at": r.saved_at.isoformat()} for r in rows]


def listing(session: Session) -> list[dict[str, Any]]:
    """Every plan's current document, by id."""
    ids = list(session.scalars(select(PlanRow.id).order_by(PlanRow.id)))
    return [doc for doc in (current(session, i) for i in ids) if doc is not None]
