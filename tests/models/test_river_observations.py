"""Observations CSV (formats/observations.py), their place on the spill's path
(services/spill_forecast.py), ``hazatlas spill --observations`` and the API's field."""

from __future__ import annotations

import json
from datetime import datetime
from functools import cache
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from hazatlas.cli.main import app
from hazatlas.domain.errors import ValidationError
from hazatlas.formats.observations import observations_from_json, read_observations
from hazatlas.services.spill import NamedPoint, SpillRequest, run_spill
from hazatlas.services.spill_forecast import forecast_document, measurements

GOOD = """station,lon,lat,time,concentration_ug_l,source
Csenger,,,2000-02-01T18:00+01:00,20000,made up for the test
,22.68,47.84,2000-02-01T21:00Z,31000,made up for the test
Szolnok,,,2000-02-08T06:00+01:00,3000,made up for the test
Szolnok,,,2000-02-06T06:00+01:00,0,nothing yet
"""
SPILL = ["spill", "--at", "23.58,47.66", "--mass", "100t", "--duration", "12h", "--start",
         "2000-01-30T22:00+01:00", "--substance", "cyanide", "--decay-per-day", "0",
         "--threshold", "0.05mg/l", "--flow", "low", "--days", "30",
         "--point", "Csenger=22.68,47.84", "--point", "Szolnok=20.19,47.17",
         "--point", "Belgrade=20.47,44.82"]


