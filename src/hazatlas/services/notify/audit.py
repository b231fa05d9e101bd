"""Verification of the audit chain (``hazatlas audit verify``)."""

from __future__ import annotations

from hazatlas.domain import audit as chain
from hazatlas.services.notify.results import AuditCheck
from hazatlas.storage import notifications as store
from hazatlas.storage.db import Database


def verify_audit(db: Database, expected_head: str | None = None) -> AuditCheck:
    """Check the whole audit chain against the head row of the database, and against a head
    hash kept elsewhere earlier if given; reads one snapshot, so writers may go on.

    ``status`` is ``ok``, ``empty`` (no entries, and the head row says there never were) or
    ``broken`` (``bad_seq`` names the first bad entry, ``None`` when it is the head row)."""
    with db.transaction() as s:
        store.audit_snapshot(s)
        head_row = store.audit_head(s)
        witnesses = store.audit_witnesses(s)
        result = chain.verify_log(store.audit_entries(s), head_row, expected_head, witnesses)
    status = "broken" if not result.ok else "empty" if result.empty else "ok"
    return {
        "ok": result.ok,
        "status": status,
        "entries": result.entries,
        "head": result.head,
        "bad_seq": result.bad_seq,
        "reason": result.reason if not result.empty else "no entries (the log was never written)",
    }
