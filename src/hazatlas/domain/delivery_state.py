"""Per-recipient delivery of a notification: a state machine of pure transition functions.

One :class:`Delivery` follows one message (report) to one recipient (a contact's channel)::

    draft -> issued -> sent -> delivered -> acknowledged -> closed
                        |  ^        |
            (retryable) v  | (retry) +--> escalated (no acknowledgement in time) -> closed
                       failed --> dead_letter (permanent failure or attempts used up)

Each function takes a delivery and returns a new one, or raises :class:`IllegalTransition`
when the event is not allowed in the current state. Nothing here does input or output; the
outbox worker stores the result and writes one audit event per transition.

>>> at = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)
>>> d = issue(new_delivery("rep-1", "ROU/ian-poc/email"), at, ack_deadline=at)
>>> d = start_attempt(d, at)
>>> d = record_outcome(d, DeliveryOutcome.delivered(), at)
>>> acknowledge(d, at).state
<DeliveryState.ACKNOWLEDGED: 'acknowledged'>
>>> acknowledge(new_delivery("rep-1", "x"), at)
Traceback (most recent call last):
...
hazatlas.domain.delivery_state.IllegalTransition: cannot acknowledge delivery of message ...
in state 'draft'; allowed from: sent, delivered, failed, dead_letter, escalated
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum

from hazatlas.domain.errors import ConflictError, Problem, ValidationError


class DeliveryState(StrEnum):
    DRAFT = "draft"
    ISSUED = "issued"
    SENT = "sent"
    DELIVERED = "delivered"
    FAILED = "failed"
    DEAD_LETTER = "dead_letter"
    ACKNOWLEDGED = "acknowledged"
    ESCALATED = "escalated"
    CLOSED = "closed"


class DeliveryEvent(StrEnum):
    ISSUE = "issue"
    START_ATTEMPT = "start_attempt"
    DELIVER = "deliver"
    FAIL = "fail"
    DEAD_LETTER = "dead_letter"
    REQUEUE = "requeue"
    ACKNOWLEDGE = "acknowledge"
    ESCALATE = "escalate"
    CLOSE = "close"


S = DeliveryState
E = DeliveryEvent

#: Allowed transitions: (event, from state) -> to state. Everything else is illegal.
TRANSITIONS: dict[tuple[DeliveryEvent, DeliveryState], DeliveryState] = {
    (E.ISSUE, S.DRAFT): S.ISSUED,
    (E.START_ATTEMPT, S.ISSUED): S.SENT,
    (E.START_ATTEMPT, S.FAILED): S.SENT,
    (E.DELIVER, S.SENT): S.DELIVERED,
    (E.FAIL, S.SENT): S.FAILED,
    (E.DEAD_LETTER, S.SENT): S.DEAD_LETTER,
    (E.DEAD_LETTER, S.FAILED): S.DEAD_LETTER,
    (E.REQUEUE, S.DEAD_LETTER): S.ISSUED,
    # An acknowledgement proves receipt, whatever the sender recorded about delivery.
    (E.ACKNOWLEDGE, S.SENT): S.ACKNOWLEDGED,
    (E.ACKNOWLEDGE, S.DELIVERED): S.ACKNOWLEDGED,
    (E.ACKNOWLEDGE, S.FAILED): S.ACKNOWLEDGED,
    (E.ACKNOWLEDGE, S.DEAD_LETTER): S.ACKNOWLEDGED,
    (E.ACKNOWLEDGE, S.ESCALATED): S.ACKNOWLEDGED,
    (E.ESCALATE, S.SENT): S.ESCALATED,
    (E.ESCALATE, S.DELIVERED): S.ESCALATED,
    (E.ESCALATE, S.FAILED): S.ESCALATED,
    (E.ESCALATE, S.DEAD_LETTER): S.ESCALATED,
    (E.CLOSE, S.ISSUED): S.CLOSED,
    (E.CLOSE, S.DELIVERED): S.CLOSED,
    (E.CLOSE, S.FAILED): S.CLOSED,
    (E.CLOSE, S.DEAD_LETTER): S.CLOSED,
    (E.CLOSE, S.ACKNOWLEDGED): S.CLOSED,
    (E.CLOSE, S.ESCALATED): S.CLOSED,
}

#: States in which the message has left hazatlas and no acknowledgement has come yet.
AWAITING_ACK = frozenset({S.SENT, S.DELIVERED, S.FAILED, S.DEAD_LETTER})


class IllegalTransition(ConflictError):
    """An event that the delivery's current state does not allow."""


