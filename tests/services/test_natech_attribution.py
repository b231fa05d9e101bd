"""Layer source, licence and attribution carried to Natech results: the ``layers`` section of a
screening document (once per layer, with the licence notice of non-commercial and user-supplied
layers), the layer ids on hazard values and unit events, the ranking rows and their CSV and
GeoJSON exports, the flood chain, and the manifest's optional ``attribution`` key."""

from __future__ import annotations

import csv
import json
from datetime import datetime
from pathlib import Path

import pytest
from tests.services.test_natech_chain import _depth_raster, demo_sqlite  # noqa: F401
from tests.services.test_natech_service import filled, filled_sqlite, manifest  # noqa: F401
from typer.testing import CliRunner

from hazatlas.cli.main import app as cli
from hazatlas.domain.access import SYSTEM
from hazatlas.domain.errors import ValidationError
from hazatlas.formats.hazard_layers import read_manifest
from hazatlas.services import natech, natech_attribution, natech_climate, natech_region
from hazatlas.services.natech_chain import FloodChainRequest, run_flood_chain

NC = 'licence = "CC BY-NC-SA 4.0"\nuser_supplied = true\nattribution = "Credit line of the test"\n'


@pytest.fixture
def nc_manifest(manifest: Path) -> Path:  # noqa: F811
    """The service test's manifest with its first layer (pga475) non-commercial and
    user-supplied, with an attribution text of its own."""
    text = manifest.read_text(encoding="utf-8").replace('licence = "CC0"\n', NC, 1)
    path = manifest.parent / "nc.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("licence,expected", [
    ("CC BY-NC-SA 4.0", True), ("CC BY-NC 4.0", True), ("CC-BY-NC-ND-4.0", True),
    ("non-commercial use only", True), ("Noncommercial", True),
    ("CC BY 4.0", False), ("CC0", False), ("ODbL 1.0", False), ("Licence Ouverte / Etalab", False),
])
def test_non_commercial(licence, expected):
    assert natech_attribution.non_commercial(licence) is expected


def test_screening_carries_source_licence_and_notices(filled, nc_manifest, tmp_path):  # noqa: F811
    doc = natech.screen(filled, SYSTEM, nc_manifest, establishment_ids=["RS-TEST-CHEM"])
    layers = {la["id"]: la for la in doc["layers"]}
    nc = layers["pga475"]
    assert nc["licence"] == "CC BY-NC-SA 4.0" and nc["user_supplied"] is True
    assert nc["non_commercial"] is True and nc["attribution"] == "Credit line of the test"
    assert "non-commercial licence (CC BY-NC-SA 4.0)" in nc["licence_notice"]
    assert "user-supplied" in nc["licence_notice"]
    plain = layers["flood100"]
    assert plain["attribution"] == "built in the test (licence CC0)"
    assert plain["non_commercial"] is False and plain["licence_notice"] is None
    site = doc["sites"][0]
    assert {h["layer_id"] for h in site["hazards"]} == set(layers)
    (unit,) = site["units"]
    events = {(e["hazard"], e["return_period_years"], e["scenario"]): e["layer_id"]
              for e in unit["events"]}
    assert events[("earthquake", 475.0, "baseline")] == "pga475"
    assert events[("flood", 100.0, "baseline")] == "flood100"
    (row,) = doc["ranking"]
    assert row["layer_ids"] == [h["layer_id"] for h in site["hazards"]]
    assert "Credit line of the test" in row["attribution"]
    assert row["licence_notice"] == [nc["licence_notice"]]
    # exports: CSV per row, GeoJSON with the layers section as a member
    natech_region.export(doc["ranking"], tmp_path / "r.csv", doc["layers"])
    natech_region.export(doc["ranking"], tmp_path / "r.geojson", doc["layers"])
    with open(tmp_path / "r.csv", encoding="utf-8", newline="") as f:
        (line,) = list(csv.DictReader(f))
    assert line["licence_notice"] == nc["licence_notice"]
    assert "Credit line of the test" in line["attribution"] and "pga475" in line["layer_ids"]
    fc = json.loads((tmp_path / "r.geojson").read_text(encoding="utf-8"))
    assert {la["id"]: la["licence_notice"] for la in fc["layers"]}["pga475"] == nc["licence_notice"]
    props = fc["features"][0]["properties"]
    assert props["licence_notice"] == [nc["licence_notice"]] and "pga475" in props["layer_ids"]


