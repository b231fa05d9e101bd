"""Damage events (SQLite and PostGIS): recording with every problem named, the access rules of
writing, assessing and reading (confidential events, public ones without their units), the
audit entries, the unassessed list, the command line and migration 0011."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from alembic import command
from sqlalchemy import inspect
from typer.testing import CliRunner

from hazatlas.cli.main import app as cli
from hazatlas.domain.access import ANONYMOUS, SYSTEM, Principal, Role
from hazatlas.domain.errors import NotFoundError, PermissionDeniedError, ValidationError
from hazatlas.services.damage import DamageService, unit_labels
from hazatlas.services.register import RegisterService
from hazatlas.storage import repositories as repo
from hazatlas.storage.db import alembic_config

RS = Principal("rs", Role.NATIONAL, "SRB")
UA = Principal("ua", Role.NATIONAL, "UKR", party=True)
RO = Principal("ro", Role.NATIONAL, "ROU", party=True)
BASIN = Principal("icpdr", Role.BASIN)
AURUL = Principal("aurul", Role.OPERATOR, establishment_id="RO-BM-AURUL")
TODAY = dt.date(2026, 12, 6)
EVENT = {"occurred_on": "2022-04-03", "cause": "armed_conflict", "extent": "severe",
         "source": "report of the test", "reliability": "media", "affected_units": ["tank farm"]}


@pytest.fixture
def reg(db, sample_csv):
    RegisterService(db, SYSTEM).import_file(sample_csv)
    return db


def test_units_of_a_site(reg):
    sites = {e.id: e for e, _ in RegisterService(reg, SYSTEM).all()}
    assert unit_labels(sites["RS-PANCEVO-HIP"]) == ("tank farm",)
    assert unit_labels(sites["RO-BM-AURUL"]) == ("line 1", "line 2", "dam")
    assert unit_labels(sites["KG-MAILUU-TP3"]) == ("dam",)


def test_record_list_assess_and_audit(reg):
    svc = DamageService(reg, RS)
    doc = svc.add("RS-PANCEVO-HIP", EVENT, today=TODAY)
    assert doc["assessed"] is False and doc["recorded_by"] == "rs" and doc["confidential"]
    assert doc["affected_units"] == ["tank farm"] and doc["extent"] == "severe"
    assert [e["id"] for e in svc.for_site("RS-PANCEVO-HIP")] == [doc["id"]]
    assert [e["id"] for e in svc.visible_events(unassessed=True)] == [doc["id"]]
    done = svc.assess(doc["id"], extent="moderate", note="seen on site")
    assert done["assessed"] and done["extent"] == "moderate" and done["extent_reported"] == "severe"
    assert done["assessed_by"] == "rs"
    assert svc.visible_events(unassessed=True) == []
    with reg.transaction() as s:
        history = repo.history(s, str(doc["id"]), "damage_event")
    assert [h.action for h in history] == ["create", "assess"]
    assert history[0].actor == "rs" and history[0].changes["extent"] == [None, "severe"]
    assert history[1].changes["extent"] == ["severe", "moderate"]
    assert history[1].scope.countries == frozenset({"SRB"})


def test_every_problem_named_and_nothing_written(reg):
    bad = {"occurred_on": "2027-01-01", "cause": "natural_hazard", "extent": "total",
           "source": " ", "reliability": "rumour", "affected_units": ["T-9"],
           "source_url": "ftp://x"}
    with pytest.raises(ValidationError) as exc:
        DamageService(reg, SYSTEM).add("RS-PANCEVO-HIP", bad, today=TODAY)
    assert [p.field for p in exc.value.problems] == [
        "occurred_on", "extent", "reliability", "source", "source_url", "hazard_type",
        "affected_units"]
    assert "T-9: not a unit of RS-PANCEVO-HIP (its units: tank farm)" in str(exc.value.problems[-1])
    assert DamageService(reg, SYSTEM).visible_events() == []
    with pytest.raises(NotFoundError):
        DamageService(reg, SYSTEM).add("XX-NONE", EVENT, today=TODAY)


def test_who_may_write_and_assess(reg):
    for who in (UA, BASIN, ANONYMOUS, AURUL):
        with pytest.raises(PermissionDeniedError):
            DamageService(reg, who).add("RS-PANCEVO-HIP", EVENT, today=TODAY)
    # an operator reports damage of its own site, but may not assess it
    own = DamageService(reg, AURUL).add("RO-BM-AURUL", {
        **EVENT, "affected_units": ["dam"], "reliability": "confirmed_operator"}, today=TODAY)
    with pytest.raises(PermissionDeniedError):
        DamageService(reg, AURUL).assess(own["id"])
    with pytest.raises(PermissionDeniedError):
        DamageService(reg, UA).assess(own["id"])
    assert DamageService(reg, RO).assess(own["id"])["assessed"]


def test_confidential_and_public_events(reg):
    secret = DamageService(reg, RS).add("RS-PANCEVO-HIP", EVENT, today=TODAY)
    public = DamageService(reg, RS).add("RS-PANCEVO-HIP", {**EVENT, "confidential": False,
                                                           "notes": "NOTESECRET"}, today=TODAY)
    # Pančevo is of national disclosure: Ukraine and the public see the public event only,
    # without its units and notes
    for who in (UA, ANONYMOUS):
        seen = DamageService(reg, who).for_site("RS-PANCEVO-HIP")
        assert [e["id"] for e in seen] == [public["id"]]
        assert seen[0]["affected_units"] is None and seen[0]["notes"] is None
        assert not seen[0]["complete"]
        assert "NOTESECRET" not in json.dumps(DamageService(reg, who).visible_events())
        with pytest.raises(NotFoundError):
            DamageService(reg, who).assess(secret["id"])
    full = DamageService(reg, RS).for_site("RS-PANCEVO-HIP")
    assert {e["id"] for e in full} == {secret["id"], public["id"]}
    assert all(e["complete"] for e in full)


def test_cli(sqlite_db, sample_csv, monkeypatch):
    RegisterService(sqlite_db, SYSTEM).import_file(sample_csv)
    monkeypatch.setenv("HAZATLAS_DATABASE_URL", str(sqlite_db.url))
    runner = CliRunner()
    res = runner.invoke(cli, ["damage", "add", "--establishment", "KG-MAILUU-TP3", "--date",
                              "2024-05-01", "--cause", "natural_hazard", "--hazard", "landslide",
                              "--extent", "minor", "--unit", "dam", "--source", "test",
                              "--reliability", "unverified", "--json"])
    assert res.exit_code == 0, res.output
    eid = json.loads(res.stdout)["id"]
    res = runner.invoke(cli, ["damage", "unassessed", "--json"])
    assert [e["id"] for e in json.loads(res.stdout)] == [eid]
    res = runner.invoke(cli, ["damage", "unassessed"])
    assert "1 site(s) with unassessed damage" in res.stdout
    res = runner.invoke(cli, ["damage", "assess", str(eid), "--extent", "none"])
    assert res.exit_code == 0 and "assessed: none" in res.stdout
    res = runner.invoke(cli, ["damage", "list", "--establishment", "KG-MAILUU-TP3", "--json"])
    assert json.loads(res.stdout)[0]["assessed"] is True
    res = runner.invoke(cli, ["damage", "add", "--establishment", "KG-MAILUU-TP3", "--date",
                              "2024-05-01", "--cause", "war", "--extent", "minor", "--source",
                              "x", "--reliability", "media"])
    assert res.exit_code == 2 and "cause" in res.output and "armed_conflict" in res.output


def test_migration_0011_up_and_down(empty_database):
    db = empty_database
    config = alembic_config(db)
    command.upgrade(config, "0010")
    assert "damage_event" not in inspect(db.engine).get_table_names()
    command.upgrade(config, "0011")
    assert "damage_event" in inspect(db.engine).get_table_names()
    assert db.current_revision() == "0011"
    command.downgrade(config, "0010")
    assert "damage_event" not in inspect(db.engine).get_table_names()


def test_demo_records(tmp_path):
    from hazatlas.cli.demo import prepare_demo
    from hazatlas.services.store import open_database

    path = tmp_path / "demo.sqlite"
    assert prepare_demo(path)["damage_events"] == 1
    assert prepare_demo(path)["damage_events"] == 0  # once per site and source
    db = open_database(str(path))
    try:
        events = DamageService(db, ANONYMOUS).visible_events(unassessed=True)
    finally:
        db.dispose()
    assert [e["establishment_id"] for e in events] == ["UA-IF-KALUSH-TSF2"]
    assert events[0]["source"].startswith("hazatlas DEMO RECORD")
    assert "DEMO RECORD" in events[0]["notes"] and events[0]["reliability"] == "unverified"


def test_assessment_note_checked(reg):
    ev = DamageService(reg, RS).add("RS-PANCEVO-HIP", EVENT, today=TODAY)
    for bad in ("x" * 4001, "nul\x00"):
        with pytest.raises(ValidationError) as exc:
            DamageService(reg, RS).assess(ev["id"], note=bad)
        assert exc.value.problems[0].field == "note"
    with pytest.raises(ValidationError) as exc:
        DamageService(reg, RS).assess(ev["id"], extent="gone")
    assert "expected one of none, minor" in str(exc.value.problems[0])
    assert DamageService(reg, RS).for_site("RS-PANCEVO-HIP")[0]["assessed"] is False
