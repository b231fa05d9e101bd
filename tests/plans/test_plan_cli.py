"""``hazatlas plan …`` on a SQLite file: the worked Danube Delta example of docs/plans.md
(example data)."""

from __future__ import annotations

import json

import lxml.html
from typer.testing import CliRunner

from hazatlas.cli.main import app
from hazatlas.services import users
from hazatlas.storage.db import Database

runner = CliRunner()


def plan(db_path, *args, user="md"):
    return runner.invoke(app, ["plan", *args, "--db", str(db_path), "--as", user])


def test_danube_delta_example(tmp_path):
    path = tmp_path / "cli.sqlite"
    db = Database(path)
    db.migrate()
    for name, country in (("md", "MDA"), ("ro", "ROU"), ("ua", "UKR")):
        users.create_user(db, name, "national", country=country)
    db.dispose()
    r = plan(path, "create", "danube-delta", "--title", "Danube Delta joint plan (example)",
             "--area-kind", "basin", "--area", "Danube Delta", "--form", "joint_plan",
             "--party", "MDA", "--party", "ROU", "--party", "UKR", "--language", "ro",
             "--language", "uk", "--review-months", "36", "--owner", "alerting_notification=ROU",
             "--json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["status"] == "draft"
    scope = tmp_path / "scope.json"
    scope.write_text(json.dumps({"text": {"ro": "Poluare accidentală.", "uk": "Аварійне забруднення."},
                                 "covers": ["P1", "P2"], "public": True}), encoding="utf-8")
    assert plan(path, "edit-section", "danube-delta", "scope", "--file", str(scope)).exit_code == 0
    r = plan(path, "edit-section", "danube-delta", "scope", "--file", str(scope), user="ro")
    assert r.exit_code == 2 and "it is MDA's" in r.output
    bad = tmp_path / "bad.json"
    bad.write_text('{"txt": {}}', encoding="utf-8")
    r = plan(path, "edit-section", "danube-delta", "scope", "--file", str(bad))
    assert r.exit_code == 2 and "bad.json, column 'txt': unknown key" in r.output
    alert = tmp_path / "alert.ro.txt"
    alert.write_text("Avertizare timpurie prin sistemul AEWS.", encoding="utf-8")
    assert plan(path, "edit-section", "danube-delta", "alerting_notification", "--file",
                str(alert), "--language", "ro", user="ro").exit_code == 0
    assert plan(path, "link", "danube-delta", "alerting_notification", "report_type",
                "early_warning", user="ro").exit_code == 0
    r = plan(path, "check", "danube-delta", "--json")
    assert r.exit_code == 1 and not json.loads(r.stdout)["complete"]
    r = plan(path, "diff", "danube-delta", "1", "2", "--json")
    assert json.loads(r.stdout)["sections"][0]["section"] == "scope"
    for who in ("md", "ro", "ua"):
        assert plan(path, "agree", "danube-delta", "--at", "2026-03-02T09:00:00+02:00",
                    user=who).exit_code == 0
    for who in ("md", "ro", "ua"):
        r = plan(path, "adopt", "danube-delta", "--at", "2026-03-10T12:00:00+02:00", "--json", user=who)
    assert json.loads(r.stdout)["review_due_on"] == "2029-03-10"
    r = plan(path, "show", "danube-delta", "--at", "2029-03-10T12:00:00+02:00")
    assert r.exit_code == 0 and "review due" in r.stdout
    r = plan(path, "list", "--json")
    assert [p["id"] for p in json.loads(r.stdout)] == ["danube-delta"]
    out = tmp_path / "plan.uk.html"
    r = plan(path, "export", "danube-delta", "--format", "html", "--language", "uk", "--output", str(out))
    assert r.exit_code == 0
    page = lxml.html.fromstring(out.read_text(encoding="utf-8"))
    assert page.get_element_by_id("section-scope").xpath("p")[0].text == "Аварійне забруднення."
    r = plan(path, "agree", "danube-delta", "--at", "yesterday")
    assert r.exit_code == 2 and "'yesterday' is not an ISO 8601 time" in r.output
