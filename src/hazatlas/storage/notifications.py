"""Repository functions of notifications: directory, reports, outbox deliveries, audit chain.

Every function works inside a session opened by the caller (``Database.transaction()``), so a
use case writes a report, its outbox rows and its audit entries in one transaction.

Times are stored in UTC. SQLite gives them back without a time zone; :func:`aware` puts UTC
back on them.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator, Mapping, Sequence
from types import SimpleNamespace
from typing import Any

from sqlalchemy import (
    Text,
    and_,
    bindparam,
    cast,
    func,
    insert,
    or_,
    select,
    text,
    type_coerce,
    update,
)
from sqlalchemy.orm import Session

from hazatlas.domain import audit as chain
from hazatlas.domain.delivery_state import AWAITING_ACK, Delivery, DeliveryState
from hazatlas.storage.notification_tables import (
    AuditHeadRow,
    AuditRow,
    AuthorityRow,
    CampaignRow,
    ContactRow,
    DeliveryRow,
    NoticeRow,
    ReportRow,
)

_CHUNK = 500


def aware(value: dt.datetime | None) -> dt.datetime | None:
    """``value`` with UTC attached if the database returned it without a time zone."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=dt.UTC)


def utc(value: dt.datetime | None) -> dt.datetime | None:
    """``value`` converted to UTC, for storage (string comparisons on SQLite stay right)."""
    return None if value is None else value.astimezone(dt.UTC)


# --- audit ---------------------------------------------------------------------------------


_HEAD = AuditHeadRow.__table__


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
            AuditRow.__table__.insert(),
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
        key = next(iter(table.__table__.primary_key.columns))
        found += session.execute(select(key).limit(1)).first() is not None
    return found


def audit_entries(session: Session, batch: int = 5000) -> Iterator[chain.AuditEntry]:
    """Every entry in sequence order (read in batches), with the columns as stored: the event
    as its JSON text and the time unconverted, so that a damaged value is reported by the
    verification instead of failing the read."""
    t = AuditRow.__table__.c
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


def audit_for_report(session: Session, report_id: str) -> list[AuditRow]:
    return list(
        session.scalars(
            select(AuditRow).where(AuditRow.report_id == report_id).order_by(AuditRow.seq)
        )
    )


# --- directory -----------------------------------------------------------------------------


def get_authority(session: Session, authority_id: str) -> AuthorityRow | None:
    return session.get(AuthorityRow, authority_id)


def get_contact(session: Session, contact_id: str) -> ContactRow | None:
    return session.get(ContactRow, contact_id)


def list_authorities(session: Session, party: str | None = None) -> list[AuthorityRow]:
    q = select(AuthorityRow).order_by(AuthorityRow.id)
    if party is not None:
        if party.startswith("basin:"):
            q = q.where(AuthorityRow.basin == party.removeprefix("basin:"))
        else:
            q = q.where(AuthorityRow.country_iso3 == party)
    return list(session.scalars(q))


def list_contacts(session: Session, party: str | None = None) -> list[ContactRow]:
    q = select(ContactRow).order_by(ContactRow.party, ContactRow.escalation_order, ContactRow.id)
    if party is not None:
        q = q.where(ContactRow.party == party)
    return list(session.scalars(q))


def escalation_order(session: Session, party: str) -> list[ContactRow]:
    """Active contacts of a country (or basin body) in escalation order."""
    return [c for c in list_contacts(session, party) if c.active]


def parties(session: Session) -> list[str]:
    return list(session.scalars(select(ContactRow.party).distinct().order_by(ContactRow.party)))


def basins(session: Session) -> list[str]:
    q = select(AuthorityRow.basin).where(AuthorityRow.basin.is_not(None)).distinct()
    return [b for b in session.scalars(q) if b]


# --- reports -------------------------------------------------------------------------------


def reports_by_id(session: Session, report_id: str) -> list[ReportRow]:
    return list(session.scalars(select(ReportRow).where(ReportRow.report_id == report_id)))


def get_report(session: Session, sender: str, report_id: str) -> ReportRow | None:
    return session.scalar(
        select(ReportRow).where(ReportRow.sender == sender, ReportRow.report_id == report_id)
    )


def list_reports(session: Session, limit: int = 100, offset: int = 0) -> list[ReportRow]:
    q = select(ReportRow).order_by(ReportRow.created_at.desc(), ReportRow.pk.desc())
    return list(session.scalars(q.limit(limit).offset(offset)))


def recipient_parties(session: Session, report_pks: Sequence[int]) -> dict[int, set[str]]:
    out: dict[int, set[str]] = {}
    for i in range(0, len(report_pks), _CHUNK):
        q = select(DeliveryRow.report_pk, DeliveryRow.party).where(
            DeliveryRow.report_pk.in_(report_pks[i : i + _CHUNK])
        )
        for pk, party in session.execute(q.distinct()):
            out.setdefault(pk, set()).add(party)
    return out


