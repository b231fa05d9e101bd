"""Changing the title and the Parties after creation: versioned, audited, in the diff; Parties
added only while a draft; removing a Party that agreed resets every agreement; SQLite and
PostGIS; and the same over the CLI and the API."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient
from tests.plans.conftest import T0
from typer.testing import CliRunner

from hazatlas.api.app import create_app
from hazatlas.cli.main import app
from hazatlas.domain.errors import ConflictError, PermissionDeniedError, ValidationError
from hazatlas.services import plans, users
from hazatlas.services.settings import Settings
from hazatlas.storage import repositories as repo


def states(doc):
    return [(s["party"], s["state"]) for s in doc["states"]]


def test_title_and_parties_are_versioned_and_audited(db, people, plan):
    doc = plans.edit_plan(db, people["ro"], "danube-delta", title="Danube Delta plan (example) ")
    assert doc["title"] == "Danube Delta plan (example)" and doc["version"] == 2
    plans.agree(db, people["md"], "danube-delta", now=T0)
    plans.agree(db, people["ro"], "danube-delta", now=T0)
    doc = plans.edit_plan(db, people["md"], "danube-delta", parties=["MDA", "ROU", "UKR", "BGR"],
                          now=T0)
    assert doc["version"] == 3 and doc["parties"] == ["MDA", "ROU", "UKR", "BGR"]
    assert states(doc) == [("MDA", "draft"), ("ROU", "draft"), ("UKR", "draft"), ("BGR", "draft")]
    plans.agree(db, people["ro"], "danube-delta", now=T0)
    # Romania agreed; Ukraine withdraws: everyone's agreement is reset
    plans.edit_section(db, people["admin"], "danube-delta", "mutual_assistance", owner="MDA")
    plans.agree(db, people["ro"], "danube-delta", now=T0)
    doc = plans.edit_plan(db, people["ua"], "danube-delta", parties=["MDA", "ROU", "BGR"], now=T0)
    assert states(doc) == [("MDA", "draft"), ("ROU", "draft"), ("BGR", "draft")]
    with db.transaction() as s:
        log = [e for e in repo.history(s, "danube-delta", "plan") if e.action == "edit_plan"]
    assert [(e.actor, sorted(e.changes)) for e in log] == [
        ("ro", ["title", "version"]), ("md", ["parties", "version"]), ("ua", ["parties", "version"])]
    assert log[2].changes["parties"] == [["MDA", "ROU", "UKR", "BGR"], ["MDA", "ROU", "BGR"]]
    d = plans.diff(db, people["md"], "danube-delta", 1, doc["version"])
    assert d["title"] == ["Danube Delta joint plan (example)", "Danube Delta plan (example)"]
    assert d["parties"] == [["MDA", "ROU", "UKR"], ["MDA", "ROU", "BGR"]]


def test_rules_of_changing_the_parties(db, people, plan):
    with pytest.raises(PermissionDeniedError, match="only UKR itself or an administrator"):
        plans.edit_plan(db, people["md"], "danube-delta", parties=["MDA", "ROU"])
    with pytest.raises(ConflictError, match="ROU still owns section.s. alerting_notification"):
        plans.edit_plan(db, people["ro"], "danube-delta", parties=["MDA", "UKR"])
    with pytest.raises(PermissionDeniedError, match="may not change plan"):
        plans.edit_plan(db, people["rs"], "danube-delta", title="x")
    with pytest.raises(PermissionDeniedError):
        plans.edit_plan(db, people["icpdr"], "danube-delta", title="x")
    with pytest.raises(ValidationError, match="at least two Parties"):
        plans.edit_plan(db, people["admin"], "danube-delta", parties=["MDA"])
    with pytest.raises(ValidationError, match="'Rou' is not an ISO 3166-1 alpha-3"):
        plans.edit_plan(db, people["admin"], "danube-delta", parties=["MDA", "Rou"])
    with pytest.raises(ValidationError, match="title"):
        plans.edit_plan(db, people["md"], "danube-delta", title="  ")
    with pytest.raises(ConflictError, match="nothing changed"):
        plans.edit_plan(db, people["md"], "danube-delta", title="Danube Delta joint plan (example)")
    for who in ("md", "ro", "ua"):
        plans.agree(db, people[who], "danube-delta", now=T0)
    with pytest.raises(ConflictError, match="while the plan is a draft; it is agreed"):
        plans.edit_plan(db, people["md"], "danube-delta", parties=["MDA", "ROU", "UKR", "BGR"],
                        now=T0)
    # the title may change at any time (a new draft version)
    doc = plans.edit_plan(db, people["md"], "danube-delta", title="Renamed (example)", now=T0)
    assert doc["status"] == "draft"
    assert plans.get(db, people["md"], "danube-delta")["version"] == 2


def test_edit_over_the_cli_and_the_api(db, people, plan):
    if db.url.startswith("postgresql"):
        pytest.skip("the services' tests cover PostGIS")
    r = CliRunner().invoke(app, ["plan", "edit", "danube-delta", "--add-party", "BGR",
                                 "--title", "Lower Danube plan (example)", "--db", db.url,
                                 "--as", "ro", "--json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["parties"] == ["MDA", "ROU", "UKR", "BGR"]
    r = CliRunner().invoke(app, ["plan", "edit", "danube-delta", "--remove-party", "BGR",
                                 "--db", db.url, "--as", "ro"])
    assert r.exit_code == 2 and "only BGR itself or an administrator" in r.output
    r = CliRunner().invoke(app, ["plan", "edit", "danube-delta", "--remove-party", "BGR",
                                 "--db", db.url])  # the local administrator
    assert r.exit_code == 0, r.output
    token = users.issue_token(db, "md")
    with TestClient(create_app(Settings(database_url=db.url), db)) as c:
        assert c.patch("/api/plans/danube-delta", json={"title": "X"}).status_code == 401
        r = c.patch("/api/plans/danube-delta", json={"parties": ["MDA", "ROU", "UKR", "BGR"]},
                    headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 200 and r.json()["parties"][-1] == "BGR"
        assert r.json()["title"] == "Lower Danube plan (example)"
        r = c.patch("/api/plans/danube-delta", json={"parties": ["MDA", "ROU", "BGR"]},
                    headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 403 and "UKR" in r.json()["detail"]
        r = c.patch("/api/plans/danube-delta", json={"colour": "red"},
                    headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 422
