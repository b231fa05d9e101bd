"""The queries behind the map (:mod:`hazatlas.services.map`): every establishment's public
columns in one read, a cheap stamp that changes whenever the register or its stored
identification changes, and the river reach and risk indices of each stored screening (for the
basin filter and the risk colourings).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hazatlas.storage import export_pages
from hazatlas.storage.tables import AssessmentRow, EstablishmentRow

# The columns the map reads: public fields only (domain.access.PUBLIC_FIELDS).
MAP_COLUMNS = ("id", "name", "kind", "country_iso3", "status", "lon", "lat", "disclosure")


def register_stamp(session: Session) -> tuple[Any, ...]:
    """A value that changes when an establishment is added, changed or deleted, or when the
    stored identification results change (count and newest write time of each)."""
    e = EstablishmentRow.__table__.c
    a = AssessmentRow.__table__.c
    est = session.execute(select(func.count(), func.max(e.updated_at), func.sum(e.version))).one()
    ass = session.execute(select(func.count(), func.max(a.computed_at))
                          .where(a.kind == "classification")).one()
    return (*est, *ass)


def map_rows(session: Session) -> list[tuple[Any, ...]]:
    """``MAP_COLUMNS`` of every establishment, in id order (Core rows, no ORM objects)."""
    e = EstablishmentRow.__table__.c
    stmt = select(*(e[c] for c in MAP_COLUMNS)).order_by(e.id)
    return [tuple(r) for r in session.connection().execute(stmt).all()]


def stored_tiers(session: Session, ids: Sequence[str]) -> dict[str, tuple[str | None, bool | None]]:
    """id -> (Seveso tier, Convention hazardous activity) of the stored identifications."""
    return {eid: (c.seveso_tier, c.convention_hazardous_activity)
            for eid, c in export_pages.stored_classifications(session, ids).items()}


def stored_reaches(session: Session, ids: Sequence[str]) -> dict[str, int | None]:
    """id -> river reach id of the stored screening of ``ids`` (those that have one)."""
    a = AssessmentRow.__table__.c
    reach = a.result["reach_id"].as_string()
    out: dict[str, int | None] = {}
    conn = session.connection()
    for i in range(0, len(ids), 500):
        rows = conn.execute(select(a.establishment_id, reach).where(
            a.kind == "screening", a.establishment_id.in_(ids[i:i + 500]))).all()
        for eid, value in rows:
            out[eid] = int(value) if value not in (None, "", "null") else None
    return out


def _number(value: Any) -> float:
    try:
        return float(value) if value not in (None, "", "null") else float("nan")
    except (TypeError, ValueError):
        return float("nan")


def stored_indices(session: Session, ids: Sequence[str]) -> dict[str, tuple[float, float]]:
    """id -> (WRI, THI) of the stored screening of ``ids`` (NaN where the screening has none),
    for those that have a stored screening."""
    a = AssessmentRow.__table__.c
    wri, thi = a.result["wri"].as_string(), a.result["thi"].as_string()
    out: dict[str, tuple[float, float]] = {}
    conn = session.connection()
    for i in range(0, len(ids), 500):
        rows = conn.execute(select(a.establishment_id, wri, thi).where(
            a.kind == "screening", a.establishment_id.in_(ids[i:i + 500]))).all()
        for eid, w, t in rows:
            out[eid] = (_number(w), _number(t))
    return out
