"""``GET /api/map/sites`` (server-side clustering) on SQLite and PostGIS: the counts add up to
the filtered total, the bounding box and filters select the same sites as the register API,
the zoom threshold switches clusters to single sites, and no confidential field is ever sent."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from hazatlas.api.app import create_app
from hazatlas.domain.access import SYSTEM
from hazatlas.domain.reference import data_path
from hazatlas.services import map as site_map
from hazatlas.services import users
from hazatlas.services.register import RegisterService
from hazatlas.services.settings import Settings

SITE_KEYS = {"id", "name", "kind", "country_iso3", "status", "seveso_tier",
             "convention_hazardous_activity"}
CLUSTER_KEYS = {"cluster", "count", "bbox", "kind", "seveso_tier", "convention_hazardous_activity"}


@pytest.fixture
def client(db):
    RegisterService(db, SYSTEM).import_file(data_path("demo", "register.csv"))
    users.create_user(db, "admin", "administrator")
    app = create_app(Settings(database_url=db.url), db)
    with TestClient(app) as c:
        c.admin = {"Authorization": f"Bearer {users.issue_token(db, 'admin')}"}
        yield c


def _register(client, **params):
    """The sites the register API lists for the same filters (id -> feature)."""
    body = client.get("/api/establishments", params={"limit": 10_000, **params}).json()
    return {f["id"]: f for f in body["features"]}


def _sites(client, **params):
    r = client.get("/api/map/sites", params=params)
    assert r.status_code == 200, r.text
    return r.json()


def _count(doc) -> int:
    return sum(f["properties"]["count"] if f["properties"].get("cluster") else 1
               for f in doc["features"])


@pytest.mark.parametrize("zoom", [0, 2, 4, 6, 8, 10, 12])
def test_cluster_counts_sum_to_the_filtered_total(client, monkeypatch, zoom):
    monkeypatch.setattr(site_map, "MAX_SITES", 3)
    monkeypatch.setattr(site_map, "SITES_ZOOM", 30)  # clusters at every zoom
    total = len(_register(client))
    doc = _sites(client, zoom=zoom)
    assert doc["numberMatched"] == total >= 40
    assert _count(doc) == total
    if zoom <= 4:
        assert doc["mode"] == "clusters" and any(f["properties"].get("cluster") for f in doc["features"])
    for f in doc["features"]:
        p = f["properties"]
        if p.get("cluster"):
            w, s, e, n = p["bbox"]
            lon, lat = f["geometry"]["coordinates"]
            assert w <= lon <= e and s <= lat <= n and p["count"] >= 2
    tailings = _register(client, kind="tailings", country="KGZ")
    doc = _sites(client, zoom=zoom, kind="tailings", country="KGZ")
    assert doc["numberMatched"] == _count(doc) == len(tailings) > 0


def test_bbox_selects_the_sites_inside(client):
    box = (18.0, 42.0, 24.0, 47.0)
    inside = _register(client, bbox=",".join(map(str, box)))
    doc = _sites(client, zoom=6, bbox=",".join(map(str, box)))
    assert doc["mode"] == "sites" and doc["numberMatched"] == len(inside) > 0
    assert {f["properties"]["id"] for f in doc["features"]} == set(inside)
    for f in doc["features"]:
        lon, lat = f["geometry"]["coordinates"]
        assert box[0] <= lon <= box[2] and box[1] <= lat <= box[3]


def test_zoom_threshold_switches_to_single_sites(client, monkeypatch):
    monkeypatch.setattr(site_map, "MAX_SITES", 3)
    low = _sites(client, zoom=3)
    assert low["mode"] == "clusters" and len(low["features"]) < low["numberMatched"]
    high = _sites(client, zoom=site_map.SITES_ZOOM)
    assert high["mode"] == "sites" and len(high["features"]) == high["numberMatched"]
    monkeypatch.setattr(site_map, "MAX_SITES_ZOOMED", 3)  # too many for single sites: clusters
    assert _sites(client, zoom=site_map.SITES_ZOOM)["mode"] == "clusters"
    monkeypatch.setattr(site_map, "MAX_SITES", 400)  # few enough at any zoom
    assert _sites(client, zoom=3)["mode"] == "sites"


def test_only_public_fields_are_sent(client, monkeypatch):
    confidential = set()  # what the administrator's full view has and the public's has not
    full = client.get("/api/establishments", params={"limit": 10_000}, headers=client.admin).json()
    for f in full["features"]:
        for item in f["properties"].get("inventory") or []:
            confidential.add(item["substance_name"])
        if f["properties"].get("notes"):
            confidential.add(f["properties"]["notes"][:40])
    assert confidential
    for headers in ({}, client.admin):
        for mp in (400, 3):
            monkeypatch.setattr(site_map, "MAX_SITES", mp)
            r = client.get("/api/map/sites", params={"zoom": 4}, headers=headers)
            for f in r.json()["features"]:
                keys = set(f["properties"])
                assert keys <= (CLUSTER_KEYS if f["properties"].get("cluster") else SITE_KEYS)
            text = r.text
            leaked = [c for c in confidential if json.dumps(c)[1:-1] in text]
            assert not leaked, leaked


def test_empty_filters_mean_no_filter_and_bad_ones_are_named(client):
    everything = _sites(client, zoom=4)["numberMatched"]
    empty = {k: "" for k in site_map.FILTERS}
    assert _sites(client, zoom=4, bbox="", **empty)["numberMatched"] == everything
    r = client.get("/api/map/sites", params={"zoom": 4, "tier": "huge", "country": "12"})
    assert r.status_code == 422
    fields = {e["field"] for e in r.json()["errors"]}
    assert fields == {"tier", "country"}
    assert client.get("/api/map/sites", params={"zoom": 99}).status_code == 422
    assert client.get("/api/map/sites", params={"bbox": "1,2,3"}).status_code == 422


def test_text_tier_and_basin_filters(client):
    doc = _sites(client, zoom=4, q="bor")
    assert doc["numberMatched"] >= 1
    assert all("bor" in (p["id"] + p["name"]).lower() for p in (f["properties"] for f in doc["features"]))
    upper = _sites(client, zoom=4, tier="upper")
    assert upper["numberMatched"] > 0
    assert {f["properties"]["seveso_tier"] for f in upper["features"]} == {"upper"}
    danube = _sites(client, zoom=4, basin="danube")
    assert 0 < danube["numberMatched"] < _sites(client, zoom=4)["numberMatched"]


def test_a_new_site_shows_on_the_next_request(client, db):
    before = _sites(client, zoom=4)["numberMatched"]
    r = client.post("/api/establishments", headers=client.admin, json={
        "id": "MAP-NEW-1", "name": "New site", "kind": "industrial", "country_iso3": "SRB",
        "lon": 20.5, "lat": 44.8, "source": "map test"})
    assert r.status_code in (200, 201), r.text
    doc = _sites(client, zoom=4, q="MAP-NEW-1")
    assert doc["numberMatched"] == 1 and _sites(client, zoom=4)["numberMatched"] == before + 1


def test_base_layers(client):
    for layer in ("countries", "borders", "rivers", "lakes"):
        low = client.get(f"/api/map/base/{layer}", params={"zoom": 3})
        high = client.get(f"/api/map/base/{layer}", params={"zoom": 8})
        assert low.status_code == high.status_code == 200
        assert low.json()["features"] and len(low.content) < len(high.content)
    assert client.get("/api/map/base/tiles").status_code == 422
    whole = client.get("/api/map/base/countries", params={"zoom": 8})
    clipped = client.get("/api/map/base/countries", params={"zoom": 8, "bbox": "21.3,44.1,26.9,47.5"})
    assert clipped.json()["bbox"] == [20, 40, 30, 50] and len(clipped.content) < len(whole.content) / 3
    for f in clipped.json()["features"]:
        assert f["properties"]["adm0_a3"]
    low = client.get("/api/map/base/countries", params={"zoom": 4, "bbox": "21.3,44.1,26.9,47.5"})
    assert "bbox" not in low.json()  # below zoom 6 a layer is sent whole
    gz = client.get("/api/map/base/countries", params={"zoom": 4})
    assert gz.headers["content-encoding"] == "gzip"
