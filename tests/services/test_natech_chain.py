"""Natech chains on real demo sites (SQLite and PostGIS): flood → tank flotation → release →
river spill / plume → countries (HIP Petrohemija, Pančevo, on the Danube), and heavy rain →
overtopping screen → dam failure → runout → river → Bosnia and Herzegovina (Stolice).

The demo register holds neither the dams' levels nor the tanks' fill at a flood. The values
below are **illustrative examples**, not data of these sites:

* Pančevo: a flood depth of 2 m at the site, every tank at 10 % fill (an emptier tank floats
  sooner); the inventory (2000 t 1,2-dichloroethane, 100 t chlorine ...) is the demo register's.
* Stolice: design rainfall 200 mm, pond level 9 m below a 10 m crest, minimum freeboard 0.5 m,
  pond 2 ha, catchment 50 ha with a runoff coefficient of 0.5, 0.1 Mm3 stored, As/Sb/Pb
  concentrations as in tests/scenarios/test_tailings_failure.py.
"""

from __future__ import annotations

import csv
import json
import math
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest
import rasterio
from affine import Affine
from typer.testing import CliRunner

from hazatlas.cli.main import app as cli
from hazatlas.domain.access import SYSTEM
from hazatlas.domain.errors import ValidationError
from hazatlas.domain.reference import data_path
from hazatlas.services.natech_chain import (
    FloodChainRequest,
    RainDamRequest,
    run_flood_chain,
    run_rain_dam_chain,
)
from hazatlas.services.register import RegisterService
from hazatlas.services.tailings_failure import TailingsFailureRequest

SITES = ("RS-PAN-PETROHEMIJA", "RS-KRUPANJ-STOLICE")
PANCEVO = (20.682, 44.828)
START = datetime(2014, 5, 16, 12)
STOLICE_MG_KG = {"Arsenic": 3000.0, "Antimony": 5000.0, "Lead": 1500.0}
STOLICE = TailingsFailureRequest("RS-KRUPANJ-STOLICE", datetime(2014, 5, 15, 12),
                                 stored_volume_m3=1e5, dam_height_m=10.0,
                                 constituents_mg_kg=STOLICE_MG_KG)
RAIN = dict(design_rainfall_m=0.2, pond_level_m=9.0, crest_level_m=10.0, min_freeboard_m=0.5,
            pond_area_m2=20_000.0, catchment_area_m2=500_000.0, runoff_coefficient=0.5)


def _demo_rows(tmp_path: Path) -> Path:
    """The demo register's rows of the two sites, as a register file."""
    src = data_path("demo", "register.csv")
    with open(src, encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        rows = [r for r in reader if r["establishment_id"] in SITES]
        header = reader.fieldnames
    assert header is not None and {r["establishment_id"] for r in rows} == set(SITES)
    path = tmp_path / "demo_sites.csv"
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, header)
        w.writeheader()
        w.writerows(rows)
    return path


@pytest.fixture
def demo_db(db, tmp_path):
    RegisterService(db, SYSTEM).import_file(_demo_rows(tmp_path))
    return db


@pytest.fixture
def demo_sqlite(sqlite_db, tmp_path):
    RegisterService(sqlite_db, SYSTEM).import_file(_demo_rows(tmp_path))
    return sqlite_db


def _critical_depth(unit: dict) -> float:
    """Archimedes, written out: h_cr = m / (rho_w pi D^2/4) + (rho_L/rho_w) h_L."""
    area = math.pi * unit["diameter_m"] ** 2 / 4.0
    return unit["tank_mass_kg"] / (1000.0 * area) + unit["liquid_density_kg_m3"] / 1000.0 * \
        unit["fill_height_m"]


