"""Custom fragility curves in Natech screening: a tank naming ``custom:NAME`` (or every tank with
a default curve) goes through the user's curve for the layers of its hazard, measure and unit;
events and the document name the curve and its stated source; bad tables and names are refused
with the file, row and column or the parameter."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from scipy.stats import norm
from tests.services.test_natech_chain import demo_sqlite  # noqa: F401
from tests.services.test_natech_service import filled, filled_sqlite, manifest  # noqa: F401
from typer.testing import CliRunner

from hazatlas.cli.main import app as cli
from hazatlas.domain.access import SYSTEM
from hazatlas.domain.errors import ValidationError
from hazatlas.models.natech.screening import tank_event, tank_unit
from hazatlas.services import natech, natech_curves

# invented curves for the test (not a published model)
CURVES = """curve,hazard,intensity_measure,unit,damage_state,loc_state,release_fraction,median,beta,source
wet,flood,depth,m,DS1,Minor,0.2,1.0,0.5,invented for the test
wet,flood,depth,m,DS2,Catastrophic,1.0,3.0,0.5,invented for the test
gust,wind,speed,m/s,DS1,Minor,0.1,40,0.3,invented too
"""


def _fraction(depth: float) -> float:
    p1 = norm.cdf(math.log(depth / 1.0) / 0.5)
    p2 = norm.cdf(math.log(depth / 3.0) / 0.5)
    return 0.2 * (p1 - p2) + 1.0 * p2


def test_tank_line_names_a_custom_curve():
    table = natech_curves.from_text(CURVES, "mine.csv")
    unit = tank_unit("T-1", "Toluene", 1000.0, {"tank_model": "custom:wet", "anchored": "true"},
                     curves=table.curves)
    assert unit.custom_curve == "custom:wet"
    assert unit.tank_model == "hazus-steel-tank-anchored"  # still the seismic model
    ev = tank_event(unit, "flood", 2.0, 100.0, "baseline", "", curve=table.curve_of(unit))
    assert ev.model == "custom:wet"
    assert ev.release_per_event == pytest.approx(1000.0 * _fraction(2.0))
    assert any("invented for the test" in n for n in ev.to_dict()["warnings"])
    with pytest.raises(ValidationError, match="no custom curve 'dry'.*gust, wet"):
        tank_unit("T-1", "Toluene", 1000.0, {"tank_model": "custom:dry"}, curves=table.curves)
    with pytest.raises(ValidationError, match="no custom curve table was given"):
        tank_unit("T-1", "Toluene", 1000.0, {"tank_model": "custom:wet"})


def test_screen_with_default_curve(filled, manifest):  # noqa: F811
    table = natech_curves.from_text(CURVES, "mine.csv")
    plain = natech.screen(filled, SYSTEM, manifest, establishment_ids=["RS-TEST-CHEM"])
    doc = natech.screen(filled, SYSTEM, manifest, establishment_ids=["RS-TEST-CHEM"],
                        curves=table, default_curve="wet")
    assert doc["custom_curves"]["file"] == "mine.csv"
    assert doc["custom_curves"]["default_curve"] == "wet"
    assert {c["curve"]: c["source"] for c in doc["custom_curves"]["curves"]} == {
        "gust": "invented too", "wet": "invented for the test"}
    (unit,) = doc["sites"][0]["units"]
    (plain_unit,) = plain["sites"][0]["units"]
    assert unit["unit"]["custom_curve"] == "custom:wet"
    flood = [e for e in unit["events"] if e["hazard"] == "flood"]
    assert {e["model"] for e in flood} == {"custom:wet"}
    baseline = next(e for e in flood if e["scenario"] == "baseline")
    assert baseline["release_per_event"] == pytest.approx(5e6 * _fraction(2.0))
    # earthquakes keep the shipped curves: same events as without the table
    quake = [e for e in unit["events"] if e["hazard"] == "earthquake"]
    assert quake == [e for e in plain_unit["events"] if e["hazard"] == "earthquake"]
    assert "custom" not in str({e["model"] for e in quake})


def test_bad_default_curve_is_refused(filled, manifest):  # noqa: F811
    table = natech_curves.from_text(CURVES, "mine.csv")
    with pytest.raises(ValidationError, match="default-curve.*'nope': no such curve in mine.csv"):
        natech.screen(filled, SYSTEM, manifest, curves=table, default_curve="nope")
    with pytest.raises(ValidationError, match="no curve table was given"):
        natech.screen(filled, SYSTEM, manifest, default_curve="wet")


def test_cli_curves(filled_sqlite, manifest, tmp_path: Path):  # noqa: F811
    url = str(filled_sqlite.url)
    path = tmp_path / "curves.csv"
    path.write_text(CURVES, encoding="utf-8")
    runner = CliRunner()
    done = runner.invoke(cli, ["natech", "screen", "--layers", str(manifest), "--establishment",
                               "RS-TEST-CHEM", "--curves", str(path), "--default-curve", "wet",
                               "--db", url, "--json"], prog_name="hazatlas")
    assert done.exit_code == 0, done.output
    doc = json.loads(done.output)
    assert doc["custom_curves"]["file"] == "curves.csv"
    assert doc["sites"][0]["units"][0]["unit"]["custom_curve"] == "custom:wet"
    done = runner.invoke(cli, ["natech", "screen", "--layers", str(manifest), "--establishment",
                               "RS-TEST-CHEM", "--curves", str(path), "--default-curve", "wet",
                               "--db", url], prog_name="hazatlas")
    assert done.exit_code == 0, done.output
    assert "custom curves of curves.csv: gust (wind speed in m/s; source: invented" in done.output
    path.write_text(CURVES.replace("1.0,3.0,0.5", "1.0,abc,0.5"), encoding="utf-8")
    done = runner.invoke(cli, ["natech", "screen", "--layers", str(manifest), "--curves",
                               str(path), "--db", url], prog_name="hazatlas")
    assert done.exit_code == 2
    assert "curves.csv, row 3, column 'median'" in done.output


def test_flood_chain_with_curves(demo_sqlite, tmp_path: Path):  # noqa: F811
    url = str(demo_sqlite.url)
    path = tmp_path / "curves.csv"
    path.write_text(CURVES, encoding="utf-8")
    runner = CliRunner()
    args = ["natech", "chain", "flood", "--establishment", "RS-PAN-PETROHEMIJA", "--start",
            "2014-05-16T12:00", "--depth", "2m", "--curves", str(path), "--db", url, "--json"]
    done = runner.invoke(cli, [*args, "--default-curve", "wet"], prog_name="hazatlas")
    assert done.exit_code == 0, done.output
    doc = json.loads(done.output)
    assert doc["custom_curves"]["file"] == "curves.csv"
    assert doc["units"]
    for u in doc["units"]:
        assert u["unit"]["custom_curve"] == "custom:wet"
        assert u["flood"]["model"] == "custom:wet"
        assert u["release_kg"] == pytest.approx(u["unit"]["content_kg"] * _fraction(2.0))
    # a curve of another hazard leaves the flotation limit state in place, and says so
    done = runner.invoke(cli, [*args, "--default-curve", "gust"], prog_name="hazatlas")
    assert done.exit_code == 0, done.output
    doc = json.loads(done.output)
    assert {u["flood"]["model"] for u in doc["units"]} != {"custom:gust"}
    assert any("does not take flood depth in m" in w for w in doc["warnings"])
    done = runner.invoke(cli, [*args, "--default-curve", "nope"], prog_name="hazatlas")
    assert done.exit_code == 2 and "no such curve in curves.csv" in done.output