class OutcomeKind(StrEnum):
    DELIVERED = "delivered"
    RETRY = "retry"
    PERMANENT_FAILURE = "permanent_failure"


@dataclass(frozen=True)
class DeliveryOutcome:
    """What a channel adapter (SMTP, webhook) reports after one attempt.

    ``retry_at`` is set for :attr:`OutcomeKind.RETRY`; ``reason`` says what went wrong;
    ``detail`` holds the channel's own answer (SMTP reply, HTTP status).
    """

    kind: OutcomeKind
    reason: str = ""
    retry_at: dt.datetime | None = None
    detail: str = ""

    @classmethod
    def delivered(cls, detail: str = "") -> DeliveryOutcome:
        return cls(OutcomeKind.DELIVERED, detail=detail)

    @classmethod
    def retry(cls, retry_at: dt.datetime, reason: str, detail: str = "") -> DeliveryOutcome:
        return cls(OutcomeKind.RETRY, reason, retry_at, detail)

    @classmethod
    def permanent(cls, reason: str, detail: str = "") -> DeliveryOutcome:
        return cls(OutcomeKind.PERMANENT_FAILURE, reason, None, detail)


@dataclass(frozen=True)
class Delivery:
    """State of one message to one recipient. Times are timezone-aware."""

    message_id: str
    recipient_id: str
    state: DeliveryState = DeliveryState.DRAFT
    attempts: int = 0
    next_attempt_at: dt.datetime | None = None
    last_error: str = ""
    ack_deadline: dt.datetime | None = None
    updated_at: dt.datetime | None = None
    delivered_at: dt.datetime | None = None
    acknowledged_at: dt.datetime | None = None
    escalated_at: dt.datetime | None = None
    closed_at: dt.datetime | None = None

    @property
    def idempotency_key(self) -> str:
        return idempotency_key(self.message_id, self.recipient_id)


def idempotency_key(message_id: str, recipient_id: str) -> str:
    """Stable key of one (message, recipient) pair, sent with every attempt.

    A receiver that has seen the key before must not show the message again. The key is the
    SHA-256 of both identifiers, so it is the same after a restart of the worker.

    >>> idempotency_key("rep-1", "ROU/poc/email") == idempotency_key("rep-1", "ROU/poc/email")
    True
    >>> idempotency_key("rep-1", "a,b") != idempotency_key("rep-1,a", "b")
    True
    """
    data = f"hazatlas-delivery-v1\x00{message_id}\x00{recipient_id}".encode()
    return hashlib.sha256(data).hexdigest()


def new_delivery(message_id: str, recipient_id: str) -> Delivery:
    """A delivery in state draft."""
    return Delivery(message_id, recipient_id)


def _move(d: Delivery, event: DeliveryEvent, at: dt.datetime, **changes: object) -> Delivery:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValidationError([Problem("delivery", None, "at", "time has no time zone")])
    target = TRANSITIONS.get((event, d.state))
    if target is None:
        allowed = ", ".join(s.value for (e, s) in TRANSITIONS if e == event)
        raise IllegalTransition(
            f"cannot {event.value.replace('_', ' ')} delivery of message {d.message_id!r} to "
            f"{d.recipient_id!r} in state {d.state.value!r}; allowed from: {allowed}"
        )
    return replace(d, state=target, updated_at=at, **changes)  # type: ignore[arg-type]


def issue(d: Delivery, at: dt.datetime, ack_deadline: dt.datetime | None = None) -> Delivery:
    """draft -> issued; ``ack_deadline`` is when escalation starts if nobody acknowledged."""
    if ack_deadline is not None and ack_deadline.tzinfo is None:
        raise ValidationError([Problem("delivery", None, "ack_deadline", "no time zone")])
    return _move(d, E.ISSUE, at, ack_deadline=ack_deadline, next_attempt_at=at)


def start_attempt(d: Delivery, at: dt.datetime) -> Delivery:
    """issued|failed -> sent: the worker hands the message to the channel (attempt + 1).

    A failed delivery may only be retried at or after its ``next_attempt_at``.
    """
    if d.state == S.FAILED and d.next_attempt_at is not None and at < d.next_attempt_at:
        raise IllegalTransition(
            f"delivery of {d.message_id!r} to {d.recipient_id!r} may not be retried before "
            f"{d.next_attempt_at.isoformat()}"
        )
    return _move(d, E.START_ATTEMPT, at, attempts=d.attempts + 1, next_attempt_at=None)


