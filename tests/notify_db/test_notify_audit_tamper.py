"""``hazatlas audit verify`` against every way of tampering with the audit log in the
database, on SQLite and PostGIS: edit any column of an entry, damage its JSON, reorder,
renumber, delete in the middle or at the end, empty the log, insert, replace or delete the head
row, downgrade an entry to the older hash rule. Each must fail, naming the first bad entry.

A log written by the real directory service (11 entries) and two report transactions is
tampered with through SQL, as someone with write access to the database would do; where the
tampering needs valid hashes, they are recomputed with the same rules hazatlas uses.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import threading
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from typer.testing import CliRunner

from hazatlas.cli.main import app
from hazatlas.domain import audit as chain
from hazatlas.storage import notifications as store

REPORT_EVENTS = [
    [
        {"kind": "report.created", "actor": "ro", "report_id": "ROU-1", "recipients": ["HUN"]},
        {"kind": "delivery.issue", "actor": "ro", "report_id": "ROU-1", "recipient": "HUN/poc"},
    ],
    [{"kind": "report.closed", "actor": "ro", "report_id": "ROU-1"}],
]


@dataclasses.dataclass
class Log:
    """The log as written: its entries (raw, as read back), the middle entry ``k`` that has a
    report id, and the database's dialect."""

    entries: list[chain.AuditEntry]
    dialect: str

    @property
    def n(self) -> int:
        return len(self.entries)

    @property
    def k(self) -> int:
        return self.n - 3  # report.created: kind and report_id both set


@pytest.fixture
def verify_cli(db, monkeypatch) -> Callable[..., tuple[int, dict]]:
    monkeypatch.setenv("HAZATLAS_DATABASE_URL", db.url)
    runner = CliRunner()

    def run(*extra: str) -> tuple[int, dict]:
        result = runner.invoke(app, ["audit", "verify", "--json", *extra])
        assert result.exception is None or isinstance(result.exception, SystemExit), result.output
        return result.exit_code, json.loads(result.stdout)

    return run


@pytest.fixture
def log(db, notify_settings, seed) -> Log:
    seed(db, notify_settings)
    for events in REPORT_EVENTS:
        with db.transaction() as s:
            store.append_audit(s, events)
    with db.transaction() as s:
        entries = list(store.audit_entries(s))
    assert [e.version for e in entries] == [chain.CURRENT_VERSION] * len(entries)
    return Log(entries, db.dialect)


# --- tampering primitives (plain SQL, as an intruder would use) ---------------------------


def sql(s, statement: str, **params: Any) -> None:
    s.execute(text(statement), params)


def a_time(log: Log, value: dt.datetime) -> Any:
    return value if log.dialect == "postgresql" else value.strftime("%Y-%m-%d %H:%M:%S.%f")


def event_of(e: chain.AuditEntry) -> dict:
    return json.loads(e.event) if isinstance(e.event, str) else dict(e.event)


def rewrite(s, log: Log, changes: dict[int, dict[str, Any]], move_head: bool = True) -> None:
    """Change columns of some entries and recompute every hash from the first changed one
    on, with each entry's (possibly changed) hash version, then move the head: a forger's
    full rewrite."""
    prev = chain.GENESIS
    for e in log.entries:
        new = changes.get(e.seq)
        if new is None and prev == e.prev_hash:
            prev = e.hash
            continue
        columns = {
            "event": event_of(e),
            "version": e.version,
            "at": e.at,
            "kind": e.kind,
            "report_id": e.report_id,
            **(new or {}),
        }
        digest = chain.entry_hash(
            prev,
            columns["event"],
            columns["version"],
            e.seq,
            columns["at"],
            columns["kind"],
            columns["report_id"],
        )
        sql(
            s,
            "UPDATE notify_audit SET event = :event, hash_version = :version, kind = :kind,"
            " report_id = :report_id, prev_hash = :prev, hash = :hash WHERE seq = :seq",
            event=json.dumps(columns["event"]),
            version=columns["version"],
            kind=columns["kind"],
            report_id=columns["report_id"],
            prev=prev,
            hash=digest,
            seq=e.seq,
        )
        prev = digest
    if move_head:
        sql(s, "UPDATE notify_audit_head SET hash = :h WHERE id = 1", h=prev)


