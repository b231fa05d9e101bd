"""Natech pathways (services/natech_pathways.py): the screening's releases passed to the river or
plume model for every site and event, checked against the chains for the same site and event.

Sites and layers are built in the test and are **illustrative**, not data of real sites: a
10 t benzene tank at Pančevo on the Danube (it floats under 3 m of water: critical depth 2.46 m
by the defaults, see tests/services/test_natech_region.py), a 5000 t benzene tank beside it
(critical depth 17.6 m: it does not float), a 10 t chlorine store about 20 km west of the
Romanian border (wind from the west), and a tailings dam at Stolice (0.1 Mm3, 10 m high, As/Sb/Pb as
in tests/services/test_natech_chain.py). Layers: 3 m of flood (100 years) and 0.5 g of PGA
(475 years) over lon 19-22, lat 44-46.
"""

from __future__ import annotations

import csv
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
from hazatlas.domain.errors import ValidationError
from hazatlas.formats.register_columns import COLUMNS
from hazatlas.geo.network import RiverNetwork
from hazatlas.services import natech, natech_region
from hazatlas.services.natech_chain import FloodChainRequest, run_flood_chain
from hazatlas.services.natech_pathways import PathwayOptions
from hazatlas.services.register import RegisterService
from hazatlas.services.spill import SpillRequest, run_spill
from hazatlas.services.spill_rescale import with_mass
from hazatlas.services.tailings_failure import TailingsFailureRequest, run_tailings_failure

START = datetime(2014, 5, 16, 12)
OPTIONS = PathwayOptions(START)


def row(id_: str, lon: str, lat: str, substance: str, tonnes: str, state: str,
        **extra: str) -> dict[str, str]:
    base = {c: "" for c in COLUMNS}
    base.update(establishment_id=id_, name=f"Test site {id_}", country="SRB", lon=lon, lat=lat,
                disclosure="public", source="https://example.org/t",
                quantity_basis="illustrative", substance_name=substance, quantity=tonnes,
                unit="t", physical_state=state, storage_unit="T-1")
    base.update(extra)
    return base


SITES = [
    row("RS-P-BENZ", "20.682", "44.828", "Benzene", "10", "liquid"),
    row("RS-P-BIG", "20.70", "44.83", "Benzene", "5000", "liquid"),
    row("RS-P-CL2", "21.15", "45.05", "Chlorine", "10", "liquefied_gas"),
    row("RS-P-DAM", "19.328", "44.392", "", "", "", kind="tailings", receiving_water="Jadar",
        stored_volume="100000", stored_volume_unit="m3", dam_height_m="10",
        constituents="Arsenic:3000 mg/kg;Antimony:5000 mg/kg;Lead:1500 mg/kg",
        substance_name="", quantity="", unit="", quantity_basis="", physical_state="",
        storage_unit=""),
]


def _raster(path: Path, value: float) -> None:
    with rasterio.open(path, "w", driver="GTiff", height=20, width=30, count=1,
                       dtype="float64", crs="EPSG:4326", nodata=-9999.0,
                       transform=Affine(0.1, 0.0, 19.0, 0.0, -0.1, 46.0)) as ds:
        ds.write(np.full((20, 30), value), 1)


def _layer(id_: str, path: str, hazard: str, im: str, unit: str, rp: int) -> str:
    return (f'[[layer]]\nid = "{id_}"\nkind = "raster"\npath = "{path}"\nhazard = "{hazard}"\n'
            f'intensity_measure = "{im}"\nunit = "{unit}"\nreturn_period_years = {rp}\n'
            'scenario = "baseline"\nsource = "built in the test"\nlicence = "CC0"\n')


@pytest.fixture(scope="module")
def network():
    return RiverNetwork.load_default()


@pytest.fixture
def manifest(tmp_path: Path) -> Path:
    _raster(tmp_path / "depth.tif", 3.0)
    _raster(tmp_path / "pga.tif", 0.5)
    path = tmp_path / "layers.toml"
    path.write_text(_layer("flood100", "depth.tif", "flood", "depth", "m", 100)
                    + _layer("eq475", "pga.tif", "earthquake", "pga", "g", 475), encoding="utf-8")
    return path


