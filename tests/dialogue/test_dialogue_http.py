"""The dialogue over HTTP against the real app: the API (tokens, problem+json) and the
consultation pages in the browser's place (a stakeholder comments through the form, the
authority answers; another country's stakeholder gets 404; the CLI)."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from hazatlas.api.app import create_app
from hazatlas.cli.main import app as cli_app
from hazatlas.services import users
from hazatlas.services.dialogue import consultations
from hazatlas.services.settings import Settings
from hazatlas.storage.db import Database

PASSWORD = "correct horse battery staple"
NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)


@pytest.fixture
def app_client(db, people):
    for name in ("md", "ngo", "oilco", "ro-ngo"):
        users.set_password(db, name, PASSWORD)
    with TestClient(create_app(Settings(database_url=db.url), db)) as c:
        yield c


def token(db, name):
    return {"Authorization": f"Bearer {users.issue_token(db, name)}"}


def sign_in(client, name):
    page = client.get("/login")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    r = client.post("/login", data={"username": name, "password": PASSWORD, "csrf_token": csrf},
                    follow_redirects=False)
    assert r.status_code == 303


def csrf_of(client, path):
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).text).group(1)


def test_api(db, people, app_client):
    md, ngo = token(db, "md"), token(db, "ngo")
    body = {"country_iso3": "MDA", "title": "Draft off-site plan (example)",
            "subject_kind": "document", "document_title": "Off-site plan v2",
            "opens_at": (NOW - dt.timedelta(days=1)).isoformat(),
            "closes_at": (NOW + dt.timedelta(days=30)).isoformat()}
    assert app_client.post("/api/consultations", json=body).status_code == 401
    r = app_client.post("/api/consultations", json=body, headers=md)
    assert r.status_code == 201, r.text
    cid = r.json()["id"]
    r = app_client.post(f"/api/consultations/{cid}/comments", json={"text": "Hello"}, headers=ngo)
    assert r.status_code == 201
    r = app_client.put(f"/api/consultations/comments/{r.json()['id']}/answer",
                       json={"answer": "Thanks"}, headers=md)
    assert r.status_code == 200 and r.json()["answered_by"] == "md"
    assert app_client.get(f"/api/consultations/{cid}", headers=token(db, "ro-ngo")).status_code == 404
    bad = app_client.post("/api/consultations", json={**body, "closes_at": "2026-01-01T00:00:00"},
                          headers=md)
    assert bad.status_code == 422 and bad.headers["content-type"].startswith("application/problem+json")
    r = app_client.post("/api/dialogue/bodies", headers=md, json={
        "id": "md-steering", "country_iso3": "MDA", "kind": "steering_committee",
        "name": "Steering committee (example)", "members": [{"name": "A", "sector": "authority"}]})
    assert r.status_code == 201, r.text
    r = app_client.post("/api/dialogue/bodies/md-steering/meetings", headers=md, json={
        "held_on": "2026-03-02", "title": "First", "decisions": ["D1"],
        "actions": [{"title": "T", "responsible": "R", "due_on": "2026-03-31",
                     "action_plan_ref": "AP-1"}]})
    assert r.status_code == 201, r.text
    action = r.json()["actions"][0]["id"]
    r = app_client.patch(f"/api/dialogue/actions/{action}", json={"status": "done"}, headers=md)
    assert r.status_code == 200 and r.json()["status"] == "done"
    assert app_client.get("/api/dialogue/bodies/md-steering", headers=ngo).status_code == 404
    assert app_client.get("/api/dialogue/actions", headers=md).json()[0]["action_plan_ref"] == "AP-1"


def test_consultation_in_the_browser(db, people, app_client):
    c = consultations.create(db, people["md"], country_iso3="MDA", title="Draft plan (example)",
                             subject_kind="document", document_title="Plan v2",
                             document_url="https://example.org/plan.pdf",
                             opens_at=NOW - dt.timedelta(days=1),
                             closes_at=NOW + dt.timedelta(days=30))
    path = f"/consultations/{c['id']}"
    assert app_client.get(path, follow_redirects=False).status_code == 303  # login first
    sign_in(app_client, "ngo")
    page = app_client.get("/consultations")
    assert "Draft plan (example)" in page.text
    r = app_client.post(f"{path}/comments", data={"text": "Add the school to the warning list.",
                                                  "organisation": "Eco (example)",
                                                  "csrf_token": csrf_of(app_client, path)},
                        follow_redirects=False)
    assert r.status_code == 303
    r = app_client.post(f"{path}/comments", data={"text": "private note PRIVATEXYZ", "private": "on",
                                                  "csrf_token": csrf_of(app_client, path)},
                        follow_redirects=False)
    assert r.status_code == 303
    empty = app_client.post(f"{path}/comments", data={"text": " ",
                                                      "csrf_token": csrf_of(app_client, path)})
    assert empty.status_code == 422 and "text" in empty.text
    app_client.post("/logout", data={"csrf_token": csrf_of(app_client, path)})
    sign_in(app_client, "oilco")  # another stakeholder: the public comment, not the private one
    text = app_client.get(path).text
    assert "Add the school" in text and "PRIVATEXYZ" not in text
    app_client.post("/logout", data={"csrf_token": csrf_of(app_client, path)})
    sign_in(app_client, "ro-ngo")  # another country's stakeholder
    assert app_client.get(path).status_code == 404
    app_client.post("/logout", data={"csrf_token": csrf_of(app_client, "/consultations")})
    sign_in(app_client, "md")
    text = app_client.get(path).text
    assert "PRIVATEXYZ" in text and "Save the answer" in text
    first = consultations.get(db, people["md"], c["id"])["comments"][0]["id"]
    r = app_client.post(f"{path}/comments/{first}/answer",
                        data={"answer": "Added in section 4.", "csrf_token": csrf_of(app_client, path)},
                        follow_redirects=False)
    assert r.status_code == 303
    assert "Added in section 4." in app_client.get(path).text


def test_cli(tmp_path):
    """On a SQLite file of its own: each command opens (and the process would close) its own
    database."""
    path = tmp_path / "cli.sqlite"
    setup = Database(path)
    setup.migrate()
    for name, role, country in (("md", "national", "MDA"), ("ngo", "stakeholder", "MDA")):
        users.create_user(setup, name, role, country=country)
    setup.dispose()
    url = str(path)
    run = CliRunner()
    r = run.invoke(cli_app, ["consultation", "open", "--db", url, "--as", "md", "--country",
                             "MDA", "--title", "Plan (example)", "--on", "document",
                             "--document-title", "Plan v2", "--opens",
                             (NOW - dt.timedelta(days=1)).isoformat(), "--closes",
                             (NOW + dt.timedelta(days=5)).isoformat(), "--json"])
    assert r.exit_code == 0, r.output
    cid = str(json.loads(r.output)["id"])
    r = run.invoke(cli_app, ["consultation", "comment", cid, "Fine.", "--db", url,
                             "--as", "ngo"])
    assert r.exit_code == 0, r.output
    r = run.invoke(cli_app, ["consultation", "list", "--db", url, "--as", "ngo"])
    assert "1 comments (1 unanswered)" in r.output
    r = run.invoke(cli_app, ["consultation", "open", "--db", url, "--as", "md", "--country",
                             "MDA", "--title", "x", "--on", "document", "--document-title", "d",
                             "--opens", "2026-01-01", "--closes", "2026-02-01T00:00:00+00:00"])
    assert r.exit_code != 0 and "--opens" in r.output
    r = run.invoke(cli_app, ["dialogue", "body-create", "md-sc", "--db", url, "--as", "md",
                             "--country", "MDA", "--kind", "steering_committee", "--name", "SC"])
    assert r.exit_code == 0, r.output
    r = run.invoke(cli_app, ["dialogue", "meeting", "md-sc", "--db", url, "--as", "md",
                             "--date", "2026-03-02", "--title", "First", "--decision", "D1",
                             "--json"])
    assert r.exit_code == 0, r.output
    meeting = str(json.loads(r.output)["id"])
    r = run.invoke(cli_app, ["dialogue", "action", meeting, "--db", url, "--as", "md", "--title",
                             "T", "--responsible", "R", "--due", "2020-01-01",
                             "--action-plan-ref", "AP-1"])
    assert r.exit_code == 0, r.output
    r = run.invoke(cli_app, ["dialogue", "actions", "--overdue", "--db", url, "--as", "md"])
    assert "OVERDUE" in r.output and "AP-1" not in r.output