def test_flood_chain_pancevo(demo_db):
    doc = run_flood_chain(demo_db, SYSTEM, FloodChainRequest(
        "RS-PAN-PETROHEMIJA", START, flood_depth_m=2.0, fill_at_flood=0.1))
    assert doc["kind"] == "natech-flood-tanks" and doc["flood"] == {"depth_m": 2.0,
                                                                     "source": "given"}
    units = {u["unit"]["substance"]: u for u in doc["units"]}
    assert set(units) == {"Ethylene", "Vinyl chloride", "1,2-Dichloroethane", "Chlorine"}
    edc = units["1,2-Dichloroethane"]
    # the tank is sized by its registered 2000 t at the default fill 0.9, and holds 0.1 of it
    assert edc["unit"]["content_kg"] == pytest.approx(2e6 * 0.1 / 0.9)
    assert _critical_depth(edc["unit"]) < 2.0
    assert edc["flood"]["damage_probabilities"] == {"DS1": 0.0, "DS5": 1.0}
    assert edc["medium"] == "water" and edc["release_kg"] == pytest.approx(2e6 * 0.1 / 0.9)
    assert units["Chlorine"]["medium"] == "air"
    assert units["Chlorine"]["release_kg"] == pytest.approx(1e5 * 0.1 / 0.9)
    assert doc["release_kg"]["water"] == pytest.approx(2e6 * 0.1 / 0.9)
    # river: the 1,2-dichloroethane enters the Danube and reaches Romania first
    river = doc["river"]
    assert river["entry"]["river"] == "Danube"
    assert [s["substance"] for s in river["spills"]] == ["1,2-Dichloroethane"]
    by_river = [c for c in doc["countries"] if c["pathway"] == "river"]
    assert [c["country"] for c in by_river][:2] == ["ROU", "BGR"]
    assert {"MDA", "UKR"} <= {c["country"] for c in by_river}
    kms = [c["river_km_from_entry"] for c in by_river]
    times = [c["first_arrival"] for c in by_river if c["first_arrival"]]
    assert kms == sorted(kms) and times == sorted(times) and times[0] > "2014-05-16T12:00"
    assert by_river[0]["above_threshold"] is True
    # air: the chlorine released goes to the plume model, which reaches Serbia at least
    air = {a["substance"]: a for a in doc["air"]}
    assert set(air) == {"Ethylene", "Vinyl chloride", "Chlorine"}
    assert air["Chlorine"]["mass_kg"] == pytest.approx(1e5 * 0.1 / 0.9)
    assert "SRB" in air["Chlorine"]["countries"]
    assert {"country": "SRB", "pathway": "air", "substance": "Chlorine"} in doc["countries"]
    assert any("liquefied-gas store is taken as a vertical tank" in w for w in doc["warnings"])


def test_flood_chain_full_tanks_stay(demo_db):
    """At the default fill (0.9) the large tanks need far more than 1.5 m: nothing floats."""
    doc = run_flood_chain(demo_db, SYSTEM, FloodChainRequest(
        "RS-PAN-PETROHEMIJA", START, flood_depth_m=1.5))
    for u in doc["units"]:
        assert _critical_depth(u["unit"]) > 1.5
        assert u["medium"] == "none" and u["release_kg"] == 0.0
    assert doc["countries"] == [] and doc["air"] == [] and doc["river"]["spills"] == []


def _depth_raster(path: Path, value: float, nodata_at_site: bool = False) -> None:
    """0.01-degree cells around Pančevo; the site's cell holds ``value`` (or nodata)."""
    grid = np.full((40, 40), value, dtype="float32")
    transform = Affine(0.01, 0.0, 20.5, 0.0, -0.01, 45.0)
    if nodata_at_site:
        col, row = ~transform @ PANCEVO
        grid[int(row), int(col)] = -9999.0
    with rasterio.open(path, "w", driver="GTiff", height=40, width=40, count=1, dtype="float32",
                       crs="EPSG:4326", transform=transform, nodata=-9999.0) as ds:
        ds.write(grid, 1)


