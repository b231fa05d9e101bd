"""Proposed recipients from an establishment and scenarios (SQLite; the screening it uses is
tested on both backends elsewhere): downstream countries, plume and runout countries, the
basin body; never the country of the accident."""

from __future__ import annotations

from fastapi.testclient import TestClient

from hazatlas.api.app import create_app
from hazatlas.services import users

SITE = {
    "id": "RO-BM-TEST",
    "name": "Baia Mare tailings",
    "country_iso3": "ROU",
    "lon": 23.58,
    "lat": 47.65,
    "source": "test",
    "disclosure": "public",
    "inventory": [
        {"substance_name": "Sodium cyanide", "cas_number": "143-33-9", "max_quantity_kg": 100000}
    ],
}


def test_proposal_from_establishment_and_scenarios(sqlite_db, smtp, settings_for, seed):
    settings = settings_for(sqlite_db, smtp.port)
    seed(sqlite_db, settings)
    users.create_user(sqlite_db, "ro", "national", country="ROU")
    headers = {"Authorization": f"Bearer {users.issue_token(sqlite_db, 'ro')}"}
    with TestClient(create_app(settings, sqlite_db)) as client:
        assert client.post("/api/establishments", json=SITE, headers=headers).status_code == 201
        body = {
            "establishment_id": "RO-BM-TEST",
            "scenarios": [
                {"countries": ["MDA"], "runout_km": 12.0},
                {"countries": ["ROU", "UKR"], "zones": []},
            ],
        }
        r = client.post("/api/notifications/proposals", json=body, headers=headers)
        assert r.status_code == 200, r.text
        got = r.json()
        by = {x["party"]: x for x in got["recipients"]}
        assert got["origin"] == "ROU" and "ROU" not in by
        assert by["HUN"]["reasons"][0].startswith("downstream path")
        assert by["HUN"]["contact_id"] == "HUN/poc" and by["HUN"]["in_directory"]
        assert by["SRB"]["in_directory"] and "downstream" in by["SRB"]["reasons"][0]
        # Moldova: reached by its Danube bank at Giurgiulesti (a riparian contact), and named
        # by the runout scenario; not in this directory
        assert by["MDA"]["reasons"][0].startswith("downstream path")
        assert by["MDA"]["reasons"][1:] == ["runout path"]
        assert by["MDA"]["contact_id"] is None and not by["MDA"]["in_directory"]
        assert "plume zone" in by["UKR"]["reasons"]
        assert by["basin:Danube"]["contact_id"] == "ICPDR/piac"
        assert got["prefill"]["place"]["establishment_id"] == "RO-BM-TEST"
        assert got["prefill"]["substances"] == [{"name": "Sodium cyanide", "cas": "143-33-9"}]
        # the proposal feeds a report directly
        parties = [x["party"] for x in got["recipients"] if x["in_directory"]]
        report = {
            "type": "early_warning",
            "texts": [{"language": "en", "description": "Dam breach"}],
            "accident": {
                "type": "tailings_dam_failure",
                "occurred_at": "2026-03-01T13:50:00+02:00",
                "place": {**got["prefill"]["place"], "timezone": "Europe/Bucharest"},
            },
        }
        r = client.post(
            "/api/notifications/reports",
            headers=headers,
            json={"report": report, "recipients": parties, "issue": True},
        )
        assert r.status_code == 201, r.text
        assert {d["party"] for d in r.json()["deliveries"]} == {"HUN", "SRB", "basin:Danube"}
        assert (
            client.post("/api/notifications/proposals", json={}, headers=headers).status_code == 422
        )
