"""The HTTP API of the register, on the real app (TestClient), on SQLite and PostGIS."""

from __future__ import annotations

import io

import pytest
from fastapi.testclient import TestClient

from hazatlas.api.app import create_app
from hazatlas.domain.access import SYSTEM
from hazatlas.services import users
from hazatlas.services.register import RegisterService
from hazatlas.services.settings import Settings


@pytest.fixture
def client(db, sample_csv):
    RegisterService(db, SYSTEM).import_file(sample_csv)
    users.create_user(db, "admin", "administrator")
    users.create_user(db, "rs", "national", country="SRB")
    users.create_user(db, "ua", "national", country="UKR")
    users.create_user(db, "kg", "national", country="KGZ")
    users.create_user(db, "icpdr", "basin")
    users.create_user(db, "aurul", "operator", establishment_id="RO-BM-AURUL")
    tokens = {u: users.issue_token(db, u) for u in ("admin", "rs", "ua", "kg", "icpdr", "aurul")}
    app = create_app(Settings(database_url=db.url), db)
    with TestClient(app) as c:
        c.tokens = tokens
        yield c


def auth(client, user):
    return {"Authorization": f"Bearer {client.tokens[user]}"} if user else {}


NEW = {
    "id": "MD-TEST-1", "name": "Test depot", "country_iso3": "MDA", "lon": 28.86, "lat": 47.01,
    "source": "test", "disclosure": "national",
    "inventory": [{"substance_name": "Chlorine", "cas_number": "7782-50-5", "max_quantity_kg": 20000,
                   "hazard_statements": ["H270", "H331", "H400"]}],
}


def test_list_is_geojson_with_paging(client):
    r = client.get("/api/establishments", params={"limit": 2})
    assert r.status_code == 200
    body = r.json()
    assert body["type"] == "FeatureCollection"
    assert body["numberMatched"] == 4 and body["numberReturned"] == 2 and body["next_offset"] == 2
    assert body["features"][0]["geometry"]["type"] == "Point"
    r2 = client.get("/api/establishments", params={"limit": 2, "offset": 2}).json()
    ids = [f["id"] for f in body["features"] + r2["features"]]
    assert ids == sorted(ids) and len(set(ids)) == 4


@pytest.mark.parametrize(("params", "expected"), [
    ({"bbox": "20,44,21,45"}, ["RS-PANCEVO-HIP"]),
    ({"bbox": "20,40,80,50", "kind": "tailings"}, ["KG-MAILUU-TP3", "RO-BM-AURUL"]),
    ({"bbox": "60,40,80,50"}, ["KG-MAILUU-TP3"]),
    ({"country": "UKR"}, ["UA-KALUSH-HCB"]),
    ({"within": "ROU"}, ["RO-BM-AURUL"]),
])
def test_filters(client, params, expected):
    r = client.get("/api/establishments", params=params)
    assert [f["id"] for f in r.json()["features"]] == expected


def test_bad_bbox_is_problem_json(client):
    r = client.get("/api/establishments", params={"bbox": "21,44,20"})
    assert r.status_code == 422
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["errors"][0]["field"] == "bbox"


def test_public_sees_no_confidential_inventory(client):
    r = client.get("/api/establishments/RS-PANCEVO-HIP")
    p = r.json()["properties"]
    assert p["complete"] is False and "inventory" not in p
    assert client.get("/api/establishments/UA-KALUSH-HCB").json()["properties"]["inventory"]