@pytest.fixture
def filled(sqlite_db, make_csv):
    RegisterService(sqlite_db, SYSTEM).import_file(make_csv(SITES, "pathways.csv"))
    return sqlite_db


@pytest.fixture
def doc(filled, manifest, network):
    return natech.screen(filled, SYSTEM, manifest, pathways=OPTIONS, network=network)


def _site(doc, id_):
    return next(s for s in doc["sites"] if s["establishment_id"] == id_)


def _event(site, hazard):
    return next(e for e in site["pathways"]["events"] if e["hazard"] == hazard)


def test_flood_pathway_equals_the_flood_chain(doc, filled, manifest, network):
    site = _site(doc, "RS-P-BENZ")
    ev = _event(site, "flood")
    assert (ev["return_period_years"], ev["scenario"]) == (100, "baseline")
    assert [r["release_kg"] for r in ev["releases"]] == [pytest.approx(10_000.0)]
    chain = run_flood_chain(filled, SYSTEM, FloodChainRequest(
        "RS-P-BENZ", START, layers=manifest, layer_id="flood100"), network)
    assert chain["countries"] and ev["countries"] == chain["countries"]
    assert site["pathways"]["river_entry"] == chain["river"]["entry"]
    assert site["pathways"]["river_entry"]["river"] == "Danube"
    # Romania first, downstream on the Danube
    assert ev["first_foreign_country"] == "ROU"
    rou = next(c for c in chain["countries"] if c["country"] == "ROU")
    hours = (datetime.fromisoformat(rou["first_arrival"]) - START).total_seconds() / 3600
    assert ev["first_foreign_arrival_h"] == pytest.approx(hours, abs=0.01) and hours > 0
    assert "ROU" in ev["countries_reached"]


def test_earthquake_release_also_reaches_the_river(doc):
    site = _site(doc, "RS-P-BENZ")
    ev = _event(site, "earthquake")
    kg = ev["releases"][0]["release_kg"]
    assert 0 < kg < 10_000.0  # expected fraction of the HAZUS states, not all of it
    assert ev["river"]["spills"][0]["mass_kg"] == kg
    # the same path: the crossings are the flood event's, in the same order
    flood = _event(site, "flood")
    assert [c["country"] for c in ev["countries"]] == [c["country"] for c in flood["countries"]]


def test_no_release_no_pathway(doc):
    site = _site(doc, "RS-P-BIG")
    flood = [e for u in site["units"] for e in u["events"] if e["hazard"] == "flood"]
    assert flood and all(e["release_per_event"] == 0.0 for e in flood)  # it does not float
    assert not any(e["hazard"] == "flood" for e in site["pathways"]["events"])


def test_a_site_without_any_release_has_no_pathway(filled, tmp_path, network):
    _raster(tmp_path / "dry.tif", 0.0)
    path = tmp_path / "dry.toml"
    path.write_text(_layer("flood100", "dry.tif", "flood", "depth", "m", 100), encoding="utf-8")
    doc = natech.screen(filled, SYSTEM, path, establishment_ids=["RS-P-BENZ"], pathways=OPTIONS,
                        network=network)
    p = doc["sites"][0]["pathways"]
    assert p["events"] == [] and p["river_entry"] is None and p["countries_reached"] == []
    assert p["first_foreign_arrival_h"] is None


def test_gas_reaches_the_neighbour_by_the_plume(doc, filled, manifest):
    site = _site(doc, "RS-P-CL2")
    unit = site["units"][0]
    assert unit["medium"] == "air" and unit["unit"]["substance"] == "Chlorine"
    ev = _event(site, "flood")
    assert ev["river"]["spills"] == [] and len(ev["air"]) == 1
    air = ev["air"][0]
    assert air["mass_kg"] == pytest.approx(10_000.0) and air["max_distance_km"] > 20
    assert "ROU" in air["countries"] and "ROU" in ev["countries_reached"]
    assert {"country": "ROU", "pathway": "air", "substance": "Chlorine"} in ev["countries"]
    assert any("liquefied-gas store is taken as a vertical tank" in w for w in site["warnings"])
    # without pathways the screening does not assess the gas (unchanged)
    plain = natech.screen(filled, SYSTEM, manifest, establishment_ids=["RS-P-CL2"])
    assert plain["sites"][0]["units"] == [] and "pathways" not in plain["sites"][0]


