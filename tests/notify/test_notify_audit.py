"""The hash-chained audit log: any change to a past entry fails verification."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hazatlas.domain.audit import GENESIS, AuditEntry, append, chain, verify

EVENTS = [
    {"kind": k, "message_id": "ROU-2026-0001", "recipient_id": f"HUN/poc/{i}", "n": i}
    for i, k in enumerate(["created", "issued", "sent", "delivered", "acknowledged", "closed"])
]


def test_a_fresh_chain_verifies() -> None:
    log = chain(EVENTS)
    assert verify(log).ok
    assert log[0].prev_hash == GENESIS
    assert [e.seq for e in log] == list(range(len(EVENTS)))
    assert verify(log, expected_head=log[-1].hash).ok


@pytest.mark.parametrize("index", range(len(EVENTS)))
def test_changing_any_entry_is_detected_at_that_entry(index: int) -> None:
    log = chain(EVENTS)
    changed = dict(log[index].event, kind="tampered")
    log[index] = dataclasses.replace(log[index], event=changed)
    result = verify(log)
    assert not result.ok and result.bad_index == index and "changed" in result.reason


@pytest.mark.parametrize("index", range(len(EVENTS) - 1))
def test_deleting_an_entry_is_detected(index: int) -> None:
    log = chain(EVENTS)
    del log[index]
    result = verify(log)
    assert not result.ok and result.bad_index == index


def test_deleting_the_last_entries_needs_the_kept_head() -> None:
    log = chain(EVENTS)
    head = log[-1].hash
    truncated = log[:-2]
    assert verify(truncated).ok  # a hash chain alone cannot see a cut at the end
    result = verify(truncated, expected_head=head)
    assert not result.ok and "removed from the end" in result.reason


def test_reordering_is_detected_even_with_renumbering() -> None:
    log = chain(EVENTS)
    swapped = [log[0], log[2], log[1], *log[3:]]
    assert verify(swapped).bad_index == 1
    renumbered = [dataclasses.replace(e, seq=i) for i, e in enumerate(swapped)]
    assert verify(renumbered).bad_index == 1


def test_rehashing_one_entry_breaks_the_next_link() -> None:
    log = chain(EVENTS)
    forged = append(log[:2], {"kind": "forged"})
    log[2] = dataclasses.replace(forged, seq=2)
    result = verify(log)
    assert not result.ok and result.bad_index == 3


def test_verifying_a_tail() -> None:
    log = chain(EVENTS)
    assert verify(log[3:], start_hash=log[2].hash, start_seq=3).ok
    assert not verify(log[3:]).ok


def test_events_must_be_json() -> None:
    with pytest.raises(ValueError):
        append([], {"x": float("nan")})
    bad = [AuditEntry(0, {"x": float("nan")}, GENESIS, "0" * 64)]
    assert "canonical JSON" in verify(bad).reason


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=8,
)
events = st.dictionaries(st.text(), json_values, min_size=1, max_size=4)


@settings(max_examples=40, deadline=None)
@given(st.lists(events, min_size=2, max_size=6), st.data())
def test_any_single_change_is_detected(evs: list[dict], data: st.DataObject) -> None:
    log = chain(evs)
    assert verify(log).ok
    i = data.draw(st.integers(0, len(log) - 1))
    new_event = dict(log[i].event, **{data.draw(st.text(max_size=3)): data.draw(json_values)})
    if new_event == log[i].event:
        new_event["_changed"] = True
    log[i] = dataclasses.replace(log[i], event=new_event)
    assert verify(log).bad_index == i
