"""The hash-chained audit log: any change to a past entry (any column), a cut at the end, an
emptied log or a downgrade to the older hash rule fails verification; old entries verify."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hazatlas.domain.audit import (
    CURRENT_VERSION,
    GENESIS,
    AuditEntry,
    Head,
    append,
    at_text,
    chain,
    entry_hash,
    kind_of,
    report_of,
    seal,
    verify,
    verify_log,
)

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


# --- hash rule 2: every stored column; old entries; the head row ---------------------------

AT = dt.datetime(2026, 3, 1, 12, 0, 0, 123456, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("kind", "tampered"),
        ("report_id", "ROU-2026-0002"),
        ("report_id", None),
        ("at", "2026-03-01T12:00:01.123456+00:00"),
        ("seq", 99),
        ("version", 1),
        ("version", 7),
        ("prev_hash", "1" * 64),
        ("hash", "2" * 64),
        ("event", "not json"),
        ("event", "[1, 2]"),
    ],
)
def test_changing_any_column_is_detected_at_that_entry(column: str, value: object) -> None:
    log = chain(EVENTS, at=AT)
    assert all(e.version == CURRENT_VERSION for e in log) and verify(log).ok
    log[2] = dataclasses.replace(log[2], **{column: value})
    result = verify(log)
    assert not result.ok and result.bad_index == 2 and result.bad_seq == 2, result
    assert "seq 2" in result.reason


def test_the_time_is_hashed_as_an_instant() -> None:
    log = chain(EVENTS[:2], at=AT)
    # the same instant as SQLite gives it back (no zone) and in another zone: still valid
    naive = [dataclasses.replace(e, at="2026-03-01 12:00:00.123456") for e in log]
    assert verify(naive).ok
    cet = dt.timezone(dt.timedelta(hours=1))
    assert verify([dataclasses.replace(e, at=AT.astimezone(cet)) for e in log]).ok
    assert at_text(AT) == "2026-03-01T12:00:00.123456Z"


def test_seal_is_the_rule_that_verify_checks() -> None:
    sealed = seal(GENESIS, 0, AT, EVENTS)
    entries = [
        AuditEntry(s.seq, s.body.decode(), s.prev_hash, s.hash, s.version, AT, s.kind, s.report_id)
        for s in sealed
    ]
    assert verify(entries).ok
    first = EVENTS[0]
    assert sealed[0].hash == entry_hash(GENESIS, first, 2, 0, AT)
    assert sealed[0].kind == "created" and sealed[0].report_id == "ROU-2026-0001"


def old_chain(events: list[dict]) -> list[AuditEntry]:
    """Entries as written before hash rule 2 (event only; at, kind, report_id not hashed)."""
    log, prev = [], GENESIS
    for seq, event in enumerate(events):
        digest = entry_hash(prev, event)
        log.append(AuditEntry(seq, event, prev, digest, 1, AT, kind_of(event), report_of(event)))
        prev = digest
    return log


def test_old_entries_verify_and_new_ones_follow() -> None:
    log = old_chain(EVENTS[:3])
    log.append(append(log, EVENTS[3], at=AT))
    assert [e.version for e in log] == [1, 1, 1, 2]
    head = Head(3, log[-1].hash, cutover_seq=3)
    assert verify_log(log, head).ok
    # the old rule does not hash kind/report_id, but they must still be the event's
    edited = list(log)
    edited[1] = dataclasses.replace(edited[1], kind="x")
    assert verify_log(edited, head).bad_seq == 1


def test_a_new_entry_cannot_be_downgraded_to_the_old_rule() -> None:
    log = chain(EVENTS[:3], at=AT)
    # rehash the last entry with rule 1: versions may not go down along the chain
    last = log[2]
    downgraded = dataclasses.replace(last, version=1, hash=entry_hash(last.prev_hash, last.event))
    result = verify([*log[:2], downgraded])
    assert result.bad_index == 2 and "versions only go up" in result.reason
    # the first new entry rehashed with rule 1: the head row's cut-over says it must be 2
    first = log[0]
    alone = [dataclasses.replace(first, version=1, hash=entry_hash(GENESIS, first.event))]
    result = verify_log(alone, Head(0, alone[0].hash, cutover_seq=0))
    assert result.bad_seq == 0 and "after the cut-over" in result.reason


@pytest.mark.parametrize(
    ("head", "witnesses", "bad_seq", "reason"),
    [
        (Head(5, "a" * 64, 0), 0, 0, "log emptied"),
        (Head(-1, "b" * 64, None), 0, 0, "log emptied"),
        (Head(-1, GENESIS, None), 2, 0, "log emptied"),
        (None, 1, 0, "log emptied"),
    ],
)
def test_an_emptied_log_fails(head, witnesses, bad_seq, reason) -> None:
    result = verify_log([], head, witnesses=witnesses)
    assert not result.ok and result.bad_seq == bad_seq and reason in result.reason


@pytest.mark.parametrize("head", [None, Head(-1, GENESIS)])
def test_a_log_never_written_is_empty(head) -> None:
    result = verify_log([], head)
    assert result.ok and result.empty and result.entries == 0


def test_the_head_row_must_match_the_end() -> None:
    log = chain(EVENTS, at=AT)
    good = Head(5, log[-1].hash, 0)
    assert verify_log(log, good).ok
    assert verify_log(log[:-2], good).bad_seq == 4  # cut from the end
    assert verify_log(log, Head(4, log[-2].hash, 0)).bad_seq == 5  # added past the head
    assert verify_log(log, Head(5, "c" * 64, 0)).bad_seq == 5  # head replaced
    assert "missing" in verify_log(log, None).reason
    assert "rebuilt" in verify_log(log, Head(5, log[-1].hash, 0, rebuilt_at="t")).reason


@settings(max_examples=50, deadline=None)
@given(
    st.lists(events, min_size=2, max_size=6),
    st.data(),
    st.sampled_from(["seq", "at", "kind", "report_id", "version", "event", "prev_hash"]),
)
def test_any_single_column_change_is_detected(evs, data, column) -> None:
    log = chain(evs, at=AT)
    assert verify(log).ok
    i = data.draw(st.integers(0, len(log) - 1))
    old = getattr(log[i], column)
    draw = {
        "seq": lambda: old + data.draw(st.integers(1, 5)),
        "at": lambda: AT + dt.timedelta(microseconds=data.draw(st.integers(1, 10**9))),
        "kind": lambda: old + data.draw(st.text(min_size=1, max_size=3)),
        "report_id": lambda: data.draw(st.none() | st.text(max_size=5)),
        "version": lambda: data.draw(st.sampled_from([0, 1, 3])),
        "event": lambda: {**log[i].event, "_changed": data.draw(json_values)},
        "prev_hash": lambda: data.draw(st.text(min_size=1, max_size=64)),
    }
    new = draw[column]()
    if new == old:
        return
    log[i] = dataclasses.replace(log[i], **{column: new})
    assert verify(log).bad_index == i


@settings(max_examples=100, deadline=None)
@given(
    st.integers(-(2**40), 2**40),
    st.text(),
    st.text(),
    st.none() | st.text(),
)
def test_the_hashed_header_is_canonical_json(seq, at, kind, report_id) -> None:
    """The header is built directly on the hot path: the same bytes as canonical JSON."""
    from hazatlas.domain.audit import _canonical, _header

    assert _header(2, seq, at, kind, report_id) == _canonical([2, seq, at, kind, report_id])
