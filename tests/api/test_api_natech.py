"""GET /api/natech/screen on the real app (SQLite and PostGIS): a manifest of the server's
layer folder only, the access rules, the ranking exports."""

from __future__ import annotations

import csv
import io

import numpy as np
import pytest
import rasterio
from affine import Affine
from fastapi.testclient import TestClient

from hazatlas.api.app import create_app
from hazatlas.domain.access import SYSTEM
from hazatlas.services import users
from hazatlas.services.register import RegisterService
from hazatlas.services.settings import Settings


@pytest.fixture
def layers_dir(tmp_path):
    folder = tmp_path / "layers"
    folder.mkdir()
    # 3 m of flood everywhere over lon 20-74, lat 40-50 (the sample sites)
    with rasterio.open(folder / "depth.tif", "w", driver="GTiff", height=10, width=54, count=1,
                       dtype="float64", crs="EPSG:4326", nodata=-9999.0,
                       transform=Affine(1.0, 0.0, 20.0, 0.0, -1.0, 50.0)) as ds:
        ds.write(np.full((10, 54), 3.0), 1)
    (folder / "floods.toml").write_text(
        '[[layer]]\nid = "flood100"\nkind = "raster"\npath = "depth.tif"\nhazard = "flood"\n'
        'intensity_measure = "depth"\nunit = "m"\nreturn_period_years = 100\n'
        'scenario = "baseline"\nsource = "built in the test"\nlicence = "CC0"\n',
        encoding="utf-8")
    (tmp_path / "secret.toml").write_text("not for the API", encoding="utf-8")
    return folder


def _client(db, sample_csv, folder):
    RegisterService(db, SYSTEM).import_file(sample_csv)
    users.create_user(db, "rs", "national", country="SRB")
    app = create_app(Settings(database_url=db.url, hazard_layers_dir=str(folder)), db)
    client = TestClient(app)
    client.token = users.issue_token(db, "rs")
    return client


def test_screen_route(db, sample_csv, layers_dir):
    with _client(db, sample_csv, layers_dir) as client:
        public = client.get("/api/natech/screen", params={"layers": "floods", "event": "flood100"})
        assert public.status_code == 200, public.text
        doc = public.json()
        assert doc["manifest"] == "floods.toml" and doc["event"]["layer_id"] == "flood100"
        sites = {s["establishment_id"]: s for s in doc["sites"]}
        assert [r["rank"] for r in doc["ranking"]] == list(range(1, len(sites) + 1))
        # the public never sees the inventory of a national record (its ammonia store)
        assert not any("Ammonia" in w for s in doc["sites"] for w in s["warnings"])
        headers = {"Authorization": f"Bearer {client.token}"}
        national = client.get("/api/natech/screen", headers=headers,
                              params={"layers": "floods.toml", "country": "SRB"}).json()
        assert [s["establishment_id"] for s in national["sites"]] == ["RS-PANCEVO-HIP"]
        assert any("Ammonia" in w for w in national["sites"][0]["warnings"]), \
            "the national authority sees its inventory"
        exported = client.get("/api/natech/screen", headers=headers,
                              params={"layers": "floods", "country": "SRB", "format": "csv"})
        assert exported.status_code == 200
        table = list(csv.DictReader(io.StringIO(exported.text)))
        assert [t["establishment_id"] for t in table] == ["RS-PANCEVO-HIP"]
        assert table[0]["max_flood_depth_m"] == "3.0"


def test_screen_route_reads_only_the_layer_folder(db, sample_csv, layers_dir):
    with _client(db, sample_csv, layers_dir) as client:
        for name, status in (("../secret", 422), ("secret", 404), ("nope", 404), (".x", 422)):
            r = client.get("/api/natech/screen", params={"layers": name})
            assert r.status_code == status, (name, r.text)
        r = client.get("/api/natech/screen", params={"layers": "floods", "event": "nope"})
        assert r.status_code == 422 and "'nope': no such layer" in r.text


def test_screen_route_off_without_a_folder(db, sample_csv):
    RegisterService(db, SYSTEM).import_file(sample_csv)
    with TestClient(create_app(Settings(database_url=db.url), db)) as client:
        r = client.get("/api/natech/screen", params={"layers": "floods"})
        assert r.status_code == 404 and "HAZATLAS_HAZARD_LAYERS_DIR" in r.text


