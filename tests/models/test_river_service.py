"""River spill service, CLI and API on the bundled network (Baia Mare -> Tisza -> Danube)."""

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
from hazatlas.services.spill import NamedPoint, SpillRequest, run_spill
from hazatlas.services.spill_substances import find_substance

BAIA_MARE = (23.58, 47.66)
SZOLNOK = NamedPoint("Szolnok", 20.19, 47.17)
BELGRADE = NamedPoint("Belgrade", 20.47, 44.82)
START = datetime(2000, 1, 30, 22, 0)
POINT_KEYS = {
    "name",
    "reach_id",
    "river_km_from_source",
    "arrival",
    "peak_time",
    "peak_mg_l",
    "trailing_edge",
    "hours_above_threshold",
}


def _request(**changes: object) -> SpillRequest:
    base = dict(
        lon=BAIA_MARE[0],
        lat=BAIA_MARE[1],
        mass_kg=100_000.0,
        start=START,
        duration_s=12 * 3600.0,
        substance="cyanide",
        points=(SZOLNOK, BELGRADE),
    )
    base.update(changes)
    return SpillRequest(**base)  # type: ignore[arg-type]


@cache
def _baia_mare() -> dict:
    return run_spill(_request()).to_dict()


def test_document_follows_the_contract() -> None:
    doc = _baia_mare()
    assert {"source", "points", "countries", "flow", "method"} <= set(doc)
    assert [set(p) for p in doc["points"]] == [POINT_KEYS, POINT_KEYS]
    assert all({"country", "first_arrival", "peak_mg_l"} <= set(c) for c in doc["countries"])
    for p in doc["points"]:
        for key in ("arrival", "peak_time", "trailing_edge"):
            if p[key] is not None:
                datetime.fromisoformat(p[key])
    assert {b["flow"] for b in doc["flow"]["band"]} == {"low", "mean", "high"}
    assert doc["source"]["threshold_mg_l"] == pytest.approx(0.05)  # EU drinking water, cyanide


def test_baia_mare_route_and_order() -> None:
    doc = _baia_mare()
    countries = [c["country"] for c in doc["countries"]]
    assert countries[0] == "HUN" and "SRB" in countries
    szolnok, belgrade = doc["points"]
    assert 0 < szolnok["river_km_from_source"] < belgrade["river_km_from_source"]
    assert szolnok["arrival"] < szolnok["peak_time"] < szolnok["trailing_edge"]
    assert szolnok["peak_mg_l"] > belgrade["peak_mg_l"]
    hun = doc["countries"][0]
    assert hun["first_arrival"] < szolnok["arrival"]


def test_low_flow_arrives_later_than_high_flow() -> None:
    band = {b["flow"]: b for b in _baia_mare()["flow"]["band"]}
    low, high = band["low"]["points"][0], band["high"]["points"][0]
    assert low["peak_time"] > high["peak_time"]


def test_given_discharge() -> None:
    doc = run_spill(_request(flow=150.0, points=(SZOLNOK,))).to_dict()
    assert doc["flow"]["scenario"] == "given"
    assert doc["flow"]["discharge_at_source_m3_s"] == pytest.approx(150.0, rel=1e-3)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"mass_kg": -5.0}, "mass"),
        ({"substance": "kryptonite"}, "substance"),
        ({"flow": "medium"}, "flow"),
        ({"points": (NamedPoint("Rome", 12.5, 41.9),)}, "point 1"),
        ({"points": (NamedPoint("Cluj", 23.6, 46.77),)}, "point 1"),
        ({"lon": 18.0, "lat": 34.0, "points": ()}, "at"),  # Mediterranean
        ({"substance": "zinc"}, "threshold"),
    ],
)
def test_bad_input_is_named(changes: dict, field: str) -> None:
    with pytest.raises(ValidationError) as err:
        run_spill(_request(**changes))
    assert field in [p.field for p in err.value.problems]


def test_substances() -> None:
    cyanide = find_substance("57-12-5")
    assert cyanide.name == "Cyanide" and cyanide.decay_per_day > 0
    assert find_substance("Hg").eqs_mac_mg_l == pytest.approx(0.07e-3)
    assert find_substance("Atrazine").decay_per_day == 0.0  # only in the EU table


