"""Reported damage raises a unit's release and the site's rank (SQLite and PostGIS), the THI
takes its earthquake and flood inputs from loaded layers, and the API routes; on rasters built
in the test."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import rasterio
from affine import Affine
from fastapi.testclient import TestClient

from hazatlas.api.app import create_app
from hazatlas.domain.access import ANONYMOUS, SYSTEM, Principal, Role
from hazatlas.formats.register_columns import COLUMNS
from hazatlas.services import natech, ranking, users
from hazatlas.services.damage import DamageService
from hazatlas.services.register import RegisterService
from hazatlas.services.settings import Settings

RS = Principal("rs", Role.NATIONAL, "SRB")


def row(id_: str, lon: str, tonnes: str, **extra: str) -> dict[str, str]:
    base = {c: "" for c in COLUMNS}
    base.update(establishment_id=id_, name=f"Test {id_}", country="SRB", lon=lon, lat="44.5",
                disclosure="public", source="https://example.org/t",
                quantity_basis="illustrative", substance_name="Toluene", cas_number="108-88-3",
                quantity=tonnes, unit="t", physical_state="liquid", storage_unit="T-1")
    base.update(extra)
    return base


# SMALL: a 10 t tank that floats at 3 m; BIG: a 5000 t tank in the same 3 m that does not
# float; DRY: a 10 t tank on dry ground; DAM: a tailings facility in the wet half.
SITES = [row("RS-SMALL", "20.2", "10"), row("RS-BIG", "20.3", "5000"),
         row("RS-DRY", "21.5", "10"),
         row("RS-DAM", "20.5", "1", kind="tailings", stored_volume="1", stored_volume_unit="Mm3",
             dam_height_m="20", physical_state="solid", storage_unit="")]


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    depth = np.zeros((20, 20))
    depth[:, :10] = 3.0  # lon 20-21 wet (3 m), lon 21-22 dry
    pga = np.full((20, 20), 0.35)  # g, everywhere
    for name, grid in (("depth.tif", depth), ("pga.tif", pga)):
        with rasterio.open(tmp_path / name, "w", driver="GTiff", height=20, width=20, count=1,
                           dtype="float64", crs="EPSG:4326", nodata=-9999.0,
                           transform=Affine(0.1, 0.0, 20.0, 0.0, -0.1, 46.0)) as ds:
            ds.write(grid, 1)
    common = 'kind = "raster"\nscenario = "baseline"\nsource = "built in the test"\nlicence = "CC0"\n'
    (tmp_path / "layers.toml").write_text(
        '[[layer]]\nid = "flood100"\npath = "depth.tif"\nhazard = "flood"\n'
        'intensity_measure = "depth"\nunit = "m"\nreturn_period_years = 100\n' + common +
        '[[layer]]\nid = "pga475"\npath = "pga.tif"\nhazard = "earthquake"\n'
        'intensity_measure = "PGA"\nunit = "g"\nreturn_period_years = 475\n' + common,
        encoding="utf-8")
    (tmp_path / "flood.toml").write_text(
        '[[layer]]\nid = "flood100"\npath = "depth.tif"\nhazard = "flood"\n'
        'intensity_measure = "depth"\nunit = "m"\nreturn_period_years = 100\n' + common,
        encoding="utf-8")
    return tmp_path


@pytest.fixture
def filled(db, make_csv):
    RegisterService(db, SYSTEM).import_file(make_csv(SITES, "sites.csv"))
    return db


def _event(extent: str, units: list[str], **extra) -> dict:
    return {"occurred_on": "2024-05-01", "cause": "natural_hazard", "hazard_type": "flood",
            "extent": extent, "source": "test", "reliability": "unverified",
            "affected_units": units, **extra}


def test_damage_floors_the_release_and_ranks_first(filled, folder):
    before = natech.screen(filled, SYSTEM, folder / "flood.toml")
    assert [r["establishment_id"] for r in before["ranking"]][:2] == ["RS-SMALL", "RS-BIG"]
    DamageService(filled, RS).add("RS-BIG", _event("severe", ["T-1"]))
    doc = natech.screen(filled, SYSTEM, folder / "flood.toml")
    big = next(s for s in doc["sites"] if s["establishment_id"] == "RS-BIG")
    unit = big["units"][0]
    # the tank does not float (P(DS1) = 1), but severe damage (DS4, LOC Major) keeps its
    # release fraction at 0.5 at least: 0.5 x 5000 t per 100-year flood, 25 t per year
    assert unit["reported_damage"]["damage_state"] == "DS4"
    assert unit["reported_damage"]["loc_state"] == "Major"
    assert unit["events"][0]["release_per_event"] == pytest.approx(2_500_000.0)
    assert unit["release_per_year"]["flood"]["baseline"] == pytest.approx(25_000.0)
    assert unit["damage_release"] == pytest.approx(2_500_000.0)
    assert big["damage"]["unassessed"] == 1
    first = doc["ranking"][0]
    assert first["establishment_id"] == "RS-BIG" and first["reported_damage"] == "severe"
    assert first["unassessed_damage"] is True
    small = next(s for s in doc["sites"] if s["establishment_id"] == "RS-SMALL")
    assert small["damage"] is None and small["units"][0]["reported_damage"] is None


def test_minor_damage_is_flagged_not_moved_and_none_undoes(filled, folder):
    ev = DamageService(filled, RS).add("RS-DRY", _event("minor", []))
    rows = ranking.ranking(filled, SYSTEM, group_by="country")
    dry = next(r for r in rows if r["establishment_id"] == "RS-DRY")
    assert dry["reported_damage"] == "minor" and dry["damage_priority"] == 0
    DamageService(filled, RS).assess(ev["id"], extent="destroyed")
    rows = ranking.ranking(filled, SYSTEM, group_by="country")
    assert rows[0]["establishment_id"] == "RS-DRY" and rows[0]["rank"] == 1
    assert rows[0]["reported_damage"] == "destroyed" and rows[0]["unassessed_damage"] is False
    DamageService(filled, RS).assess(ev["id"], extent="none")
    rows = ranking.ranking(filled, SYSTEM, group_by="country")
    assert next(r for r in rows if r["establishment_id"] == "RS-DRY")["damage_priority"] == 0


def test_destroyed_dam_fails_in_every_event(filled, folder):
    DamageService(filled, RS).add("RS-DAM", _event("destroyed", ["dam"]))
    doc = natech.screen(filled, SYSTEM, folder / "layers.toml")
    dam = next(s for s in doc["sites"] if s["establishment_id"] == "RS-DAM")["tailings_dam"]
    assert dam["reported_damage"]["damage_state"] == "DS5"
    assert dam["events"][0]["release_per_event"] == pytest.approx(dam["released_volume_m3"])


def test_thi_with_earthquake_and_flood_layers(filled, folder):
    plain = {r["establishment_id"]: r for r in ranking.ranking(filled, SYSTEM)}
    layered = {r["establishment_id"]: r for r in
               ranking.ranking(filled, SYSTEM, layers=folder / "layers.toml")}
    assert plain["RS-DAM"]["thi_missing"] == ["seismic_pga_g", "flood_prone"]
    assert layered["RS-DAM"]["thi_missing"] == []
    assert layered["RS-DAM"]["thi_inputs"]["seismic_pga_g"] == pytest.approx(0.35)
    assert layered["RS-DAM"]["thi_inputs"]["flood_prone"] is True
    # natural conditions: unknown PGA 1 + unknown flood 0.5 -> PGA >= 0.3 g 2 + flood-prone 1
    assert layered["RS-DAM"]["thi"] == pytest.approx(plain["RS-DAM"]["thi"] + 1.5)
    # only the flood layer: the PGA stays missing and is said
    only_flood = {r["establishment_id"]: r for r in
                  ranking.ranking(filled, SYSTEM, layers=folder / "flood.toml")}
    assert only_flood["RS-DAM"]["thi_missing"] == ["seismic_pga_g"]
    assert only_flood["RS-DAM"]["thi"] == pytest.approx(plain["RS-DAM"]["thi"] + 0.5)
    assert plain["RS-SMALL"]["thi"] is None and plain["RS-SMALL"]["thi_missing"] == []


def test_api(filled, folder):
    users.create_user(filled, "rs", "national", country="SRB")
    users.create_user(filled, "hu", "national", country="HUN")
    app = create_app(Settings(database_url=filled.url, hazard_layers_dir=str(folder)), filled)
    tokens = {u: users.issue_token(filled, u) for u in ("rs", "hu")}
    with TestClient(app) as c:
        url = "/api/establishments/RS-BIG/damage-events"
        body = _event("severe", ["T-1"], confidential=False)
        assert c.post(url, json=body).status_code == 401
        denied = c.post(url, json=body, headers={"Authorization": f"Bearer {tokens['hu']}"})
        assert denied.status_code == 403
        bad = c.post(url, json={**body, "affected_units": ["T-9"]},
                     headers={"Authorization": f"Bearer {tokens['rs']}"})
        assert bad.status_code == 422 and "affected_units" in bad.text
        done = c.post(url, json=body, headers={"Authorization": f"Bearer {tokens['rs']}"})
        assert done.status_code == 201
        assert [e["id"] for e in c.get(url).json()] == [done.json()["id"]]
        listed = c.get("/api/damage-events", params={"unassessed": "true"}).json()
        assert [e["establishment_id"] for e in listed] == ["RS-BIG"]
        assessed = c.post(f"/api/damage-events/{done.json()['id']}/assessment",
                          json={"extent": "moderate"},
                          headers={"Authorization": f"Bearer {tokens['rs']}"})
        assert assessed.status_code == 200 and assessed.json()["extent"] == "moderate"
        assert c.get("/api/damage-events", params={"unassessed": "true"}).json() == []
        rows = c.get("/api/ranking", params={"layers": "layers"}).json()
        dam = next(r for r in rows if r["establishment_id"] == "RS-DAM")
        assert dam["thi_missing"] == [] and dam["thi_inputs"]["flood_prone"] is True
        assert c.get("/api/ranking", params={"layers": "nothere"}).status_code == 404


def test_public_cannot_see_confidential_damage_in_rankings(filled, make_csv):
    RegisterService(filled, SYSTEM).import_file(
        make_csv([row("RS-NAT", "21.6", "10", disclosure="national")], "nat.csv"))
    DamageService(filled, RS).add("RS-NAT", _event("destroyed", []))  # confidential
    for who, seen in ((ANONYMOUS, None), (RS, "destroyed")):
        rows = ranking.ranking(filled, who, group_by="country")
        assert next(r for r in rows if r["establishment_id"] == "RS-NAT")["reported_damage"] == seen


def test_map_layer(filled, folder):
    DamageService(filled, RS).add("RS-DRY", _event("moderate", [], confidential=False))
    app = create_app(Settings(database_url=filled.url, hazard_layers_dir=str(folder)), filled)
    with TestClient(app) as c:
        assert c.get("/api/map/natech/layers").json() == ["flood", "layers"]
        doc = c.get("/api/map/natech", params={"layers": "flood", "bbox": "19,43,23,47"}).json()
        props = {f["id"]: f["properties"] for f in doc["features"]}
        assert props["RS-SMALL"]["natech_class"] == "release expected"
        assert props["RS-SMALL"]["tank_release_per_year_kg"] == pytest.approx(100.0)
        assert props["RS-BIG"]["natech_class"] == "exposed"  # 3 m of water, does not float
        assert props["RS-DRY"]["natech_class"] == "not exposed"
        assert props["RS-DRY"]["reported_damage"] == "moderate" and props["RS-DRY"]["damage_events"] == 1
        assert props["RS-DRY"]["unassessed_damage"] is True
        # without a manifest: the damaged sites only
        bare = c.get("/api/map/natech", params={"bbox": "19,43,23,47"}).json()
        assert [f["id"] for f in bare["features"]] == ["RS-DRY"]
        assert bare["features"][0]["properties"]["natech_class"] == "no layers"
        # a box without the sites
        assert c.get("/api/map/natech", params={"layers": "flood", "bbox": "30,50,31,51"}).json()["features"] == []
        assert c.get("/api/map/natech", params={"layers": "../x"}).status_code == 422
    settings = Settings(database_url=filled.url)
    with TestClient(create_app(settings, filled)) as c:
        assert c.get("/api/map/natech/layers").json() == []
        assert c.get("/api/map/natech", params={"layers": "flood"}).status_code == 404


def test_screen_command_with_layers(sqlite_db, make_csv, folder):
    import json

    from typer.testing import CliRunner

    from hazatlas.cli.main import app as cli

    RegisterService(sqlite_db, SYSTEM).import_file(make_csv(SITES, "sites.csv"))
    runner = CliRunner()
    base = ["screen", "--country", "SRB", "--json", "--db", str(sqlite_db.url)]
    plain = {r["establishment_id"]: r for r in json.loads(runner.invoke(cli, base).stdout)}
    done = runner.invoke(cli, [*base, "--layers", str(folder / "layers.toml")])
    assert done.exit_code == 0, done.output
    layered = {r["establishment_id"]: r for r in json.loads(done.stdout)}
    assert plain["RS-DAM"]["thi_missing"] == ["seismic_pga_g", "flood_prone"]
    assert layered["RS-DAM"]["thi_missing"] == []
    assert layered["RS-DAM"]["thi"] == pytest.approx(plain["RS-DAM"]["thi"] + 1.5)
    assert "thi_missing" not in plain["RS-SMALL"]