def test_screen_route_climate(db, sample_csv, layers_dir):
    (layers_dir / "rcp.csv").write_text(
        "hazard,intensity_measure,region,scenario,horizon,return_period_years,factor,source,status\n"
        "flood,depth,SRB,RCP8.5,2050,100,1.5,built in the test,unconfirmed\n", encoding="utf-8")
    with _client(db, sample_csv, layers_dir) as client:
        headers = {"Authorization": f"Bearer {client.token}"}
        doc = client.get("/api/natech/screen", headers=headers, params={
            "layers": "floods", "country": "SRB", "climate": "rcp"}).json()
        (site,) = doc["climate"]["sites"]
        side = {r["scenario"]: r for r in site["side_by_side"]}
        assert side["baseline"]["max_flood_depth_m"] == 3.0
        assert side["RCP8.5"]["max_flood_depth_m"] == pytest.approx(4.5)
        assert side["RCP8.5"]["from"] == "table"
        exported = client.get("/api/natech/screen", headers=headers, params={
            "layers": "floods", "country": "SRB", "climate": "rcp.csv", "format": "csv",
            "table": "climate"})
        assert exported.status_code == 200, exported.text
        rows = list(csv.DictReader(io.StringIO(exported.text)))
        assert [(r["scenario"], r["max_flood_depth_m"]) for r in rows] == [
            ("baseline", "3.0"), ("RCP8.5", "4.5")]
        for name, status in (("../rcp", 422), ("nope", 404)):
            r = client.get("/api/natech/screen", params={"layers": "floods", "climate": name})
            assert r.status_code == status, (name, r.text)
        r = client.get("/api/natech/screen", params={"layers": "floods", "format": "csv",
                                                     "table": "climate"})
        assert r.status_code == 422 and "no climate results" in r.text


def test_screen_route_pathways(sqlite_db, sample_csv, layers_dir):
    with _client(sqlite_db, sample_csv, layers_dir) as client:
        params = {"layers": "floods", "pathways": "true", "start": "2014-05-16T12:00"}
        r = client.get("/api/natech/screen", params=params)
        assert r.status_code == 401  # every site's spills and plumes: signed-in users only
        client.headers["Authorization"] = f"Bearer {client.token}"
        r = client.get("/api/natech/screen", params=params)
        assert r.status_code == 200, r.text
        doc = r.json()
        assert doc["pathways"]["start"] == "2014-05-16T12:00" and doc["pathways"]["flow"] == "high"
        assert all("pathways" in s for s in doc["sites"])
        assert all("countries_reached" in row for row in doc["ranking"])
        exported = client.get("/api/natech/screen", params={**params, "format": "csv"})
        assert exported.status_code == 200
        assert "first_foreign_arrival_h" in exported.text.splitlines()[0]
        plain = client.get("/api/natech/screen", params={"layers": "floods"}).json()
        assert not any("pathways" in s for s in plain["sites"])
        for bad, field in (({"start": None}, "start"), ({"flow": "medium"}, "flow"),
                           ({"stability": "Q"}, "stability")):
            r = client.get("/api/natech/screen", params={k: v for k, v in
                                                         {**params, **bad}.items() if v})
            assert r.status_code == 422 and field in r.text, (bad, r.text)
        # the pathway options without pathways are refused, not ignored
        r = client.get("/api/natech/screen", params={"layers": "floods", "flow": "low",
                                                     "start": "2014-05-16T12:00"})
        assert r.status_code == 422
        assert {e["field"] for e in r.json()["errors"]} == {"flow", "start"}
        # the custom curves (POST) take the pathways too
        r = client.post("/api/natech/screen", params=params, content=CURVES.encode(),
                        headers={"Content-Type": "text/csv"})
        assert r.status_code == 200, r.text
        assert r.json()["pathways"]["start"] == "2014-05-16T12:00"
        assert "custom_curves" in r.json()


# invented curves for the test (not a published model): flood depth in m
CURVES = ("curve,hazard,intensity_measure,unit,damage_state,loc_state,release_fraction,median,"
          "beta,source\nwet,flood,depth,m,DS1,Catastrophic,1.0,1.0,0.5,invented for the test\n")


def test_screen_with_curves_in_the_body(db, sample_csv, layers_dir):
    with _client(db, sample_csv, layers_dir) as client:
        headers = {"Authorization": f"Bearer {client.token}", "Content-Type": "text/csv"}
        params = {"layers": "floods", "country": "SRB", "default_curve": "wet"}
        r = client.post("/api/natech/screen", params=params, headers=headers,
                        content=CURVES.encode())
        assert r.status_code == 200, r.text
        doc = r.json()
        assert doc["custom_curves"]["file"] == "curves (request body)"
        assert doc["custom_curves"]["curves"][0]["source"] == "invented for the test"
        assert doc["custom_curves"]["default_curve"] == "wet"  # (the sample has no liquid
        # store: the curve's use by tanks is checked in tests/services/test_natech_curves.py)
        assert {la["id"]: la["attribution"] for la in doc["layers"]} == {
            "flood100": "built in the test (licence CC0)"}
        r = client.post("/api/natech/screen", params={**params, "default_curve": "dry"},
                        headers=headers, content=CURVES.encode())
        assert r.status_code == 422 and "'dry': no such curve" in r.text
        r = client.post("/api/natech/screen", params=params, headers=headers,
                        content=CURVES.replace(",0.5,", ",-1,").encode())
        assert r.status_code == 422
        assert "curves (request body), row 2, column 'beta'" in r.text
        r = client.post("/api/natech/screen", params=params, content=CURVES.encode(),
                        headers={"Content-Type": "text/csv"})
        assert r.status_code == 401  # uploading a table to compute needs a signed-in user
        r = client.get("/api/natech/screen", headers=headers,
                       params={"layers": "floods", "country": "SRB", "format": "csv"})
        row = next(csv.DictReader(io.StringIO(r.text)))
        assert row["layer_ids"] == "flood100" and row["licence_notice"] == ""
        assert row["attribution"] == "built in the test (licence CC0)"
