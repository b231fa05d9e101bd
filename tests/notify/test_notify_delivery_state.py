"""The per-recipient delivery state machine: legal and illegal transitions, properties."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hazatlas.domain.delivery_state import (
    TRANSITIONS,
    Delivery,
    DeliveryEvent,
    DeliveryOutcome,
    DeliveryState,
    IllegalTransition,
    OutcomeKind,
    acknowledge,
    acknowledged_within,
    close,
    dead_letter,
    due_for_attempt,
    due_for_escalation,
    escalate,
    idempotency_key,
    issue,
    new_delivery,
    next_contact,
    record_outcome,
    requeue,
    start_attempt,
)
from hazatlas.domain.errors import ValidationError

T0 = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)
S, E = DeliveryState, DeliveryEvent


def _apply(d: Delivery, event: DeliveryEvent, at: dt.datetime) -> Delivery:
    """Drive one event through the public functions."""
    if event == E.ISSUE:
        return issue(d, at, ack_deadline=at + dt.timedelta(hours=1))
    if event == E.START_ATTEMPT:
        return start_attempt(d, at)
    if event == E.DELIVER:
        return record_outcome(d, DeliveryOutcome.delivered(), at)
    if event == E.FAIL:
        return record_outcome(d, DeliveryOutcome.retry(at, "busy"), at)
    if event == E.DEAD_LETTER:
        return dead_letter(d, at, "gone")
    if event == E.REQUEUE:
        return requeue(d, at)
    if event == E.ACKNOWLEDGE:
        return acknowledge(d, at)
    if event == E.ESCALATE:
        return escalate(d, at)
    return close(d, at)


def _in_state(state: DeliveryState) -> Delivery:
    return Delivery("m1", "r1", state=state, next_attempt_at=None)


@pytest.mark.parametrize(("event", "state"), list(itertools.product(E, S)))
def test_every_pair_is_legal_exactly_when_in_the_table(
    event: DeliveryEvent, state: DeliveryState
) -> None:
    d = _in_state(state)
    target = TRANSITIONS.get((event, state))
    if target is None:
        with pytest.raises(IllegalTransition, match=state.value):
            _apply(d, event, T0)
    else:
        assert _apply(d, event, T0).state == target


def test_happy_path_and_times() -> None:
    d = issue(new_delivery("m1", "r1"), T0, ack_deadline=T0 + dt.timedelta(minutes=30))
    assert due_for_attempt(d, T0)
    d = start_attempt(d, T0)
    assert d.attempts == 1 and d.state == S.SENT
    d = record_outcome(d, DeliveryOutcome.delivered("250 OK"), T0)
    assert d.delivered_at == T0
    assert not due_for_escalation(d, T0 + dt.timedelta(minutes=29))
    assert due_for_escalation(d, T0 + dt.timedelta(minutes=30))
    d = acknowledge(d, T0 + dt.timedelta(minutes=5))
    assert not due_for_escalation(d, T0 + dt.timedelta(hours=5))
    d = close(d, T0 + dt.timedelta(days=1))
    assert d.state == S.CLOSED and d.closed_at == T0 + dt.timedelta(days=1)
    for event in E:
        with pytest.raises(IllegalTransition):
            _apply(d, event, T0)


def test_retry_waits_for_its_time_and_gives_up() -> None:
    d = start_attempt(issue(new_delivery("m", "r"), T0), T0)
    later = T0 + dt.timedelta(minutes=1)
    d = record_outcome(d, DeliveryOutcome.retry(later, "451 busy"), T0, max_attempts=2)
    assert d.state == S.FAILED and d.last_error == "451 busy"
    assert not due_for_attempt(d, T0)
    with pytest.raises(IllegalTransition, match="may not be retried before"):
        start_attempt(d, T0)
    d = start_attempt(d, later)
    d = record_outcome(d, DeliveryOutcome.retry(later, "451 busy"), later, max_attempts=2)
    assert d.state == S.DEAD_LETTER and "gave up after 2 attempts" in d.last_error
    d = requeue(d, later)
    assert d.state == S.ISSUED and d.attempts == 0


def test_permanent_failure_is_dead_letter_then_escalation() -> None:
    d = start_attempt(issue(new_delivery("m", "r"), T0, ack_deadline=T0), T0)
    d = record_outcome(d, DeliveryOutcome.permanent("550 no such user"), T0)
    assert d.state == S.DEAD_LETTER and d.last_error == "550 no such user"
    assert due_for_escalation(d, T0)
    d = escalate(d, T0)
    assert d.state == S.ESCALATED and not due_for_escalation(d, T0)
    assert acknowledge(d, T0).state == S.ACKNOWLEDGED  # a late acknowledgement still counts


def test_naive_times_are_rejected() -> None:
    with pytest.raises(ValidationError):
        issue(new_delivery("m", "r"), dt.datetime(2026, 1, 1))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(list(E)), max_size=25))
def test_random_event_sequences_keep_invariants(events: list[DeliveryEvent]) -> None:
    d = new_delivery("m", "r")
    now = T0
    seen_sent = False
    for event in events:
        now += dt.timedelta(seconds=1)
        try:
            after = _apply(d, event, now)
        except IllegalTransition:
            assert (event, d.state) not in TRANSITIONS
            continue
        assert TRANSITIONS[(event, d.state)] == after.state
        assert after.attempts >= d.attempts or event == E.REQUEUE
        seen_sent |= after.state == S.SENT
        if after.state == S.ACKNOWLEDGED:
            assert seen_sent, "acknowledged without ever being sent"
        if after.state in (S.CLOSED, S.ACKNOWLEDGED, S.ESCALATED, S.DEAD_LETTER):
            assert after.next_attempt_at is None
        d = after
    assert d.idempotency_key == idempotency_key("m", "r")


@given(st.text(), st.text(), st.text(), st.text())
def test_idempotency_keys_differ_for_different_pairs(m1: str, r1: str, m2: str, r2: str) -> None:
    same = (m1, r1) == (m2, r2)
    assert (idempotency_key(m1, r1) == idempotency_key(m2, r2)) == same


def test_outcome_constructors() -> None:
    assert DeliveryOutcome.delivered().kind == OutcomeKind.DELIVERED
    assert DeliveryOutcome.retry(T0, "x").retry_at == T0
    assert DeliveryOutcome.permanent("x").kind == OutcomeKind.PERMANENT_FAILURE


def test_escalation_order_and_campaign_window() -> None:
    order = ["HUN/poc", "HUN/piac", "HUN/civil"]
    assert next_contact(order, []) == "HUN/poc"
    assert next_contact(order, ["HUN/poc", "HUN/piac"]) == "HUN/civil"
    assert next_contact(order, order) is None
    d = start_attempt(issue(new_delivery("test-1", "HUN/poc"), T0), T0)
    assert not acknowledged_within(d, T0, dt.timedelta(hours=1))
    d = acknowledge(d, T0 + dt.timedelta(minutes=59))
    assert acknowledged_within(d, T0, dt.timedelta(hours=1))
    assert not acknowledged_within(d, T0, dt.timedelta(minutes=30))
