"""Natech screening of a region (SQLite and PostGIS): the ranking, the sites that fail together
in one flood footprint, and the CSV/GeoJSON exports, on rasters built in the test."""

from __future__ import annotations

import csv
import json
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
from hazatlas.services import natech, natech_region
from hazatlas.services.register import RegisterService


def row(id_: str, lon: str, lat: str, country: str, tonnes: str) -> dict[str, str]:
    base = {c: "" for c in COLUMNS}
    base.update(establishment_id=id_, name=f"Test store {id_}", country=country, lon=lon,
                lat=lat, disclosure="public", source="https://example.org/t",
                quantity_basis="illustrative", substance_name="Toluene", cas_number="108-88-3",
                quantity=tonnes, unit="t", physical_state="liquid", storage_unit="T-1")
    return base


# A: a 10 t tank in the wet half (it floats at 3 m: D = H = 2.42 m, liquid 2.18 m, critical
# depth 2.46 m); B: a 5000 t tank there (critical depth 17.6 m); C: dry half; D: off the raster.
SITES = [row("RS-T-SMALL", "20.2", "44.5", "SRB", "10"),
         row("RS-T-BIG", "20.3", "44.5", "SRB", "5000"),
         row("RS-T-DRY", "21.5", "44.5", "SRB", "10"),
         row("HU-T-OFF", "20.4", "46.5", "HUN", "10")]


@pytest.fixture
def manifest(tmp_path: Path) -> Path:
    grid = np.zeros((20, 20))
    grid[:, :10] = 3.0  # lon 20-21 wet (3 m), lon 21-22 dry
    with rasterio.open(tmp_path / "depth.tif", "w", driver="GTiff", height=20, width=20,
                       count=1, dtype="float64", crs="EPSG:4326", nodata=-9999.0,
                       transform=Affine(0.1, 0.0, 20.0, 0.0, -0.1, 46.0)) as ds:
        ds.write(grid, 1)
    path = tmp_path / "layers.toml"
    path.write_text('[[layer]]\nid = "flood100"\nkind = "raster"\npath = "depth.tif"\n'
                    'hazard = "flood"\nintensity_measure = "depth"\nunit = "m"\n'
                    'return_period_years = 100\nscenario = "baseline"\n'
                    'source = "built in the test"\nlicence = "CC0"\n', encoding="utf-8")
    return path


@pytest.fixture
def filled(db, make_csv):
    RegisterService(db, SYSTEM).import_file(make_csv(SITES, "region.csv"))
    return db


def test_ranking_and_footprint(filled, manifest):
    doc = natech.screen(filled, SYSTEM, manifest, event_layer="flood100")
    ranking = doc["ranking"]
    assert [r["rank"] for r in ranking] == [1, 2, 3, 4]
    # the floating tank releases all 10 t once in 100 years: 100 kg per year
    assert ranking[0]["establishment_id"] == "RS-T-SMALL"
    assert ranking[0]["tank_release_per_year_kg"] == pytest.approx(100.0)
    assert ranking[1]["establishment_id"] == "RS-T-BIG"  # wet, but does not float
    assert ranking[1]["tank_release_per_year_kg"] == 0.0 and ranking[1]["max_flood_depth_m"] == 3.0
    assert {r["establishment_id"] for r in ranking[2:]} == {"RS-T-DRY", "HU-T-OFF"}
    ev = doc["event"]
    assert [s["establishment_id"] for s in ev["sites"]] == ["RS-T-SMALL", "RS-T-BIG"]
    assert ev["sites"][0]["tank_release_kg"] == pytest.approx(10_000.0)
    assert ev["tank_release_kg"] == pytest.approx(10_000.0) and ev["sites_failing"] == 1
    assert ev["countries"] == ["SRB"]
    assert ev["no_value"] == [{"establishment_id": "HU-T-OFF", "status": "outside"}]


def test_unknown_event_layer(filled, manifest):
    with pytest.raises(ValidationError, match="'nope': no such layer in layers.toml"):
        natech.screen(filled, SYSTEM, manifest, event_layer="nope")


def test_exports(filled, manifest, tmp_path):
    rows = natech.screen(filled, SYSTEM, manifest)["ranking"]
    natech_region.export(rows, tmp_path / "r.csv")
    natech_region.export(rows, tmp_path / "r.geojson")
    with open(tmp_path / "r.csv", encoding="utf-8", newline="") as f:
        table = list(csv.DictReader(f))
    assert list(table[0]) == natech_region.COLUMNS
    assert [t["establishment_id"] for t in table] == [r["establishment_id"] for r in rows]
    assert float(table[0]["tank_release_per_year_kg"]) == pytest.approx(100.0)
    fc = json.loads((tmp_path / "r.geojson").read_text(encoding="utf-8"))
    assert [f["id"] for f in fc["features"]] == [r["establishment_id"] for r in rows]
    assert fc["features"][0]["geometry"] == {"type": "Point", "coordinates": [20.2, 44.5]}
    assert fc["features"][0]["properties"]["rank"] == 1
    with pytest.raises(ValidationError, match="expected a .csv or .geojson file"):
        natech_region.export(rows, tmp_path / "r.txt")


# In-process CLI runs leak connections on PostgreSQL (see test_natech_service): SQLite only.
def test_cli_event_and_export(sqlite_db, make_csv, manifest, tmp_path):
    RegisterService(sqlite_db, SYSTEM).import_file(make_csv(SITES, "region.csv"))
    out = tmp_path / "rank.geojson"
    done = CliRunner().invoke(cli, ["natech", "screen", "--layers", str(manifest), "--event",
                                    "flood100", "--export", str(out), "--db",
                                    str(sqlite_db.url)], prog_name="hazatlas")
    assert done.exit_code == 0, done.output
    assert "event flood100: 2 sites in the footprint (SRB), 1 releasing" in done.output
    assert len(json.loads(out.read_text(encoding="utf-8"))["features"]) == 4
