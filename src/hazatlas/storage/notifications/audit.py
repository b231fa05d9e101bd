"""The audit chain's repository: the head row's lock and the appends, the snapshot read by
``hazatlas audit verify``.

The hashes are computed by :func:`hazatlas.domain.audit.seal` (the one implementation of the
rule used to write); this module only stores what it returns.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator, Mapping, Sequence
from typing import Any
from typing import cast as typed

from sqlalchemy import Table, Text, cast, func, select, text, type_coerce, update
from sqlalchemy.orm import Session

from hazatlas.domain import audit as chain
from hazatlas.storage.notification_tables import (
    AuditHeadRow,
    AuditRow,
    AuthorityRow,
    ContactRow,
    ReportRow,
)

_HEAD = typed(Table, AuditHeadRow.__table__)
_AUDIT = typed(Table, AuditRow.__table__)


def _lock_head(session: Session) -> list[Any]:
    """Lock the chain head (the first write of the transaction takes the lock on SQLite) and
    return ``[seq, hash]``, kept for the rest of the transaction.

    A missing head row is created: at genesis when there are no entries; otherwise from the
    last entry, with ``rebuilt_at`` set, so that ``hazatlas audit verify`` reports that entries
    cut from the end before then can no longer be ruled out (notifications keep flowing).
    """
    info = session.info.get("audit_head")
    if info is not None and info[0] is session.get_transaction():
        return info[1]
    stmt = update(_HEAD).where(_HEAD.c.id == 1).values(seq=_HEAD.c.seq)
    found = session.execute(stmt.returning(_HEAD.c.seq, _HEAD.c.hash)).first()
    if found is not None:  # locked and read in one statement
        head = [found[0], found[1]]
        session.info["audit_head"] = (session.get_transaction(), head)
        return head
    last = session.execute(
        select(AuditRow.seq, AuditRow.hash).order_by(AuditRow.seq.desc()).limit(1)
    ).first()
    values: dict[str, Any] = {"id": 1, "seq": -1, "hash": chain.GENESIS}
    if last is not None:
        cutover = session.execute(
            select(func.min(AuditRow.seq)).where(AuditRow.hash_version >= chain.CURRENT_VERSION)
        ).scalar()
        values.update(
            seq=last[0], hash=last[1], cutover_seq=cutover, rebuilt_at=dt.datetime.now(dt.UTC)
        )
    session.execute(_HEAD.insert(), values)
    seq, hsh = session.execute(select(_HEAD.c.seq, _HEAD.c.hash).where(_HEAD.c.id == 1)).one()
    head = [seq, hsh]
    session.info["audit_head"] = (session.get_transaction(), head)
    return head


def worker_write(session: Session) -> None:
    """:func:`begin_write` for the outbox worker's claim and record transactions.

    On PostgreSQL they commit without waiting for the WAL flush (``synchronous_commit`` off
    for this transaction only), so the chain head is not held during an fsync. If the
    database server crashes, such a transaction may be lost, never half-applied: the
    delivery is then claimed and sent again with the same idempotency key, which the
    receiver drops, and the chain stays consistent. Reports, acknowledgements and escalations
    keep durable commits.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET LOCAL synchronous_commit TO OFF"))
    _lock_head(session)


def begin_write(session: Session) -> None:
    """Take the notifications write lock (the audit head row) as the first statement.

    Every notification write goes through the audit chain, so the writes are serialised on
    its head anyway; taking the lock first means that what the transaction reads next is not
    changed under it (on SQLite it also takes the database write lock before any read).
    """
    _lock_head(session)


