"""Natech ensembles on Dask (SQLite and PostGIS for the register part): the deterministic limit
equals the screening, the same seed gives the same result on one process and on a local
cluster, the bulk sampler equals the per-site sampler, and the command line."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest
import rasterio
from affine import Affine
from tests.services.test_natech_climate import SITES, manifest, table  # noqa: F401
from typer.testing import CliRunner

from hazatlas.cli.main import app as cli
from hazatlas.domain.access import SYSTEM
from hazatlas.domain.hazard_layer import HazardLayer
from hazatlas.formats.hazard_bulk import sample_values
from hazatlas.formats.hazard_rasters import sample_layers
from hazatlas.models.natech.climate_ensemble import HazardCurves, Uncertainty, run_chunk
from hazatlas.models.natech.screening import tank_event, tank_unit
from hazatlas.services import natech, natech_ensemble
from hazatlas.services.register import RegisterService

FIXED = Uncertainty(samples=3, fill_low=0.9, fill_high=0.9, fragility_sigma=0.0,
                    intensity_sigma=0.0)


@pytest.fixture
def filled(db, make_csv):
    RegisterService(db, SYSTEM).import_file(make_csv(SITES, "ensemble.csv"))
    return db


def per_year(doc, site, scenario):
    s = next(s for s in doc["sites"] if s["establishment_id"] == site)
    return next(sc for sc in s["scenarios"] if sc["scenario"] == scenario)["release_per_year_kg"]


def test_deterministic_limit_equals_the_screening(filled, manifest, table):  # noqa: F811
    inp = natech_ensemble.prepare(filled, SYSTEM, manifest, climate=table)
    assert [(s["scenario"], s["from"]) for s in inp.scenarios] == [
        ("baseline", "layers"), ("RCP4.5", "table"), ("RCP8.5", "layers")]
    results = natech_ensemble.run(inp.tanks, inp.hazards, len(inp.sites), FIXED, seed=3,
                                  runner="single", progress=False)
    doc = natech_ensemble.document(inp, results, FIXED, seed=3, chunk_size=2000,
                                   runner="single process")
    screen = natech.screen(filled, SYSTEM, manifest, climate=table)
    for row in screen["climate"]["table"]:
        got = per_year(doc, row["establishment_id"], row["scenario"])["flood"]
        if row["max_flood_depth_m"] is None:  # off the rasters: no value, not 0
            assert got["mean"] is None
            continue
        for stat in ("mean", "p05", "p95"):
            assert got[stat] == pytest.approx(row["tank_release_per_year_kg"], abs=1e-9), row
    assert per_year(doc, "RS-C-WET", "RCP8.5")["flood"]["mean"] == pytest.approx(550.0)
    wet = next(s for s in doc["sites"] if s["establishment_id"] == "RS-C-WET")
    rcp85 = wet["scenarios"][2]["events"]["flood"]
    assert [(e["return_period_years"], e["p_release"]["mean"]) for e in rcp85] == [
        (10.0, 0.0), (100.0, 1.0)]


def test_seismic_chunk_equals_the_tank_model():
    unit = tank_unit("T1", "Toluene", 50_000.0, {})
    tanks = natech_ensemble.tanks_of([unit], [0])
    pga = np.array([[[0.1, 0.3, 0.6]]])
    res = run_chunk(0, 1, 1, tanks, (HazardCurves("earthquake", np.array([50.0, 475.0, 2475.0]),
                                                   pga),), FIXED)
    for k, g in enumerate((0.1, 0.3, 0.6)):
        ev = tank_event(unit, "earthquake", g, 100.0, "baseline", "baseline")
        assert res.release_per_event_kg[0][0, 0, k] == pytest.approx(ev.release_per_event)
        p_any = 1.0 - ev.damage.probabilities[0, 0]
        assert res.p_release[0][0, 0, k, 0] == pytest.approx(p_any)


def test_same_seed_same_result_on_one_process_and_on_a_cluster(filled, manifest, table):  # noqa: F811
    inp = natech_ensemble.prepare(filled, SYSTEM, manifest, climate=table)
    u = dataclasses.replace(natech_ensemble.default_uncertainty(64), fill_low=0.2)
    kw = {"seed": 11, "chunk_size": 1, "progress": False}
    one = natech_ensemble.run(inp.tanks, inp.hazards, len(inp.sites), u, runner="single", **kw)
    many = natech_ensemble.run(inp.tanks, inp.hazards, len(inp.sites), u, runner="local",
                               workers=2, **kw)
    assert [r.chunk for r in one] == [r.chunk for r in many] == [0, 1, 2]
    for a, b in zip(one, many, strict=True):
        np.testing.assert_array_equal(a.release_per_year_kg, b.release_per_year_kg)
        for x, y in zip(a.p_release + a.release_per_event_kg,
                        b.p_release + b.release_per_event_kg, strict=True):
            np.testing.assert_array_equal(x, y)
    # the uncertainty spreads the result: the fill and the depth vary between samples
    k = [s["establishment_id"] for s in inp.sites].index("RS-C-WET")
    wet = one[k].release_per_year_kg[0, 2, -1]  # RCP8.5, total: mean, p05, p50, p95
    assert wet[1] < wet[0] < wet[3]
    other = natech_ensemble.run(inp.tanks, inp.hazards, len(inp.sites), u, runner="single",
                                seed=12, chunk_size=1, progress=False)
    assert not np.array_equal(other[k].release_per_year_kg, one[k].release_per_year_kg)


@pytest.mark.parametrize("crs", ["EPSG:4326", "EPSG:32634"])
@pytest.mark.parametrize("method", ["nearest", "bilinear"])
def test_bulk_sampler_equals_the_site_sampler(tmp_path, crs, method):
    rng = np.random.default_rng(5)
    grid = rng.gamma(2.0, 0.5, size=(40, 30))
    grid[rng.random(grid.shape) < 0.3] = -9999.0
    if crs == "EPSG:4326":
        transform, west, north, span = Affine(0.01, 0.0, 20.0, 0.0, -0.01, 45.0), 20.0, 45.0, 0.3
    else:  # UTM 34N around 21 E, 45 N
        transform = Affine(100.0, 0.0, 500_000.0, 0.0, -100.0, 4_985_000.0)
        west, north, span = 21.0, 44.99, 0.03
    with rasterio.open(tmp_path / "d.tif", "w", driver="GTiff", height=40, width=30, count=1,
                       dtype="float64", crs=crs, nodata=-9999.0, transform=transform) as ds:
        ds.write(grid, 1)
    layer = HazardLayer("d", "raster", "d.tif", "flood", "depth", "m", 100.0, "baseline",
                        "baseline", "test", "CC0", sampling=method, search_radius_m=100.0)
    lon = west - 0.05 * span + rng.random(300) * span * 1.2  # some off the raster
    lat = north + 0.05 * span - rng.random(300) * span * 1.6
    bulk = sample_values(layer, tmp_path, lon, lat)
    each = sample_layers([layer], tmp_path, [(str(i), x, y) for i, (x, y) in
                                             enumerate(zip(lon, lat, strict=True))])
    expected = np.array([np.nan if s.value is None else s.value for s in each])
    np.testing.assert_array_equal(bulk, expected)
    assert np.isnan(bulk).any() and (~np.isnan(bulk)).sum() > 20


def test_cli_ensemble(sqlite_db, make_csv, manifest, table, tmp_path):  # noqa: F811
    RegisterService(sqlite_db, SYSTEM).import_file(make_csv(SITES, "ensemble.csv"))
    out = tmp_path / "ens.json"
    done = CliRunner().invoke(cli, ["natech", "ensemble", "--layers", str(manifest), "--climate",
                                    str(table), "--samples", "20", "--seed", "4",
                                    "--single-process", "--no-progress", "--output", str(out),
                                    "--json", "--db", str(sqlite_db.url)], prog_name="hazatlas")
    assert done.exit_code == 0, done.output
    doc = json.loads(done.output)
    assert doc == json.loads(out.read_text(encoding="utf-8"))
    assert doc["inputs"]["runner"] == "single process" and doc["inputs"]["samples"] == 20
    assert [s["establishment_id"] for s in doc["sites"]] == ["HU-C-OFF", "RS-C-DRY", "RS-C-WET"]
    assert set(doc["sites"][2]["scenarios"][0]["release_per_year_kg"]) == {"flood", "total"}
    bad = CliRunner().invoke(cli, ["natech", "ensemble", "--layers", str(manifest),
                                   "--single-process", "--scheduler", "tcp://127.0.0.1:1",
                                   "--db", str(sqlite_db.url)], prog_name="hazatlas")
    assert bad.exit_code == 2 and "not" in bad.output and "both" in bad.output
