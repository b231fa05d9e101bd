"""The outbox's repository: one row per report x recipient channel with the state of
:mod:`hazatlas.domain.delivery_state`; the worker's claims and leases; escalation and
dead-letter queries."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from types import SimpleNamespace
from typing import Any
from typing import cast as typed

from sqlalchemy import Table, and_, bindparam, func, insert, or_, select, text, update
from sqlalchemy.orm import Session

from hazatlas.domain.delivery_state import (
    AWAITING_ACK,
    Delivery,
    DeliveryState,
    idempotency_key,
)
from hazatlas.storage.notification_tables import ContactRow, DeliveryRow
from hazatlas.storage.notifications.times import aware, utc

_T = typed(Table, DeliveryRow.__table__)
_EMPTY: dict[str, Any] = {c.name: None for c in _T.columns if c.name != "id"}


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


def store_delivery(row: DeliveryRow, d: Delivery, **extra: Any) -> None:
    """Write a domain delivery's state back to its row, with other columns (``extra``:
    ``issued_at``, ``acknowledged_by``, the claim)."""
    for name, value in {**delivery_columns(d), **extra}.items():
        setattr(row, name, value)


def draft_deliveries(
    report_pk: int,
    contacts: Sequence[ContactRow],
    message_id: str,
    escalated_from: int | None = None,
) -> list[dict[str, Any]]:
    """Column values (all but ``id``) of new draft outbox rows: one per contact channel."""
    rows = []
    for c in contacts:
        for channel, address in (("email", c.email), ("webhook", c.webhook_url)):
            if not address:
                continue
            recipient_id = f"{c.id}/{channel}"
            rows.append(
                {
                    **_EMPTY,
                    "report_pk": report_pk,
                    "message_id": message_id,
                    "recipient_id": recipient_id,
                    "contact_id": c.id,
                    "party": c.party,
                    "channel": channel,
                    "address": address,
                    "language": list(c.languages or ["en"])[0],
                    "webhook_format": c.webhook_format if channel == "webhook" else None,
                    "secret_ref": c.webhook_secret_ref if channel == "webhook" else None,
                    "idempotency_key": idempotency_key(message_id, recipient_id),
                    "state": DeliveryState.DRAFT.value,
                    "attempts": 0,
                    "last_error": "",
                    "escalated_from": escalated_from,
                }
            )
    return rows


def add_deliveries(session: Session, values: Sequence[dict[str, Any]]) -> list[DeliveryRow]:
    """New outbox rows as ORM objects, inserted at the next flush with the state they have
    then (one INSERT for all)."""
    rows = [DeliveryRow(**v) for v in values]
    session.add_all(rows)
    return rows


def get_delivery(session: Session, delivery_id: int) -> DeliveryRow | None:
    return session.get(DeliveryRow, delivery_id)


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


def any_due(session: Session, now: dt.datetime) -> bool:
    """Whether any delivery is due (a read without locks: the worker checks before it takes
    the write lock for a claim)."""
    q = select(DeliveryRow.id).where(_due(now.astimezone(dt.UTC))).limit(1)
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
    now, lease_until = now.astimezone(dt.UTC), lease_until.astimezone(dt.UTC)
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
        due = select(DeliveryRow.id).where(_due(now)).order_by(*order).limit(limit)
        session.execute(
            update(_T)
            .where(_T.c.id.in_(due.scalar_subquery()))
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
    values: dict[str, Any] = {k: bindparam(k) for k in params[0] if k != "_id"}
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