def append_audit(session: Session, events: Sequence[Mapping[str, Any]]) -> str:
    """Append events to the hash chain in this transaction; return the new head hash.

    The head row is locked first, so concurrent writers append one after the other. The
    entries are hashed by :func:`hazatlas.domain.audit.seal` (the current rule, over every
    stored column); the head row records the first entry written with that rule.
    """
    if not events:
        return ""
    head = _lock_head(session)
    seq, prev = head
    now = dt.datetime.now(dt.UTC)
    sealed = chain.seal(prev, seq + 1, now, events)
    if session.get_bind().dialect.name == "postgresql":
        _copy_audit(session, now, sealed)
    else:
        session.execute(
            _AUDIT.insert(),
            [
                {
                    "seq": e.seq,
                    "at": now,
                    "kind": e.kind,
                    "report_id": e.report_id,
                    "event": json.loads(e.body),
                    "prev_hash": e.prev_hash,
                    "hash": e.hash,
                    "hash_version": e.version,
                }
                for e in sealed
            ],
        )
    last = sealed[-1]
    session.execute(
        update(_HEAD)
        .where(_HEAD.c.id == 1)
        .values(
            seq=last.seq,
            hash=last.hash,
            cutover_seq=func.coalesce(_HEAD.c.cutover_seq, sealed[0].seq),
        )
    )
    head[0], head[1] = last.seq, last.hash
    return last.hash


def _copy_audit(session: Session, at: dt.datetime, rows: Sequence[chain.Sealed]) -> None:
    """PostgreSQL: the entries by ``COPY`` on the session's connection (a multi-row INSERT
    of this many parameters costs more to prepare than to run); the event goes in as the
    canonical JSON text that was hashed."""
    driver = session.connection().connection.driver_connection
    columns = "seq, at, kind, report_id, event, prev_hash, hash, hash_version"
    with driver.cursor() as cur:  # type: ignore[union-attr]
        with cur.copy(f"COPY notify_audit ({columns}) FROM STDIN") as copy:
            for e in rows:
                copy.write_row(
                    (
                        e.seq,
                        at,
                        e.kind,
                        e.report_id,
                        e.body.decode("utf-8"),
                        e.prev_hash,
                        e.hash,
                        e.version,
                    )
                )


def audit_snapshot(session: Session) -> None:
    """Make the rest of this (read-only) transaction see one snapshot of the database, so
    that the entries and the head row read by ``hazatlas audit verify`` belong together while
    writers go on appending. Call it first."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY"))
    else:  # the driver opens transactions only before writes; a read transaction is a snapshot
        session.connection().exec_driver_sql("BEGIN")


def audit_head(session: Session) -> chain.Head | None:
    """The head row as stored (``None`` if it is missing)."""
    rebuilt = cast(_HEAD.c.rebuilt_at, Text())  # only shown; text reads any stored value
    row = session.execute(
        select(_HEAD.c.seq, _HEAD.c.hash, _HEAD.c.cutover_seq, rebuilt).where(_HEAD.c.id == 1)
    ).first()
    return None if row is None else chain.Head(row[0], row[1], row[2], row[3])


def audit_witnesses(session: Session) -> int:
    """How many of the directory and report tables hold rows (0 to 3). Each of those rows
    was written together with an audit entry, so they witness that the log was not empty."""
    found = 0
    for table in (AuthorityRow, ContactRow, ReportRow):
        key = next(iter(typed(Table, table.__table__).primary_key.columns))
        found += session.execute(select(key).limit(1)).first() is not None
    return found


def audit_entries(session: Session, batch: int = 5000) -> Iterator[chain.AuditEntry]:
    """Every entry in sequence order (read in batches), with the columns as stored: the event
    as its JSON text and the time unconverted, so that a damaged value is reported by the
    verification instead of failing the read."""
    t = _AUDIT.c
    dialect = session.get_bind().dialect.name
    # raw text: SQLite would parse the JSON and the time on reading and fail on a damaged value
    event = cast(t.event, Text()) if dialect == "postgresql" else type_coerce(t.event, Text())
    if dialect == "postgresql":  # as text: the driver cannot load 'infinity' or BC times
        at: Any = func.to_char(func.timezone("UTC", t.at), 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
    else:
        at = type_coerce(t.at, Text())
    columns = (t.seq, at, t.kind, t.report_id, event, t.prev_hash, t.hash, t.hash_version)
    last = None
    while True:
        stmt = select(*columns).order_by(t.seq).limit(batch)
        if last is not None:
            stmt = stmt.where(t.seq > last)
        rows = session.execute(stmt).all()
        if not rows:
            return
        for seq, at, kind, report_id, event, prev_hash, digest, version in rows:
            yield chain.AuditEntry(seq, event, prev_hash, digest, version, at, kind, report_id)
        last = rows[-1][0]
