"""Natech ensembles with tailings dams and the river pathway (bundled network, SQLite): with no
uncertainty the dam equals the screening and the border arrival equals the river spill model;
the flow draw moves between the model's low and high flow; the same seed gives the same dams and
river results on one process and on a 2-worker cluster; the command line."""

from __future__ import annotations

import dataclasses
import json
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest
import rasterio
from affine import Affine
from typer.testing import CliRunner

from hazatlas.cli.main import app as cli
from hazatlas.domain.access import SYSTEM
from hazatlas.formats.register_columns import COLUMNS
from hazatlas.models.natech.climate_ensemble import HazardCurves, Uncertainty
from hazatlas.models.natech.ensemble_pathways import (
    Dams,
    arrival,
    dam_failure,
    flow_moments,
    unit_peak,
)
from hazatlas.models.natech.screening import tank_unit
from hazatlas.services import natech, natech_ensemble
from hazatlas.services.natech_ensemble_routes import river_routes
from hazatlas.services.register import RegisterService
from hazatlas.services.screen import screen_sites
from hazatlas.services.screen_batch import Site
from hazatlas.services.spill import SpillRequest, run_spill
from hazatlas.services.spill_substances import find_substance

FIXED = Uncertainty(samples=3, fill_low=0.9, fill_high=0.9, fragility_sigma=0.0,
                    intensity_sigma=0.0, flow="mean")
SZEGED = (20.15, 46.25)  # on the Tisza, 18 km above Serbia (bundled network)
START = datetime(2026, 4, 1)


def row(**values: str) -> dict[str, str]:
    base = {c: "" for c in COLUMNS}
    base.update(values)
    return base


SITES = [
    # a 10 t cyanide tank: floats above about 2.46 m of water (defaults: D = H = 2.42 m)
    row(establishment_id="HU-T-CN", name="Test cyanide store", country="HUN",
        lon=str(SZEGED[0]), lat=str(SZEGED[1]), disclosure="public",
        source="https://example.org/t", quantity_basis="illustrative", substance_name="Cyanide",
        cas_number="57-12-5", quantity="10", unit="t", physical_state="liquid",
        storage_unit="T-1"),
    row(establishment_id="KG-T-TMF", name="Test tailings", kind="tailings", country="KGZ",
        lon="72.4500", lat="41.2700", source="https://example.org/m", disclosure="public",
        stored_volume="110000", dam_height_m="12"),
]


def _raster(path: Path, value: float) -> None:
    """A constant field over lon 20-74, lat 40-47."""
    with rasterio.open(path, "w", driver="GTiff", height=14, width=108, count=1,
                       dtype="float64", crs="EPSG:4326",
                       transform=Affine(0.5, 0.0, 20.0, 0.0, -0.5, 47.0), nodata=-9999.0) as ds:
        ds.write(np.full((14, 108), value), 1)


@pytest.fixture
def manifest(tmp_path: Path) -> Path:
    text = ""
    for id_, hazard, im, unit, rp, value in (("pga100", "earthquake", "PGA", "g", 100, 0.15),
                                             ("pga475", "earthquake", "PGA", "g", 475, 0.2),
                                             ("d10", "flood", "depth", "m", 10, 1.0),
                                             ("d100", "flood", "depth", "m", 100, 3.0)):
        _raster(tmp_path / f"{id_}.tif", value)
        text += (f'[[layer]]\nid = "{id_}"\nkind = "raster"\npath = "{id_}.tif"\n'
                 f'hazard = "{hazard}"\nintensity_measure = "{im}"\nunit = "{unit}"\n'
                 f'return_period_years = {rp}\nscenario = "baseline"\n'
                 'source = "built in the test"\nlicence = "CC0"\n\n')
    path = tmp_path / "layers.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def filled(sqlite_db, make_csv):
    RegisterService(sqlite_db, SYSTEM).import_file(make_csv(SITES, "pathways.csv"))
    return sqlite_db


def _spill_border(mass_kg: float, flow: str):
    """The river spill model's result at the first foreign country below Szeged."""
    cyanide = find_substance("cyanide")
    run = run_spill(SpillRequest(SZEGED[0], SZEGED[1], mass_kg, START, substance="cyanide",
                                 flow=flow, water_temp_c=cyanide.decay_reference_temp_c))
    k = next(i for i, c in enumerate(run.crossings) if c.country != "HUN")
    b = run.runs[flow].borders
    return run.crossings[k], float(b.peak_kg_m3[k]), float(b.arrival_s[k])


def _szeged_routes():
    batch = screen_sites([Site("cn", SZEGED[0], SZEGED[1], "HUN")])
    warnings: list[str] = []
    routes, info = river_routes(batch, [0], ["Cyanide"], warnings)
    assert warnings == [] and info.status == [None] and info.country == ["SRB"]
    return routes, info