def record_outcome(
    d: Delivery, outcome: DeliveryOutcome, at: dt.datetime, max_attempts: int = 10
) -> Delivery:
    """sent -> delivered | failed (retry later) | dead_letter, from an adapter's outcome.

    A retryable failure becomes dead_letter once ``max_attempts`` attempts have been made, or
    if the adapter gave no retry time.
    """
    if outcome.kind == OutcomeKind.DELIVERED:
        return _move(d, E.DELIVER, at, delivered_at=at, last_error="")
    if (
        outcome.kind == OutcomeKind.RETRY
        and outcome.retry_at is not None
        and d.attempts < max_attempts
    ):
        return _move(d, E.FAIL, at, next_attempt_at=outcome.retry_at, last_error=outcome.reason)
    reason = outcome.reason
    if outcome.kind == OutcomeKind.RETRY:
        reason = f"gave up after {d.attempts} attempts: {outcome.reason}"
    return _move(d, E.DEAD_LETTER, at, next_attempt_at=None, last_error=reason)


def dead_letter(d: Delivery, at: dt.datetime, reason: str) -> Delivery:
    """sent|failed -> dead_letter (an operator or the worker gives up)."""
    return _move(d, E.DEAD_LETTER, at, next_attempt_at=None, last_error=reason)


def requeue(d: Delivery, at: dt.datetime) -> Delivery:
    """dead_letter -> issued: an operator sends it again (attempts start from zero)."""
    return _move(d, E.REQUEUE, at, attempts=0, next_attempt_at=at)


def acknowledge(d: Delivery, at: dt.datetime) -> Delivery:
    """-> acknowledged: the recipient confirmed receipt (signed link or API)."""
    return _move(d, E.ACKNOWLEDGE, at, acknowledged_at=at, next_attempt_at=None)


def escalate(d: Delivery, at: dt.datetime) -> Delivery:
    """-> escalated: no acknowledgement in time; the next contact of the country gets it.

    Pending retries stop. A late acknowledgement is still accepted.
    """
    return _move(d, E.ESCALATE, at, escalated_at=at, next_attempt_at=None)


def close(d: Delivery, at: dt.datetime) -> Delivery:
    """-> closed (end of alert, or the sender closes the message). Not while an attempt runs."""
    return _move(d, E.CLOSE, at, closed_at=at, next_attempt_at=None)


def due_for_escalation(d: Delivery, now: dt.datetime) -> bool:
    """Whether the acknowledgement deadline has passed without an acknowledgement."""
    return d.state in AWAITING_ACK and d.ack_deadline is not None and now >= d.ack_deadline


def due_for_attempt(d: Delivery, now: dt.datetime) -> bool:
    """Whether the worker should start an attempt now (issued, or failed and retry time come)."""
    if d.state not in (S.ISSUED, S.FAILED):
        return False
    return d.next_attempt_at is None or now >= d.next_attempt_at


def audit_event(
    before: Delivery, after: Delivery, event: DeliveryEvent, actor: str = "system"
) -> dict[str, object]:
    """A JSON-ready audit record of one transition (for :mod:`hazatlas.domain.audit`)."""
    at = after.updated_at
    return {
        "kind": "delivery." + event.value,
        "at": at.isoformat() if at else None,
        "actor": actor,
        "message_id": after.message_id,
        "recipient_id": after.recipient_id,
        "from": before.state.value,
        "to": after.state.value,
        "attempts": after.attempts,
        "error": after.last_error,
    }


def next_contact(escalation_order: Sequence[str], tried: Iterable[str]) -> str | None:
    """The first contact of a country's escalation order not tried yet, or ``None``.

    >>> next_contact(["HUN/poc", "HUN/piac", "HUN/civil-protection"], {"HUN/poc"})
    'HUN/piac'
    """
    done = set(tried)
    return next((c for c in escalation_order if c not in done), None)


def acknowledged_within(d: Delivery, issued_at: dt.datetime, window: dt.timedelta) -> bool:
    """Whether the recipient acknowledged within ``window`` of ``issued_at`` (test campaigns)."""
    return d.acknowledged_at is not None and d.acknowledged_at - issued_at <= window
