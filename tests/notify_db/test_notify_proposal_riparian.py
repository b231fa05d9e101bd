"""The recipient proposal for an accident on the Danube upstream of Giurgiulești includes
Moldova, reached by its Danube bank (a riparian contact, ``riparian_contacts.csv``), with the
first contact of Moldova's escalation order when the directory has one (issue 14, item 3)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from hazatlas.api.app import create_app
from hazatlas.domain.access import SYSTEM
from hazatlas.services import users
from hazatlas.services.notify import NotifyService

PANCEVO = {"lon": 20.682, "lat": 44.828}  # on the Danube, Serbia (demo site RS-PAN-PETROHEMIJA)


def _add_moldova(db, settings) -> None:
    admin = NotifyService(db, SYSTEM, settings)
    admin.save_authority({"id": "MDA/igsu", "name": "IGSU Moldova", "country": "MDA"})
    admin.save_contact(
        {
            "id": "MDA/poc",
            "authority_id": "MDA/igsu",
            "name": "MDA/poc",
            "email": "poc@md.example",
            "languages": ["ro", "en"],
            "escalation_order": 1,
            "available_24_7": True,
        }
    )


def test_proposal_from_the_danube_includes_moldovas_contact(
    sqlite_db, smtp, settings_for, seed
) -> None:
    settings = settings_for(sqlite_db, smtp.port)
    seed(sqlite_db, settings)
    _add_moldova(sqlite_db, settings)
    users.create_user(sqlite_db, "rs", "national", country="SRB")
    headers = {"Authorization": f"Bearer {users.issue_token(sqlite_db, 'rs')}"}
    with TestClient(create_app(settings, sqlite_db)) as client:
        r = client.post("/api/notifications/proposals", json=PANCEVO, headers=headers)
        assert r.status_code == 200, r.text
        got = r.json()
    by = {x["party"]: x for x in got["recipients"]}
    assert got["origin"] == "SRB" and "SRB" not in by
    assert by["MDA"]["contact_id"] == "MDA/poc" and by["MDA"]["in_directory"]
    assert by["MDA"]["reasons"][0].startswith("downstream path")
    mda = next(d for d in got["screening"]["downstream"] if d["country"] == "MDA")
    assert mda["via"] == "riparian contact"
    assert {"ROU", "BGR", "UKR", "MDA"} <= set(by)
