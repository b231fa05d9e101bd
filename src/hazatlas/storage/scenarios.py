"""Stored model runs (``scenario`` table): insert, fetch and list (of one establishment, or
all, newest first); the queries of
:mod:`hazatlas.services.scenarios`, which keeps the access rules and the audit."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hazatlas.storage.tables import ScenarioRow, utcnow


@dataclass(frozen=True)
class StoredScenario:
    """One stored run as plain data (detached from the session)."""

    id: str
    kind: str
    establishment_id: str | None
    created_by: str
    created_at: dt.datetime
    parameters: dict[str, Any]
    result: dict[str, Any]


def _plain(row: ScenarioRow) -> StoredScenario:
    return StoredScenario(row.id, row.kind, row.establishment_id, row.created_by,
                          row.created_at, row.parameters, row.result)


def insert(session: Session, *, scenario_id: str, kind: str, establishment_id: str | None,
           created_by: str, parameters: dict[str, Any], result: dict[str, Any]) -> None:
    """Add a run, stamped now."""
    session.add(ScenarioRow(id=scenario_id, kind=kind, establishment_id=establishment_id,
                            created_by=created_by, created_at=utcnow(),
                            parameters=parameters, result=result))


def get(session: Session, scenario_id: str) -> StoredScenario | None:
    """The run with this id, or None."""
    row = session.get(ScenarioRow, scenario_id)
    return None if row is None else _plain(row)


def of_establishment(session: Session, establishment_id: str) -> list[StoredScenario]:
    """The runs linked to an establishment, oldest first."""
    rows = session.scalars(select(ScenarioRow)
                           .where(ScenarioRow.establishment_id == establishment_id)
                           .order_by(ScenarioRow.created_at))
    return [_plain(r) for r in rows]


def listing(session: Session, *, establishment_id: str | None = None,
            kind: str | None = None) -> list[StoredScenario]:
    """Every run, newest first, optionally of one establishment and of one kind."""
    q = select(ScenarioRow).order_by(ScenarioRow.created_at.desc(), ScenarioRow.id)
    if establishment_id is not None:
        q = q.where(ScenarioRow.establishment_id == establishment_id)
    if kind is not None:
        q = q.where(ScenarioRow.kind == kind)
    return [_plain(r) for r in session.scalars(q)]
