"""Repositories: every read and write of the register goes through here, in the caller's
transaction (exports read it page by page through :mod:`hazatlas.storage.export_pages`).
Writes record their history in ``change_log``."""

from __future__ import annotations

import datetime as dt
import operator
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import (
    String,
    Table,
    any_,
    bindparam,
    delete,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.orm import Session
from sqlalchemy.types import ARRAY

from hazatlas.domain.access import EntryScope, Scope, entry_scope_columns
from hazatlas.domain.establishment import Disclosure, Establishment
from hazatlas.domain.gc_pause import gc_paused
from hazatlas.domain.register_query import RegisterQuery as Query
from hazatlas.storage import spatial
from hazatlas.storage.mapping import (
    ESTABLISHMENT_COLUMNS,
    INVENTORY_COLUMNS,
    diff,
    diff_comparables,
    establishment_from_values,
    record_parts,
    stored_comparable,
)
from hazatlas.storage.tables import ChangeRow, EstablishmentRow, InventoryItemRow, utcnow

_CHUNK = 500


@dataclass
class UpsertSummary:
    created: list[str]
    updated: list[str]
    unchanged: list[str]

    def to_dict(self) -> dict[str, int]:
        return {
            "created": len(self.created),
            "updated": len(self.updated),
            "unchanged": len(self.unchanged),
        }


def _chunks(seq: Sequence[Any], n: int = _CHUNK) -> Iterable[Sequence[Any]]:
    for i in range(0, len(seq), n):
        yield seq[i : i + n]


def _id_chunks(session: Session, column: Any, ids: Sequence[str]) -> Iterable[Any]:
    """WHERE clauses selecting ``ids`` in as few statements as the dialect allows: one array
    parameter per 20,000 ids on PostgreSQL, ``IN`` lists of 500 on SQLite."""
    if session.get_bind().dialect.name == "postgresql":
        for chunk in _chunks(list(ids), 20_000):
            yield column == any_(bindparam("ids", list(chunk), type_=ARRAY(String)))
    else:
        for chunk in _chunks(list(ids)):
            yield column.in_(chunk)


def _rows_by_id(
    session: Session, ids: Sequence[str]
) -> Iterable[tuple[list[dict[str, Any]], dict[str, list[dict[str, Any]]]]]:
    """Establishment column values and their inventory lines' values, chunk by chunk."""
    cols = [getattr(EstablishmentRow, c) for c in ESTABLISHMENT_COLUMNS]
    item_cols = [InventoryItemRow.establishment_id] + [
        getattr(InventoryItemRow, c) for c in INVENTORY_COLUMNS
    ]
    for est_where, item_where in zip(
        _id_chunks(session, EstablishmentRow.id, ids),
        _id_chunks(session, InventoryItemRow.establishment_id, ids),
        strict=True,
    ):
        rows = [
            dict(zip(ESTABLISHMENT_COLUMNS, r, strict=True))
            for r in session.execute(select(*cols).where(est_where))
        ]
        if not rows:
            continue
        items: dict[str, list[dict[str, Any]]] = {}
        for r in session.execute(select(*item_cols).where(item_where)):
            items.setdefault(r[0], []).append(dict(zip(INVENTORY_COLUMNS, r[1:], strict=True)))
        yield rows, items


def get_many(session: Session, ids: Sequence[str]) -> dict[str, Establishment]:
    """Establishments by id, with their inventories (missing ids are left out)."""
    out: dict[str, Establishment] = {}
    for rows, items in _rows_by_id(session, ids):
        for row in rows:
            out[row["id"]] = establishment_from_values(row, items.get(row["id"], []))
    return out


def get(session: Session, establishment_id: str) -> Establishment | None:
    return get_many(session, [establishment_id]).get(establishment_id)


def _stored_comparables(session: Session, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    """:func:`mapping.comparable` of the stored establishments among ``ids``."""
    out: dict[str, dict[str, Any]] = {}
    for rows, items in _rows_by_id(session, ids):
        for row in rows:
            out[row["id"]] = stored_comparable(row, items.get(row["id"], []))
    return out


_BULK_MIN_ROWS = 100  # below this, a plain Core executemany is as good


_UNSET = object()


def _memoised(process: Any) -> Any:
    """``process`` (a column's bind processor) remembering its last input and its results for
    None and empty dicts/lists: bulk rows share timestamps and mostly empty JSON values."""
    last_in: Any = _UNSET
    last_out: Any = None
    empty: dict[type | None, Any] = {}

    def memo(value: Any) -> Any:
        nonlocal last_in, last_out
        if value is last_in:
            return last_out
        if value is None or (type(value) in (dict, list) and not value):
            key = None if value is None else type(value)
            if key not in empty:
                empty[key] = process(value)
            return empty[key]
        last_in, last_out = value, process(value)
        return last_out

    return memo


def bulk_insert(session: Session, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert many rows (dicts with the same keys) into ``table`` in the session's transaction.

    Values go through the columns' own SQLAlchemy bind processing (JSON, dates, booleans), so
    the stored data are the same as with ``session.execute(insert(table), rows)``; only the
    per-row statement overhead is skipped: one DB-API ``executemany`` on SQLite, ``COPY ...
    FROM STDIN`` on PostgreSQL.
    """
    if not rows:
        return
    stmt = insert(table)
    conn = session.connection()
    dialect = conn.dialect
    if len(rows) < _BULK_MIN_ROWS or dialect.name not in ("sqlite", "postgresql"):
        conn.execute(stmt, list(rows))
        return
    names = list(rows[0])
    compiled = stmt.compile(dialect=dialect, column_keys=names)
    if set(compiled.params) != set(names):  # Python-side defaults to fill in: the plain way
        conn.execute(stmt, list(rows))
        return
    if dialect.name == "sqlite":
        names = list(compiled.positiontup or ())  # the order of the statement's ? marks
    procs = [
        (i, _memoised(p))
        for i, n in enumerate(names)
        if (p := table.c[n].type._cached_bind_processor(dialect)) is not None
    ]

    pick = operator.itemgetter(*names) if len(names) > 1 else (lambda r: (r[names[0]],))

    def values() -> Iterator[tuple[Any, ...]]:
        for r in rows:
            v = pick(r)
            if procs:
                v = list(v)
                for i, p in procs:
                    v[i] = p(v[i])
            yield tuple(v)

    raw: Any = conn.connection.driver_connection  # same connection, same transaction
    if dialect.name == "sqlite":
        cur = raw.cursor()
        try:
            cur.executemany(str(compiled), values())
        finally:
            cur.close()
        return
    quote = dialect.identifier_preparer.quote
    sql = (
        f"COPY {dialect.identifier_preparer.format_table(table)} "
        f"({', '.join(quote(n) for n in names)}) FROM STDIN"
    )
    with raw.cursor() as cur, cur.copy(sql) as copy:
        for v in values():
            copy.write_row(v)


_UPSERT_CHUNK = 10_000  # establishments compared and written per step (bounds the memory)


def upsert_many(
    session: Session,
    establishments: Sequence[Establishment],
    *,
    actor: str,
    context: str | None = None,
) -> UpsertSummary:
    """Create or update establishments (matched by id) with their inventories.

    A record whose content is unchanged is left alone (no new version, no history entry);
    re-importing the same file therefore changes nothing.
    """
    now = utcnow()
    summary = UpsertSummary([], [], [])
    with gc_paused():
        for chunk in _chunks(establishments, _UPSERT_CHUNK):
            _upsert_chunk(session, chunk, summary, now=now, actor=actor, context=context)
    return summary


def _create_diff(after: dict[str, Any]) -> dict[str, list[Any]]:
    """``diff_comparables({}, after)``: every non-empty field as ``[None, value]``."""
    return {k: [None, after[k]] for k in sorted(after) if after[k] not in (None, [], {})}


def _upsert_chunk(
    session: Session,
    establishments: Sequence[Establishment],
    summary: UpsertSummary,
    *,
    now: dt.datetime,
    actor: str,
    context: str | None,
) -> None:
    old = _stored_comparables(session, [e.id for e in establishments])
    new_rows: list[dict[str, Any]] = []
    upd_rows: list[dict[str, Any]] = []
    item_rows: list[dict[str, Any]] = []
    changes: list[dict[str, Any]] = []
    for e in establishments:
        before = old.get(e.id)
        values, items, after = record_parts(e)
        if before is None:
            d = _create_diff(after)
            values.update(version=1, created_at=now, updated_at=now)
            new_rows.append(values)
            summary.created.append(e.id)
            action = "create"
        elif before == after or not (d := diff_comparables(before, after)):
            summary.unchanged.append(e.id)
            continue
        else:
            values.update(updated_at=now)
            upd_rows.append(values)
            summary.updated.append(e.id)
            action = "update"
        eid = e.id
        item_rows.extend({**v, "position": n, "establishment_id": eid} for n, v in enumerate(items))
        level, scope = entry_scope_columns(before, after)
        changes.append(
            {
                "entity_type": "establishment",
                "entity_id": eid,
                "action": action,
                "actor": actor,
                "at": now,
                "changes": d,
                "context": context,
                "disclosure": level,
                "scope": scope,
            }
        )
    del old
    bulk_insert(session, cast(Table, EstablishmentRow.__table__), new_rows)
    if upd_rows:
        for chunk in _chunks(upd_rows, 5000):
            session.execute(update(EstablishmentRow), list(chunk))
        replace_items = [v["id"] for v in upd_rows]
        for where in _id_chunks(session, InventoryItemRow.establishment_id, replace_items):
            session.execute(delete(InventoryItemRow).where(where))
        for where in _id_chunks(session, EstablishmentRow.id, replace_items):
            session.execute(
                update(EstablishmentRow).where(where).values(version=EstablishmentRow.version + 1)
            )
    bulk_insert(session, cast(Table, InventoryItemRow.__table__), item_rows)
    bulk_insert(session, cast(Table, ChangeRow.__table__), changes)


def delete_establishment(
    session: Session, establishment_id: str, *, actor: str, context: str | None = None
) -> bool:
    before = get(session, establishment_id)
    if before is None:
        return False
    session.execute(
        delete(InventoryItemRow).where(InventoryItemRow.establishment_id == establishment_id)
    )
    session.execute(delete(EstablishmentRow).where(EstablishmentRow.id == establishment_id))
    scope = EntryScope.between(Scope.of(before), None)
    session.add(
        ChangeRow(
            entity_type="establishment",
            entity_id=establishment_id,
            action="delete",
            actor=actor,
            at=utcnow(),
            changes=diff(before, None),
            context=context,
            disclosure=str(scope.disclosure),
            scope=scope.to_json(),
        )
    )
    return True


@dataclass(frozen=True)
class HistoryEntry:
    id: int
    action: str
    actor: str
    at: dt.datetime
    changes: dict[str, list[Any]]
    context: str | None
    disclosure: str = "national"  # the strictest level in force when written
    scope: EntryScope | None = None  # who was entitled then (None: unknown)


def history(
    session: Session, entity_id: str, entity_type: str = "establishment"
) -> list[HistoryEntry]:
    """The entity's history, oldest first, unfiltered: callers apply
    :func:`hazatlas.domain.access.history_changes`."""
    rows = session.scalars(
        select(ChangeRow)
        .where(ChangeRow.entity_type == entity_type, ChangeRow.entity_id == entity_id)
        .order_by(ChangeRow.id)
    )
    return [
        HistoryEntry(r.id, r.action, r.actor, r.at, r.changes, r.context, r.disclosure,
                     EntryScope.from_stored(r.disclosure, r.scope))
        for r in rows
    ]


def scopes_of(session: Session, ids: Sequence[str]) -> dict[str, Scope]:
    """The stored access scope (country, disclosure, operator) of each existing id, without
    reading inventories."""
    cols = (EstablishmentRow.id, EstablishmentRow.country_iso3, EstablishmentRow.disclosure,
            EstablishmentRow.operator)
    out: dict[str, Scope] = {}
    for where in _id_chunks(session, EstablishmentRow.id, list(ids)):
        for eid, country, disclosure, op in session.execute(select(*cols).where(where)):
            out[eid] = Scope(eid, country, Disclosure(disclosure), op)
    return out


def record_change(
    session: Session,
    *,
    entity_type: str,
    entity_id: str,
    action: str,
    actor: str,
    changes: dict[str, Any],
    context: str | None = None,
    scope: EntryScope | None = None,
) -> None:
    """Append one entry to the history (for writes outside the establishment table); without
    ``scope`` it is ``national`` of unknown scope (its values for administrators only)."""
    session.add(
        ChangeRow(
            entity_type=entity_type,
            entity_id=entity_id,
            action=action,
            actor=actor,
            at=utcnow(),
            changes=changes,
            context=context,
            disclosure=str(scope.disclosure) if scope else "national",
            scope=scope.to_json() if scope else None,
        )
    )


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
        stmt = stmt.where(
            EstablishmentRow.id.in_(spatial.ids_within_country(session, q.within_country))
        )
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    page = list(session.scalars(stmt.order_by(EstablishmentRow.id).limit(q.limit).offset(q.offset)))
    return page, int(total)


def all_ids(session: Session, country: str | None = None) -> list[str]:
    """Every establishment id (of one ISO3 ``country`` if given), by id."""
    stmt = select(EstablishmentRow.id)
    if country is not None:
        stmt = stmt.where(EstablishmentRow.country_iso3 == country)
    return list(session.scalars(stmt.order_by(EstablishmentRow.id)))