def swap_columns(s, log: Log, a: int, b: int) -> None:
    ea, eb = log.entries[a], log.entries[b]
    for mine, other in ((ea, eb), (eb, ea)):
        sql(
            s,
            "UPDATE notify_audit SET event = :event, kind = :kind, report_id = :report_id,"
            " prev_hash = :prev, hash = :hash WHERE seq = :seq",
            event=json.dumps(event_of(other)),
            kind=other.kind,
            report_id=other.report_id,
            prev=other.prev_hash,
            hash=other.hash,
            seq=mine.seq,
        )


def insert_in_middle(s, log: Log) -> None:
    """Make room at ``k`` (renumber the rest up by one) and put a well-hashed entry there,
    chained to the entry before it; move the head to the new end."""
    k = log.k
    sql(s, "UPDATE notify_audit SET seq = seq + 1000 WHERE seq >= :k", k=k)
    sql(s, "UPDATE notify_audit SET seq = seq - 999 WHERE seq >= 1000")
    before = log.entries[k - 1]
    at = dt.datetime.now(dt.UTC)
    (forged,) = chain.seal(before.hash, k, at, [{"kind": "report.created", "report_id": "X"}])
    sql(
        s,
        "INSERT INTO notify_audit (seq, at, kind, report_id, event, prev_hash, hash,"
        " hash_version) VALUES (:seq, :at, :kind, :rid, :event, :prev, :hash, :v)",
        seq=k,
        at=a_time(log, at),
        kind=forged.kind,
        rid=forged.report_id,
        event=forged.body.decode(),
        prev=forged.prev_hash,
        hash=forged.hash,
        v=forged.version,
    )
    sql(s, "UPDATE notify_audit_head SET seq = seq + 1 WHERE id = 1")


def append_past_head(s, log: Log) -> None:
    last = log.entries[-1]
    at = dt.datetime.now(dt.UTC)
    (forged,) = chain.seal(last.hash, last.seq + 1, at, [{"kind": "report.closed"}])
    sql(
        s,
        "INSERT INTO notify_audit (seq, at, kind, report_id, event, prev_hash, hash,"
        " hash_version) VALUES (:seq, :at, :kind, NULL, :event, :prev, :hash, :v)",
        seq=forged.seq,
        at=a_time(log, at),
        kind=forged.kind,
        event=forged.body.decode(),
        prev=forged.prev_hash,
        hash=forged.hash,
        v=forged.version,
    )


def change_event(s, log: Log) -> None:
    e = log.entries[log.k]
    sql(
        s,
        "UPDATE notify_audit SET event = :e WHERE seq = :seq",
        e=json.dumps({**event_of(e), "actor": "someone-else"}),
        seq=e.seq,
    )


def set_column(column: str, value: Any, where: str = "k") -> Callable[[Any, Log], None]:
    def tamper(s, log: Log) -> None:
        seq = log.k if where == "k" else log.n - 1
        v = value(log) if callable(value) else value
        sql(s, f"UPDATE notify_audit SET {column} = :v WHERE seq = :seq", v=v, seq=seq)

    return tamper


def set_head(**values: Any) -> Callable[[Any, Log], None]:
    def tamper(s, log: Log) -> None:
        assigned = {k: (v(log) if callable(v) else v) for k, v in values.items()}
        setters = ", ".join(f"{name} = :{name}" for name in assigned)
        sql(s, f"UPDATE notify_audit_head SET {setters} WHERE id = 1", **assigned)

    return tamper


