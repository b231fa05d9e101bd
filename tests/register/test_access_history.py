"""History entries are judged by the disclosure scope of their time (and now): making a record
public, moving it to another country or handing it to another operator does not disclose what
was confidential before. API and CLI, on SQLite and PostGIS; the 0006 migration's backfill."""

from __future__ import annotations

import dataclasses
import json

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from typer.testing import CliRunner

from hazatlas.api.app import create_app
from hazatlas.cli.main import app as cli_app
from hazatlas.domain.access import SYSTEM
from hazatlas.domain.establishment import Disclosure, Establishment, Provenance
from hazatlas.domain.inventory import InventoryItem
from hazatlas.services import users
from hazatlas.services.register import RegisterService
from hazatlas.services.settings import Settings
from hazatlas.storage.db import Database

SITE = Establishment(
    id="RS-HIST-1", name="History depot", country_iso3="SRB", lon=20.69, lat=44.837,
    operator="First Operator", disclosure=Disclosure.NATIONAL, provenance=Provenance("test"),
    notes="SECRETNOTE", external_ids={"permit": "SECRETEXT"},
    inventory=[InventoryItem("Chlorine SECRETINV", 20_000.0, cas_number="7782-50-5")],
)
SECRETS = ("SECRETNOTE", "SECRETEXT", "SECRETINV")


@pytest.fixture
def client(db):
    for name, role, kw in [("admin", "administrator", {}), ("rs", "national", {"country": "SRB"}),
                           ("hu", "national", {"country": "HUN"}), ("ua", "national", {"country": "UKR"}),
                           ("icpdr", "basin", {}), ("op", "operator", {"establishment_id": SITE.id})]:
        users.create_user(db, name, role, **kw)
    tokens = {u: users.issue_token(db, u) for u in ("admin", "rs", "hu", "ua", "icpdr", "op")}
    with TestClient(create_app(Settings(database_url=db.url), db)) as c:
        c.tokens = tokens
        yield c


def history(client, user: str | None) -> list[dict]:
    headers = {"Authorization": f"Bearer {client.tokens[user]}"} if user else {}
    r = client.get(f"/api/establishments/{SITE.id}/history", headers=headers)
    assert r.status_code == 200, r.text
    return r.json()


def save(db: Database, **changes) -> None:
    RegisterService(db, SYSTEM).save(dataclasses.replace(SITE, **changes))


def test_values_confidential_when_written_stay_so_after_the_record_becomes_public(db, client):
    save(db)                                                            # 1: national
    save(db, disclosure=Disclosure.PUBLIC, notes="OPENNOTE", external_ids={})  # 2: national -> public
    save(db, disclosure=Disclosure.PUBLIC, notes="LATERNOTE", external_ids={})  # 3: public
    anon = history(client, None)
    body = json.dumps(anon)
    assert not any(s in body for s in SECRETS), body
    assert [h["action"] for h in anon] == ["create", "update", "update"]
    # entry 2 mixes the confidential old values with the public new ones: withheld whole,
    # except public fields; entry 3 was written while the record was public
    assert anon[1]["changes"]["notes"] == ["(confidential)", "(confidential)"]
    assert anon[1]["changes"]["disclosure"] == ["national", "public"]
    assert anon[2]["changes"]["notes"] == ["OPENNOTE", "LATERNOTE"]
    assert [h["disclosure"] for h in anon] == ["national", "national", "public"]
    assert anon[0]["changes"]["name"] == [None, "History depot"]  # public field: shown
    # the record's own country's authority and the administrator read everything
    for user in ("rs", "admin"):
        body = json.dumps(history(client, user))
        assert all(s in body for s in SECRETS) and "OPENNOTE" in body
    # a Party's authority and a basin body: as the public for entries written at 'national'
    for user in ("ua", "icpdr"):
        entries = history(client, user)
        assert not any(s in json.dumps(entries) for s in SECRETS)
        assert entries[2]["changes"]["notes"] == ["OPENNOTE", "LATERNOTE"]


def test_parties_level_of_the_time_and_now(db, client):
    save(db, disclosure=Disclosure.PARTIES)                              # 1: parties
    assert "SECRETNOTE" in json.dumps(history(client, "ua"))
    assert "SECRETNOTE" in json.dumps(history(client, "icpdr"))
    save(db, disclosure=Disclosure.NATIONAL, notes="NEWNOTE")            # 2: parties -> national
    for user in ("ua", "icpdr", None):  # not entitled now: nothing, not even what was shared
        body = json.dumps(history(client, user))
        assert "SECRETNOTE" not in body and "NEWNOTE" not in body


def test_moved_site_keeps_its_history_from_the_new_country(db, client):
    save(db)                                                             # 1: SRB, national
    save(db, country_iso3="HUN", lon=19.04, lat=47.50, notes="MOVENOTE")  # 2: SRB -> HUN
    save(db, country_iso3="HUN", lon=19.04, lat=47.50, notes="HUNNOTE")   # 3: HUN
    hu = history(client, "hu")
    assert not any(s in json.dumps(hu) for s in SECRETS), hu
    assert hu[0]["changes"]["notes"] == ["(confidential)", "(confidential)"]
    assert hu[1]["changes"]["notes"] == ["(confidential)", "(confidential)"]
    assert hu[1]["changes"]["country_iso3"] == ["SRB", "HUN"]  # public
    assert hu[2]["changes"]["notes"] == ["MOVENOTE", "HUNNOTE"]
    # Serbia's authority is no longer entitled now: nothing confidential at all
    rs = json.dumps(history(client, "rs"))
    assert not any(s in rs for s in (*SECRETS, "MOVENOTE", "HUNNOTE"))
    body = json.dumps(history(client, "admin"))
    assert all(s in body for s in (*SECRETS, "MOVENOTE", "HUNNOTE"))


