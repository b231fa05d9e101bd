"""The earthquake scenario (services/natech_earthquake.py), its CLI and API, and the demo layer
set (services/natech_demo.py write_demo_set) on the demo register in a temporary database.

The scenarios here are made up for the tests (an Mw 6.5 at Pančevo), except the documented
Vrancea 1977 scenario of the demo; the expected PGA always comes from the GMPE classes
themselves (their RAPID-N validation values are tested in tests/models/).
"""

from __future__ import annotations

import json
import math
from dataclasses import replace

import numpy as np
import pyproj
import pytest
import rasterio
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from hazatlas.api.app import create_app
from hazatlas.cli.main import app as cli
from hazatlas.domain.access import SYSTEM
from hazatlas.domain.errors import ValidationError
from hazatlas.domain.reference import data_path
from hazatlas.formats.hazard_layers import read_manifest
from hazatlas.formats.hazard_rasters import sample_layers
from hazatlas.models.natech.gmpe import Boatwright2003, Singh1993
from hazatlas.models.natech.screening import tank_event, tank_unit
from hazatlas.services import natech
from hazatlas.services import natech_earthquake as eq
from hazatlas.services.natech_demo import DEMO_REGION_BBOX
from hazatlas.services.register import RegisterService, list_establishments
from hazatlas.services.settings import Settings

GEOD = pyproj.Geod(ellps="WGS84")
PANCEVO = eq.Scenario(name="test-pancevo", magnitude=6.5, lon=20.68, lat=44.83, depth_km=10.0)


@pytest.fixture
def demo(sqlite_db):
    """The whole demo register (57 sites) in a temporary SQLite database."""
    RegisterService(sqlite_db, SYSTEM).import_file(data_path("demo", "register.csv"))
    return sqlite_db


@pytest.fixture
def demo_any(db):
    """The demo register on SQLite and PostGIS."""
    RegisterService(db, SYSTEM).import_file(data_path("demo", "register.csv"))
    return db


def _hypo_km(s, lon, lat):
    _, _, d = GEOD.inv(s.lon, s.lat, lon, lat)
    return math.hypot(d / 1000.0, s.depth_km)


def test_pga_decreases_with_distance():
    lons = PANCEVO.lon + np.array([0.0, 0.2, 0.5, 1.0, 2.0, 3.5])
    lats = np.full(lons.shape, PANCEVO.lat)
    epi, hypo = eq.distances_km(PANCEVO, lons, lats)
    assert epi[0] == pytest.approx(0.0, abs=1e-6) and hypo[0] == pytest.approx(10.0)
    assert np.all(np.diff(hypo) > 0)
    pga = eq.pga_g(PANCEVO, hypo)
    assert np.all(np.isfinite(pga)) and np.all(np.diff(pga) < 0)
    # beyond 370 km (Boatwright 2003's validity) no PGA rather than an extrapolated one
    far = eq.pga_g(PANCEVO, np.array([369.0, 371.0]))
    assert math.isfinite(far[0]) and math.isnan(far[1])


@pytest.mark.parametrize(("change", "field"), [
    ({"magnitude": 9.5}, "magnitude"),
    ({"magnitude": 3.0}, "magnitude"),
    ({"gmpe": "singh1993", "magnitude": 5.0}, "magnitude"),  # Ms 6-7.6
    ({"depth_km": 0.0}, "depth"),
    ({"depth_km": 400.0}, "depth"),
    ({"gmpe": "singh1993", "depth_km": 250.0}, "depth"),  # d_h at most 210 km
    ({"lon": 200.0}, "lon"),
    ({"lat": float("nan")}, "lat"),
    ({"name": "a b/../c"}, "name"),
])
def test_validity_errors(change, field):
    with pytest.raises(ValidationError) as err:
        eq.check(replace(PANCEVO, **change))
    assert any(p.field == field for p in err.value.problems), err.value.problems


def test_unknown_gmpe():
    with pytest.raises(ValidationError, match="boatwright2003, singh1993"):
        eq.check(replace(PANCEVO, gmpe="graizer2010"))


@pytest.mark.parametrize("gmpe", ["boatwright2003", "singh1993"])
def test_same_pga_as_the_gmpe(demo, gmpe):
    s = replace(PANCEVO, gmpe=gmpe, magnitude=6.5)
    doc = eq.run(demo, SYSTEM, s)
    model = Boatwright2003() if gmpe == "boatwright2003" else Singh1993()
    high = model.validity["hypocentral_distance_km"][1]
    assert len(doc["sites"]) == 57
    for r in doc["sites"]:
        d_h = _hypo_km(s, r["lon"], r["lat"])
        assert r["hypocentral_distance_km"] == pytest.approx(d_h, rel=1e-9)
        if d_h > high:
            assert r["pga_g"] is None and r["status"] == "outside_validity"
            assert r["establishment_id"] in doc["outside_validity"]
            continue
        expected = float(model.pga_g(magnitude=6.5, hypocentral_distance_km=d_h)[0])
        assert r["pga_g"] == pytest.approx(expected, rel=1e-12)
    # Central Asia lies far beyond any estimator's range from Pančevo
    assert "KG-JA-MAILUUSUU" in doc["outside_validity"]