# --- deliveries ----------------------------------------------------------------------------


def to_delivery(row: Any) -> Delivery:
    """The domain :class:`Delivery` of a row."""
    return Delivery(
        message_id=row.message_id,
        recipient_id=row.recipient_id,
        state=DeliveryState(row.state),
        attempts=row.attempts,
        next_attempt_at=aware(row.next_attempt_at),
        last_error=row.last_error or "",
        ack_deadline=aware(row.ack_deadline),
        updated_at=aware(row.updated_at),
        delivered_at=aware(row.delivered_at),
        acknowledged_at=aware(row.acknowledged_at),
        escalated_at=aware(row.escalated_at),
        closed_at=aware(row.closed_at),
    )


def delivery_columns(d: Delivery) -> dict[str, Any]:
    """The column values of a domain delivery's state."""
    return {
        "state": d.state.value,
        "attempts": d.attempts,
        "next_attempt_at": utc(d.next_attempt_at),
        "last_error": d.last_error[:4000],
        "ack_deadline": utc(d.ack_deadline),
        "updated_at": utc(d.updated_at),
        "delivered_at": utc(d.delivered_at),
        "acknowledged_at": utc(d.acknowledged_at),
        "escalated_at": utc(d.escalated_at),
        "closed_at": utc(d.closed_at),
    }


def store_delivery(row: DeliveryRow, d: Delivery) -> None:
    """Write a domain delivery's state back to its row."""
    for name, value in delivery_columns(d).items():
        setattr(row, name, value)


def insert_deliveries(session: Session, values: Sequence[dict[str, Any]]) -> list[Any]:
    """Insert outbox rows (one executemany, no ORM objects); return them as plain objects
    with attribute access by column name, ``id`` included."""
    if not values:
        return []
    if session.get_bind().dialect.name == "postgresql":
        ids = _copy_deliveries(session, values)
    else:
        stmt = insert(_T).returning(_T.c.id, sort_by_parameter_order=True)
        ids = list(session.scalars(stmt, list(values)))
    return [SimpleNamespace(id=i, **v) for i, v in zip(ids, values, strict=True)]


def _copy_deliveries(session: Session, values: Sequence[dict[str, Any]]) -> list[int]:
    """PostgreSQL: ids from the table's sequence, then the rows by ``COPY``."""
    ids = list(
        session.scalars(
            text(
                "SELECT nextval(pg_get_serial_sequence('notify_delivery', 'id')) "
                "FROM generate_series(1, :n)"
            ),
            {"n": len(values)},
        )
    )
    names = ["id", *values[0]]
    driver = session.connection().connection.driver_connection
    with driver.cursor() as cur:  # type: ignore[union-attr]
        with cur.copy(f"COPY notify_delivery ({', '.join(names)}) FROM STDIN") as copy:
            for i, v in zip(ids, values, strict=True):
                copy.write_row([i, *(v[k] for k in names[1:])])
    return ids


def deliveries_of(session: Session, report_pk: int) -> list[DeliveryRow]:
    return list(
        session.scalars(
            select(DeliveryRow).where(DeliveryRow.report_pk == report_pk).order_by(DeliveryRow.id)
        )
    )


def delivery_by_key(session: Session, key: str) -> DeliveryRow | None:
    return session.scalar(select(DeliveryRow).where(DeliveryRow.idempotency_key == key))


def _due(now: dt.datetime) -> Any:
    return or_(
        and_(
            DeliveryRow.state.in_([DeliveryState.ISSUED.value, DeliveryState.FAILED.value]),
            or_(DeliveryRow.next_attempt_at.is_(None), DeliveryRow.next_attempt_at <= now),
        ),
        and_(DeliveryRow.state == DeliveryState.SENT.value, DeliveryRow.claimed_until < now),
    )


_T = DeliveryRow.__table__


def any_due(session: Session, now: dt.datetime) -> bool:
    """Whether any delivery is due (a read without locks: the worker checks before it takes
    the write lock for a claim)."""
    q = select(DeliveryRow.id).where(_due(utc(now))).limit(1)
    return session.scalar(q) is not None


