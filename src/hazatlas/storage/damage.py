"""Queries of the ``damage_event`` table (``damage_tables.py``), called in a service's
transaction (``services/damage.py``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from hazatlas.domain.damage import Cause, DamageEvent, Extent, Reliability
from hazatlas.storage.damage_tables import DamageEventRow
from hazatlas.storage.tables import utcnow


def _event(r: DamageEventRow) -> DamageEvent:
    return DamageEvent(
        r.establishment_id, r.occurred_on, Cause(r.cause), Extent(r.extent), r.source,
        Reliability(r.reliability), r.hazard_type, tuple(r.affected_units or ()), r.source_url,
        r.notes, r.confidential, r.assessed, r.id, r.recorded_by, r.recorded_at, r.assessed_by,
        r.assessed_at, r.assessment_note, Extent(r.extent_reported),
    )


def insert(session: Session, event: DamageEvent, recorded_by: str) -> DamageEvent:
    row = DamageEventRow(
        establishment_id=event.establishment_id, occurred_on=event.occurred_on,
        cause=str(event.cause), hazard_type=event.hazard_type, extent=str(event.extent),
        extent_reported=str(event.extent), affected_units=list(event.affected_units),
        source=event.source, source_url=event.source_url, reliability=str(event.reliability),
        notes=event.notes, confidential=event.confidential, assessed=event.assessed,
        recorded_by=recorded_by, recorded_at=utcnow(),
    )
    session.add(row)
    session.flush()
    return _event(row)


def get(session: Session, event_id: int) -> DamageEvent | None:
    row = session.get(DamageEventRow, event_id)
    return _event(row) if row is not None else None


def assess(session: Session, event_id: int, *, extent: Extent, assessed_by: str,
           note: str | None, at: dt.datetime | None = None) -> DamageEvent:
    row = session.get(DamageEventRow, event_id)
    assert row is not None
    row.extent = str(extent)
    row.assessed = True
    row.assessed_by = assessed_by
    row.assessed_at = at or utcnow()
    row.assessment_note = note
    session.flush()
    return _event(row)


def for_sites(session: Session, ids: Iterable[str] | None = None, *,
              unassessed: bool = False) -> list[DamageEvent]:
    """Events of the given establishments (all when ``ids`` is None), newest first; only the
    unassessed ones with ``unassessed``."""
    stmt = select(DamageEventRow)
    if ids is not None:
        wanted = list(ids)
        if not wanted:
            return []
        stmt = stmt.where(DamageEventRow.establishment_id.in_(wanted))
    if unassessed:
        stmt = stmt.where(DamageEventRow.assessed.is_(False))
    stmt = stmt.order_by(DamageEventRow.occurred_on.desc(), DamageEventRow.id.desc())
    return [_event(r) for r in session.scalars(stmt)]