@pytest.mark.parametrize(("user", "establishment", "full"), [
    ("rs", "RS-PANCEVO-HIP", True),       # own country
    ("ua", "RS-PANCEVO-HIP", False),      # other country, national disclosure
    ("ua", "RO-BM-AURUL", True),          # shared with Parties; Ukraine is a Party
    ("kg", "RO-BM-AURUL", False),         # shared with Parties; Kyrgyzstan is not a Party
    ("icpdr", "RO-BM-AURUL", True),       # basin body reads shared records
    ("icpdr", "RS-PANCEVO-HIP", False),
    ("aurul", "RO-BM-AURUL", True),       # operator of the site
    ("aurul", "RS-PANCEVO-HIP", False),
    ("admin", "RS-PANCEVO-HIP", True),
    (None, "RO-BM-AURUL", False),
])
def test_confidential_fields_by_role(client, user, establishment, full):
    detail = client.get(f"/api/establishments/{establishment}", headers=auth(client, user)).json()
    assert detail["properties"]["complete"] is full
    assert ("inventory" in detail["properties"]) is full
    listing = client.get("/api/establishments", headers=auth(client, user)).json()
    feat = next(f for f in listing["features"] if f["id"] == establishment)
    assert ("substances" in feat["properties"]) is full
    history = client.get(f"/api/establishments/{establishment}/history", headers=auth(client, user)).json()
    values = history[0]["changes"].get("inventory", ["(confidential)"])
    assert (values[0] != "(confidential)") is full


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "geojson", "gpkg"])
def test_export_of_other_country_has_no_confidential_inventory(client, fmt, tmp_path):
    r = client.get("/api/export", params={"format": fmt}, headers=auth(client, "ua"))
    assert r.status_code == 200
    path = tmp_path / f"x.{fmt}"
    path.write_bytes(r.content)
    from hazatlas.formats.tables import read_table

    rows = read_table(path).rows
    pancevo = [v for _, v in rows if v["establishment_id"] == "RS-PANCEVO-HIP"]
    assert len(pancevo) == 1 and pancevo[0]["substance_name"] == "" and pancevo[0]["quantity"] == ""
    assert "withheld" in pancevo[0]["disclosure"]
    kalush = [v for _, v in rows if v["establishment_id"] == "UA-KALUSH-HCB"]
    assert kalush[0]["substance_name"] == "Hexachlorobenzene"


def test_create_update_delete_with_history(client):
    h = auth(client, "admin")
    r = client.post("/api/establishments", json=NEW, headers=h)
    assert r.status_code == 201, r.text
    assert r.headers["location"] == "/api/establishments/MD-TEST-1"
    assert client.post("/api/establishments", json=NEW, headers=h).status_code == 409
    changed = dict(NEW, name="Renamed depot")
    r = client.put("/api/establishments/MD-TEST-1", json=changed, headers=h)
    assert r.status_code == 200 and r.json()["properties"]["name"] == "Renamed depot"
    assert client.delete("/api/establishments/MD-TEST-1", headers=h).status_code == 204
    assert client.get("/api/establishments/MD-TEST-1").status_code == 404
    hist = client.get("/api/establishments/MD-TEST-1/history", headers=h).json()
    assert [x["action"] for x in hist] == ["create", "update", "delete"]
    assert hist[1]["changes"]["name"] == ["Test depot", "Renamed depot"]
    assert {x["actor"] for x in hist} == {"admin"}


@pytest.mark.parametrize(("user", "status"), [(None, 401), ("rs", 403), ("icpdr", 403), ("admin", 201)])
def test_write_permissions(client, user, status):
    r = client.post("/api/establishments", json=NEW, headers=auth(client, user))
    assert r.status_code == status
    if status in (401, 403):
        assert r.headers["content-type"] == "application/problem+json"


def test_national_authority_writes_only_own_country(client):
    ok = dict(NEW, id="RS-NEW-1", country_iso3="SRB", lon=20.46, lat=44.81)
    assert client.post("/api/establishments", json=ok, headers=auth(client, "rs")).status_code == 201
    r = client.put("/api/establishments/UA-KALUSH-HCB", json=dict(ok, id="UA-KALUSH-HCB"),
                   headers=auth(client, "rs"))
    assert r.status_code == 403


def test_create_validation_errors(client):
    h = auth(client, "admin")
    bad = dict(NEW, inventory=[dict(NEW["inventory"][0], cas_number="7782-50-6")])
    r = client.post("/api/establishments", json=bad, headers=h)
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "inventory.0.cas_number"
    outside = dict(NEW, lon=30.5, lat=50.45)  # Kyiv, not in Moldova
    r = client.post("/api/establishments", json=outside, headers=h)
    assert r.status_code == 422 and "outside MDA" in r.json()["detail"]
    r = client.post("/api/establishments", json=dict(NEW, lat=91), headers=h)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "lat"


def test_bad_token_is_401(client):
    r = client.get("/api/establishments", headers={"Authorization": "Bearer nope"})
    assert r.status_code == 401 and r.headers["content-type"] == "application/problem+json"