def claim_due(
    session: Session, now: dt.datetime, limit: int, lease_until: dt.datetime, token: str
) -> list[Any]:
    """Claim up to ``limit`` due deliveries for one worker (``token``) until ``lease_until``;
    return them as plain rows (attribute access by column name).

    Due: issued, or failed with its retry time come, or sent with an expired lease (its worker
    died). PostgreSQL: ``SELECT ... FOR UPDATE SKIP LOCKED``; SQLite: one conditional
    ``UPDATE`` (SQLite has one writer at a time, so the claim is atomic).
    """
    now, lease_until = utc(now), utc(lease_until)
    order = (DeliveryRow.next_attempt_at, DeliveryRow.id)
    if session.get_bind().dialect.name == "postgresql":
        q = select(DeliveryRow.id).where(_due(now)).order_by(*order).limit(limit)
        sub = q.with_for_update(skip_locked=True).scalar_subquery()
        stmt = (
            update(_T)
            .where(_T.c.id.in_(sub))
            .values(claim_token=token, claimed_until=lease_until)
            .returning(*_T.c)
        )
        return sorted(session.execute(stmt), key=lambda row: row.id)
    else:
        sub = select(DeliveryRow.id).where(_due(now)).order_by(*order).limit(limit)
        session.execute(
            update(_T)
            .where(_T.c.id.in_(sub.scalar_subquery()))
            .values(claim_token=token, claimed_until=lease_until)
        )
    return list(session.execute(select(_T).where(_T.c.claim_token == token).order_by(_T.c.id)))


def still_sent(session: Session, ids: Sequence[int], token: str) -> list[int]:
    """The ids among ``ids`` still claimed by ``token`` and still ``sent`` (not acknowledged,
    escalated or claimed again by another worker after the lease expired meanwhile); their
    state is the one the claim wrote. PostgreSQL locks them."""
    q = select(_T.c.id).where(
        _T.c.id.in_(ids), _T.c.claim_token == token, _T.c.state == DeliveryState.SENT.value
    )
    if session.get_bind().dialect.name == "postgresql":
        q = q.with_for_update()
    return list(session.scalars(q))


def claimed(session: Session, ids: Sequence[int], token: str) -> list[Any]:
    """The rows among ``ids`` still claimed by ``token`` (a row whose lease expired and was
    claimed again by another worker is not returned)."""
    q = select(_T).where(_T.c.id.in_(ids), _T.c.claim_token == token)
    if session.get_bind().dialect.name == "postgresql":
        q = q.with_for_update()
    return list(session.execute(q))


def save_states(session: Session, changes: Sequence[tuple[int, Delivery, dict[str, Any]]]) -> None:
    """Write new delivery states (and extra columns, same keys for all) in one executemany."""
    if not changes:
        return
    params = []
    for delivery_id, d, extra in changes:
        params.append(
            {
                "_id": delivery_id,
                "state": d.state.value,
                "attempts": d.attempts,
                "next_attempt_at": utc(d.next_attempt_at),
                "last_error": d.last_error[:4000],
                "updated_at": utc(d.updated_at),
                "delivered_at": utc(d.delivered_at),
                **extra,
            }
        )
    values = {k: bindparam(k) for k in params[0] if k != "_id"}
    session.execute(update(_T).where(_T.c.id == bindparam("_id")).values(values), params)


def awaiting_escalation(session: Session, now: dt.datetime, limit: int = 1000) -> list[DeliveryRow]:
    q = (
        select(DeliveryRow)
        .where(
            DeliveryRow.state.in_([s.value for s in AWAITING_ACK]),
            DeliveryRow.ack_deadline <= utc(now),
        )
        .order_by(DeliveryRow.id)
        .limit(limit)
    )
    return list(session.scalars(q))


def dead_letters(session: Session, limit: int = 1000) -> list[DeliveryRow]:
    q = select(DeliveryRow).where(DeliveryRow.state == DeliveryState.DEAD_LETTER.value)
    return list(session.scalars(q.order_by(DeliveryRow.id).limit(limit)))


def last_acknowledged(session: Session) -> dict[str, dt.datetime]:
    """Per contact, the time it last acknowledged any message."""
    q = select(DeliveryRow.contact_id, func.max(DeliveryRow.acknowledged_at)).group_by(
        DeliveryRow.contact_id
    )
    return {c: a for c, at in session.execute(q) if (a := aware(at)) is not None}


def state_counts(session: Session) -> dict[str, int]:
    q = select(DeliveryRow.state, func.count()).group_by(DeliveryRow.state)
    return {state: n for state, n in session.execute(q)}


# --- notices and campaigns -----------------------------------------------------------------


def add_notice(session: Session, report_pk: int, country: str, kind: str, message: str) -> None:
    session.add(NoticeRow(report_pk=report_pk, country_iso3=country, kind=kind, message=message))


def notices(session: Session, country: str | None = None, limit: int = 200) -> list[NoticeRow]:
    q = select(NoticeRow).order_by(NoticeRow.id.desc()).limit(limit)
    if country is not None:
        q = q.where(NoticeRow.country_iso3 == country)
    return list(session.scalars(q))


def get_campaign(session: Session, campaign_id: int) -> CampaignRow | None:
    return session.get(CampaignRow, campaign_id)


def campaign_reports(session: Session, campaign_id: int) -> list[ReportRow]:
    return list(session.scalars(select(ReportRow).where(ReportRow.campaign_id == campaign_id)))