def then(*steps: Callable[[Any, Log], None]) -> Callable[[Any, Log], None]:
    def tamper(s, log: Log) -> None:
        for step in steps:
            step(s, log)

    return tamper


def delete(where: str) -> Callable[[Any, Log], None]:
    def tamper(s, log: Log) -> None:
        bounds = {"k": (log.k, log.k), "end": (log.n - 2, log.n), "all": (-1, log.n)}[where]
        sql(s, "DELETE FROM notify_audit WHERE seq BETWEEN :a AND :b", a=bounds[0], b=bounds[1])

    return tamper


def delete_head(s, log: Log) -> None:
    sql(s, "DELETE FROM notify_audit_head")


@dataclasses.dataclass(frozen=True)
class Case:
    name: str
    tamper: Callable[[Any, Log], None]
    bad_seq: Callable[[Log], int | None]  # the entry the verification must name
    reason: str  # part of the reason it must give
    only: str | None = None  # a dialect the tampering is possible on
    after: Callable[[Any], None] | None = None  # hazatlas writes after the tampering


def at_k(log: Log) -> int:
    return log.k


def at_end(log: Log) -> int:
    return log.n


def last(log: Log) -> int:
    return log.n - 1


def append_one(db) -> None:
    with db.transaction() as s:
        store.append_audit(s, [{"kind": "report.closed", "actor": "ro", "report_id": "ROU-2"}])


