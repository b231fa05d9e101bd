"""Migration 0008 on a database holding an audit log written with hash rule 1 (SQLite and
PostGIS): the old entries keep verifying, new entries are written with rule 2 from a cut-over
recorded in the head row."""

from __future__ import annotations

import datetime as dt
import json
import os

import pytest
from alembic import command
from sqlalchemy import text

from hazatlas.domain import audit as chain
from hazatlas.services.notify import verify_audit
from hazatlas.storage import notifications as store
from hazatlas.storage.db import Database, alembic_config

PG_ADMIN_URL = os.environ.get(
    "HAZATLAS_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres"
)
OLD_EVENTS = [
    {"kind": "directory.authority.created", "actor": "admin", "authority": {"id": "HUN/okf"}},
    {"kind": "report.created", "actor": "ro", "report_id": "ROU-2026-0001", "n": 1.5},
    {"kind": "delivery.issue", "actor": "ro", "message_id": "ROU-2026-0001", "to": "HUN/poc"},
]


@pytest.fixture
def fresh(empty_database: Database) -> Database:
    """An empty database, not migrated."""
    return empty_database


def write_old_log(db: Database) -> str:
    """The log as the code before migration 0008 wrote it: rule 1, no version column."""
    prev = chain.GENESIS
    at = dt.datetime(2026, 5, 1, 8, 30, tzinfo=dt.UTC)
    with db.transaction() as s:
        for seq, event in enumerate(OLD_EVENTS):
            digest = chain.entry_hash(prev, event)
            s.execute(
                text(
                    "INSERT INTO notify_audit (seq, at, kind, report_id, event, prev_hash, hash)"
                    " VALUES (:seq, :at, :kind, :rid, :event, :prev, :hash)"
                ),
                {
                    "seq": seq,
                    "at": at if db.dialect == "postgresql" else at.isoformat(" "),
                    "kind": chain.kind_of(event),
                    "rid": chain.report_of(event),
                    "event": json.dumps(event),
                    "prev": prev,
                    "hash": digest,
                },
            )
            prev = digest
        s.execute(
            text("UPDATE notify_audit_head SET seq = :seq, hash = :h WHERE id = 1"),
            {"seq": len(OLD_EVENTS) - 1, "h": prev},
        )
    return prev


def test_an_old_log_survives_the_migration(fresh: Database) -> None:
    command.upgrade(alembic_config(fresh), "0005")
    old_head = write_old_log(fresh)
    fresh.migrate()
    result = verify_audit(fresh)
    assert result["ok"] and result["entries"] == 3 and result["head"] == old_head
    with fresh.transaction() as s:
        store.append_audit(s, [{"kind": "report.closed", "report_id": "ROU-2026-0001"}])
    with fresh.transaction() as s:
        store.append_audit(s, [{"kind": "report.closed", "report_id": "ROU-2026-0002"}])
    with fresh.transaction() as s:
        versions = [e.version for e in store.audit_entries(s)]
        head = store.audit_head(s)
    assert versions == [1, 1, 1, 2, 2]
    assert head is not None and head.cutover_seq == 3 and head.rebuilt_at is None
    result = verify_audit(fresh, expected_head=old_head)
    assert result["ok"] and result["entries"] == 5, result
    # a new entry passed off as an old one (rehashed with rule 1, head moved) is refused
    with fresh.transaction() as s:
        last = list(store.audit_entries(s))[-1]
        old_rule = chain.entry_hash(last.prev_hash, json.loads(last.event))
        s.execute(
            text("UPDATE notify_audit SET hash_version = 1, hash = :h WHERE seq = 4"),
            {"h": old_rule},
        )
        s.execute(text("UPDATE notify_audit_head SET hash = :h"), {"h": old_rule})
    result = verify_audit(fresh)
    assert not result["ok"] and result["bad_seq"] == 4 and "versions only go up" in result["reason"]
