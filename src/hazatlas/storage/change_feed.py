"""The register's history read for the open data feed (issue 17): the establishments' entries of
``change_log``, newest first, a page at a time (keyset on the entry id), and the current names
of the establishments they are about. Nothing is filtered here: what the public may see of an
entry is :func:`hazatlas.domain.access.public_changes`'s to say."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from typing import Any, NamedTuple

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hazatlas.storage.repositories import _id_chunks
from hazatlas.storage.tables import ChangeRow, EstablishmentRow

_BATCH = 500  # entries read per statement


class Change(NamedTuple):
    id: int
    establishment_id: str
    action: str
    at: dt.datetime
    changes: dict[str, list[Any]]


def establishment_changes(session: Session, *, before: int | None = None) -> Iterator[Change]:
    """The establishments' history entries with an id below ``before`` (all: ``None``), newest
    first, read :data:`_BATCH` at a time as the caller consumes them."""
    c = ChangeRow.__table__.c
    stmt = (select(c.id, c.entity_id, c.action, c.at, c.changes)
            .where(c.entity_type == "establishment").order_by(c.id.desc()).limit(_BATCH))
    while True:
        page = session.execute(stmt if before is None else stmt.where(c.id < before)).all()
        for row in page:
            yield Change(row[0], row[1], row[2], _utc(row[3]), row[4] or {})
        if len(page) < _BATCH:
            return
        before = page[-1][0]


def current_names(session: Session, ids: Sequence[str]) -> dict[str, str]:
    """The names (a public field) of those of ``ids`` that exist now."""
    e = EstablishmentRow.__table__.c
    out: dict[str, str] = {}
    for where in _id_chunks(session, e.id, list(ids)):
        out.update(session.execute(select(e.id, e.name).where(where)).tuples().all())
    return out


def last_change_id(session: Session) -> int:
    """The id of the newest establishment history entry (0: none)."""
    c = ChangeRow.__table__.c
    return int(session.scalar(select(func.max(c.id)).where(c.entity_type == "establishment")) or 0)


def _utc(value: dt.datetime) -> dt.datetime:
    """A stored time as an aware UTC time (SQLite gives it back without its zone)."""
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)