def test_operator_reads_only_entries_of_its_own_time(db, client):
    save(db)                                                             # 1: First Operator
    assert "SECRETNOTE" in json.dumps(history(client, "op"))
    save(db, operator="Second Operator", notes="SECONDNOTE")             # 2: handed over
    save(db, operator="Second Operator", notes="THIRDNOTE")              # 3: Second Operator
    entries = history(client, "op")  # the user is now the second operator's
    assert not any(s in json.dumps(entries[:2]) for s in SECRETS)
    assert entries[2]["changes"]["notes"] == ["SECONDNOTE", "THIRDNOTE"]
    assert entries[1]["changes"]["operator"] == ["First Operator", "Second Operator"]


def test_deleted_record_history_for_administrators_only(db, client):
    save(db, disclosure=Disclosure.PUBLIC)
    RegisterService(db, SYSTEM).delete(SITE.id)
    assert "SECRETNOTE" not in json.dumps(history(client, "rs"))
    assert "SECRETNOTE" in json.dumps(history(client, "admin"))
    assert [h["action"] for h in history(client, None)] == ["create", "delete"]


def test_cli_history_applies_the_same_rule(sqlite_db):
    users.create_user(sqlite_db, "ua", "national", country="UKR")
    save(sqlite_db)
    save(sqlite_db, disclosure=Disclosure.PUBLIC, notes="OPENNOTE")
    r = CliRunner().invoke(cli_app, ["register", "history", SITE.id, "--db", sqlite_db.url,
                                     "--as", "ua", "--json"])
    assert r.exit_code == 0, r.output
    assert not any(s in r.stdout for s in SECRETS)
    assert [h["disclosure"] for h in json.loads(r.stdout)] == ["national", "national"]
    r = CliRunner().invoke(cli_app, ["register", "history", SITE.id, "--db", sqlite_db.url, "--json"])
    assert all(s in r.stdout for s in SECRETS)  # the local administrator
    r = CliRunner().invoke(cli_app, ["register", "history", SITE.id, "--db", sqlite_db.url, "--as", "ua"])
    assert r.exit_code == 0 and "level" in r.stdout and "national" in r.stdout


# -- the migration's backfill ---------------------------------------------------------------

def _old_entry(conn, entity_id: str, action: str, changes: dict, entity_type="establishment"):
    value = "CAST(:c AS JSON)" if conn.dialect.name == "postgresql" else ":c"
    conn.execute(text("INSERT INTO change_log (entity_type, entity_id, action, actor, at, changes) "
                      f"VALUES (:t, :e, :a, 'old', '2024-01-01 00:00:00', {value})"),
                 {"t": entity_type, "e": entity_id, "a": action, "c": json.dumps(changes)})


@pytest.fixture
def old_db(empty_database):
    """An empty database (to be brought to revision 0005, before history scopes)."""
    return empty_database


def test_migration_replays_each_history_and_treats_unknown_as_national(old_db):
    """Entries written before 0006: scopes replayed from each history, runs given their
    establishment's scope of the time, the rest 'national' of unknown scope."""
    from alembic import command

    from hazatlas.storage.db import alembic_config

    db = old_db
    command.upgrade(alembic_config(db), "0005")
    with db.engine.begin() as conn:
        _old_entry(conn, "A", "create", {"id": [None, "A"], "country_iso3": [None, "SRB"],
                                         "disclosure": [None, "national"], "notes": [None, "S"]})
        _old_entry(conn, "A", "update", {"disclosure": ["national", "public"]})
        _old_entry(conn, "s1", "create", {"establishment_id": [None, "A"]}, entity_type="scenario")
        _old_entry(conn, "s2", "create", {"establishment_id": [None, "B"]}, entity_type="scenario")
        _old_entry(conn, "s3", "create", {"establishment_id": [None, None]}, entity_type="scenario")
        _old_entry(conn, "A", "update", {"notes": ["S", "T"]})
        _old_entry(conn, "A", "update", {"country_iso3": ["SRB", "HUN"], "operator": [None, "X"]})
        _old_entry(conn, "B", "update", {"notes": ["S", "T"]})  # history without its create
        _old_entry(conn, "A", "delete", {"id": ["A", None], "country_iso3": ["HUN", None],
                                         "disclosure": ["public", None], "operator": ["X", None]})
        _old_entry(conn, "u1", "create", {"role": [None, "national"]}, entity_type="user")
    db.migrate()
    with db.engine.connect() as conn:
        rows = conn.execute(text("SELECT entity_id, action, disclosure, scope FROM change_log "
                                 "ORDER BY id")).all()
    got = [(e, a, d, json.loads(s) if isinstance(s, str) else s) for e, a, d, s in rows]
    assert got == [
        ("A", "create", "national", {"countries": ["SRB"], "operators": [None]}),
        ("A", "update", "national", {"countries": ["SRB"], "operators": [None]}),
        ("s1", "create", "public", {"countries": ["SRB"], "operators": [None]}),
        ("s2", "create", "national", None),
        ("s3", "create", "national", None),
        ("A", "update", "public", {"countries": ["SRB"], "operators": [None]}),
        ("A", "update", "public", {"countries": ["HUN", "SRB"], "operators": [None, "X"]}),
        ("B", "update", "national", None),
        ("A", "delete", "public", {"countries": ["HUN"], "operators": ["X"]}),
        ("u1", "create", "national", None),
    ]
