"""``/api/exercises…`` through the real HTTP app: tokens, roles, problem+json errors, the
report as HTML and the journal as XLSX."""

from __future__ import annotations

import io

import openpyxl
import pytest
from fastapi.testclient import TestClient
from tests.exercises.conftest import ACCIDENT

from hazatlas.api.app import create_app
from hazatlas.services import users


@pytest.fixture
def client(db, settings, people, plan, directory):
    tokens = {u: users.issue_token(db, u) for u in ("md", "ro", "rs", "icpdr")}
    with TestClient(create_app(settings, db)) as c:
        c.tokens = tokens
        yield c


def auth(client, user):
    return {"Authorization": f"Bearer {client.tokens[user]}"}


def test_exercise_over_http(client):
    body = {"id": "dd", "title": "Danube Delta (example)", "parties": ["MDA", "ROU", "UKR"],
            "plan_id": "danube-delta", "accident": ACCIDENT,
            "staff": [{"user": "icpdr", "role": "evaluator"}]}
    assert client.post("/api/exercises", json=body).status_code == 401
    r = client.post("/api/exercises", json=body, headers=auth(client, "md"))
    assert r.status_code == 201, r.text
    assert client.post("/api/exercises", json=body, headers=auth(client, "md")).status_code == 409
    r = client.post("/api/exercises/dd/objectives", headers=auth(client, "md"),
                    json={"id": "O1", "text": "Warn", "area": "nowhere"})
    assert r.status_code == 422 and "area" in r.text
    r = client.post("/api/exercises/dd/objectives", headers=auth(client, "md"),
                    json={"id": "O1", "text": "Warn", "area": "notification", "tasks": ["Send"]})
    assert r.status_code == 200, r.text
    r = client.post("/api/exercises/dd/injects", headers=auth(client, "md"),
                    json={"id": "I1", "offset_s": 600, "synopsis": "Early warning",
                          "from_party": "MDA", "to": ["ROU"], "objective": "O1",
                          "message": {"type": "early_warning"}})
    assert r.status_code == 200, r.text
    assert client.get("/api/exercises/dd", headers=auth(client, "rs")).status_code == 404
    assert client.get("/api/exercises/dd").status_code == 404
    assert client.post("/api/exercises/dd/start", headers=auth(client, "ro")).status_code == 403
    assert client.post("/api/exercises/dd/start", headers=auth(client, "md")).status_code == 200
    r = client.post("/api/exercises/dd/release", json={"inject_id": "I1"},
                    headers=auth(client, "md"))
    assert r.status_code == 200 and r.json()["released"] == ["I1"]
    report_id = r.json()["exercise"]["injects"][0]["report_id"]
    r = client.get(f"/api/notifications/reports/{report_id}", headers=auth(client, "ro"))
    assert r.status_code == 200 and r.json()["status"] == "exercise"
    r = client.post("/api/exercises/dd/journal", json={"text": "Booms out"},
                    headers=auth(client, "ro"))
    assert r.status_code == 201 and r.json()["seq"] == 3
    assert client.post("/api/exercises/dd/end", headers=auth(client, "md")).status_code == 200
    r = client.post("/api/exercises/dd/ratings", json={"target": "O1", "rating": "P"},
                    headers=auth(client, "icpdr"))
    assert r.status_code == 200, r.text
    r = client.post("/api/exercises/dd/actions", headers=auth(client, "md"),
                    json={"text": "Add the harbour master", "plan_id": "danube-delta",
                          "section": "roles", "responsible": "UKR", "due": "2016-01-31"})
    assert r.status_code == 200 and r.json()["actions"][0]["section"] == "roles"
    r = client.put("/api/exercises/dd/actions/A1", json={"status": "done"},
                   headers=auth(client, "ro"))
    assert r.status_code == 403
    assert client.get("/api/exercise-questions").json()[0]["question"] == "overall"
    r = client.post("/api/exercises/dd/feedback", json={"answers": {"overall": 4}},
                    headers=auth(client, "ro"))
    assert r.status_code == 200
    r = client.get("/api/exercises/dd/report?format=html", headers=auth(client, "ro"))
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert 'data-section="roles"' in r.text
    assert client.get("/api/exercises/dd/report", headers=auth(client, "rs")).status_code == 404
    r = client.get("/api/exercises/dd/journal.xlsx", headers=auth(client, "md"))
    rows = list(openpyxl.load_workbook(io.BytesIO(r.content)).active.iter_rows(values_only=True))
    assert [row[4] for row in rows[1:]] == ["state", "inject", "action", "state"]
    assert [e["id"] for e in client.get("/api/exercises", headers=auth(client, "ro")).json()] == ["dd"]
    assert client.get("/api/exercises", headers=auth(client, "rs")).json() == []
