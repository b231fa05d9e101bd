"""``POST /api/scenarios/tailings-failure`` on SQLite and PostGIS: authenticated write, stored
run readable as the establishment's disclosure allows, errors as problem+json naming the field."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

BODY = {"establishment_id": "RO-BM-AURUL", "start": "2000-01-30T22:00:00",
        "released_fraction": 0.0625, "stored_volume_m3": 1.6e6, "dam_height_m": 20}


@pytest.fixture
def client(db):
    from hazatlas.api.app import create_app
    from hazatlas.domain.access import SYSTEM
    from hazatlas.domain.reference import data_path
    from hazatlas.services import users
    from hazatlas.services.register import RegisterService
    from hazatlas.services.settings import Settings

    RegisterService(db, SYSTEM).import_file(data_path("demo", "register.csv"))
    users.create_user(db, "ro", "national", country="ROU")
    c = TestClient(create_app(Settings(database_url=db.url), db))
    c.headers["Authorization"] = f"Bearer {users.issue_token(db, 'ro')}"
    return c


def test_tailings_failure_route(client):
    anonymous = TestClient(client.app)
    assert anonymous.post("/api/scenarios/tailings-failure", json=BODY).status_code == 401
    res = client.post("/api/scenarios/tailings-failure", json=BODY)
    assert res.status_code == 200, res.text
    doc = res.json()
    assert doc["countries"][0]["country"] == "HUN"
    assert doc["spills"][0]["mass_kg"] == pytest.approx(6250.0)
    assert doc["created_by"] == "ro"
    stored = anonymous.get(f"/api/scenarios/{doc['scenario_id']}")  # the site is public
    assert stored.status_code == 200
    assert stored.json()["result"]["countries"] == doc["countries"]
    assert stored.json()["parameters"]["establishment_id"] == "RO-BM-AURUL"


@pytest.mark.parametrize(("change", "status", "field"), [
    ({"released_fraction": 1.2}, 422, "released_fraction"),
    ({"dam_height_m": None}, 422, "dam_height_m"),
    ({"establishment_id": "NO-SUCH-SITE"}, 404, None),
])
def test_tailings_failure_route_errors(client, change, status, field):
    res = client.post("/api/scenarios/tailings-failure", json={**BODY, **change})
    assert res.status_code == status, res.text
    if field:
        assert [e["field"] for e in res.json()["errors"]] == [field]
    else:
        assert "NO-SUCH-SITE" in res.json()["detail"]