def test_dam_pathway_equals_the_dam_failure_chain(doc, filled, network):
    site = _site(doc, "RS-P-DAM")
    ev = _event(site, "earthquake")
    dam = ev["dam"]
    # 0.5 g on high susceptibility: the HAZUS probability is clipped at 1, a whole failure
    assert dam["fraction_of_failure"] == 1.0
    chain = run_tailings_failure(filled, SYSTEM, TailingsFailureRequest(
        "RS-P-DAM", START, flow="high"), network).to_json()
    assert dam["mass_kg"] == pytest.approx(chain["release"]["mass_kg"])
    assert [{k: v for k, v in c.items() if k != "from"} for c in ev["countries"]] == [
        {"country": c["country"], "pathway": "river",
         "river_km_from_entry": c["river_km_from_entry"], "first_arrival": c["first_arrival"],
         "peak_time": c["peak_time"], "substance": c["constituent"],
         "above_threshold": bool(c["above_threshold"])} for c in chain["countries"]]
    assert "BIH" in ev["countries_reached"]


def test_mass_rescaling_equals_a_new_run(network):
    req = SpillRequest(lon=20.682, lat=44.828, mass_kg=1000.0, start=START, substance="Benzene",
                       flow="high")
    base = run_spill(req, network)
    for mass in (10.0, 1e6):
        again = run_spill(SpillRequest(**{**req.__dict__, "mass_kg": mass}), network)
        assert with_mass(base, mass).to_json() == again.to_json()
    default = run_spill(SpillRequest(lon=20.682, lat=44.828, mass_kg=1000.0, start=START), network)
    again = run_spill(SpillRequest(lon=20.682, lat=44.828, mass_kg=50.0, start=START), network)
    assert with_mass(default, 50.0).to_json() == again.to_json()
    with pytest.raises(ValidationError, match="mass"):
        with_mass(base, 0.0)


def test_reuse_gives_the_runs_of_new_spills(filled, manifest, network):
    from hazatlas.services.natech_pathways import add_pathways

    a = natech.screen(filled, SYSTEM, manifest, pathways=OPTIONS, network=network)
    b = natech.screen(filled, SYSTEM, manifest)
    sites = [RegisterService(filled, SYSTEM).get(s["establishment_id"])[0] for s in b["sites"]]
    add_pathways(b, sites, OPTIONS, network, reuse=False)
    # b ran without gases: compare the river events only
    for sa, sb in zip(a["sites"], b["sites"], strict=True):
        rivers_a = [e["river"] for e in sa["pathways"]["events"] if e["river"]["spills"]]
        rivers_b = [e["river"] for e in sb["pathways"]["events"] if e["river"]["spills"]]
        assert rivers_a == rivers_b


def test_ranking_and_exports_carry_the_countries(doc, tmp_path):
    rows = {r["establishment_id"]: r for r in doc["ranking"]}
    assert rows["RS-P-BENZ"]["first_foreign_country"] == "ROU"
    assert rows["RS-P-BENZ"]["first_foreign_arrival_h"] > 0
    assert "ROU" in rows["RS-P-CL2"]["countries_reached"]
    natech_region.export(doc["ranking"], tmp_path / "r.csv")
    natech_region.export(doc["ranking"], tmp_path / "r.geojson")
    with open(tmp_path / "r.csv", encoding="utf-8", newline="") as f:
        table = {t["establishment_id"]: t for t in csv.DictReader(f)}
    assert list(next(iter(table.values()))) == (natech_region.COLUMNS
                                                + natech_region.PATHWAY_COLUMNS)
    assert table["RS-P-BENZ"]["first_foreign_country"] == "ROU"
    assert table["RS-P-CL2"]["countries_reached"] == ";".join(rows["RS-P-CL2"]["countries_reached"])
    fc = json.loads((tmp_path / "r.geojson").read_text(encoding="utf-8"))
    props = {f["id"]: f["properties"] for f in fc["features"]}
    assert props["RS-P-BENZ"]["first_foreign_arrival_h"] == rows["RS-P-BENZ"][
        "first_foreign_arrival_h"]


