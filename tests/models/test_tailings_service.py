"""Tailings runout traced along a river network, river source, CLI and API."""

from __future__ import annotations

import json

import numpy as np
import pytest
from fastapi.testclient import TestClient
from shapely.geometry import LineString
from typer.testing import CliRunner

from hazatlas.cli.main import app
from hazatlas.domain.tailings import Constituent
from hazatlas.geo._geodesy import line_length_m
from hazatlas.geo.network import RiverNetwork
from hazatlas.services.tailings import RunoutRequest, run_runout, trace_runout

KEYS = {"released_volume_m3", "runout_km", "interval_km", "method", "source", "path", "countries"}


@pytest.fixture(scope="module")
def network() -> RiverNetwork:
    """Three reaches flowing east along 47°N from Hungary into Romania (border near 21.7°E)."""
    geoms = [
        LineString([(21.0, 47.0), (21.5, 47.0)]),
        LineString([(21.5, 47.0), (22.0, 47.0)]),
        LineString([(22.0, 47.0), (22.6, 47.0)]),
    ]
    lengths = [line_length_m(np.asarray(g.coords)) for g in geoms]
    return RiverNetwork(
        np.array([11, 12, 13]),
        np.array([1, 2, -1]),
        np.array(lengths),
        ["Test", "Test", "Test"],
        geoms,
    )


def test_trace_stops_after_the_runout(network: RiverNetwork) -> None:
    t = trace_runout(network, 21.0, 47.0, 50_000.0)
    assert [r["reach_id"] for r in t.reaches] == [11, 12]
    assert t.reaches[-1]["to_km"] == pytest.approx(50.0)
    assert t.stop["reach_id"] == 12 and 21.5 < t.stop["lon"] < 22.0
    assert line_length_m(np.asarray(t.line.coords)) == pytest.approx(50_000.0, rel=0.01)


def test_trace_to_the_outlet_is_reported(network: RiverNetwork) -> None:
    t = trace_runout(network, 21.0, 47.0, 500_000.0)
    assert t.stop["reach_id"] == 13 and t.stop["lon"] == pytest.approx(22.6)
    assert any("end of the network" in n for n in t.notes)


def test_runout_crosses_the_border_only_when_long_enough(network: RiverNetwork) -> None:
    long = run_runout(RunoutRequest(12e6, 87.0, released_volume_m3=9.6e6, at=(21.0, 47.0)), network)
    assert long.result.runout_km > 60 and long.countries == ["HUN", "ROU"]
    short = run_runout(RunoutRequest(1e6, 10.0, at=(21.0, 47.0)), network)
    assert short.result.runout_km < 30 and short.countries == ["HUN"]


def test_river_source_masses(network: RiverNetwork) -> None:
    req = RunoutRequest(
        12e6,
        87.0,
        released_volume_m3=1e6,
        at=(21.0, 47.0),
        constituents=[Constituent("Cu", 2000.0), Constituent("As", 50.0)],
        fraction_to_river=0.5,
    )
    src = run_runout(req, network).river_source
    assert src is not None
    # 1e6 m3 x 1400 kg/m3 x mg/kg x 1e-6 x 0.5
    assert src["mass_kg"] == pytest.approx({"Cu": 1.4e6, "As": 3.5e4})
    assert src["reach_id"] in (11, 12, 13)


def test_without_location_no_path(network: RiverNetwork) -> None:
    out = run_runout(RunoutRequest(12e6, 87.0)).to_json()
    assert KEYS <= set(out) and out["path"] == [] and out["countries"] == []


def test_cli_runout_json() -> None:
    res = CliRunner().invoke(
        app,
        [
            "runout",
            "--volume",
            "12Mm3",
            "--height",
            "87m",
            "--released",
            "9.6Mm3",
            "--method",
            "rico2008",
            "--json",
        ],
    )
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert KEYS <= set(data)
    assert data["released_volume_m3"] == pytest.approx(9.6e6) and data["method"] == "rico2008"
    assert len(data["interval_km"]) == 2


def test_cli_runout_errors() -> None:
    runner = CliRunner()
    res = runner.invoke(app, ["runout", "--volume", "12kg", "--height", "87m"])
    assert res.exit_code == 2 and "--volume" in res.stderr
    res = runner.invoke(app, ["runout", "--volume", "12Mm3", "--height", "87m", "--method", "x"])
    assert res.exit_code == 2 and "method" in res.stderr


def test_api_runout(sqlite_db, sample_csv) -> None:
    from hazatlas.api.app import create_app
    from hazatlas.domain.access import SYSTEM
    from hazatlas.services.register import RegisterService
    from hazatlas.services.settings import Settings

    RegisterService(sqlite_db, SYSTEM).import_file(sample_csv)
    client = TestClient(create_app(Settings(database_url=sqlite_db.url), sqlite_db))
    from hazatlas.services import users as _users

    _users.create_user(client.app.state.db, "kg-authority", "national", country="KGZ")
    auth = {"Authorization": f"Bearer {_users.issue_token(client.app.state.db, 'kg-authority')}"}
    r = client.post(
        "/api/scenarios/runout", headers=auth,
        json={"impounded_volume_m3": 12e6, "dam_height_m": 87, "establishment_id": "KG-MAILUU-TP3"},
    )
    assert r.status_code == 200 and KEYS <= set(r.json())
    assert r.json()["establishment_id"] == "KG-MAILUU-TP3"
    listed = client.get("/api/establishments/KG-MAILUU-TP3/scenarios").json()
    assert [x["kind"] for x in listed] == ["runout"]
    missing = client.post("/api/scenarios/runout", headers=auth,
                          json={"impounded_volume_m3": 12e6, "dam_height_m": 87, "establishment_id": "NOPE"})
    assert missing.status_code == 404
    assert client.post("/api/scenarios/runout", json={"dam_height_m": 87},
                       headers=auth).status_code == 422


def test_cli_runout_traces_and_describes_the_river_source(
    monkeypatch, network: RiverNetwork
) -> None:
    monkeypatch.setattr(RiverNetwork, "load_default", classmethod(lambda cls: network))
    res = CliRunner().invoke(
        app,
        [
            "runout",
            "--volume",
            "12Mm3",
            "--height",
            "87m",
            "--released",
            "9.6Mm3",
            "--at",
            "21.0,47.0",
            "--constituent",
            "Cu=2000",
            "--json",
        ],
    )
    assert res.exit_code == 0, res.stderr
    data = json.loads(res.stdout)
    assert data["countries"] == ["HUN", "ROU"]
    assert [p["reach_id"] for p in data["path"]] == [11, 12, 13]
    assert data["river_source"]["mass_kg"]["Cu"] == pytest.approx(9.6e6 * 1400 * 2000e-6)
    bad = CliRunner().invoke(
        app, ["runout", "--volume", "1Mm3", "--height", "9m", "--constituent", "Cu"]
    )
    assert bad.exit_code == 2