def test_sites_failing_together(demo_any):
    demo = demo_any
    doc = eq.run(demo, SYSTEM, PANCEVO)
    sites = {r["establishment_id"]: r for r in doc["sites"]}
    by_id = {e.id: e for e in list_establishments(demo, SYSTEM)}
    # the tank releases are those of the screening's tank model at the site's PGA
    pet = sites["RS-PAN-PETROHEMIJA"]
    e = by_id["RS-PAN-PETROHEMIJA"]
    expected = 0.0
    for i, item in enumerate(e.inventory):
        if item.physical_state.value not in ("liquid", "slurry", "unknown"):
            continue
        label = item.line_id or item.storage_unit or f"line {i + 1}"
        unit = tank_unit(label, item.substance_name, item.max_quantity_kg, item.extra)
        expected += tank_event(unit, "earthquake", pet["pga_g"], 1.0, "baseline",
                               "baseline").release_per_event
    assert pet["tank_release_kg"] == pytest.approx(expected, rel=1e-12) and expected > 0
    failing = doc["failing_together"]
    ids = [r["establishment_id"] for r in failing["sites"]]
    assert set(ids) == {i for i, r in sites.items()
                        if r["tank_release_kg"] > 0 or r["dam_release_m3"] > 0}
    assert "RS-PAN-PETROHEMIJA" in ids and "RS-PAN-AZOTARA" in ids
    assert not set(ids) & set(doc["outside_validity"])
    assert failing["countries"] == sorted({sites[i]["country"] for i in ids})
    assert failing["tank_release_kg"] == pytest.approx(sum(sites[i]["tank_release_kg"]
                                                           for i in ids))
    releases = [r["tank_release_kg"] for r in failing["sites"]]
    assert releases == sorted(releases, reverse=True)


def test_country_and_establishment_filters(demo):
    doc = eq.run(demo, SYSTEM, PANCEVO, country="SRB")
    assert {r["country"] for r in doc["sites"]} == {"SRB"}
    one = eq.run(demo, SYSTEM, PANCEVO, establishment_ids=["RS-KRUPANJ-STOLICE"])
    assert [r["establishment_id"] for r in one["sites"]] == ["RS-KRUPANJ-STOLICE"]
    assert one["sites"][0]["tailings_dam"] is not None


def test_write_layer_is_read_by_the_screening(demo, tmp_path):
    doc = eq.write_layer(tmp_path, PANCEVO, bbox=(17.0, 41.0, 25.0, 48.0), cell_deg=0.02,
                         return_period_years=475.0)
    layers = read_manifest(tmp_path / "eq-scenario-test-pancevo.toml")
    assert [(la.hazard, la.intensity_measure, la.unit, la.return_period_years)
            for la in layers] == [("earthquake", "pga", "g", 475.0)]
    assert "SCENARIO" in layers[0].source and "not a hazard map" in layers[0].source
    with rasterio.open(doc["path"]) as ds:
        grid = ds.read(1, masked=True)
    assert grid.mask.any() and not grid.mask.all()  # nodata beyond 370 km
    assert float(grid.max()) == pytest.approx(doc["max_pga_g"], rel=1e-6)
    run = eq.run(demo, SYSTEM, PANCEVO, country="SRB")
    screened = natech.screen(demo, SYSTEM, tmp_path / "eq-scenario-test-pancevo.toml",
                             country="SRB")
    pga = {r["establishment_id"]: r["pga_g"] for r in run["sites"]}
    for site in screened["sites"]:
        value = site["hazards"][0]["value"]
        # bilinear sampling of a 0.02 degree grid: within 5 % of the GMPE at the site
        assert value == pytest.approx(pga[site["establishment_id"]], rel=0.05)
    # writing the scenario again rewrites its own manifest; appending it to a manifest that
    # already declares it is refused, and so are a bad box and return period
    eq.write_layer(tmp_path, PANCEVO, bbox=(17.0, 41.0, 25.0, 48.0), cell_deg=0.02,
                   return_period_years=475.0)
    assert len(read_manifest(tmp_path / "eq-scenario-test-pancevo.toml")) == 1
    with pytest.raises(ValidationError) as err:
        eq.write_layer(tmp_path, PANCEVO, bbox=(25.0, 41.0, 17.0, 48.0), cell_deg=0.0,
                       return_period_years=-1.0)
    assert {p.field for p in err.value.problems} == {"bbox", "cell_deg", "return_period"}
    with pytest.raises(ValidationError, match="already declares"):
        eq.write_layer(tmp_path, PANCEVO, bbox=(17.0, 41.0, 25.0, 48.0), cell_deg=0.02,
                       return_period_years=475.0,
                       manifest="eq-scenario-test-pancevo.toml")