CASES = [
    # -- any column of one entry
    Case("event edited", change_event, at_k, "hash does not match the entry (changed)"),
    Case("event not an object", set_column("event", "[1, 2]"), at_k, "not a JSON object"),
    Case("event not JSON", set_column("event", '{"kind": '), at_k, "not canonical JSON", "sqlite"),
    Case("kind edited", set_column("kind", "delivery.acknowledge"), at_k, "kind"),
    Case("report_id edited", set_column("report_id", "ROU-9"), at_k, "report_id"),
    Case("report_id removed", set_column("report_id", None), at_k, "report_id"),
    Case(
        "at edited",
        set_column("at", lambda log: a_time(log, dt.datetime(2020, 1, 1, tzinfo=dt.UTC))),
        at_k,
        "hash does not match the entry (changed)",
    ),
    Case(
        "at not a time",
        set_column("at", lambda log: "infinity" if log.dialect == "postgresql" else "soon"),
        at_k,
        "is not a time",
    ),
    Case("prev_hash edited", set_column("prev_hash", "f" * 64), at_k, "previous hash"),
    Case("hash edited", set_column("hash", "e" * 64), at_k, "hash does not match"),
    Case("unknown hash version", set_column("hash_version", 3), at_k, "unknown hash version"),
    Case(
        "hash version not a number",
        set_column("hash_version", "two"),
        at_k,
        "unknown hash version 'two'",
        "sqlite",
    ),
    Case("kind a number", set_column("kind", 42), at_k, "kind '42' differs"),
    Case("seq renumbered", set_column("seq", 10_000), at_k, "is missing: found seq"),
    # -- order, deletion, insertion
    Case(
        "two entries swapped",
        lambda s, log: swap_columns(s, log, log.k, log.k + 1),
        at_k,
        "previous hash",
    ),
    Case("entry deleted in the middle", delete("k"), at_k, "is missing: found seq"),
    Case("last entries deleted", delete("end"), lambda log: log.n - 2, "missing at the end"),
    Case("log emptied", delete("all"), lambda log: 0, "log emptied"),
    Case(
        "log emptied and head reset",
        then(delete("all"), set_head(seq=-1, hash=chain.GENESIS, cutover_seq=None)),
        lambda log: 0,
        "log emptied",
    ),
    Case("log and head deleted", then(delete("all"), delete_head), lambda log: 0, "log emptied"),
    Case("entry inserted in the middle", insert_in_middle, lambda log: log.k + 1, "previous hash"),
    Case("entry appended past the head", append_past_head, at_end, "past the head row"),
    Case(
        "log emptied, then written again",
        delete("all"),
        lambda log: 0,
        "entry seq 0 is missing",
        after=append_one,
    ),
    # -- the head row
    Case("head hash replaced", set_head(hash="d" * 64), last, "not the head row's"),
    Case("head seq raised", set_head(seq=lambda log: log.n + 4), at_end, "missing at the end"),
    Case(
        "head moved back one entry",
        set_head(seq=lambda log: log.n - 2, hash=lambda log: log.entries[-2].hash),
        last,
        "past the head row",
    ),
    Case("head row deleted", delete_head, lambda log: None, "head row is missing"),
    Case(
        "head row deleted, then rebuilt by a write",
        delete_head,
        lambda log: None,
        "rebuilt",
        after=append_one,
    ),
    Case(
        "cut-over moved",
        set_head(cutover_seq=lambda log: log.k),
        lambda log: 0,
        "before the cut-over",
    ),
    Case("cut-over removed", set_head(cutover_seq=None), lambda log: 0, "no cut-over"),
    Case(
        "cut-over not a number",
        set_head(cutover_seq="zero"),
        lambda log: 0,
        "is not a sequence number",
        "sqlite",
    ),
    Case("head seq not a number", set_head(seq="last"), last, "past the head row", "sqlite"),
    Case(
        "head rebuilt at infinity",
        set_head(rebuilt_at=lambda log: "infinity" if log.dialect == "postgresql" else "never"),
        lambda log: None,
        "rebuilt",
    ),
    # -- downgrades to the older hash rule, with the hashes recomputed
    Case(
        "last entry downgraded",
        lambda s, log: rewrite(s, log, {log.n - 1: {"version": 1}}),
        last,
        "versions only go up",
    ),
    Case(
        "middle entry downgraded, rest rehashed",
        lambda s, log: rewrite(s, log, {log.k: {"version": 1}}),
        at_k,
        "versions only go up",
    ),
    Case(
        "first entry downgraded, rest rehashed",
        lambda s, log: rewrite(s, log, {0: {"version": 1}}),
        lambda log: 0,
        "after the cut-over",
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_every_tampering_is_detected(case: Case, db, log: Log, verify_cli) -> None:
    if case.only and db.dialect != case.only:  # the column type refuses the value
        with pytest.raises(DBAPIError), db.transaction() as s:
            case.tamper(s, log)
        return
    code, before = verify_cli()
    assert code == 0 and before["status"] == "ok" and before["entries"] == log.n
    with db.transaction() as s:
        case.tamper(s, log)
    if case.after:
        case.after(db)
    code, result = verify_cli()
    assert code == 1 and not result["ok"] and result["status"] == "broken", result
    assert result["bad_seq"] == case.bad_seq(log), result
    assert case.reason in result["reason"], result
    if result["bad_seq"] is not None and "entry seq" in result["reason"]:
        assert f"seq {result['bad_seq']}" in result["reason"]


def test_a_consistent_rewrite_is_found_by_the_kept_head(db, log: Log, verify_cli) -> None:
    """Rewriting the whole log and its head row leaves a valid chain; the head hash printed
    earlier and kept outside the database shows it."""
    kept = verify_cli()[1]["head"]
    first = log.entries[0]
    with db.transaction() as s:
        rewrite(s, log, {0: {"event": {**event_of(first), "actor": "someone-else"}}})
    code, result = verify_cli()
    assert code == 0 and result["ok"]  # self-consistent
    code, result = verify_cli("--expected-head", kept)
    assert code == 1 and result["bad_seq"] == log.n and "kept head" in result["reason"]


def test_the_kept_head_may_be_older_than_the_log(db, log: Log, verify_cli) -> None:
    kept = verify_cli()[1]["head"]
    append_one(db)
    code, result = verify_cli("--expected-head", kept)
    assert code == 0 and result["entries"] == log.n + 1 and result["head"] != kept


def test_the_message_names_the_entry(db, log: Log, monkeypatch) -> None:
    with db.transaction() as s:
        set_column("event", "[1]")(s, log)
    monkeypatch.setenv("HAZATLAS_DATABASE_URL", db.url)
    result = CliRunner().invoke(app, ["audit", "verify"])
    assert result.exit_code == 1
    assert f"BROKEN at entry {log.k}: entry seq {log.k}: the event" in result.stderr
    assert "Traceback" not in result.output


def test_a_log_never_written_says_so(db, monkeypatch) -> None:
    monkeypatch.setenv("HAZATLAS_DATABASE_URL", db.url)
    runner = CliRunner()
    plain = runner.invoke(app, ["audit", "verify"])
    assert plain.exit_code == 0 and plain.stdout.strip() == (
        "audit log has no entries (it was never written)"
    )
    result = json.loads(runner.invoke(app, ["audit", "verify", "--json"]).stdout)
    assert result["status"] == "empty" and result["entries"] == 0 and result["ok"]


def test_an_old_log_verifies_and_goes_on_with_the_new_rule(db, verify_cli) -> None:
    """Entries written with hash rule 1 (before migration 0008: only the event hashed, no
    cut-over in the head row) still verify; new entries follow with rule 2 from the recorded
    cut-over; the old entries' kind and report_id are still checked against their event."""
    old_events = [
        {"kind": "directory.authority.created", "actor": "admin", "authority": {"id": "A"}},
        {"kind": "report.created", "actor": "ro", "report_id": "ROU-0"},
    ]
    prev = chain.GENESIS
    at = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    with db.transaction() as s:
        sql(s, "DELETE FROM notify_audit_head")
        for seq, event in enumerate(old_events):
            digest = chain.entry_hash(prev, event)  # rule 1
            sql(
                s,
                "INSERT INTO notify_audit (seq, at, kind, report_id, event, prev_hash, hash)"
                " VALUES (:seq, :at, :kind, :rid, :event, :prev, :hash)",
                seq=seq,
                at=a_time(Log([], db.dialect), at),
                kind=chain.kind_of(event),
                rid=chain.report_of(event),
                event=json.dumps(event),
                prev=prev,
                hash=digest,
            )
            prev = digest
        sql(s, "INSERT INTO notify_audit_head (id, seq, hash) VALUES (1, 1, :h)", h=prev)
    code, result = verify_cli()
    assert code == 0 and result["entries"] == 2 and result["head"] == prev
    append_one(db)
    with db.transaction() as s:
        entries = list(store.audit_entries(s))
        head = store.audit_head(s)
    assert [e.version for e in entries] == [1, 1, 2] and head is not None
    assert head.cutover_seq == 2
    code, result = verify_cli()
    assert code == 0 and result["entries"] == 3
    # an old entry's kind column edited: found although rule 1 does not hash it
    with db.transaction() as s:
        sql(s, "UPDATE notify_audit SET kind = 'x' WHERE seq = 1")
    code, result = verify_cli()
    assert code == 1 and result["bad_seq"] == 1 and "kind" in result["reason"]


def test_no_false_alarm_while_writers_append(db, log: Log) -> None:
    """Verification reads the head row and the entries from one snapshot: entries committed
    meanwhile by other transactions are neither 'past the head' nor 'missing'."""
    from hazatlas.services.notify import verify_audit

    stop = threading.Event()
    written = []

    def writer() -> None:
        i = 0
        while not stop.is_set() and i < 400:
            with db.transaction() as s:
                store.append_audit(s, [{"kind": "delivery.deliver", "report_id": f"R{i}"}] * 3)
            written.append(i)
            i += 1

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        results = [verify_audit(db) for _ in range(15)]
    finally:
        stop.set()
        thread.join()
    assert written, "the writer did not run"
    assert all(r["ok"] for r in results), [r["reason"] for r in results if not r["ok"]]
    assert verify_audit(db)["entries"] == log.n + 3 * len(written)