def test_cli_json_and_plot(tmp_path) -> None:
    png = tmp_path / "curves.png"
    result = CliRunner().invoke(
        app,
        [
            "spill",
            "--at",
            "23.58,47.66",
            "--mass",
            "100t",
            "--duration",
            "12h",
            "--start",
            "2000-01-30T22:00",
            "--substance",
            "cyanide",
            "--threshold",
            "0.05mg/l",
            "--point",
            "Szolnok=20.19,47.17",
            "--days",
            "20",
            "--plot",
            str(png),
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert set(doc["points"][0]) == POINT_KEYS
    assert png.stat().st_size > 1000


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--mass", "-3t"], "mass"),
        (["--mass", "3t", "--duration", "0h"], "duration"),
        (["--mass", "3t", "--substance", "kryptonite"], "unknown substance"),
        (["--mass", "3t", "--at", "23.58"], "--at"),
    ],
)
def test_cli_errors(args: list[str], message: str) -> None:
    base = ["spill", "--at", "23.58,47.66", "--start", "2000-01-30T22:00", "--json"]
    result = CliRunner().invoke(app, base + args)
    assert result.exit_code == 2
    assert message in result.stderr


@pytest.fixture
def client(sqlite_db, sample_csv):
    from hazatlas.api.app import create_app
    from hazatlas.domain.access import SYSTEM
    from hazatlas.services.register import RegisterService
    from hazatlas.services.settings import Settings

    RegisterService(sqlite_db, SYSTEM).import_file(sample_csv)
    return TestClient(create_app(Settings(database_url=sqlite_db.url), sqlite_db))


def test_api_river_scenario(client) -> None:
    body = {
        "establishment_id": "RO-BM-AURUL",
        "at": [23.58, 47.66],
        "mass_kg": 100000,
        "start": "2000-01-30T22:00:00",
        "duration_s": 43200,
        "substance": "cyanide",
        "points": [{"name": "Szolnok", "lon": 20.19, "lat": 47.17}],
    }
    from hazatlas.services import users as _users

    _users.create_user(client.app.state.db, "ro-authority", "national", country="ROU")
    auth = {"Authorization": f"Bearer {_users.issue_token(client.app.state.db, 'ro-authority')}"}
    assert client.post("/api/scenarios/river", json=body).status_code == 401  # anonymous: no run stored
    res = client.post("/api/scenarios/river", json=body, headers=auth)
    assert res.status_code == 200
    doc = res.json()
    assert doc["establishment_id"] == "RO-BM-AURUL"
    assert set(doc["points"][0]) == POINT_KEYS
    from hazatlas.services import users

    users.create_user(client.app.state.db, "icpdr", "basin")
    basin = {"Authorization": f"Bearer {users.issue_token(client.app.state.db, 'icpdr')}"}
    stored = client.get(f"/api/scenarios/{doc['scenario_id']}", headers=basin).json()
    assert stored["kind"] == "river" and stored["result"]["points"] == doc["points"]
    listed = client.get("/api/establishments/RO-BM-AURUL/scenarios", headers=basin).json()
    assert [x["id"] for x in listed] == [doc["scenario_id"]]
    # the establishment's disclosure is "parties": the public does not see its runs
    assert client.get("/api/establishments/RO-BM-AURUL/scenarios").json() == []
    assert client.get(f"/api/scenarios/{doc['scenario_id']}").status_code == 403


def test_api_bad_input(client) -> None:
    from hazatlas.services import users as _users

    _users.create_user(client.app.state.db, "ro-authority", "national", country="ROU")
    auth = {"Authorization": f"Bearer {_users.issue_token(client.app.state.db, 'ro-authority')}"}
    res = client.post(
        "/api/scenarios/river", headers=auth,
        json={
            "at": [23.58, 47.66],
            "mass_kg": 1000,
            "start": "2000-01-30T22:00:00",
            "substance": "kryptonite",
        },
    )
    assert res.status_code == 422
    assert "substance" in res.text


def test_cli_user_network() -> None:
    """--network: a three-reach GeoJSON with user hydraulics (confluence of 100 + 200 m3/s)."""
    net = str(Path(__file__).parent / "reference" / "river_tiny_network.geojson")
    result = CliRunner().invoke(
        app,
        [
            "spill",
            "--at",
            "20.95,46.58",
            "--mass",
            "10t",
            "--start",
            "2024-05-01T06:00",
            "--threshold",
            "0.01mg/l",
            "--network",
            net,
            "--point",
            "Below=20.27,45.7",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    below = doc["points"][0]
    assert below["reach_id"] == 3 and below["arrival"] < below["peak_time"]
    assert doc["flow"]["discharge_at_source_m3_s"] == pytest.approx(100.0)