def test_cli_earthquake(demo, tmp_path):
    runner = CliRunner()
    db = str(demo.url)
    args = ["natech", "earthquake", "--magnitude", "6.5", "--lon", "20.68", "--lat", "44.83",
            "--country", "SRB", "--json"]
    done = runner.invoke(cli, [*args, "--db", db, "--write-layer", str(tmp_path), "--bbox",
                               "18,42,24,47", "--cell", "0.1", "--return-period", "100"])
    assert done.exit_code == 0, done.output
    doc = json.loads(done.output)
    assert doc["scenario"]["depth_km"] == 10.0 and doc["failing_together"]["sites"]
    assert [la.id for la in read_manifest(tmp_path / "eq-scenario-scenario.toml")] == [
        "eq-scenario-scenario"] == [doc["layer"]["layer_id"]]
    no_box = runner.invoke(cli, [*args, "--db", db, "--write-layer", str(tmp_path)])
    assert no_box.exit_code != 0 and "--bbox" in no_box.output
    bad = runner.invoke(cli, ["natech", "earthquake", "--magnitude", "9.9", "--lon", "20",
                              "--lat", "44", "--db", db])
    assert bad.exit_code != 0 and "magnitude" in bad.output and "3.3" in bad.output
    conflict = runner.invoke(cli, ["natech", "earthquake", "--scenario", "vrancea-1977",
                                   "--magnitude", "7", "--db", db])
    assert conflict.exit_code != 0 and "--magnitude" in conflict.output
    missing = runner.invoke(cli, ["natech", "earthquake", "--lon", "20", "--db", db])
    assert missing.exit_code != 0 and "--magnitude" in missing.output


def test_api_earthquake(demo):
    app = create_app(Settings(database_url=demo.url), demo)
    with TestClient(app) as client:
        ok = client.get("/api/natech/earthquake", params={"scenario": "vrancea-1977"})
        assert ok.status_code == 200, ok.text
        doc = ok.json()
        assert doc["scenario"]["name"] == "vrancea-1977" and doc["scenario"]["depth_km"] == 93.0
        assert "ROU" in doc["failing_together"]["countries"]
        bad = client.get("/api/natech/earthquake",
                         params={"magnitude": 5.0, "lon": 20.0, "lat": 44.0, "gmpe": "singh1993"})
        assert bad.status_code == 422 and "magnitude" in bad.text


def test_demo_set_covers_every_site_and_gives_releases(demo, tmp_path):
    """``hazatlas natech demo-set`` (what make demo serves), here with 0.1 degree cells to keep the test
    short: every demo site lies inside every layer's raster or is beyond the earthquake
    scenario's distance range, and the screening gives non-zero releases."""
    sites = list_establishments(demo, SYSTEM)
    w, s, e, n = DEMO_REGION_BBOX
    assert all(w < x.lon < e and s < x.lat < n for x in sites)
    done = CliRunner().invoke(cli, ["natech", "demo-set", str(tmp_path), "--cell", "0.1",
                                    "--json"])
    assert done.exit_code == 0, done.output
    doc = json.loads(done.output)
    manifest = tmp_path / "layers.toml"
    layers = read_manifest(manifest)
    assert {la.hazard for la in layers} == {"flood", "earthquake"}
    assert all("PROXY" in la.source or "SCENARIO" in la.source for la in layers)
    points = [(x.id, x.lon, x.lat) for x in sites]
    samples = sample_layers(layers, manifest.parent, points)
    for k, layer in enumerate(layers):
        row = samples[k * len(points):(k + 1) * len(points)]
        if layer.hazard == "flood":
            assert all(smp.status != "outside" for smp in row), [
                smp.point_id for smp in row if smp.status == "outside"]
    assert doc["earthquake"]["max_pga_g"] > 0
    screened = natech.screen(demo, SYSTEM, manifest)
    released = [ev["release_per_event"] for site in screened["sites"] for u in site["units"]
                for ev in u["events"] if ev["release_per_event"] > 0]
    assert released
    assert any(r["tank_release_per_year_kg"] > 0 for r in screened["ranking"])
