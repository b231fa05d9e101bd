"""Populated places reached by the threat zones (``hazatlas plume --places``)."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from hazatlas.cli.main import app
from hazatlas.services.air import PlumeRequest, run_plume

BASE = dict(wind_speed_m_s=2.0, stability="F", rate_kg_s=20.0, substance="chlorine",
            at=(22.40, 44.70), wind_from_deg=270.0)


def test_places_downwind_are_reached_and_upwind_are_not():
    places = [("downwind", 22.60, 44.70), ("upwind", 22.20, 44.70), ("far north", 22.40, 45.50)]
    result = run_plume(PlumeRequest(**BASE, places=places)).to_json()
    names = [p["name"] for p in result["places"]]
    assert names == ["downwind"]
    levels = [lv["level"] for lv in result["places"][0]["levels"]]
    assert levels == ["AEGL-3", "AEGL-2", "AEGL-1"]  # nested zones, most severe first


def test_no_places_key_without_places():
    assert "places" not in run_plume(PlumeRequest(**BASE)).to_json()


def test_cli_places_file_and_errors(tmp_path):
    good = tmp_path / "places.csv"
    good.write_text("name,lon,lat\nDownwind village,22.60,44.70\n", encoding="utf-8")
    args = ["plume", "--rate", "20kg/s", "--wind", "2m/s", "--stability", "F", "--substance",
            "chlorine", "--json", "--places", str(good)]
    res = CliRunner().invoke(app, [*args, "--at", "22.40,44.70", "--wind-from", "270"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["places"][0]["name"] == "Downwind village"
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 2 and "places need --at and --wind-from" in res.stderr
    bad = tmp_path / "bad.csv"
    bad.write_text("name,lon,lat\nX,east,44\n", encoding="utf-8")
    res = CliRunner().invoke(app, ["plume", "--rate", "20kg/s", "--wind", "2m/s", "--stability", "F",
                                   "--substance", "chlorine", "--places", str(bad), "--at",
                                   "22.4,44.7", "--wind-from", "270"])
    assert res.exit_code == 2 and "bad.csv, row 2: expected columns name, lon, lat" in res.stderr