def _manifest(tmp_path: Path) -> Path:
    text = ('[[layer]]\nid = "flood100"\nkind = "raster"\npath = "depth.tif"\nhazard = "flood"\n'
            'intensity_measure = "depth"\nunit = "m"\nreturn_period_years = 100\n'
            'scenario = "baseline"\nsource = "built in the test"\nlicence = "CC0"\n')
    path = tmp_path / "layers.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_flood_chain_from_a_layer(demo_db, tmp_path):
    _depth_raster(tmp_path / "depth.tif", 2.5)
    req = FloodChainRequest("RS-PAN-PETROHEMIJA", START, layers=_manifest(tmp_path),
                            layer_id="flood100", fill_at_flood=0.1)
    doc = run_flood_chain(demo_db, SYSTEM, req)
    assert doc["flood"]["source"] == "layer" and doc["flood"]["layer_id"] == "flood100"
    assert doc["flood"]["depth_m"] == pytest.approx(2.5)
    assert doc["flood"]["return_period_years"] == 100
    assert all(u["flood"]["intensity"] == pytest.approx(2.5) for u in doc["units"])
    _depth_raster(tmp_path / "depth.tif", 2.5, nodata_at_site=True)
    with pytest.raises(ValidationError, match="flood100 has no value at RS-PAN-PETROHEMIJA: nodata"):
        run_flood_chain(demo_db, SYSTEM, req)
    with pytest.raises(ValidationError, match="'nope': expected the id of a flood depth layer"):
        run_flood_chain(demo_db, SYSTEM, FloodChainRequest(
            "RS-PAN-PETROHEMIJA", START, layers=_manifest(tmp_path), layer_id="nope"))
    with pytest.raises(ValidationError, match="give either a flood depth"):
        run_flood_chain(demo_db, SYSTEM, FloodChainRequest("RS-PAN-PETROHEMIJA", START))
    with pytest.raises(ValidationError, match="fill_at_flood"):
        run_flood_chain(demo_db, SYSTEM, FloodChainRequest(
            "RS-PAN-PETROHEMIJA", START, flood_depth_m=2.0, fill_at_flood=1.5))


def test_flood_chain_on_the_demo_layers(demo_db, tmp_path):
    """The demo proxy layer (hazatlas natech demo-layers) puts Pančevo in the Danube's band."""
    from hazatlas.services.natech_demo import write_demo_layers

    doc = write_demo_layers(tmp_path, bbox=(20.5, 44.7, 20.9, 45.0), return_periods=(100.0,))
    run = run_flood_chain(demo_db, SYSTEM, FloodChainRequest(
        "RS-PAN-PETROHEMIJA", START, layers=Path(doc["manifest"]),
        layer_id="demo-flood-proxy-rp100", fill_at_flood=0.1))
    assert run["flood"]["source"] == "layer" and run["flood"]["depth_m"] > 1.7
    assert "PROXY, not a flood map" in run["flood"]["layer_source"]
    assert run["countries"][0]["country"] == "ROU"


def test_rain_dam_stolice_to_bosnia(demo_db):
    doc = run_rain_dam_chain(demo_db, SYSTEM, RainDamRequest(STOLICE, **RAIN))
    o = doc["overtopping"]
    # rise = P (A_pond + C A_catchment) / A_pond = 0.2 (20 000 + 0.5 x 500 000) / 20 000
    assert o["rise_m"] == pytest.approx(2.7)
    assert o["remaining_freeboard_m"] == pytest.approx(10.0 - 9.0 - 2.7)
    assert o["freeboard_exceeded"] and o["overtopped"] and o["failure_probability"] == 1.0
    failure = doc["failure"]
    assert failure["kind"] == "tailings-failure"
    assert failure["river_entry"]["river"] == "Jadar"
    assert {s["constituent"] for s in failure["spills"]} == set(STOLICE_MG_KG)
    countries = doc["countries"]
    assert countries[0]["country"] == "BIH"
    assert countries[0]["first_arrival"] > "2014-05-15T12:00"
    assert set(countries[0]["above_threshold"]) == set(STOLICE_MG_KG)
    kms = [c["river_km_from_entry"] for c in countries]
    times = [c["first_arrival"] for c in countries if c["first_arrival"]]
    assert kms == sorted(kms) and times == sorted(times)
    assert {"ROU", "BGR"} <= {c["country"] for c in countries}