def test_no_notice_without_restricted_layers(filled, manifest):  # noqa: F811
    doc = natech.screen(filled, SYSTEM, manifest, establishment_ids=["RS-TEST-CHEM"])
    assert all(la["licence_notice"] is None for la in doc["layers"])
    assert doc["ranking"][0]["licence_notice"] is None


def test_manifest_attribution_key(manifest):  # noqa: F811
    bad = manifest.parent / "bad.toml"
    bad.write_text(manifest.read_text(encoding="utf-8").replace(
        'licence = "CC0"\n', 'licence = "CC0"\nattribution = 3\n', 1), encoding="utf-8")
    with pytest.raises(ValidationError, match=r"layer 1 \(pga475\): attribution.*non-empty text"):
        read_manifest(bad)


def test_flood_chain_carries_the_layer_licence(demo_sqlite, tmp_path):  # noqa: F811
    _depth_raster(tmp_path / "depth.tif", 2.5)
    path = tmp_path / "layers.toml"
    path.write_text('[[layer]]\nid = "flood100"\nkind = "raster"\npath = "depth.tif"\n'
                    'hazard = "flood"\nintensity_measure = "depth"\nunit = "m"\n'
                    'return_period_years = 100\nscenario = "baseline"\n'
                    'source = "built in the test"\n' + NC, encoding="utf-8")
    doc = run_flood_chain(demo_sqlite, SYSTEM, FloodChainRequest(
        "RS-PAN-PETROHEMIJA", datetime(2014, 5, 16, 12), layers=path, layer_id="flood100"))
    flood = doc["flood"]
    assert flood["layer_source"] == "built in the test"
    assert flood["layer_licence"] == "CC BY-NC-SA 4.0"
    assert flood["layer_attribution"] == "Credit line of the test"
    assert flood["layer_user_supplied"] is True
    assert "non-commercial" in flood["licence_notice"]


def test_climate_rows_carry_the_layers_of_their_scenario(filled, nc_manifest, tmp_path):  # noqa: F811
    doc = natech.screen(filled, SYSTEM, nc_manifest, establishment_ids=["RS-TEST-CHEM"])
    rows = {(r["scenario"], r["horizon"]): r for r in doc["climate"]["table"]}
    base, future = rows[("baseline", "baseline")], rows[("RCP8.5", "2050")]
    assert "pga475" in base["layer_ids"] and "flood100-2050" not in base["layer_ids"]
    assert base["licence_notice"] and "CC BY-NC-SA 4.0" in base["licence_notice"][0]
    assert future["layer_ids"] == ["flood100-2050"] and future["licence_notice"] is None
    assert future["attribution"] == ["built in the test (licence CC0)"]
    natech_climate.export(doc["climate"]["table"], tmp_path / "c.geojson", doc["layers"])
    fc = json.loads((tmp_path / "c.geojson").read_text(encoding="utf-8"))
    assert [la["id"] for la in fc["layers"]] == [la["id"] for la in doc["layers"]]
    assert {tuple(f["properties"]["layer_ids"]) for f in fc["features"]} == {
        tuple(base["layer_ids"]), ("flood100-2050",)}


def test_cli_export_and_notice(filled_sqlite, nc_manifest, tmp_path):  # noqa: F811
    out = tmp_path / "rank.csv"
    done = CliRunner().invoke(cli, ["natech", "screen", "--layers", str(nc_manifest),
                                    "--export", str(out), "--db", str(filled_sqlite.url)],
                              prog_name="hazatlas", terminal_width=400)
    assert done.exit_code == 0, done.output
    assert "licence: layer pga475 is under a non-commercial licence (CC BY-NC-SA 4.0)" in \
        done.output
    with open(out, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert rows and all("pga475" in r["licence_notice"] for r in rows if "pga475" in r["layer_ids"])
