"""Append-only, hash-chained audit log of notification events (pure functions).

Each entry stores its position ``seq``, the time ``at``, the event (a JSON object), the
``kind`` and ``report_id`` taken from the event, the hash of the previous entry, the version of
the hash rule it was written with and its own hash. Two rules exist:

* version 1 (entries written before the cut-over; kept so that old logs still verify)::

    hash[i] = SHA-256( hash[i-1] as 64 hex characters  ||  canonical JSON of event[i] )

* version 2 (every entry written now; :data:`CURRENT_VERSION`) covers every stored column::

    hash[i] = SHA-256( hash[i-1]  ||  canonical JSON of [2, seq, at, kind, report_id]
                       ||  canonical JSON of event[i] )

  with ``at`` as ``YYYY-MM-DDTHH:MM:SS.ffffffZ`` (UTC, microseconds).

``hash[-1]`` = 64 zeros (:data:`GENESIS`). Canonical JSON is UTF-8, keys sorted, no spaces, no
NaN/Infinity. Versions only go up along the chain, so a version-2 entry cannot be passed off
as version 1 (whose rule leaves ``at``, ``kind`` and ``report_id`` out). On every entry,
``kind`` and ``report_id`` must also be the ones the event gives, so editing them is found on
version-1 entries too; only ``at`` of a version-1 entry is not covered.

Changing, deleting or reordering any entry breaks the chain at that entry. Deleting entries
at the *end* leaves a valid shorter chain; the database keeps the last ``seq`` and hash in a
head row (:class:`Head`) that :func:`verify_log` compares with the end of the chain, and a hash
kept outside the database (``expected_head``) also catches a rewrite of that row.

>>> log = chain([{"kind": "created", "id": "r1"}, {"kind": "sent", "id": "r1"}])
>>> verify(log).ok
True
>>> import dataclasses
>>> tampered = [log[0], dataclasses.replace(log[1], event={"kind": "sent", "id": "r2"})]
>>> verify(tampered).reason
'entry seq 1: hash does not match the entry (changed)'
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

GENESIS = "0" * 64
CURRENT_VERSION = 2
VERSIONS = (1, 2)
KIND_LENGTH = 60
REPORT_ID_LENGTH = 200


@dataclass(frozen=True)
class AuditEntry:
    """One entry as stored. ``event`` may be the stored JSON text (it is parsed when checked);
    ``at`` a datetime or its ISO text. Entries built without ``kind``/``report_id`` take them
    from the event."""

    seq: int
    event: Any
    prev_hash: str
    hash: str
    version: int = 1
    at: Any = None
    kind: Any = field(default=None)
    report_id: Any = field(default=None)


@dataclass(frozen=True)
class Head:
    """The database's head row: last ``seq`` and ``hash`` (``-1``/:data:`GENESIS` before the
    first entry), the first ``seq`` written with the current rule (``None`` before), and when
    the row was rebuilt from the entries because it was missing (``None`` if never)."""

    seq: Any
    hash: Any
    cutover_seq: Any = None
    rebuilt_at: Any = None


@dataclass(frozen=True)
class VerifyResult:
    """``ok``; otherwise the index (0-based, in the entries given) and ``seq`` of the first bad
    entry and why it is bad. ``entries``: how many entries verified (all of them, or those
    before the first bad one); ``head``: the hash of the last of them. ``empty``: there are no
    entries and nothing says there were."""

    ok: bool
    bad_index: int | None = None
    reason: str = ""
    bad_seq: int | None = None
    entries: int = 0
    head: str = GENESIS
    empty: bool = False


class Sealed(NamedTuple):
    """An entry ready to store: what :func:`seal` hashed, as it must be written."""

    seq: int
    kind: str
    report_id: str | None
    body: bytes  # canonical JSON of the event: store exactly this
    prev_hash: str
    hash: str
    version: int


def canonical_json(event: Any) -> bytes:
    """The one byte form of an event that is hashed.

    >>> canonical_json({"b": 1, "a": "ü"})
    b'{"a":"\\xc3\\xbc","b":1}'
    """
    if not isinstance(event, Mapping):
        raise TypeError("an audit event must be a JSON object (mapping)")
    return _canonical(event)


_ENCODER = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
)  # = json.dumps with these options, without building an encoder per call (hot path)
_json_str = json.encoder.encode_basestring  # what _ENCODER writes for a str


def _canonical(value: Any) -> bytes:
    return _ENCODER.encode(value).encode("utf-8")


def _header(version: int, seq: Any, at: str, kind: Any, report_id: Any) -> bytes:
    """Canonical JSON of ``[version, seq, at, kind, report_id]`` (built directly for the
    usual types: the same bytes as :func:`_canonical`, which takes any other value)."""
    if (
        type(seq) is int
        and type(kind) is str
        and type(at) is str
        and (report_id is None or type(report_id) is str)
    ):
        rid = "null" if report_id is None else _json_str(report_id)
        return f"[{version},{seq},{_json_str(at)},{_json_str(kind)},{rid}]".encode()
    return _canonical([version, seq, at, kind, report_id])


def at_text(value: Any) -> str:
    """The hashed form of a time: UTC, microseconds, ``Z``. A time without a zone is UTC (as
    SQLite gives it back); a string is read as ISO 8601.

    >>> at_text("2026-12-06 03:13:31.5")
    '2026-12-06T03:13:31.500000Z'
    """
    when = dt.datetime.fromisoformat(value) if isinstance(value, str) else value
    if not isinstance(when, dt.datetime):
        raise TypeError(f"a time was expected, not {type(when).__name__}")
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return when.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def kind_of(event: Mapping[str, Any]) -> str:
    """The ``kind`` column of an event (its ``kind`` as text, at most 60 characters)."""
    return str(event.get("kind", ""))[:KIND_LENGTH]


def report_of(event: Mapping[str, Any]) -> str | None:
    """The ``report_id`` column of an event: its ``report_id`` or ``message_id``, if any."""
    value = event.get("report_id") or event.get("message_id")
    return str(value)[:REPORT_ID_LENGTH] if value else None


def _digest(
    version: int, prev_hash: str, seq: int, at: str, kind: Any, report_id: Any, body: bytes
) -> str:
    if version == 1:
        return hashlib.sha256(prev_hash.encode("ascii") + body).hexdigest()
    header = _header(version, seq, at, kind, report_id)
    return hashlib.sha256(prev_hash.encode("ascii") + header + body).hexdigest()


def entry_hash(
    prev_hash: str,
    event: Mapping[str, Any],
    version: int = 1,
    seq: int = 0,
    at: Any = None,
    kind: Any = None,
    report_id: Any = None,
) -> str:
    """The hash of an entry under rule ``version`` (``kind``/``report_id`` default to the
    event's; ``at`` is needed from version 2 on)."""
    body = canonical_json(event)
    if version == 1:
        return _digest(1, prev_hash, seq, "", None, None, body)
    kind = kind_of(event) if kind is None else kind
    report_id = report_of(event) if report_id is None else report_id
    return _digest(version, prev_hash, seq, at_text(at), kind, report_id, body)


def seal(
    prev_hash: str, first_seq: int, at: dt.datetime, events: Iterable[Mapping[str, Any]]
) -> list[Sealed]:
    """The entries that follow ``prev_hash``, numbered from ``first_seq``, all at time ``at``,
    hashed with the current rule. The one implementation of the rule used to write."""
    stamp = at_text(at)
    out = []
    prev = prev_hash
    seq = first_seq
    for event in events:
        body = canonical_json(event)
        kind = kind_of(event)
        report_id = report_of(event)
        digest = _digest(CURRENT_VERSION, prev, seq, stamp, kind, report_id, body)
        out.append(Sealed(seq, kind, report_id, body, prev, digest, CURRENT_VERSION))
        prev = digest
        seq += 1
    return out


def append(
    log: Sequence[AuditEntry], event: Mapping[str, Any], at: dt.datetime | None = None
) -> AuditEntry:
    """The entry that follows ``log`` (the caller stores it; nothing is mutated).

    The event is copied through JSON so that the stored entry is exactly what was hashed.
    """
    prev = log[-1].hash if log else GENESIS
    seq = log[-1].seq + 1 if log else 0
    when = at if at is not None else dt.datetime.now(dt.UTC)
    (s,) = seal(prev, seq, when, [event])
    return AuditEntry(
        seq, json.loads(s.body), prev, s.hash, s.version, at_text(when), s.kind, s.report_id
    )


def chain(events: Iterable[Mapping[str, Any]], at: dt.datetime | None = None) -> list[AuditEntry]:
    """A fresh chain of the given events."""
    log: list[AuditEntry] = []
    for event in events:
        log.append(append(log, event, at))
    return log


# --- verification --------------------------------------------------------------------------


class _Bad(Exception):
    def __init__(self, index: int, seq: int | None, reason: str, last: str) -> None:
        self.index, self.seq, self.reason, self.last = index, seq, reason, last


def _event_of(raw: Any) -> Mapping[str, Any]:
    if isinstance(raw, bytes | bytearray | memoryview):
        raw = bytes(raw).decode("utf-8")
    if isinstance(raw, str):
        raw = json.loads(raw)
    if not isinstance(raw, Mapping):
        raise TypeError(f"the event is {type(raw).__name__}, not a JSON object")
    return raw


class _Problem(Exception):
    """What is wrong with one entry; :func:`_walk` says which entry."""


def _walk(
    entries: Iterable[AuditEntry],
    start_hash: str,
    start_seq: int,
    cutover: Any,
    head_checked: bool,
    found: set[str] | None,
) -> tuple[int, int, str]:
    """Check each entry; return (count, last seq, last hash) or raise :class:`_Bad`."""
    prev = start_hash
    last_version = 0
    i = -1
    for i, entry in enumerate(entries):
        expected_seq = start_seq + i
        seq = entry.seq
        if seq != expected_seq:
            what = (
                f"entry seq {expected_seq} is missing: found seq {seq} in its place "
                "(entry deleted, inserted, moved or renumbered)"
            )
            raise _Bad(i, expected_seq, what, prev)
        try:
            if entry.prev_hash != prev:
                raise _Problem(
                    "previous hash does not match the entry before "
                    "(entry deleted, inserted or moved, or its prev_hash edited)"
                )
            _check_version(entry.version, seq, last_version, cutover, head_checked)
            _check_content(entry, prev)
        except _Problem as problem:
            raise _Bad(i, seq, f"entry seq {seq}: {problem}", prev) from None
        last_version = entry.version
        prev = entry.hash
        if found is not None:
            found.add(prev)
    return i + 1, start_seq + i, prev


def _check_version(
    version: Any, seq: int, last_version: int, cutover: Any, head_checked: bool
) -> None:
    """The entry's hash version is known and never goes down along the chain, nor (when the
    head row was checked) across the cut-over the head row records."""
    if type(version) is not int or version not in VERSIONS:
        raise _Problem(f"unknown hash version {version!r}")
    if version < last_version:
        raise _Problem(
            f"hash version {version} after version {last_version} "
            "(downgrade: versions only go up along the chain)"
        )
    if not head_checked:
        return
    if cutover is not None and type(cutover) is not int:
        raise _Problem(f"the head row's cut-over {cutover!r} is not a sequence number")
    if cutover is None and version >= 2:
        raise _Problem(
            f"hash version {version}, but the head row records no cut-over (head row replaced)"
        )
    if cutover is not None and seq >= cutover and version < CURRENT_VERSION:
        raise _Problem(
            f"hash version {version} after the cut-over to version {CURRENT_VERSION} "
            f"at seq {cutover} recorded in the head row (downgrade)"
        )
    if cutover is not None and seq < cutover and version >= 2:
        raise _Problem(
            f"hash version {version} before the cut-over at seq {cutover} "
            "recorded in the head row"
        )


def _check_content(entry: AuditEntry, prev: str) -> None:
    """The event is canonical JSON, the kind and report columns agree with it, and the hash
    of it all (with the entry's version of the rule) is the entry's hash."""
    version = entry.version
    try:
        event = _event_of(entry.event)
        body = canonical_json(event)
    except (TypeError, ValueError) as exc:
        raise _Problem(f"the event is not canonical JSON: {exc}") from None
    kind = entry.kind if entry.kind is not None else kind_of(event)
    if kind != kind_of(event):
        raise _Problem(
            f"kind {kind!r} differs from the event's kind {kind_of(event)!r} "
            "(column or event changed)"
        )
    report_id = entry.report_id
    if report_id is None and entry.kind is None:
        report_id = report_of(event)
    if report_id != report_of(event):
        raise _Problem(
            f"report_id {report_id!r} differs from the event's {report_of(event)!r} "
            "(column or event changed)"
        )
    try:
        stamp = at_text(entry.at) if (version >= 2 or entry.at is not None) else ""
    except (TypeError, ValueError):
        raise _Problem(f"at {entry.at!r} is not a time") from None
    try:
        actual = _digest(version, prev, entry.seq, stamp, kind, report_id, body)
    except (TypeError, ValueError) as exc:
        raise _Problem(f"cannot be hashed: {exc}") from None
    if actual != entry.hash:
        raise _Problem("hash does not match the entry (changed)")


def _missing_head(expected_head: str, count: int, last_seq: int) -> VerifyResult:
    return VerifyResult(
        False,
        count,
        f"the kept head {expected_head} is not in the log "
        "(entries removed from the end, or the log rewritten)",
        last_seq + 1,
    )


def verify(
    entries: Iterable[AuditEntry],
    expected_head: str | None = None,
    start_hash: str = GENESIS,
    start_seq: int = 0,
) -> VerifyResult:
    """Check the chain alone; return the first bad index (0-based, in ``entries``) and why.

    ``start_hash``/``start_seq`` let a caller verify a tail of a longer log; ``expected_head``
    (a hash kept elsewhere earlier) must be the hash of one of the entries (or the start):
    if not, entries were removed from the end.
    """
    found: set[str] | None = {start_hash} if expected_head is not None else None
    try:
        count, last_seq, last = _walk(entries, start_hash, start_seq, None, False, found)
    except _Bad as b:
        return VerifyResult(False, b.index, b.reason, b.seq, b.index, b.last)
    if found is not None and expected_head not in found:
        assert expected_head is not None
        return _missing_head(expected_head, count, last_seq)
    return VerifyResult(True, entries=count, head=last, empty=count == 0)


def verify_log(
    entries: Iterable[AuditEntry],
    head: Head | None,
    expected_head: str | None = None,
    witnesses: int = 0,
) -> VerifyResult:
    """Check a whole stored log (entries in ``seq`` order) against the database's head row
    (``None``: the row is missing) and, if given, a head hash kept outside the database.

    Fails, naming the first bad entry, when an entry was changed (any column), deleted,
    inserted, moved or downgraded to an older hash rule; when the chain's end is not the head
    row's (entries cut from the end, or added past it); when the log is empty but the head row
    says entries existed, or ``witnesses`` (other records, each written with an entry) say
    so; and when the head row is missing or was rebuilt. A log that never had entries is
    ``ok`` with ``empty`` set.
    """
    cutover = head.cutover_seq if head is not None else None
    found: set[str] | None = {GENESIS} if expected_head is not None else None
    try:
        count, last_seq, last = _walk(entries, GENESIS, 0, cutover, head is not None, found)
    except _Bad as b:
        return VerifyResult(False, b.index, b.reason, b.seq, b.index, b.last)

    def broken(reason: str, seq: int | None) -> VerifyResult:
        return VerifyResult(False, count, reason, seq, count, last)

    if head is None:
        if count:
            return broken(
                f"the head row is missing, but {count} entries exist "
                "(entries cut from the end cannot be ruled out)",
                None,
            )
    elif head.rebuilt_at is not None:
        return broken(
            f"the head row was missing and was rebuilt from the entries at {head.rebuilt_at} "
            "(entries cut from the end before then cannot be ruled out)",
            None,
        )
    elif count == 0 and (head.seq != -1 or head.hash != GENESIS):
        return broken(
            f"the log is empty, but the head row says it ends at seq {head.seq} with hash "
            f"{head.hash}: entries seq 0 to {head.seq} are missing (log emptied)",
            0,
        )
    elif head.seq != last_seq and type(head.seq) is int and head.seq > last_seq:
        missing = (
            f"entry seq {head.seq} is"
            if head.seq == last_seq + 1
            else f"entries seq {last_seq + 1} to {head.seq} are"
        )
        return broken(
            f"{missing} missing at the end: the head row "
            f"says the log ends at seq {head.seq} with hash {head.hash}, the entries end at "
            f"seq {last_seq} (entries cut from the end)",
            last_seq + 1,
        )
    elif head.seq != last_seq:
        first = head.seq + 1 if type(head.seq) is int else last_seq
        added = (
            f"entry seq {first} was"
            if first == last_seq
            else (f"entries seq {first} to {last_seq} were")
        )
        return broken(
            f"entry seq {first} is past the head row's last seq {head.seq!r}: {added} "
            "added without moving the head (or the head row was edited)",
            first,
        )
    elif head.hash != last:
        return broken(
            f"entry seq {last_seq}: its hash {last} is not the head row's {head.hash!r} "
            "(last entry or head row replaced)",
            last_seq,
        )
    if count == 0 and witnesses:
        return broken(
            "the log is empty, but the database holds directory entries or reports, each "
            "written with an audit entry (log emptied)",
            0,
        )
    if found is not None and expected_head not in found:
        assert expected_head is not None
        return _missing_head(expected_head, count, last_seq)
    return VerifyResult(True, entries=count, head=last, empty=count == 0)
