"""Repositories: every read and write of the register goes through here, in the caller's
transaction. Writes record their history in ``change_log``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.orm import Session

from hazatlas.domain.establishment import Establishment
from hazatlas.storage import spatial
from hazatlas.storage.mapping import (
    ESTABLISHMENT_COLUMNS,
    diff,
    establishment_from_values,
    establishment_values,
    item_values,
)
from hazatlas.storage.tables import ChangeRow, EstablishmentRow, InventoryItemRow, utcnow

_CHUNK = 500


@dataclass
class UpsertSummary:
    created: list[str]
    updated: list[str]
    unchanged: list[str]

    def to_dict(self) -> dict[str, int]:
        return {"created": len(self.created), "updated": len(self.updated),
                "unchanged": len(self.unchanged)}


def _chunks(seq: Sequence[Any], n: int = _CHUNK) -> Iterable[Sequence[Any]]:
    for i in range(0, len(seq), n):
        yield seq[i:i + n]


def get_many(session: Session, ids: Sequence[str]) -> dict[str, Establishment]:
    """Establishments by id, with their inventories (missing ids are left out)."""
    out: dict[str, Establishment] = {}
    cols = [getattr(EstablishmentRow, c) for c in ESTABLISHMENT_COLUMNS]
    item_cols = [InventoryItemRow.establishment_id] + [
        getattr(InventoryItemRow, c) for c in (
            "position", "substance_name", "cas_number", "hazard_statements", "clp_classification",
            "seveso_categories", "seveso_entry", "max_quantity_kg", "quantity_basis",
            "physical_state", "storage_unit", "cannot_initiate", "water_hazard_class")]
    for chunk in _chunks(list(ids)):
        rows = session.execute(select(*cols).where(EstablishmentRow.id.in_(chunk))).mappings().all()
        items: dict[str, list[dict[str, Any]]] = {}
        for item in session.execute(
            select(*item_cols).where(InventoryItemRow.establishment_id.in_(chunk))
        ).mappings():
            items.setdefault(item["establishment_id"], []).append(dict(item))
        for row in rows:
            out[row["id"]] = establishment_from_values(dict(row), items.get(row["id"], []))
    return out


def get(session: Session, establishment_id: str) -> Establishment | None:
    return get_many(session, [establishment_id]).get(establishment_id)


def existing_ids(session: Session, ids: Sequence[str]) -> set[str]:
    found: set[str] = set()
    for chunk in _chunks(list(ids)):
        found.update(session.scalars(select(EstablishmentRow.id).where(EstablishmentRow.id.in_(chunk))))
    return found


def upsert_many(session: Session, establishments: Sequence[Establishment], *, actor: str,
                context: str | None = None) -> UpsertSummary:
    """Create or update establishments (matched by id) with their inventories.

    A record whose content is unchanged is left alone (no new version, no history entry);
    re-importing the same file therefore changes nothing.
    """
    now = utcnow()
    ids = [e.id for e in establishments]
    old = get_many(session, ids)
    summary = UpsertSummary([], [], [])
    new_rows: list[dict[str, Any]] = []
    upd_rows: list[dict[str, Any]] = []
    item_rows: list[dict[str, Any]] = []
    replace_items: list[str] = []
    changes: list[dict[str, Any]] = []
    for e in establishments:
        before = old.get(e.id)
        d = diff(before, e)
        if before is not None and not d:
            summary.unchanged.append(e.id)
            continue
        values = establishment_values(e)
        if before is None:
            values.update(version=1, created_at=now, updated_at=now)
            new_rows.append(values)
            summary.created.append(e.id)
            action = "create"
        else:
            values.update(updated_at=now)
            upd_rows.append(values)
            replace_items.append(e.id)
            summary.updated.append(e.id)
            action = "update"
        item_rows.extend({**item_values(item, n), "establishment_id": e.id}
                         for n, item in enumerate(e.inventory))
        changes.append({"entity_type": "establishment", "entity_id": e.id, "action": action,
                        "actor": actor, "at": now, "changes": d, "context": context})
    conn = session.connection()  # Core executemany: no per-row ORM bookkeeping
    if new_rows:
        for chunk in _chunks(new_rows, 5000):
            conn.execute(insert(EstablishmentRow.__table__), list(chunk))
    if upd_rows:
        for chunk in _chunks(upd_rows, 5000):
            session.execute(update(EstablishmentRow), list(chunk))
        for chunk in _chunks(replace_items):
            session.execute(delete(InventoryItemRow).where(
                InventoryItemRow.establishment_id.in_(chunk)))
        for chunk in _chunks(replace_items):
            session.execute(update(EstablishmentRow).where(EstablishmentRow.id.in_(chunk))
                            .values(version=EstablishmentRow.version + 1))
    if item_rows:
        for chunk in _chunks(item_rows, 10000):
            conn.execute(insert(InventoryItemRow.__table__), list(chunk))
    if changes:
        for chunk in _chunks(changes, 5000):
            conn.execute(insert(ChangeRow.__table__), list(chunk))
    return summary


def delete_establishment(session: Session, establishment_id: str, *, actor: str,
                         context: str | None = None) -> bool:
    before = get(session, establishment_id)
    if before is None:
        return False
    session.execute(delete(InventoryItemRow).where(InventoryItemRow.establishment_id == establishment_id))
    session.execute(delete(EstablishmentRow).where(EstablishmentRow.id == establishment_id))
    session.add(ChangeRow(entity_type="establishment", entity_id=establishment_id, action="delete",
                          actor=actor, at=utcnow(), changes=diff(before, None), context=context))
    return True


def version_of(session: Session, establishment_id: str) -> int | None:
    return session.scalar(select(EstablishmentRow.version).where(EstablishmentRow.id == establishment_id))


@dataclass(frozen=True)
class HistoryEntry:
    id: int
    action: str
    actor: str
    at: dt.datetime
    changes: dict[str, list[Any]]
    context: str | None


def history(session: Session, entity_id: str, entity_type: str = "establishment") -> list[HistoryEntry]:
    rows = session.scalars(
        select(ChangeRow).where(ChangeRow.entity_type == entity_type, ChangeRow.entity_id == entity_id)
        .order_by(ChangeRow.id)
    )
    return [HistoryEntry(r.id, r.action, r.actor, r.at, r.changes, r.context) for r in rows]


def record_change(session: Session, *, entity_type: str, entity_id: str, action: str, actor: str,
                  changes: dict[str, Any], context: str | None = None) -> None:
    """Append one entry to the history (for writes outside the establishment table)."""
    session.add(ChangeRow(entity_type=entity_type, entity_id=entity_id, action=action, actor=actor,
                          at=utcnow(), changes=changes, context=context))


@dataclass(frozen=True)
class Query:
    bbox: spatial.BBox | None = None
    country: str | None = None
    within_country: str | None = None
    kind: str | None = None
    limit: int = 100
    offset: int = 0


def query_ids(session: Session, q: Query) -> tuple[list[str], int]:
    """Ids matching the filters, ordered by id, one page of them, and the total count."""
    stmt = select(EstablishmentRow.id)
    if q.bbox is not None:
        stmt = stmt.where(EstablishmentRow.id.in_(spatial.ids_in_bbox(session, q.bbox)))
    if q.country:
        stmt = stmt.where(EstablishmentRow.country_iso3 == q.country)
    if q.kind:
        stmt = stmt.where(EstablishmentRow.kind == q.kind)
    if q.within_country:
        stmt = stmt.where(EstablishmentRow.id.in_(spatial.ids_within_country(session, q.within_country)))
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    page = list(session.scalars(stmt.order_by(EstablishmentRow.id).limit(q.limit).offset(q.offset)))
    return page, int(total)


def all_ids(session: Session) -> list[str]:
    return list(session.scalars(select(EstablishmentRow.id).order_by(EstablishmentRow.id)))