def test_without_pathways_the_ranking_is_unchanged(filled, manifest):
    rows = natech.screen(filled, SYSTEM, manifest)["ranking"]
    assert not any(k in rows[0] for k in natech_region.PATHWAY_COLUMNS)


def test_bad_options_are_named(filled, manifest):
    bad = PathwayOptions(START, flow="medium", days=0.0, wind_speed_m_s=-1.0, stability="Z",
                         wind_from_deg=400.0)
    with pytest.raises(ValidationError) as err:
        natech.screen(filled, SYSTEM, manifest, pathways=bad)
    fields = {p.field for p in err.value.problems}
    assert fields == {"flow", "days", "wind_speed", "stability", "wind_from"}
    text = str(err.value)
    assert "'medium': expected low, mean, high" in text and "Pasquill class A-F" in text


def test_cli_pathways(filled, manifest, tmp_path):
    out = tmp_path / "rank.csv"
    base = ["natech", "screen", "--layers", str(manifest), "--establishment", "RS-P-BENZ",
            "--db", str(filled.url)]
    done = CliRunner().invoke(cli, [*base, "--pathways", "--start", "2014-05-16T12:00",
                                    "--export", str(out), "--json"], prog_name="hazatlas")
    assert done.exit_code == 0, done.output
    doc = json.loads(done.output)
    assert doc["pathways"]["flow"] == "high"
    assert doc["sites"][0]["pathways"]["first_foreign_country"] == "ROU"
    assert "first_foreign_arrival_h" in out.read_text(encoding="utf-8").splitlines()[0]
    text = CliRunner().invoke(cli, [*base, "--pathways", "--start", "2014-05-16T12:00"],
                              prog_name="hazatlas")
    assert text.exit_code == 0 and "first abroad ROU after" in text.output
    named = CliRunner().invoke(cli, [*base, "--pathways", "--start", "2014-05-16T12:00",
                                     "--network", "bundled"], prog_name="hazatlas")
    assert named.exit_code == 0 and named.output == text.output
    for args, message in ((["--pathways"], "--pathways needs the time of the events"),
                          (["--start", "2014-05-16"], "--start: only with --pathways"),
                          (["--flow", "low", "--days", "5"], "--flow, --days: only with"),
                          (["--network", "bundled"], "--network: only with --pathways"),
                          (["--pathways", "--start", "2014-05-16", "--network", "nothing"],
                           "not a network file and not a stored network"),
                          (["--pathways", "--start", "yesterday"], "expected an ISO 8601 time"),
                          (["--pathways", "--start", "2014-05-16", "--stability", "Q"],
                           "Pasquill class A-F")):
        bad = CliRunner().invoke(cli, [*base, *args], prog_name="hazatlas")
        assert bad.exit_code != 0 and message in bad.output, (args, bad.output)


def test_custom_curves_and_pathways_together(filled, manifest, network):
    """A custom flood curve chosen for every tank (``default_curve``) decides the flood release,
    and that release is the one the pathways pass on to the river. The curve is invented for
    the test (half the content lost at 1 m of water, beta 0.5), not a published model."""
    from hazatlas.services import natech_curves

    table = natech_curves.from_text(
        "curve,hazard,intensity_measure,unit,damage_state,loc_state,release_fraction,median,"
        "beta,source\nhalf,flood,depth,m,DS1,Catastrophic,0.5,1.0,0.5,invented for the test\n",
        "curves.csv", "half")
    doc = natech.screen(filled, SYSTEM, manifest, pathways=OPTIONS, network=network,
                        curves=table, default_curve="half")
    site = _site(doc, "RS-P-BENZ")
    unit = next(u for u in site["units"] if u["unit"]["substance"].lower() == "benzene")
    flood = next(e for e in unit["events"] if e["hazard"] == "flood")
    assert flood["model"] == "custom:half"
    assert flood["release_per_event"] < 10_000.0  # half the content at most, not flotation
    ev = _event(site, "flood")
    assert [r["release_kg"] for r in ev["releases"]] == [pytest.approx(flood["release_per_event"])]
    assert ev["first_foreign_country"] == "ROU"