def test_rain_dam_no_failure_stops_at_the_screen(demo_db):
    doc = run_rain_dam_chain(demo_db, SYSTEM,
                             RainDamRequest(STOLICE, **{**RAIN, "design_rainfall_m": 0.01}))
    assert doc["overtopping"]["rise_m"] == pytest.approx(0.135)
    assert doc["overtopping"]["freeboard_exceeded"] is False
    assert doc["failure"] is None and doc["countries"] == []
    assert any("no failure, the chain stops at the screen" in w for w in doc["warnings"])
    with pytest.raises(ValidationError, match="already overtopping"):
        run_rain_dam_chain(demo_db, SYSTEM,
                           RainDamRequest(STOLICE, **{**RAIN, "pond_level_m": 11.0}))


# In-process CLI runs leak connections on PostgreSQL (see test_natech_service): SQLite only.
def test_cli_chains(demo_sqlite):
    url = str(demo_sqlite.url)
    runner = CliRunner()
    done = runner.invoke(cli, ["natech", "chain", "rain-dam", "--establishment",
                               "RS-KRUPANJ-STOLICE", "--start", "2014-05-15T12:00",
                               "--rainfall", "200mm", "--pond-level", "9m", "--crest-level",
                               "10m", "--min-freeboard", "0.5m", "--pond-area", "2ha",
                               "--catchment-area", "50ha", "--runoff-coefficient", "0.5",
                               "--stored-volume", "0.1Mm3", "--dam-height", "10m",
                               "--constituent", "Arsenic=3000", "--constituent",
                               "Antimony=5000", "--db", url, "--json"], prog_name="hazatlas")
    assert done.exit_code == 0, done.output
    doc = json.loads(done.output)
    assert doc["overtopping"]["rise_m"] == pytest.approx(2.7)
    assert doc["countries"][0]["country"] == "BIH"
    done = runner.invoke(cli, ["natech", "chain", "flood", "--establishment",
                               "RS-PAN-PETROHEMIJA", "--start", "2014-05-16T12:00", "--depth",
                               "2m", "--fill", "0.1", "--db", url], prog_name="hazatlas")
    assert done.exit_code == 0, done.output
    assert "ROU: 1,2-Dichloroethane, river km" in done.output
    done = runner.invoke(cli, ["natech", "chain", "flood", "--establishment",
                               "RS-PAN-PETROHEMIJA", "--start", "2014-05-16T12:00", "--db", url],
                         prog_name="hazatlas")
    assert done.exit_code == 2 and "give either a flood depth" in done.output


def test_flood_chain_runs_the_first_leg_as_screening(demo_db):
    """The released liquid leaves the site, not the river bank: the spill is released at the
    tanks with the site's receiving water, so it runs the same unmapped first leg to the Danube
    as screening (3.5 km, about 2 h at every flow) and reaches Romania after it."""
    from hazatlas.geo.network import RiverNetwork
    from hazatlas.services.screen import Site, screen_sites

    doc = run_flood_chain(demo_db, SYSTEM, FloodChainRequest(
        "RS-PAN-PETROHEMIJA", START, flood_depth_m=2.0, fill_at_flood=0.1, flow="mean"))
    spill = doc["river"]["spills"][0]
    screening = screen_sites([Site("RS-PAN-PETROHEMIJA", *PANCEVO, "SRB", "Danube")],
                             network=RiverNetwork.load_default()).results()[0]
    assert screening["first_leg"]["length_km"] > 1.0
    assert spill["source"]["first_leg"] == screening["first_leg"]
    assert (spill["source"]["lon"], spill["source"]["lat"]) == PANCEVO
    assert not any("not modelled (arrivals are early)" in w for w in doc["warnings"])