@pytest.mark.parametrize("flow", ["low", "mean", "high"])
def test_border_peak_and_arrival_equal_the_river_model(flow):
    routes, info = _szeged_routes()
    crossing, peak, arrives = _spill_border(2_000.0, flow)
    assert crossing.country == "SRB"
    assert info.distance_m[0] == pytest.approx(crossing.river_distance_m, rel=1e-9)
    u = np.zeros((1, 2))
    mean, var, q = flow_moments(routes, u, flow)
    t_peak, c_unit = unit_peak(routes, mean, var, q)
    assert c_unit[0, 0] * 2_000.0 == pytest.approx(peak, rel=1e-9)
    got = arrival(routes, np.array([[2_000.0, 1e-3]]), mean, var, q, t_peak, c_unit)
    assert got[0, 0] == pytest.approx(arrives, rel=1e-7)
    assert np.isnan(got[0, 1])  # 1 g of cyanide stays below 0.05 mg/l at the border


def test_sampled_flow_runs_between_the_model_flows():
    routes, _ = _szeged_routes()
    lq = np.log(routes.discharge_site_m3_s[0])
    at_mean = (lq[1] - lq[0]) / (lq[2] - lq[0])
    u = np.array([[0.0, at_mean, 1.0, 0.25, 0.75]])
    mean, var, q = flow_moments(routes, u, "sampled")
    for j, node in enumerate(("low", "mean", "high")):
        fixed = flow_moments(routes, u, node)
        for x, y in zip((mean, var, q), fixed, strict=True):
            assert x[0, j] == pytest.approx(y[0, 0], rel=1e-12)
    order = mean[0, [0, 3, 1, 4, 2]]  # low, 0.25, mean, 0.75, high: faster with more water
    assert np.all(np.diff(order) < 0)


def test_dam_and_river_with_no_uncertainty_equal_the_screening(filled, manifest):
    inp = natech_ensemble.prepare(filled, SYSTEM, manifest)
    results = natech_ensemble.run(inp.tanks, inp.hazards, len(inp.sites), FIXED, seed=2,
                                  runner="single", progress=False, dams=inp.dams,
                                  routes=inp.routes)
    doc = natech_ensemble.document(inp, results, FIXED, seed=2, chunk_size=2000,
                                   runner="single process")
    sites = {s["establishment_id"]: s for s in doc["sites"]}
    screen = {s["establishment_id"]: s for s in natech.screen(filled, SYSTEM, manifest)["sites"]}
    dam = sites["KG-T-TMF"]["scenarios"][0]["tailings_dam"]
    expected = screen["KG-T-TMF"]["tailings_dam"]
    # HAZUS high susceptibility: 7.67 x 0.15 - 0.92 = 0.2305 and 7.67 x 0.2 - 0.92 = 0.614
    assert [e["p_failure"]["mean"] for e in dam["events"]] == pytest.approx([0.2305, 0.614])
    assert [e["release_per_event_m3_mean"] for e in dam["events"]] == pytest.approx(
        [e["release_per_event"] for e in expected["events"]], rel=1e-12)
    assert dam["release_per_year_m3"]["p95"] == pytest.approx(
        expected["release_per_year"]["earthquake"]["baseline"], rel=1e-12)
    assert sites["KG-T-TMF"]["tailings_dam"] is True and sites["HU-T-CN"]["tailings_dam"] is False
    # the cyanide tank floats in the 100-year flood (3 m) and not in the 10-year one (1 m):
    # its 10 t (the registered quantity, at the design fill) reach Serbia above 0.05 mg/l, when the model says so
    cn = sites["HU-T-CN"]
    assert cn["first_foreign_country"]["country"] == "SRB" and cn["first_foreign_country"]["routed"]
    floods = cn["scenarios"][0]["river"]["events"]["flood"]
    _, peak, arrives = _spill_border(10_000.0, "mean")
    assert peak > 0.05e-3
    assert [e["p_above_threshold"] for e in floods] == [0.0, 1.0]
    assert floods[0]["arrival_h"]["mean"] is None
    assert floods[1]["arrival_h"]["p05"] == pytest.approx(arrives / 3600.0, rel=1e-7)
    assert cn["scenarios"][0]["river"]["exceedances_per_year"]["flood"] == pytest.approx(
        (0.1 - 0.01) * 0.5 + 0.01)
    assert "river" not in sites["KG-T-TMF"]["scenarios"][0]


