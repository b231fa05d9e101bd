"""``/api/plans…`` on the real app: tokens, problem+json errors, the public's view; SQLite and
PostGIS."""

from __future__ import annotations

import lxml.html
import pytest
from fastapi.testclient import TestClient

from hazatlas.api.app import create_app
from hazatlas.services import users
from hazatlas.services.settings import Settings

BODY = {"id": "danube-delta", "title": "Danube Delta joint plan (example)", "area_kind": "basin",
        "area": "Danube Delta", "form": "joint_plan", "parties": ["MDA", "ROU", "UKR"],
        "languages": ["ro", "uk", "en"], "review_interval_months": 36, "public": True,
        "owners": {"alerting_notification": "ROU"}}


@pytest.fixture
def client(db, people):
    tokens = {u: users.issue_token(db, u) for u in ("admin", "md", "ro", "ua", "rs")}
    with TestClient(create_app(Settings(database_url=db.url), db)) as c:
        c.h = {u: {"Authorization": f"Bearer {t}"} for u, t in tokens.items()}
        yield c


def test_plan_life_over_http(client):
    h = client.h
    assert client.post("/api/plans", json=BODY).status_code == 401
    r = client.post("/api/plans", json=BODY, headers=h["md"])
    assert r.status_code == 201 and r.json()["status"] == "draft"
    r = client.put("/api/plans/danube-delta/sections/scope", headers=h["md"],
                   json={"text": {"ro": "Domeniu."}, "public": True, "covers": ["P1"]})
    assert r.status_code == 200 and r.json()["version"] == 2
    r = client.put("/api/plans/danube-delta/sections/scope", headers=h["ro"], json={"text": {"ro": "x"}})
    assert r.status_code == 403 and r.headers["content-type"].startswith("application/problem+json")
    r = client.post("/api/plans/danube-delta/links", headers=h["ro"],
                    json={"section": "alerting_notification", "kind": "report_type",
                          "target": "early_warning"})
    assert r.status_code == 200
    r = client.post("/api/plans/danube-delta/adopt", headers=h["md"])
    assert r.status_code == 409 and "still draft" in r.json()["detail"]
    for u in ("md", "ro", "ua"):
        assert client.post("/api/plans/danube-delta/agree", headers=h[u]).status_code == 200
    for u in ("md", "ro", "ua"):
        r = client.post("/api/plans/danube-delta/adopt", headers=h[u])
    assert r.json()["status"] == "adopted"
    r = client.post("/api/plans/danube-delta/review-requests", headers=h["ua"],
                    json={"reason": "new oil terminal berth"})
    assert r.json()["status"] == "review_due"
    d = client.get("/api/plans/danube-delta/diff?from=1&to=3", headers=h["ua"]).json()
    assert [s["section"] for s in d["sections"]] == ["scope", "alerting_notification"]
    c = client.get("/api/plans/danube-delta/completeness", headers=h["ro"]).json()
    assert c["sections"][0]["missing_languages"] == ["uk", "en"]
    assert len(client.get("/api/plans/danube-delta/revisions", headers=h["ro"]).json()) == 10
    page = client.get("/api/plans/danube-delta/export?format=html&language=uk", headers=h["ua"])
    assert page.headers["content-type"].startswith("text/html")
    assert lxml.html.fromstring(page.text).get("lang") == "uk"


def test_public_view_and_errors(client):
    h = client.h
    client.post("/api/plans", json=BODY, headers=h["md"])
    client.put("/api/plans/danube-delta/sections/roles", headers=h["md"], json={"text": {"ro": "SECRETROLES"}})
    client.put("/api/plans/danube-delta/sections/scope", headers=h["md"],
               json={"text": {"ro": "Domeniu."}, "public": True})
    r = client.get("/api/plans/danube-delta")
    assert r.status_code == 200 and [s["key"] for s in r.json()["sections"]] == ["scope"]
    assert "SECRETROLES" not in client.get("/api/plans/danube-delta/export?format=json").text
    assert client.get("/api/plans/danube-delta/completeness").status_code == 403
    assert [p["id"] for p in client.get("/api/plans").json()] == ["danube-delta"]
    assert client.get("/api/plans/nope").status_code == 404
    r = client.post("/api/plans", json={**BODY, "id": "x", "languages": ["RO"]}, headers=h["md"])
    assert r.status_code == 422 and "languages" in r.text
    r = client.post("/api/plans", json={**BODY, "id": "y", "colour": "red"}, headers=h["md"])
    assert r.status_code == 422
    r = client.get("/api/plans/danube-delta/export?format=html&language=de", headers=h["md"])
    assert r.status_code == 422 and "'de' is not a language" in r.text
    r = client.post("/api/plans/danube-delta/links", headers=h["md"],
                    json={"section": "scope", "kind": "establishment", "target": "NOPE"})
    assert r.status_code == 404