def _write(tmp_path: Path, text: str, name: str = "obs.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_reads_units_zones_and_places(tmp_path: Path) -> None:
    obs = read_observations(_write(tmp_path, GOOD))
    assert obs.source == "obs.csv" and [r.row for r in obs.rows] == [2, 3, 4, 5]
    first, second = obs.rows[0], obs.rows[1]
    assert first.concentration_mg_l == pytest.approx(20.0)  # ug/l declared in the header
    assert first.station == "Csenger" and first.lon is None
    assert (second.lon, second.lat, second.station) == (22.68, 47.84, None)
    assert second.time.utcoffset().total_seconds() == 0
    assert obs.rows[3].concentration_mg_l == 0.0


@pytest.mark.parametrize(
    ("text", "row", "field"),
    [
        ("", None, ""),
        ("station,time\n", 1, "concentration"),
        ("station,concentration\nA,1\n", 1, "time"),
        ("time,concentration\n2000-02-01T18:00Z,1\n", 1, "station"),
        ("station,time,concentration_furlong\nA,2000-02-01T18:00Z,1\n", 1,
         "concentration_furlong"),
        ("station,time,concentration,concentration_ug_l\nA,2000-02-01T18:00Z,1,2\n", 1,
         "concentration"),
        ("station,time,concentration\nA,2000-02-01T18:00,1\n", 2, "time"),  # no zone
        ("station,time,concentration\nA,1 Feb 2000,1\n", 2, "time"),
        ("station,time,concentration\nA,2000-02-01T18:00Z,-1\n", 2, "concentration"),
        ("station,time,concentration\nA,2000-02-01T18:00Z,high\n", 2, "concentration"),
        ("station,time,concentration\nA,2000-02-01T18:00Z,\n", 2, "concentration"),
        ("station,time,concentration\n,2000-02-01T18:00Z,1\n", 2, "station"),
        ("lon,lat,time,concentration\n22.6,,2000-02-01T18:00Z,1\n", 2, "lat"),
        ("lon,lat,time,concentration\n222.6,47,2000-02-01T18:00Z,1\n", 2, "lon"),
        ("station,time,concentration\nA,2000-02-01T18:00Z,1,9\n", 2, ""),
        ("station,time,concentration\n", None, ""),
        ('station,time,concentration\n"A,2000-02-01T18:00Z,1\n', 2, ""),
    ],
)
def test_bad_csv_names_file_row_and_field(tmp_path: Path, text: str, row: int | None,
                                          field: str) -> None:
    with pytest.raises(ValidationError) as err:
        read_observations(_write(tmp_path, text))
    problem = err.value.problems[0]
    assert (problem.source, problem.row, problem.field) == ("obs.csv", row, field)


def test_not_utf8_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "obs.csv"
    path.write_bytes("station,time,concentration\nSzékesfehérvár,2000-02-01T18:00Z,1\n"
                     .encode("latin-1"))
    with pytest.raises(ValidationError, match="UTF-8"):
        read_observations(path)


@cache
def _run():  # type: ignore[no-untyped-def]
    points = (NamedPoint("Csenger", 22.68, 47.84), NamedPoint("Szolnok", 20.19, 47.17),
              NamedPoint("Belgrade", 20.47, 44.82))
    return run_spill(SpillRequest(
        lon=23.58, lat=47.66, mass_kg=100_000.0, start=datetime.fromisoformat(
            "2000-01-30T22:00+01:00"), duration_s=43_200.0, substance="cyanide",
        decay_per_day=0.0, threshold_mg_l=0.05, flow="low", days=30, points=points))


def test_stations_by_point_name_gauge_or_coordinates() -> None:
    obs = observations_from_json([
        {"station": "csenger", "time": "2000-02-01T18:00+01:00", "concentration_mg_l": 20},
        {"station": "tisza_szolnok", "time": "2000-02-08T06:00+01:00", "concentration_mg_l": 3},
        {"lon": 20.16, "lat": 46.25, "time": "2000-02-11T06:00+01:00", "concentration_mg_l": 2},
    ])
    meas = measurements(_run(), obs)
    km = [round(m.distance_m / 1000) for m in meas]
    assert km[0] == pytest.approx(82, abs=3)  # Baia Mare on the Sasar (schematic) to Csenger and km[0] < km[1] < km[2]
    assert [m.time_s / 3600 for m in meas][0] == pytest.approx(44.0)  # same zone as the start
    assert meas[2].station == "20.16,46.25"


@pytest.mark.parametrize(
    ("item", "message"),
    [
        ({"station": "Atlantis"}, "unknown station 'Atlantis'"),
        ({"lon": 12.5, "lat": 41.9}, "not on the spill's path"),
        ({"lon": 23.3, "lat": 46.9}, "not on the spill's path"),  # Cluj: upstream, off the path
        ({"station": "danube_achleiten"}, "km from the river downstream of the source"),  # Passau
        ({"lon": 23.70, "lat": 47.66}, "upstream of the source"),  # Baia Sprie, on the Sasar,
    ],
)
def test_stations_off_the_path_are_named(item: dict, message: str) -> None:
    obs = observations_from_json([
        {"station": "Csenger", "time": "2000-02-01T18:00+01:00", "concentration_mg_l": 20},
        {**item, "time": "2000-02-08T06:00+01:00", "concentration_mg_l": 3},
    ])
    with pytest.raises(ValidationError) as err:
        measurements(_run(), obs)
    (problem,) = err.value.problems
    assert problem.source == "observations" and problem.row == 2
    assert message in problem.message


def test_forecast_document() -> None:
    obs = observations_from_json([
        {"station": "Csenger", "time": "2000-02-01T16:00+01:00", "concentration_mg_l": 1.0},
        {"station": "Csenger", "time": "2000-02-01T20:30+01:00", "concentration_mg_l": 32.6},
    ])
    doc = forecast_document(_run(), obs)
    assert set(doc["parameters"]) == {"mass_kg", "release_start", "velocity_factor",
                                      "dispersion_factor", "velocity_factor_by_stretch"}
    (stretch,) = doc["parameters"].pop("velocity_factor_by_stretch")  # one station: one stretch
    assert stretch["from_river_km"] == 0.0 and stretch["to_river_km"] is None
    assert stretch["fitted"] == doc["parameters"]["velocity_factor"]["fitted"]
    for p in doc["parameters"].values():
        assert {"prior", "fitted", "low", "high", "unit"} <= set(p)
    assert doc["rms_log_residual"]["fitted"] < doc["rms_log_residual"]["prior"]
    assert [r["row"] for r in doc["residuals"]] == [1, 2]
    belgrade = doc["points"][2]
    assert belgrade["name"] == "Belgrade" and belgrade["beyond_observations"]
    low, high = belgrade["band"]["peak_time"]
    assert low <= belgrade["fitted"]["peak_time"] <= high
    assert [c["country"] for c in doc["countries"]][0] == "HUN"


def test_cli_observations(tmp_path: Path) -> None:
    path = _write(tmp_path, GOOD)
    result = CliRunner().invoke(app, SPILL + ["--observations", str(path), "--no-store",
                                              "--json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["forecast"]["observations"] == {
        "source": "obs.csv", "count": 4, "stations": [
            {"station": "Csenger", "river_km_from_source": pytest.approx(81.6, abs=2),
             "count": 1},
            {"station": "22.68,47.84", "river_km_from_source": pytest.approx(81.6, abs=2),
             "count": 1},
            {"station": "Szolnok", "river_km_from_source": pytest.approx(462, abs=10),
             "count": 2}]}
    text = CliRunner().invoke(app, SPILL + ["--observations", str(path), "--no-store"])
    assert text.exit_code == 0, text.output
    assert "Forecast from 4 measurements" in text.stdout and "velocity_factor" in text.stdout


def test_cli_bad_observations(tmp_path: Path) -> None:
    path = _write(tmp_path, "station,time,concentration\nAtlantis,2000-02-01T18:00Z,1\n")
    result = CliRunner().invoke(app, SPILL + ["--observations", str(path), "--no-store",
                                              "--json"])
    assert result.exit_code == 2
    assert "obs.csv, row 2, column 'station': unknown station 'Atlantis'" in result.stderr


@pytest.fixture
def client(sqlite_db, sample_csv):  # type: ignore[no-untyped-def]
    from hazatlas.api.app import create_app
    from hazatlas.domain.access import SYSTEM
    from hazatlas.services import users
    from hazatlas.services.register import RegisterService
    from hazatlas.services.settings import Settings

    RegisterService(sqlite_db, SYSTEM).import_file(sample_csv)
    c = TestClient(create_app(Settings(database_url=sqlite_db.url), sqlite_db))
    users.create_user(sqlite_db, "ro-authority", "national", country="ROU")
    c.headers["Authorization"] = f"Bearer {users.issue_token(sqlite_db, 'ro-authority')}"
    return c


def test_api_observations(client) -> None:  # type: ignore[no-untyped-def]
    body = {"at": [23.58, 47.66], "mass_kg": 100_000, "start": "2000-01-30T22:00:00+01:00",
            "duration_s": 43_200, "substance": "cyanide", "decay_per_day": 0, "flow": "low",
            "threshold_mg_l": 0.05, "points": [{"name": "Csenger", "lon": 22.68, "lat": 47.84},
                                               {"name": "Belgrade", "lon": 20.47, "lat": 44.82}],
            "observations": [
                {"station": "Csenger", "time": "2000-02-01T16:00+01:00",
                 "concentration_mg_l": 1.0},
                {"station": "Csenger", "time": "2000-02-01T20:30+01:00",
                 "concentration_mg_l": 32.6, "phase": "peak"}]}
    res = client.post("/api/scenarios/river", json=body)
    assert res.status_code == 200, res.text
    doc = res.json()
    assert doc["forecast"]["points"][1]["name"] == "Belgrade"
    stored = client.get(f"/api/scenarios/{doc['scenario_id']}").json()
    assert stored["result"]["forecast"] == doc["forecast"]
    bad = dict(body, observations=[{"station": "Csenger", "time": "2000-02-01T16:00",
                                    "concentration_mg_l": 1.0}])
    res = client.post("/api/scenarios/river", json=bad)
    assert res.status_code == 422 and "no time zone" in res.text
    bad = dict(body, observations=[{"station": "Atlantis", "time": "2000-02-01T16:00Z",
                                    "concentration_mg_l": 1.0}])
    res = client.post("/api/scenarios/river", json=bad)
    assert res.status_code == 422 and "unknown station 'Atlantis'" in res.text
    bad = dict(body, observations=[{"station": "Csenger", "time": "2000-02-01T16:00Z",
                                    "concentration_mg_l": 1.0, "phase": "top"}])
    assert client.post("/api/scenarios/river", json=bad).status_code == 422
    without = {k: v for k, v in body.items() if k != "observations"}
    assert "forecast" not in client.post("/api/scenarios/river", json=without).json()


def test_phase_column() -> None:
    """``phase`` is optional; peak, rising, falling or empty, case-insensitive; anything else is
    refused naming the row and the column."""
    rows = observations_from_json([
        {"station": "Csenger", "time": "2000-02-01T20:30+01:00", "concentration_mg_l": 32.6,
         "phase": "Peak"},
        {"station": "Szeged", "time": "2000-02-11T23:00+01:00", "concentration_mg_l": 1.1},
    ])
    assert [r.phase for r in rows.rows] == ["peak", ""]
    with pytest.raises(ValidationError) as err:
        observations_from_json([{"station": "Csenger", "time": "2000-02-01T20:30+01:00",
                                 "concentration_mg_l": 32.6, "phase": "top"}])
    (problem,) = err.value.problems
    assert (problem.row, problem.field) == (1, "phase") and "'top'" in problem.message
