"""``hazatlas plume`` CLI contract and the plume API endpoint."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from hazatlas.cli.main import app
from hazatlas.services.air import PlumeRequest, run_plume
from hazatlas.services.scenarios import RUN_KEYS

BASE = ["plume", "--wind", "3m/s", "--stability", "D"]


def _run(*args: str) -> tuple[int, dict | None, str]:
    res = CliRunner().invoke(app, [*BASE, *args])
    data = json.loads(res.stdout) if res.exit_code == 0 and "--json" in args else None
    return res.exit_code, data, res.stderr


def test_plume_json_contract() -> None:
    code, data, _ = _run(
        "--rate",
        "1kg/s",
        "--substance",
        "chlorine",
        "--receptor",
        "1000,0,0",
        "--receptor",
        "1000,50,0",
        "--json",
    )
    assert code == 0 and data is not None
    # the run's keys (issue 5), the centreline (issue 12) and what every stored run adds
    assert set(data) == {"receptors", "zones", "countries", "warnings", "centreline", *RUN_KEYS}
    assert set(data["receptors"][0]) == {"x_m", "y_m", "z_m", "concentration_mg_m3"}
    assert set(data["zones"][0]) == {"level", "threshold_mg_m3", "distance_m"}
    assert [z["level"] for z in data["zones"]] == ["AEGL-1", "AEGL-2", "AEGL-3"]
    d = [z["distance_m"] for z in data["zones"]]
    assert d[0] > d[1] > d[2] > 0
    c0, c50 = (r["concentration_mg_m3"] for r in data["receptors"])
    assert c0 == pytest.approx(36.657, rel=1e-4) and c50 < c0  # hand value, air_plume.csv row 1
    assert any("dense-gas" in w for w in data["warnings"])  # chlorine is heavier than air


def test_mass_gives_puff_and_units_are_parsed() -> None:
    code, data, _ = _run("--mass", "0.5t", "--substance", "ammonia", "--height", "2m", "--json")
    assert code == 0 and data is not None and data["zones"][0]["distance_m"] > 0
    assert any("instantaneous" in w for w in data["warnings"])


def test_wind_height_carries_wind_to_release_height() -> None:
    lo = run_plume(
        PlumeRequest(
            wind_speed_m_s=3.0,
            stability="D",
            rate_kg_s=1.0,
            release_height_m=2.0,
            wind_height_m=10.0,
        )
    )
    assert lo.wind_speed_m_s == pytest.approx(3.0 * 0.2**0.15)


def test_stability_from_the_table_and_user_loc() -> None:
    res = CliRunner().invoke(
        app,
        [
            "plume",
            "--rate",
            "1kg/s",
            "--wind",
            "8m/s",
            "--time",
            "day",
            "--insolation",
            "moderate",
            "--loc",
            "10mg/m3",
            "--json",
        ],
    )
    assert res.exit_code == 0, res.stderr
    data = json.loads(res.stdout)
    assert data["zones"][0]["level"] == "user" and data["zones"][0]["threshold_mg_m3"] == 10.0


def test_georeferenced_zones_and_countries(tmp_path: Path) -> None:
    out = tmp_path / "zones.geojson"
    code, data, _ = _run(
        "--rate",
        "5kg/s",
        "--substance",
        "ammonia",
        "--at",
        "20.0,45.0",
        "--wind-from",
        "270",
        "--geojson",
        str(out),
        "--json",
    )
    assert code == 0 and data is not None
    assert "SRB" in data["countries"]
    fc = json.loads(out.read_text())
    assert {f["properties"]["kind"] for f in fc["features"]} == {"footprint", "wedge"}


@pytest.mark.parametrize(
    "args",
    [
        ("--rate", "1kg/s", "--mass", "5kg"),  # two sources
        (
            "--rate",
            "fast",
        ),
        ("--rate", "1kg/s", "--sigmas", "turner"),
        ("--rate", "1kg/s", "--at", "200,45", "--wind-from", "10"),
        ("--rate", "1kg/s", "--at", "20,45"),  # --wind-from missing
        ("--rate", "1kg/s", "--receptor", "1,2"),
        ("--rate", "1kg/s", "--substance", "unobtainium", "--pool-area", "5m^2"),
    ],
)
def test_plume_errors_exit_2(args: tuple[str, ...]) -> None:
    code, _, err = _run(*args, "--json")
    assert code == 2 and err.startswith("error:")


def test_table_output() -> None:
    res = CliRunner().invoke(app, [*BASE, "--rate", "1kg/s", "--substance", "H2S"])
    assert res.exit_code == 0 and "Threat zones" in res.stdout


@pytest.fixture
def client(sqlite_db, sample_csv):
    from hazatlas.api.app import create_app
    from hazatlas.domain.access import SYSTEM
    from hazatlas.services.register import RegisterService
    from hazatlas.services.settings import Settings

    RegisterService(sqlite_db, SYSTEM).import_file(sample_csv)
    return TestClient(create_app(Settings(database_url=sqlite_db.url), sqlite_db))


def test_api_plume(client) -> None:
    body = {
        "rate_kg_s": 1.0,
        "wind_speed_m_s": 3.0,
        "stability": "D",
        "substance": "chlorine",
        "receptors": [[1000, 0, 0]],
        "establishment_id": "UA-KALUSH-HCB",
    }
    from hazatlas.services import users as _users

    _users.create_user(client.app.state.db, "ua-authority", "national", country="UKR")
    auth = {"Authorization": f"Bearer {_users.issue_token(client.app.state.db, 'ua-authority')}"}
    r = client.post("/api/scenarios/plume", json=body, headers=auth)
    assert r.status_code == 200
    cli = run_plume(
        PlumeRequest(
            wind_speed_m_s=3.0,
            stability="D",
            rate_kg_s=1.0,
            substance="chlorine",
            receptors=[(1000, 0, 0)],
        )
    ).to_json()
    assert {k: r.json()[k] for k in cli} == cli
    stored = client.get(f"/api/scenarios/{r.json()['scenario_id']}").json()
    assert stored["kind"] == "plume" and stored["establishment_id"] == "UA-KALUSH-HCB"
    assert stored["parameters"]["rate_kg_s"] == 1.0
    assert (
        client.post(
            "/api/scenarios/plume", json={"wind_speed_m_s": 3, "stability": "D"}, headers=auth
        ).status_code
        == 422
    )
    assert (
        client.post(
            "/api/scenarios/plume", json={"rate_kg_s": 1, "wind_speed_m_s": 3, "stability": "Q"},
            headers=auth,
        ).status_code
        == 422
    )
