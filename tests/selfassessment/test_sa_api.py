"""``/api/self-assessments…``, ``/api/action-plans…`` and ``/api/implementation-reports…`` on
the real app: tokens, country scope, problem+json errors. SQLite and PostGIS."""

from __future__ import annotations

import lxml.html
import pytest
from fastapi.testclient import TestClient

from hazatlas.api.app import create_app
from hazatlas.services import users
from hazatlas.services.settings import Settings

from .conftest import Exercises


@pytest.fixture
def client(db, register, people, no_exercises):
    tokens = {u: users.issue_token(db, u) for u in ("admin", "rs", "ro")}
    with TestClient(create_app(Settings(database_url=db.url), db)) as c:
        c.h = {u: {"Authorization": f"Bearer {t}"} for u, t in tokens.items()}
        yield c


ROUND = {"country": "SRB", "round": "2026", "period_start": "2025-01-01",
         "period_end": "2026-12-31"}


def test_self_assessment_and_action_plan_over_http(client):
    h = client.h
    assert client.post("/api/self-assessments", json=ROUND).status_code == 401
    assert client.post("/api/self-assessments", json=ROUND, headers=h["ro"]).status_code == 403
    r = client.post("/api/self-assessments", json=ROUND, headers=h["rs"])
    assert r.status_code == 201, r.text
    classified = client.get("/api/establishments/RS-PRA-CL/classification", headers=h["rs"])
    assert classified.status_code == 200, classified.text
    f = r.json()["prefill"]["figures"]["hazardous_activities_identified"]
    assert ("RS-PRA-CL" in f["detail"]["establishments"]) is classified.json()[
        "convention_hazardous_activity"]
    r = client.put("/api/self-assessments/SRB/2026/indicators/ID1", headers=h["rs"],
                   json={"level": 3, "evidence": "register"})
    assert r.status_code == 200 and r.json()["version"] == 2
    r = client.put("/api/self-assessments/SRB/2026/indicators/ID1", headers=h["rs"],
                   json={"level": 9})
    assert r.status_code == 422 and r.headers["content-type"].startswith("application/problem+json")
    assert client.get("/api/self-assessments/SRB/2026", headers=h["ro"]).status_code == 404
    assert client.get("/api/self-assessments/SRB/2026").status_code == 401
    assert client.post("/api/self-assessments/SRB/2026/refresh", headers=h["rs"]).json()[
        "version"] == 3
    client.post("/api/self-assessments", json={**ROUND, "round": "2022"}, headers=h["rs"])
    p = client.get("/api/self-assessments/SRB/progress?from=2022&to=2026", headers=h["rs"]).json()
    assert [r for r in p["indicators"] if r["indicator"] == "ID1"][0]["to"] == 3
    assert len(client.get("/api/self-assessments/SRB/2026/revisions", headers=h["rs"]).json()) == 3
    assert [a["round"] for a in client.get("/api/self-assessments", headers=h["admin"]).json()] \
        == ["2022", "2026"]

    r = client.post("/api/action-plans/SRB/actions", headers=h["rs"],
                    json={"indicator_id": "RM4", "title": "24/7 roster",
                          "responsible_authority": "Sector for Emergency Management",
                          "due_on": "2020-01-01"})
    assert r.status_code == 201 and r.json()["overdue"] is True
    r = client.patch(f"/api/action-plans/SRB/actions/{r.json()['id']}", headers=h["rs"],
                     json={"status": "done"})
    assert r.json()["overdue"] is False
    r = client.post("/api/action-plans/SRB/improvements", headers=h["rs"],
                    json=Exercises().actions)
    assert r.json()["created"] == 1
    r = client.post("/api/action-plans/SRB/improvements", headers=h["rs"],
                    json=Exercises().actions)
    assert r.json()["unchanged"] == 1
    plan = client.get("/api/action-plans/SRB", headers=h["rs"]).json()
    assert len(plan["actions"]) == 2
    assert client.get("/api/action-plans/SRB", headers=h["ro"]).status_code == 404
    r = client.post("/api/action-plans/SRB/actions", headers=h["rs"],
                    json={"indicator_id": "RM4", "title": "x", "responsible_authority": "y",
                          "due_on": "2026-02-30"})
    assert r.status_code == 422 and "due_on" in r.text


def test_report_over_http(client):
    h = client.h
    body = {**ROUND, "round": "11th", "languages": ["sr", "en"]}
    r = client.post("/api/implementation-reports", json=body, headers=h["admin"])
    assert r.status_code == 201 and r.json()["state"] == "draft"
    r = client.put("/api/implementation-reports/SRB/11th/sections/prevention", headers=h["rs"],
                   json={"language": "sr", "text": "Tekst."})
    assert r.json()["version"] == 2
    assert client.post("/api/implementation-reports/SRB/11th/sign-off",
                       headers=h["admin"]).status_code == 403
    r = client.post("/api/implementation-reports/SRB/11th/sign-off", headers=h["rs"],
                    json={"version": 1})
    assert r.status_code == 409
    r = client.post("/api/implementation-reports/SRB/11th/sign-off", headers=h["rs"],
                    json={"version": 2})
    assert r.status_code == 200 and r.json()["signed_off"]["by"] == "rs"
    r = client.post("/api/implementation-reports/SRB/11th/refresh", headers=h["rs"])
    assert (r.json()["version"], r.json()["state"]) == (3, "draft")
    page = client.get("/api/implementation-reports/SRB/11th/export?format=html&language=sr&version=2",
                      headers=h["rs"])
    assert page.headers["content-type"].startswith("text/html")
    assert "signed off by rs" in lxml.html.fromstring(page.text).get_element_by_id("state").text
    js = client.get("/api/implementation-reports/SRB/11th/export", headers=h["rs"]).json()
    assert js["version"] == 3
    assert client.get("/api/implementation-reports/SRB/11th", headers=h["ro"]).status_code == 404
    assert len(client.get("/api/implementation-reports/SRB/11th/revisions",
                          headers=h["rs"]).json()) == 4
    assert client.get("/api/implementation-reports", headers=h["ro"]).json() == []
    r = client.post("/api/implementation-reports", json={**body, "colour": "red"}, headers=h["rs"])
    assert r.status_code == 422