def test_import_endpoint_is_transactional(client, sample_rows, make_csv):
    h = auth(client, "admin")
    bad = make_csv([dict(sample_rows[3], quantity="12"), dict(sample_rows[2], unit="bags")])
    r = client.post("/api/import", files={"file": ("bad.csv", bad.read_bytes(), "text/csv")}, headers=h)
    assert r.status_code == 422
    assert r.json()["errors"][0] == {"source": "bad.csv", "row": 3, "field": "unit",
                                     "message": r.json()["errors"][0]["message"]}
    assert client.get("/api/establishments/UA-KALUSH-HCB", headers=h).json()["properties"]["inventory"][0][
        "max_quantity_kg"] == 11_500_000.0
    r = client.post("/api/import", files={"file": ("bad.csv", bad.read_bytes(), "text/csv")},
                    data={"skip_invalid": "true"}, headers=h)
    assert r.status_code == 200 and r.json()["updated"] == 1 and r.json()["rejected_rows"] == 1


def test_import_needs_write_rights_per_country(client, sample_csv):
    r = client.post("/api/import", files={"file": ("r.csv", sample_csv.read_bytes(), "text/csv")},
                    headers=auth(client, "rs"))
    assert r.status_code == 422
    assert "may not write establishment 'RO-BM-AURUL' of ROU" in r.json()["detail"]


def test_openapi_and_health(client):
    spec = client.get("/openapi.json").json()
    assert "/api/establishments" in spec["paths"] and "/api/import" in spec["paths"]
    assert client.get("/docs").status_code == 200
    from alembic.script import ScriptDirectory

    from hazatlas.storage.db import alembic_config

    head = ScriptDirectory.from_config(alembic_config(client.app.state.db)).get_current_head()
    health = client.get("/api/health").json()
    assert health["status"] == "ok" and health["schema"] == head
    assert health["database"] in ("sqlite", "postgresql")


def test_root_page_lists_public_view(client):
    # the register table moved from / to /register when the map became the home page (issue 13)
    assert 'id="map"' in client.get("/").text
    r = client.get("/register")
    assert r.status_code == 200
    assert "Mailuu-Suu tailings 3" in r.text and "Hexachlorobenzene" not in r.text
    assert "Made with Natural Earth" in r.text


def test_upload_is_not_written_when_unreadable(client):
    r = client.post("/api/import", files={"file": ("x.xlsx", io.BytesIO(b"not a zip"), "application/octet-stream")},
                    headers=auth(client, "admin"))
    assert r.status_code == 422 and "not a readable XLSX file" in r.json()["detail"]


def test_nearest_endpoint(client):
    r = client.get("/api/establishments-nearest", params={"lon": 20.5, "lat": 44.8, "k": 2})
    feats = r.json()["features"]
    assert [f["id"] for f in feats] == ["RS-PANCEVO-HIP", "RO-BM-AURUL"]
    assert 10_000 < feats[0]["properties"]["distance_m"] < 20_000
    assert client.get("/api/establishments-nearest", params={"lon": 200, "lat": 0}).status_code == 422


def test_password_login_issues_a_token(client, db):
    import os

    os.environ["HZ_TEST_PW"] = "correct horse battery staple"
    users.create_user(db, "md", "national", country="MDA", password=os.environ["HZ_TEST_PW"])
    assert client.post("/api/tokens", data={"username": "md", "password": "wrong"}).status_code == 401
    r = client.post("/api/tokens", data={"username": "md", "password": os.environ["HZ_TEST_PW"]})
    assert r.status_code == 201
    me = client.get("/api/me", headers={"Authorization": f"Bearer {r.json()['token']}"}).json()
    assert me == {"username": "md", "role": "national", "country": "MDA", "establishment_id": None,
                  "party": True}
    with db.transaction() as s:
        from sqlalchemy import select

        from hazatlas.storage.tables import UserRow

        stored = s.scalar(select(UserRow.password_hash).where(UserRow.username == "md"))
    assert stored.startswith("$argon2id$")


def test_import_cannot_overwrite_another_countrys_record(client, sample_rows, make_csv):
    # Serbia's authority tries to re-import Ukraine's record relabelled as Serbian
    moved = make_csv([dict(sample_rows[3], country="SRB", lon="20.5", lat="44.8")])
    r = client.post("/api/import", files={"file": ("m.csv", moved.read_bytes(), "text/csv")},
                    headers=auth(client, "rs"))
    assert r.status_code == 422
    assert r.json()["errors"] == [{"source": "m.csv", "row": 2, "field": "country", "message":
                                   "user 'rs' (national) may not write establishment 'UA-KALUSH-HCB' of UKR"}]
