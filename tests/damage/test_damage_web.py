"""The site page's damage section over HTTP (SQLite): the form for a user who may write the
site, its errors (422, every problem named, values kept), a recorded event shown to its
authority and withheld from the public while confidential."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from hazatlas.api.app import create_app
from hazatlas.domain.access import SYSTEM
from hazatlas.services import users
from hazatlas.services.register import RegisterService
from hazatlas.services.settings import Settings

PASSWORD = "correct horse battery staple"
SITE = "RS-PANCEVO-HIP"  # national disclosure, Serbia


@pytest.fixture
def app(sqlite_db, sample_csv):
    RegisterService(sqlite_db, SYSTEM).import_file(sample_csv)
    for name, country in (("rs", "SRB"), ("hu", "HUN")):
        users.create_user(sqlite_db, name, "national", country=country, password=PASSWORD)
    return create_app(Settings(database_url=sqlite_db.url, secret_key="test-secret"), sqlite_db)


def csrf(c: TestClient, path: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', c.get(path).text)
    assert found
    return found.group(1)


def client_of(app, username: str | None = None) -> TestClient:
    c = TestClient(app)
    if username is not None:
        r = c.post("/login", data={"username": username, "password": PASSWORD,
                                   "csrf_token": csrf(c, "/login")}, follow_redirects=False)
        assert r.status_code == 303
    return c


FORM = {"occurred_on": "2022-04-03", "cause": "armed_conflict", "hazard_type": "",
        "extent": "severe", "source": "SOURCE-OF-TEST", "source_url": "",
        "reliability": "media", "notes": "", "affected_units": "tank farm"}


def test_record_on_the_page(app):
    rs = client_of(app, "rs")
    page = rs.get(f"/sites/{SITE}").text
    assert 'id="damage-form"' in page and 'value="tank farm"' in page
    assert "No damage event is recorded for this site." in page
    bad = rs.post(f"/sites/{SITE}/damage", data={**FORM, "occurred_on": "2099-01-01",
                                                 "csrf_token": csrf(rs, f"/sites/{SITE}")})
    assert bad.status_code == 422 and "is in the future" in bad.text
    assert 'value="SOURCE-OF-TEST"' in bad.text
    done = rs.post(f"/sites/{SITE}/damage", data={**FORM, "csrf_token": csrf(rs, f"/sites/{SITE}")},
                   follow_redirects=False)
    assert done.status_code == 303
    page = rs.get(done.headers["location"]).text
    table = page[page.index('id="damage-events"'):]
    assert "SOURCE-OF-TEST" in table and "tank farm" in table and "not yet" in table
    # confidential (the default): not on the public's or Hungary's page, no form there
    for other in (client_of(app), client_of(app, "hu")):
        page = other.get(f"/sites/{SITE}").text
        assert "SOURCE-OF-TEST" not in page and 'id="damage-form"' not in page
    hu = client_of(app, "hu")
    refused = hu.post(f"/sites/{SITE}/damage", data={**FORM, "csrf_token": csrf(hu, f"/sites/{SITE}")})
    assert refused.status_code == 403
    no_token = rs.post(f"/sites/{SITE}/damage", data=FORM)
    assert no_token.status_code == 403


def test_unassessed_list(app):
    rs = client_of(app, "rs")
    rs.post(f"/sites/{SITE}/damage", data={**FORM, "csrf_token": csrf(rs, f"/sites/{SITE}")})
    rs.post(f"/sites/{SITE}/damage", data={**FORM, "source": "PUBLIC-OF-TEST", "public": "1",
                                           "csrf_token": csrf(rs, f"/sites/{SITE}")})
    refused = rs.post("/sites/KG-MAILUU-TP3/damage", data={
        **FORM, "affected_units": "dam", "csrf_token": csrf(rs, f"/sites/{SITE}")})
    assert refused.status_code == 403  # Kyrgyzstan's site: not Serbia's to write
    page = rs.get("/damage").text
    assert "Events: 2; sites: 1." in page
    assert 'href="/sites/RS-PANCEVO-HIP#h-damage"' in page
    public = client_of(app).get("/damage").text
    assert "PUBLIC-OF-TEST" in public and "SOURCE-OF-TEST" not in public
    assert "Events: 1; sites: 1." in public
