"""Natech screening of register sites (SQLite and PostGIS): hazard per return period, tank
damage and release per event and per year, the tailings dam, the THI inputs, access, the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import rasterio
from affine import Affine
from typer.testing import CliRunner

from hazatlas.cli.main import app as cli
from hazatlas.domain.access import ANONYMOUS, SYSTEM
from hazatlas.formats.register_columns import COLUMNS
from hazatlas.models.tailings.runout import runout_model
from hazatlas.services import natech
from hazatlas.services.register import RegisterService


def row(**values: str) -> dict[str, str]:
    base = {c: "" for c in COLUMNS}
    base.update(values)
    return base


CHEM = dict(establishment_id="RS-TEST-CHEM", name="Test solvent store", country="SRB",
            lon="20.6900", lat="44.8370", disclosure="national", source="https://example.org/t",
            quantity_basis="illustrative")
SITES = [
    row(**CHEM, substance_name="Toluene", cas_number="108-88-3", quantity="5000", unit="t",
        physical_state="liquid", storage_unit="T-101"),
    row(**CHEM, substance_name="Chlorine", cas_number="7782-50-5", quantity="50", unit="t",
        physical_state="liquefied_gas", storage_unit="C-1"),
    row(establishment_id="KG-TEST-TMF", name="Test tailings", kind="tailings", country="KGZ",
        lon="72.4500", lat="41.2700", source="https://example.org/m", disclosure="public",
        stored_volume="110000", dam_height_m="12"),
]


def _raster(path: Path, value: float) -> None:
    """A constant field over lon 20-74, lat 40-46 (0.5 degree cells), so sampling is exact."""
    with rasterio.open(path, "w", driver="GTiff", height=12, width=108, count=1,
                       dtype="float64", crs="EPSG:4326",
                       transform=Affine(0.5, 0.0, 20.0, 0.0, -0.5, 46.0), nodata=-9999.0) as ds:
        ds.write(np.full((12, 108), value), 1)


def _entry(id_: str, path: str, hazard: str, im: str, unit: str, rp: int,
           scenario: str = "baseline", horizon: str = "") -> str:
    return (f'[[layer]]\nid = "{id_}"\nkind = "raster"\npath = "{path}"\nhazard = "{hazard}"\n'
            f'intensity_measure = "{im}"\nunit = "{unit}"\nreturn_period_years = {rp}\n'
            f'scenario = "{scenario}"\n{horizon}source = "built in the test"\nlicence = "CC0"\n'
            'sampling = "bilinear"\n\n')


@pytest.fixture
def manifest(tmp_path: Path) -> Path:
    for name, value in (("pga475", 0.3), ("pga2475", 0.5), ("depth100", 2.0),
                        ("depth100_2050", 3.0), ("rain", 0.2)):
        _raster(tmp_path / f"{name}.tif", value)
    text = (_entry("pga475", "pga475.tif", "earthquake", "PGA", "g", 475)
            + _entry("pga2475", "pga2475.tif", "earthquake", "PGA", "g", 2475)
            + _entry("flood100", "depth100.tif", "flood", "depth", "m", 100)
            + _entry("flood100-2050", "depth100_2050.tif", "flood", "depth", "m", 100,
                     "RCP8.5", "horizon = 2050\n")
            + _entry("rain100", "rain.tif", "rainfall", "depth", "m", 100))
    path = tmp_path / "layers.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def filled(db, make_csv):
    RegisterService(db, SYSTEM).import_file(make_csv(SITES, "natech.csv"))
    return db


# P(DS = ds) of the HAZUS unanchored steel tank from the exceedance values of the reference
# notes (0.3 g: 0.8390 0.4186 0.1376 0.0498; 0.5 g: 0.9573 0.6828 0.3409 0.1796), and the release
# fractions 0, 0.01, 0.1, 0.5, 1 of natech_damage_classifications.csv
def _release_fraction(exc: list[float]) -> float:
    p = [1 - exc[0], exc[0] - exc[1], exc[1] - exc[2], exc[2] - exc[3], exc[3]]
    return float(np.dot(p, [0.0, 0.01, 0.1, 0.5, 1.0]))


def test_screen_site_tanks_tailings_and_thi(filled, manifest):
    doc = natech.screen(filled, SYSTEM, manifest)
    sites = {s["establishment_id"]: s for s in doc["sites"]}
    chem, tmf = sites["RS-TEST-CHEM"], sites["KG-TEST-TMF"]
    assert [h["value"] for h in chem["hazards"]] == pytest.approx([0.3, 0.5, 2.0, 3.0, 0.2])
    assert all(h["status"] == "ok" for h in chem["hazards"])
    (tank,) = chem["units"]  # the chlorine (liquefied gas) is not a tank of these models
    assert any("C-1 (Chlorine)" in w and "not assessed" in w for w in chem["warnings"])
    assert tank["unit"]["unit_id"] == "T-101" and tank["unit"]["content_kg"] == 5e6
    assert set(tank["unit"]["assumed"]) == {"unit_kind", "tank_model", "fill_fraction",
                                            "liquid_density_kg_m3", "diameter_m", "tank_mass_kg"}
    quake = [e for e in tank["events"] if e["hazard"] == "earthquake"]
    r475 = 5e6 * _release_fraction([0.8390, 0.4186, 0.1376, 0.0498])
    r2475 = 5e6 * _release_fraction([0.9573, 0.6828, 0.3409, 0.1796])
    assert quake[0]["model"] == "hazus-steel-tank-unanchored"
    assert quake[0]["release_per_event"] == pytest.approx(r475, rel=1e-3)
    assert quake[1]["release_per_event"] == pytest.approx(r2475, rel=1e-3)
    per_year = (1 / 475 - 1 / 2475) * (r475 + r2475) / 2 + r2475 / 2475
    assert tank["release_per_year"]["earthquake"]["baseline"] == pytest.approx(per_year, rel=1e-3)
    assert chem["tank_release_per_year_kg"]["earthquake"]["baseline"] == pytest.approx(
        per_year, rel=1e-3)
    floods = [e for e in tank["events"] if e["hazard"] == "flood"]
    # a near-full 5000 t tank needs about 17.5 m of water to float: no flotation at 2 or 3 m
    assert [e["damage_probabilities"]["DS5"] for e in floods] == [0.0, 0.0]
    assert set(tank["release_per_year"]["flood"]) == {"baseline", "RCP8.5 2050"}
    assert any("rain100: no model takes rainfall" in w for w in chem["warnings"])
    assert chem["thi"] is None and chem["tailings_dam"] is None

    dam = tmf["tailings_dam"]
    released = runout_model("larrauri2018").compute(
        impounded_volume_m3=110000.0, dam_height_m=12.0).released_volume_m3
    assert dam["released_volume_m3"] == pytest.approx(released)
    # HAZUS high susceptibility: 7.67 PGA - 0.92 >= 1 at 0.3 g and 0.5 g
    assert [e["release_per_event"] for e in dam["events"]] == pytest.approx([released] * 2)
    assert any("overtopping screen needs" in w for w in tmf["warnings"])
    assert tmf["thi"]["inputs"] == {"seismic_pga_g": pytest.approx(0.3), "flood_prone": True}
    natural = next(c for c in tmf["thi"]["components"] if c["name"] == "natural")
    assert natural["inputs"]["seismic_pga_g"] == pytest.approx(0.3)
    assert "seismic_pga_g" not in tmf["thi"]["missing"]


def test_screen_respects_access(filled, manifest):
    doc = natech.screen(filled, ANONYMOUS, manifest, establishment_ids=["RS-TEST-CHEM"])
    (site,) = doc["sites"]
    assert site["units"] == []  # a national record's inventory is not shown to the public
    assert [h["value"] for h in site["hazards"]][:1] == pytest.approx([0.3])


@pytest.fixture
def filled_sqlite(sqlite_db, make_csv):
    RegisterService(sqlite_db, SYSTEM).import_file(make_csv(SITES, "natech.csv"))
    return sqlite_db


# In-process CLI runs open a database per command and leave its disposal to the process's end,
# which leaks connections on PostgreSQL: SQLite only (the service runs on both backends above).
def test_cli_json_and_errors(filled_sqlite, manifest):
    url = filled_sqlite.url
    runner = CliRunner()
    done = runner.invoke(cli, ["natech", "screen", "--layers", str(manifest), "--establishment",
                               "KG-TEST-TMF", "--db", str(url), "--json"], prog_name="hazatlas")
    assert done.exit_code == 0, done.output
    doc = json.loads(done.output)
    assert [s["establishment_id"] for s in doc["sites"]] == ["KG-TEST-TMF"]
    assert doc["sites"][0]["thi"]["inputs"]["flood_prone"] is True
    bad = manifest.parent / "bad.toml"
    bad.write_text(manifest.read_text(encoding="utf-8").replace('unit = "g"', 'unit = ""', 1),
                   encoding="utf-8")
    done = runner.invoke(cli, ["natech", "screen", "--layers", str(bad), "--db", str(url)],
                         prog_name="hazatlas")
    assert done.exit_code == 2
    assert "bad.toml" in done.output and "layer 1 (pga475): unit" in done.output
