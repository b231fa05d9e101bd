"""Information to the public (Convention Annex VIII): a page generated from the register for a
confidential site, reviewed, edited and published by its authority, served at
``/public/sites/{id}`` without login and showing none of the site's confidential values; a page
for the public of an affected neighbour in its language; drafts stay unpublished; audited."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from hazatlas.api.app import create_app
from hazatlas.domain.access import SYSTEM
from hazatlas.domain.errors import NotFoundError, PermissionDeniedError, ValidationError
from hazatlas.domain.establishment import Disclosure, Establishment, Provenance
from hazatlas.domain.inventory import InventoryItem
from hazatlas.services import public_info, users
from hazatlas.services.register import RegisterService
from hazatlas.services.settings import Settings
from hazatlas.storage.tables import ChangeRow

BASE = "https://atlas.example.org"
# Example data, not register data: an oil terminal at Giurgiulesti, confidential to Moldova.
TERMINAL = Establishment(
    id="MD-GIU-OIL", name="Giurgiulesti oil terminal (example)", country_iso3="MDA",
    lon=28.195, lat=45.473, operator="Terminal SA (example)", disclosure=Disclosure.NATIONAL,
    provenance=Provenance("example"), notes="TERMINALSECRET",
    external_ids={"permit": "PERMITSECRET"},
    site_polygon_wkt="POLYGON((28.19 45.47, 28.2 45.47, 28.2 45.48, 28.19 45.47))",
    inventory=[InventoryItem("Chlorine CHLORSECRET", 20_000.0, cas_number="7782-50-5"),
               InventoryItem("Petrol PETROLSECRET", 30_000_000.0,
                             hazard_statements=("H224", "H411"))])
SECRETS = ("TERMINALSECRET", "PERMITSECRET", "CHLORSECRET", "PETROLSECRET", "7782-50-5",
           "POLYGON", "20000", "20 000", "30000000", "30 000")
WARNING = "Sirens at the port and SMS alerts to phones within 5 km (example)."


@pytest.fixture
def people(db):
    RegisterService(db, SYSTEM).save(TERMINAL, create=True)
    for name, role, extra in (("md", "national", {"country": "MDA"}),
                              ("ua", "national", {"country": "UKR"})):
        users.create_user(db, name, role, **extra)
    return {n: users.principal_for_user(db, n) for n in ("md", "ua")}


@pytest.fixture
def client(db):
    with TestClient(create_app(Settings(database_url=db.url, public_url=BASE), db)) as c:
        yield c


def test_generated_reviewed_published_without_confidential_values(db, people, client):
    md = people["md"]
    page = public_info.generate(db, md, TERMINAL.id, base_url=BASE)
    assert page["audience_iso3"] == "MDA" and page["language"] == "ro" and page["status"] == "draft"
    sections = {s["key"]: s for s in page["draft"]["sections"]}
    assert [s["key"] for s in page["draft"]["sections"]][:3] == ["activity", "substances",
                                                                 "accident"]
    assert "nivel superior" in sections["activity"]["text"]  # upper tier (petrol, P5a, 30 000 t)
    assert "E2" in sections["substances"]["text"] and "P5a" in sections["substances"]["text"]
    assert f"{BASE}/sites/MD-GIU-OIL" in sections["further_information"]["text"]
    assert sections["activity"]["source"].startswith("Convention Annex VIII paras 1-2")
    assert page["missing"] == ["warning"]  # no plan covers it: the authority writes the warning
    assert client.get(f"/public/sites/{TERMINAL.id}").status_code == 404  # a draft is not public
    with pytest.raises(ValidationError, match="warning"):
        public_info.publish(db, md, TERMINAL.id, "MDA")
    public_info.edit(db, md, TERMINAL.id, "MDA", {"warning": WARNING})
    published = public_info.publish(db, md, TERMINAL.id, "MDA")
    assert published["status"] == "published" and published["published_by"] == "md"
    r = client.get(f"/public/sites/{TERMINAL.id}")  # no login
    assert r.status_code == 200
    assert '<article lang="ro"' in r.text and "Cum veți fi avertizați" in r.text
    assert WARNING in r.text and TERMINAL.name in r.text
    api = client.get(f"/api/public-info/{TERMINAL.id}")
    assert api.status_code == 200
    for body in (r.text, api.text, client.get("/public/sites").text):
        assert not any(s in body for s in SECRETS), [s for s in SECRETS if s in body]
    # the authority edits again: the public keeps the published version until it is republished
    public_info.edit(db, md, TERMINAL.id, "MDA", {"behaviour": "DRAFTONLY"})
    assert "DRAFTONLY" not in client.get(f"/public/sites/{TERMINAL.id}").text
    assert public_info.pages(db, md, TERMINAL.id)[0]["status"] == "changed"
    with db.transaction() as s:
        actions = [r.action for r in s.query(ChangeRow).filter(
            ChangeRow.entity_type == "public_info").order_by(ChangeRow.id)]
    assert actions == ["generate", "edit", "publish", "edit"]


def test_a_page_for_the_public_of_an_affected_neighbour(db, people, client):
    md = people["md"]
    assert public_info.affected_countries(db, TERMINAL.id) == ["ROU", "UKR"]
    page = public_info.generate(db, md, TERMINAL.id, audience="UKR", base_url=BASE)
    assert page["language"] == "uk"
    transboundary = {s["key"]: s["text"] for s in page["draft"]["sections"]}["transboundary"]
    assert "Україна" in transboundary and "стаття 9(2)" in transboundary
    # what the authority removes from the generated text is not published
    public_info.edit(db, md, TERMINAL.id, "UKR", {"warning": "Сирени (приклад).",
                                                  "transboundary": "Переглянуто."})
    public_info.publish(db, md, TERMINAL.id, "UKR")
    body = client.get(f"/api/public-info/{TERMINAL.id}", params={"audience": "UKR"}).text
    assert "Переглянуто." in body and "стаття 9(2)" not in body and "generated" not in body
    r = client.get(f"/public/sites/{TERMINAL.id}", params={"audience": "UKR"})
    assert r.status_code == 200 and '<article lang="uk"' in r.text
    with pytest.raises(ValidationError, match="HUN is not a country"):
        public_info.generate(db, md, TERMINAL.id, audience="HUN")
    index = client.get("/api/public-info").json()
    assert [(p["establishment_id"], p["audience_iso3"]) for p in index] == [("MD-GIU-OIL", "UKR")]


def test_only_the_sites_authority_writes(db, people, client):
    with pytest.raises(PermissionDeniedError):
        public_info.generate(db, people["ua"], TERMINAL.id)
    with pytest.raises(NotFoundError):
        public_info.published(db, TERMINAL.id)
    r = client.post(f"/api/public-info/{TERMINAL.id}/generate")
    assert r.status_code == 401
    with pytest.raises(ValidationError, match="nope"):
        public_info.edit(db, people["md"], TERMINAL.id, "MDA", {"nope": "x"})
