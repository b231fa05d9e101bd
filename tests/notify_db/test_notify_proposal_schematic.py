"""The recipient proposal for Baia Mare follows the schematic Săsar and Lăpuș (issue 14,
item 2): its reasons say so and its screening data carries each coordinate's source."""

from __future__ import annotations

from fastapi.testclient import TestClient

from hazatlas.api.app import create_app
from hazatlas.services import users

AURUL = {"lon": 23.487, "lat": 47.672}  # demo site RO-BM-AURUL, on the Săsar


def test_proposal_from_baia_mare_marks_the_schematic_reaches(
    sqlite_db, smtp, settings_for, seed
) -> None:
    settings = settings_for(sqlite_db, smtp.port)
    seed(sqlite_db, settings)
    users.create_user(sqlite_db, "ro", "national", country="ROU")
    headers = {"Authorization": f"Bearer {users.issue_token(sqlite_db, 'ro')}"}
    with TestClient(create_app(settings, sqlite_db)) as client:
        r = client.post("/api/notifications/proposals", json=AURUL, headers=headers)
        assert r.status_code == 200, r.text
        got = r.json()
    by = {x["party"]: x for x in got["recipients"]}
    assert got["origin"] == "ROU" and "HUN" in by
    assert "schematic reaches of the Săsar, Lăpuș" in by["HUN"]["reasons"][0]
    rivers = got["screening"]["schematic"]
    assert [s["river"] for s in rivers] == ["Săsar", "Lăpuș"]
    assert all(v["source"] for s in rivers for v in s["vertices"])
    assert got["screening"]["first_leg"]["status"] in {"on river", "unmapped"}
