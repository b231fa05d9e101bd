"""Climate in Natech screening (SQLite and PostGIS): change factors derived from baseline and
future layers built in the test, a change factor table, the results side by side, the CSV
export, the command line and the API."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import numpy as np
import pytest
import rasterio
from affine import Affine
from typer.testing import CliRunner

from hazatlas.cli.main import app as cli
from hazatlas.domain.access import SYSTEM
from hazatlas.domain.errors import ValidationError
from hazatlas.formats.register_columns import COLUMNS
from hazatlas.services import natech, natech_climate
from hazatlas.services.register import RegisterService


def row(id_: str, lon: str, lat: str, country: str, tonnes: str) -> dict[str, str]:
    base = {c: "" for c in COLUMNS}
    base.update(establishment_id=id_, name=f"Test store {id_}", country=country, lon=lon,
                lat=lat, disclosure="public", source="https://example.org/t",
                quantity_basis="illustrative", substance_name="Toluene", cas_number="108-88-3",
                quantity=tonnes, unit="t", physical_state="liquid", storage_unit="T-1")
    return base


# WET: a 10 t tank in the wet half: it floats above 2.46 m (D = H = 2.42 m by the defaults,
# see tests/services/test_natech_region.py); DRY: the dry half; OFF: off the rasters.
SITES = [row("RS-C-WET", "20.2", "44.5", "SRB", "10"),
         row("RS-C-DRY", "21.5", "44.5", "SRB", "10"),
         row("HU-C-OFF", "20.4", "46.5", "HUN", "10")]
LAYER = ('[[layer]]\nid = "{id}"\nkind = "raster"\npath = "{id}.tif"\nhazard = "flood"\n'
         'intensity_measure = "depth"\nunit = "m"\nreturn_period_years = {rp}\n'
         'scenario = "{scenario}"\n{horizon}source = "built in the test"\nlicence = "CC0"\n')


def raster(path: Path, depth: float) -> None:
    grid = np.zeros((20, 20))
    grid[:, :10] = depth  # lon 20-21 wet, lon 21-22 dry
    with rasterio.open(path, "w", driver="GTiff", height=20, width=20, count=1,
                       dtype="float64", crs="EPSG:4326", nodata=-9999.0,
                       transform=Affine(0.1, 0.0, 20.0, 0.0, -0.1, 46.0)) as ds:
        ds.write(grid, 1)


@pytest.fixture
def manifest(tmp_path: Path) -> Path:
    """Baseline: 1.0 m at 10 years, 2.0 m at 100 years; RCP8.5 2050: 1.5 m and 3.0 m."""
    text = ""
    for id_, rp, scenario, depth in (("b10", 10, "baseline", 1.0), ("b100", 100, "baseline", 2.0),
                                     ("f10", 10, "RCP8.5", 1.5), ("f100", 100, "RCP8.5", 3.0)):
        raster(tmp_path / f"{id_}.tif", depth)
        text += LAYER.format(id=id_, rp=rp, scenario=scenario,
                             horizon="" if scenario == "baseline" else "horizon = 2050\n")
    path = tmp_path / "layers.toml"
    path.write_text(text, encoding="utf-8")
    return path


TABLE = (
    "hazard,intensity_measure,region,basin,scenario,horizon,return_period_years,factor,source,status\n"
    "flood,depth,SRB,*,RCP4.5,2050,100,1.3,test study A,unconfirmed\n"
    "flood,depth,*,*,RCP4.5,2050,100,1.1,test study B,unconfirmed\n"
    "flood,depth,*,*,RCP8.5,2050,100,9.0,test study C,unconfirmed\n"
)


@pytest.fixture
def table(tmp_path: Path) -> Path:
    path = tmp_path / "factors.csv"
    path.write_text(TABLE, encoding="utf-8")
    return path


@pytest.fixture
def filled(db, make_csv):
    RegisterService(db, SYSTEM).import_file(make_csv(SITES, "climate.csv"))
    return db


def by_id(doc, key="sites"):
    return {s["establishment_id"]: s for s in doc["climate"][key]}


def test_derived_factors_and_shifted_return_period(filled, manifest):
    doc = natech.screen(filled, SYSTEM, manifest)
    wet = by_id(doc)["RS-C-WET"]
    ratios = {r["return_period_years"]: r for r in wet["intensity_ratios"]}
    assert ratios[10.0]["factor"] == pytest.approx(1.5)
    assert ratios[100.0]["factor"] == pytest.approx(1.5)
    assert ratios[100.0]["baseline_layer"] == "b100" and ratios[100.0]["future_layer"] == "f100"
    # today's 100-year depth (2.0 m) on the future curve (1.5 m at 10 y, 3.0 m at 100 y),
    # linear in depth against ln T: T' = 10^(1 + 1/3)
    (shift,) = wet["shifted_return_periods"]
    assert shift["bound"] == "within" and shift["design_intensity"] == 2.0
    assert shift["return_period_years"] == pytest.approx(10 ** (4 / 3))
    dry = by_id(doc)["RS-C-DRY"]
    assert all(r["factor"] is None and "undefined" in r["note"] for r in dry["intensity_ratios"])
    assert dry["shifted_return_periods"][0]["return_period_years"] is None
    # side by side: the tank does not float at 2.0 m (baseline), floats at 3.0 m (RCP8.5):
    # 10 t once in 100 years, trapezoid from 10 to 100 years: 0.09 * 10000 / 2 + 0.01 * 10000
    side = {r["scenario"]: r for r in wet["side_by_side"]}
    assert side["baseline"]["tank_release_per_year_kg"] == 0.0
    assert side["RCP8.5"]["tank_release_per_year_kg"] == pytest.approx(550.0)
    assert side["RCP8.5"]["from"] == "layers" and side["RCP8.5"]["max_flood_depth_m"] == 3.0
    assert side["RCP8.5"]["tank_release_ratio"] is None  # no baseline release to compare with
    assert doc["climate"]["factors"] == []


def test_table_factors_side_by_side(filled, manifest, table):
    doc = natech.screen(filled, SYSTEM, manifest, climate=table)
    layer_ids = [la["id"] for la in doc["layers"]]
    assert layer_ids == ["b10", "b100", "f10", "f100", "b100@RCP4.5-2050"]
    assert doc["climate"]["notes"] == ["layer b100: the manifest has a RCP8.5 2050 layer of the "
                                       "same event; the table's factors for it are not used"]
    sites = by_id(doc)
    wet = {r["scenario"]: r for r in sites["RS-C-WET"]["side_by_side"]}
    # SRB's own factor (1.3) wins over '*' (1.1): 2.6 m > 2.46 m, the tank floats
    assert wet["RCP4.5"]["max_flood_depth_m"] == pytest.approx(2.6)
    assert wet["RCP4.5"]["from"] == "table"
    assert wet["RCP4.5"]["tank_release_per_year_kg"] == pytest.approx(100.0)
    assert wet["RCP4.5"]["return_periods_years"] == [100.0]
    hazards = {h["layer_id"]: h for h in next(
        s for s in doc["sites"] if s["establishment_id"] == "RS-C-WET")["hazards"]}
    assert "x 1.3 (SRB/*; unconfirmed; test study A)" in hazards["b100@RCP4.5-2050"]["note"]
    # the dry site: 0 m x 1.3 = 0; off the rasters: no value, said so
    assert {r["scenario"]: r for r in sites["RS-C-DRY"]["side_by_side"]}["RCP4.5"][
        "max_flood_depth_m"] == 0.0
    off = next(s for s in doc["sites"] if s["establishment_id"] == "HU-C-OFF")
    assert any("b100@RCP4.5-2050: outside" in w for w in off["warnings"])
    assert [(r["establishment_id"], r["scenario"]) for r in doc["climate"]["table"]][:3] == [
        ("RS-C-WET", "baseline"), ("RS-C-WET", "RCP4.5"), ("RS-C-WET", "RCP8.5")]


def test_no_factor_for_the_site(filled, manifest, tmp_path):
    path = tmp_path / "srb.csv"
    path.write_text(TABLE.splitlines()[0] + "\n" + TABLE.splitlines()[1] + "\n", encoding="utf-8")
    doc = natech.screen(filled, SYSTEM, manifest, climate=path, establishment_ids=["HU-C-OFF"])
    sample = next(h for h in doc["sites"][0]["hazards"] if h["layer_id"] == "b100@RCP4.5-2050")
    assert sample["status"] == "no-factor" and sample["value"] is None
    assert "no row of the change factor table applies to HUN" in sample["note"]


def test_bad_table_names_rows_and_columns(filled, manifest, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text(TABLE.splitlines()[0] + "\n"
                    "flood,depth,Serbia,*,baseline,2050,100,-1,,maybe\n", encoding="utf-8")
    with pytest.raises(ValidationError) as err:
        natech.screen(filled, SYSTEM, manifest, climate=path)
    text = str(err.value)
    for part in ("bad.csv, row 2, column 'region'", "column 'scenario'", "column 'factor'",
                 "column 'source': empty", "column 'status'"):
        assert part in text, text


def test_export_and_cli(sqlite_db, make_csv, manifest, table, tmp_path):
    RegisterService(sqlite_db, SYSTEM).import_file(make_csv(SITES, "climate.csv"))
    out = tmp_path / "side.csv"
    done = CliRunner().invoke(cli, ["natech", "screen", "--layers", str(manifest), "--climate",
                                    str(table), "--climate-export", str(out), "--db",
                                    str(sqlite_db.url)], prog_name="hazatlas")
    assert done.exit_code == 0, done.output
    assert "Climate: results side by side" in done.output
    assert "today's 100-year flood depth under RCP8.5 2050: every 21.5 years" in done.output
    with open(out, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == natech_climate.COLUMNS
    wet = [r for r in rows if r["establishment_id"] == "RS-C-WET"]
    assert [(r["scenario"], r["horizon"], r["from"]) for r in wet] == [
        ("baseline", "baseline", "layers"), ("RCP4.5", "2050", "table"),
        ("RCP8.5", "2050", "layers")]
    assert float(wet[2]["tank_release_per_year_kg"]) == pytest.approx(550.0)
    assert wet[2]["return_periods_years"] == "10;100"
    as_json = CliRunner().invoke(cli, ["natech", "screen", "--layers", str(manifest), "--json",
                                       "--db", str(sqlite_db.url)], prog_name="hazatlas")
    assert math.isclose(json.loads(as_json.output)["climate"]["sites"][0][
        "shifted_return_periods"][0]["return_period_years"], 10 ** (4 / 3))