def test_same_seed_same_dams_and_river_on_one_process_and_on_a_cluster():
    routes, _ = _szeged_routes()
    unit = tank_unit("T-1", "Cyanide", 3_000.0, {})
    tanks = natech_ensemble.tanks_of([unit, unit, unit], [0, 1, 2])
    # three sites on the same route (site 1 and 2 copies of Szeged), dams at sites 1 and 2
    routes = dataclasses.replace(
        routes, site=np.array([0, 1, 2]), tank_route=np.array([0, 1, 2]),
        **{f: np.repeat(getattr(routes, f), 3, axis=0) for f in (
            "discharge_site_m3_s", "mean_s", "var_s2", "dilution_m3_s", "leg_s", "decay_per_s",
            "threshold_kg_m3")})
    dams = Dams(np.array([1, 2]), np.array([2e5, 5e5]), np.array([7.67, 7.67]),
                np.array([0.92, 0.92]))
    pga = np.array([[[0.15, 0.25, 0.4], [0.2, 0.3, 0.5]]] * 3)  # [site, scenario, rp]
    hazards = (HazardCurves("earthquake", np.array([100.0, 475.0, 2475.0]), pga),)
    u = dataclasses.replace(natech_ensemble.default_uncertainty(40),
                            dam_volume_sigma_log10=0.3)
    kw = {"seed": 5, "chunk_size": 1, "progress": False, "dams": dams, "routes": routes}
    one = natech_ensemble.run(tanks, hazards, 3, u, runner="single", **kw)
    many = natech_ensemble.run(tanks, hazards, 3, u, runner="local", workers=2, **kw)
    for a, b in zip(one, many, strict=True):
        assert a.chunk == b.chunk
        for x, y in ((a.release_per_year_kg, b.release_per_year_kg),
                     *zip(a.p_release, b.p_release, strict=True)):
            np.testing.assert_array_equal(x, y)
        if a.chunk == 0:
            assert a.dams is not None and np.isnan(a.dams.p_failure).all()  # no dam at site 0
        for f in ("release_per_year_m3", "p_failure", "release_per_event_m3"):
            np.testing.assert_array_equal(getattr(a.dams, f), getattr(b.dams, f))
        for x, y in zip(a.river.p_above + a.river.arrival_s, b.river.p_above + b.river.arrival_s,
                        strict=True):
            np.testing.assert_array_equal(x, y)
        np.testing.assert_array_equal(a.river.per_year, b.river.per_year)
    # the samples spread the results: a dam's failure probability and the border's exceedance
    p = one[2].dams.p_failure[0, 1, 1]  # site 2, second scenario, 475 years: mean, p05, p50, p95
    assert p[1] < p[0] < p[3]
    assert 0.0 < one[0].river.p_above[0][0, 1, 1] < 1.0


def test_dam_failure_is_the_hazus_curve():
    dams = Dams(np.array([0]), np.array([1.0]), np.array([7.67]), np.array([0.92]))
    pga = np.array([[0.1, 0.15, 0.2, 0.3]])
    np.testing.assert_allclose(dam_failure(dams, pga, np.ones_like(pga)),
                               [[0.0, 0.2305, 0.614, 1.0]], atol=1e-12)
    shifted = dam_failure(dams, pga, np.full_like(pga, 1.2))  # a stronger dam fails less
    assert np.all(shifted <= dam_failure(dams, pga, np.ones_like(pga)))


def test_cli_ensemble_flow_and_dams(filled, manifest):
    done = CliRunner().invoke(cli, ["natech", "ensemble", "--layers", str(manifest),
                                    "--samples", "10", "--single-process", "--no-progress",
                                    "--flow", "high", "--dam-volume-sigma", "0.3", "--json",
                                    "--db", str(filled.url)], prog_name="hazatlas")
    assert done.exit_code == 0, done.output
    doc = json.loads(done.output)
    assert doc["inputs"]["uncertainty"]["flow"] == "high"
    assert doc["inputs"]["uncertainty"]["dam_volume_sigma_log10"] == 0.3
    tmf = next(s for s in doc["sites"] if s["establishment_id"] == "KG-T-TMF")
    assert len(tmf["scenarios"][0]["tailings_dam"]["events"]) == 2
    shown = CliRunner().invoke(cli, ["natech", "ensemble", "--layers", str(manifest),
                                     "--samples", "5", "--single-process", "--no-progress",
                                     "--db", str(filled.url)], prog_name="hazatlas")
    assert shown.exit_code == 0, shown.output
    assert "Tailings dams and the river pathway" in shown.output and "SRB" in shown.output
    bad = CliRunner().invoke(cli, ["natech", "ensemble", "--layers", str(manifest), "--flow",
                                   "medium", "--db", str(filled.url)], prog_name="hazatlas")
    assert bad.exit_code == 2 and "medium" in bad.output
