"""The map coloured by a risk index (``GET /api/map/sites?colour=wri|thi``) on SQLite and
PostGIS: each class is the stored screening's, and is withheld from a caller who may not read
the site in full (anonymous, another country's national user), whether the caller comes with an
API token or signed in to the pages; clusters show the highest readable class. The map page
names malformed or unknown values of its URL in the page's language."""

from __future__ import annotations

import re

import numpy as np
import pytest
from fastapi.testclient import TestClient

from hazatlas.api.app import create_app
from hazatlas.domain.access import SYSTEM, can_read_full
from hazatlas.domain.reference import data_path
from hazatlas.services import map as site_map
from hazatlas.services import ranking, users
from hazatlas.services.map_risk import THI, WITHHELD, WRI
from hazatlas.services.register import RegisterService
from hazatlas.services.settings import Settings

PASSWORD = "correct horse battery staple"


@pytest.fixture
def client(db):
    RegisterService(db, SYSTEM).import_file(data_path("demo", "register.csv"))
    users.create_user(db, "admin", "administrator")
    users.create_user(db, "rs", "national", country="SRB", password=PASSWORD)
    app = create_app(Settings(database_url=db.url, secret_key="test-secret"), db)
    with TestClient(app) as c:
        c.tokens = {name: {"Authorization": f"Bearer {users.issue_token(db, name)}"}
                    for name in ("admin", "rs")}
        yield c


def _sites(client, headers=None, **params):
    r = client.get("/api/map/sites", params={"zoom": 4, **params}, headers=headers or {})
    assert r.status_code == 200, r.text
    assert "Cookie" in r.headers["vary"] and "private" in r.headers["cache-control"]
    return {f["properties"]["id"]: f["properties"] for f in r.json()["features"]}


def _records(db):
    return {e.id: e for e, _ in RegisterService(db, SYSTEM).all()}


@pytest.mark.parametrize("scale", [WRI, THI], ids=["wri", "thi"])
def test_risk_classes_follow_the_screening_and_the_access_rules(client, db, scale):
    records = _records(db)
    key = scale.key
    admin = _sites(client, client.tokens["admin"], colour=key)
    assert set(admin) == set(records)
    for eid, p in admin.items():
        stored = ranking.screening_for(db, SYSTEM, eid)[key]
        expected = scale.classify(np.array([np.nan if stored is None else stored]))[0]
        assert p[f"{key}_class"] == expected, eid
        assert p[key] == (None if stored is None else round(stored, 2))
    assert {p[f"{key}_class"] for p in admin.values()} - {"not assessed"}  # some are assessed

    public = _sites(client, colour=key)
    national = _sites(client, client.tokens["rs"], colour=key)
    rs = users.principal_for_user(db, "rs")
    for eid, e in records.items():
        for seen, may_read in ((public, e.disclosure == "public"),
                               (national, can_read_full(rs, e.disclosure, e.country_iso3, eid))):
            if may_read:
                assert seen[eid][f"{key}_class"] == admin[eid][f"{key}_class"]
                assert seen[eid][key] == admin[eid][key]
            else:
                assert seen[eid][f"{key}_class"] == WITHHELD and seen[eid][key] is None
    withheld = [eid for eid, p in public.items() if p[f"{key}_class"] == WITHHELD]
    assert any(records[i].country_iso3 == "SRB" for i in withheld)
    assert any(national[i][f"{key}_class"] != WITHHELD for i in withheld)  # SRB's own sites
    assert any(p[f"{key}_class"] == WITHHELD for p in national.values())  # not every country


def test_the_signed_in_user_of_the_pages_sees_what_the_token_shows(client):
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    r = client.post("/login", data={"username": "rs", "password": PASSWORD, "csrf_token": token},
                    follow_redirects=False)
    assert r.status_code == 303
    assert _sites(client, colour="wri") == _sites(client, client.tokens["rs"], colour="wri")
    client.cookies.clear()
    assert _sites(client, colour="wri") != _sites(client, client.tokens["rs"], colour="wri")


def test_a_cluster_shows_the_highest_class_its_caller_may_read(client, monkeypatch):
    singles = _sites(client, colour="wri")  # anonymous
    monkeypatch.setattr(site_map, "MAX_SITES", 3)
    monkeypatch.setattr(site_map, "SITES_ZOOM", 30)  # clusters at every zoom
    r = client.get("/api/map/sites", params={"zoom": 3, "colour": "wri"})
    features = r.json()["features"]
    assert any(f["properties"].get("cluster") for f in features)
    ids = list(singles)
    lon = np.array([0.0] * len(ids))
    lat = np.array([0.0] * len(ids))
    full = {f["id"]: f for f in client.get("/api/establishments", params={"limit": 10_000}).json()["features"]}
    for n, i in enumerate(ids):
        lon[n], lat[n] = full[i]["geometry"]["coordinates"]
    cells = site_map.grid_cells(lon, lat, 3)
    for f in features:
        p = f["properties"]
        if not p.get("cluster"):
            continue
        cell = site_map.grid_cells(np.array([f["geometry"]["coordinates"][0]]),
                                   np.array([f["geometry"]["coordinates"][1]]), 3)[0]
        members = np.array([singles[i]["wri_class"] for i in np.array(ids)[cells == cell]],
                           dtype=object)
        assert len(members) == p["count"]
        assert p["wri_class"] == WRI.highest(members, np.zeros(len(members), dtype=int), 1)[0]


def test_unknown_values_are_refused_by_the_api(client):
    r = client.get("/api/map/sites", params={"zoom": 4, "country": "XXX", "basin": "Atlantis",
                                             "colour": "risk"})
    assert r.status_code == 422
    assert {e["field"] for e in r.json()["errors"]} == {"country", "basin", "colour"}
    assert _sites(client, country="SRB", basin="danube", colour="")  # empty colour: the default


def test_the_map_page_names_bad_values_in_its_language(client):
    url = "/map?country=XXX&tier=bogus&z=abc&lat=45&lon=20&colour=wri"
    page = client.get(url)
    assert page.status_code == 200
    errors = re.search(r'<div class="field-error" id="filter-errors" role="alert">(.*?)</div>',
                       page.text, re.S).group(1).replace("&#39;", "'")
    assert "Country: 'XXX' is not a known country code" in errors
    assert "Seveso tier: 'bogus' is not one of upper, lower, none, not assessed" in errors
    assert "Zoom level: 'abc' is not a number" in errors
    assert '<select id="f-country" name="country" aria-invalid="true" aria-describedby="err-country">' in page.text
    assert 'data-view="null"' in page.text  # the view is left out, the filters that were fine kept
    assert '<option value="wri" selected>' in page.text
    client.cookies.set("hazatlas_lang", "uk")
    errors = client.get(url + "&basin=Atlantis").text.replace("&#39;", "'")
    assert "Країна: 'XXX' не є відомим кодом країни" in errors
    assert "Річковий басейн: 'Atlantis' не є річковим басейном вбудованої річкової мережі" in errors
    client.cookies.set("hazatlas_lang", "ru")
    errors = client.get("/map?lat=95&lon=20&z=5").text.replace("&#39;", "'")
    assert "Широта: '95' не находится в диапазоне от -90 до 90" in errors
