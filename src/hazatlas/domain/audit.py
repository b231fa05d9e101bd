"""Append-only, hash-chained audit log of notification events (pure functions).

Each entry stores its position ``seq``, the event (a JSON object), the hash of the previous
entry and its own hash::

    hash[i] = SHA-256( hash[i-1] as 64 hex characters  ||  canonical JSON of event[i] )

with ``hash[-1]`` = 64 zeros (:data:`GENESIS`). Canonical JSON is UTF-8, keys sorted, no
spaces, no NaN/Infinity. Changing, deleting or reordering any past entry breaks the chain at
that entry. Deleting entries at the *end* leaves a valid shorter chain; to detect that, keep the
latest hash (the "head") somewhere else and pass it to :func:`verify` as ``expected_head``.

>>> log = chain([{"kind": "created", "id": "r1"}, {"kind": "sent", "id": "r1"}])
>>> verify(log).ok
True
>>> tampered = [log[0], AuditEntry(1, {"kind": "sent", "id": "r2"}, log[1].prev_hash, log[1].hash)]
>>> verify(tampered)
VerifyResult(ok=False, bad_index=1, reason='hash does not match the entry (changed)')
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

GENESIS = "0" * 64


@dataclass(frozen=True)
class AuditEntry:
    seq: int
    event: Mapping[str, Any]
    prev_hash: str
    hash: str


@dataclass(frozen=True)
class VerifyResult:
    """``ok``; otherwise the index of the first bad entry and why it is bad."""

    ok: bool
    bad_index: int | None = None
    reason: str = ""


def canonical_json(event: Mapping[str, Any]) -> bytes:
    """The one byte form of an event that is hashed.

    >>> canonical_json({"b": 1, "a": "ü"})
    b'{"a":"\\xc3\\xbc","b":1}'
    """
    if not isinstance(event, Mapping):
        raise TypeError("an audit event must be a JSON object (mapping)")
    text = json.dumps(
        event, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )
    return text.encode("utf-8")


def entry_hash(prev_hash: str, event: Mapping[str, Any]) -> str:
    """SHA-256 (hex) of the previous hash followed by the canonical JSON of the event."""
    return hashlib.sha256(prev_hash.encode("ascii") + canonical_json(event)).hexdigest()


def append(log: Sequence[AuditEntry], event: Mapping[str, Any]) -> AuditEntry:
    """The entry that follows ``log`` (the caller stores it; nothing is mutated).

    The event is copied through JSON so that the stored entry is exactly what was hashed.
    """
    prev = log[-1].hash if log else GENESIS
    frozen = json.loads(canonical_json(event))
    return AuditEntry(len(log), frozen, prev, entry_hash(prev, frozen))


def chain(events: Iterable[Mapping[str, Any]]) -> list[AuditEntry]:
    """A fresh chain of the given events."""
    log: list[AuditEntry] = []
    for event in events:
        log.append(append(log, event))
    return log


def verify(
    entries: Sequence[AuditEntry],
    expected_head: str | None = None,
    start_hash: str = GENESIS,
    start_seq: int = 0,
) -> VerifyResult:
    """Check the chain; return the first bad index (0-based, in ``entries``) and why.

    ``start_hash``/``start_seq`` let a caller verify a tail of a longer log; ``expected_head``
    (the last hash kept elsewhere) detects entries removed from the end.
    """
    prev = start_hash
    for i, entry in enumerate(entries):
        if entry.seq != start_seq + i:
            return VerifyResult(
                False,
                i,
                f"sequence number {entry.seq}, expected {start_seq + i} (entry deleted or moved)",
            )
        if entry.prev_hash != prev:
            return VerifyResult(
                False,
                i,
                "previous hash does not match the entry before (entry deleted, inserted or moved)",
            )
        try:
            actual = entry_hash(prev, entry.event)
        except (TypeError, ValueError) as exc:
            return VerifyResult(False, i, f"event is not canonical JSON: {exc}")
        if actual != entry.hash:
            return VerifyResult(False, i, "hash does not match the entry (changed)")
        prev = entry.hash
    if expected_head is not None and prev != expected_head:
        return VerifyResult(
            False,
            len(entries),
            "last hash differs from the kept head (entries removed from the end)",
        )
    return VerifyResult(True)
