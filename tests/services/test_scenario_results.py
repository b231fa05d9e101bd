"""A scenario of any kind (river, plume, runout) has the same shape: kind, inputs echoed,
warnings, validity envelopes, the result document and a kind-independent summary; it is stored
and answered the same way (SQLite and PostGIS for the storage)."""

from __future__ import annotations

import json
from datetime import datetime

import pytest
from fastapi.testclient import TestClient

from hazatlas.api.app import create_app
from hazatlas.domain.access import ANONYMOUS, SYSTEM
from hazatlas.domain.errors import PermissionDeniedError
from hazatlas.models.base import ScenarioResult
from hazatlas.services import scenarios, users
from hazatlas.services.air import PlumeRequest, run_plume
from hazatlas.services.scenarios import RUN_KEYS
from hazatlas.services.settings import Settings
from hazatlas.services.spill import NamedPoint, SpillRequest, run_spill
from hazatlas.services.tailings import RunoutRequest, run_runout

SUMMARY_KEYS = {
    "kind", "models", "inputs", "headline", "countries", "warnings", "validity", "inside_validity",
}


def _river() -> ScenarioResult:
    return run_spill(SpillRequest(
        lon=23.58, lat=47.66, mass_kg=100_000.0, start=datetime(2000, 1, 30, 22, 0),
        substance="cyanide", points=(NamedPoint("Szolnok", 20.19, 47.17),), days=20.0,
    ))


def _plume() -> ScenarioResult:
    return run_plume(PlumeRequest(wind_speed_m_s=3.0, stability="D", rate_kg_s=1.0,
                                  substance="chlorine", receptors=[(1000.0, 0.0, 0.0)]))


def _runout() -> ScenarioResult:
    return run_runout(RunoutRequest(impounded_volume_m3=12e6, dam_height_m=87.0))


@pytest.fixture(scope="module")
def runs() -> dict[str, ScenarioResult]:
    return {"river": _river(), "plume": _plume(), "runout": _runout()}


def test_every_kind_has_the_same_shape(runs) -> None:
    for kind, run in runs.items():
        assert run.kind == kind
        summary = run.summary()
        assert set(summary) == SUMMARY_KEYS and summary["kind"] == kind
        assert summary["models"] and all(v.model for v in run.validity)
        assert summary["warnings"] == list(run.warnings)
        json.dumps(summary, allow_nan=False)
        json.dumps(dict(run.inputs), allow_nan=False)
        assert run.to_json()  # the contract document, unchanged keys


def test_inputs_echo_the_request(runs) -> None:
    assert runs["river"].inputs["mass_kg"] == 100_000.0
    assert runs["river"].inputs["points"] == [{"name": "Szolnok", "lon": 20.19, "lat": 47.17}]
    assert runs["plume"].inputs["rate_kg_s"] == 1.0
    assert runs["plume"].inputs["mixing_height_m"] is None  # no lid: not infinity in JSON
    assert runs["runout"].inputs["impounded_volume_m3"] == 12e6


def test_headlines(runs) -> None:
    assert runs["runout"].summary()["headline"]["runout_km"] == pytest.approx(35.26, abs=0.01)
    zones = runs["plume"].summary()["headline"]["zones"]
    assert list(zones) == ["AEGL-1", "AEGL-2", "AEGL-3"] and zones["AEGL-1"] > zones["AEGL-3"]
    river = runs["river"].summary()
    assert river["headline"]["places_above_threshold"] == 1
    assert {"HUN", "SRB"} <= set(river["countries"])


def test_warnings_of_the_document_are_those_of_the_result(runs) -> None:
    assert runs["river"].to_json()["method"]["warnings"] == list(runs["river"].warnings)
    assert runs["plume"].to_json()["warnings"] == list(runs["plume"].warnings)
    assert runs["runout"].to_json()["warnings"] == list(runs["runout"].warnings)


def test_any_kind_is_stored_the_same_way(db, runs) -> None:
    ids = {kind: scenarios.store(db, SYSTEM, run, {"asked": kind}) for kind, run in runs.items()}
    for kind, sid in ids.items():
        got = scenarios.get(db, SYSTEM, sid)
        assert got["kind"] == kind and got["parameters"] == {"asked": kind}
        assert got["result"] == json.loads(json.dumps(runs[kind].to_json()))
    with pytest.raises(PermissionDeniedError):
        scenarios.store(db, ANONYMOUS, runs["runout"], {})


@pytest.fixture
def client(sqlite_db):
    users.create_user(sqlite_db, "rs", "national", country="SRB")
    token = users.issue_token(sqlite_db, "rs")
    with TestClient(create_app(Settings(database_url=sqlite_db.url), sqlite_db)) as c:
        c.headers["Authorization"] = f"Bearer {token}"
        yield c


@pytest.mark.parametrize(("path", "body", "field"), [
    ("/api/scenarios/plume", {"wind_speed_m_s": 3, "stability": "D", "rate_kg_s": 1,
                              "release_height_m": 500, "mixing_height_m": 100},
     "mixing_height_m"),
    ("/api/scenarios/plume", {"wind_speed_m_s": 3, "stability": "D", "rate_kg_s": 1,
                              "mass_kg": 5}, "source"),
    ("/api/scenarios/plume", {"wind_speed_m_s": 3, "stability": "D", "pool_area_m2": 5},
     "substance"),
    ("/api/scenarios/river", {"at": [23.58, 47.66], "mass_kg": 1000,
                              "start": "2000-01-30T22:00:00", "substance": "zinc"}, "threshold"),
])
def test_model_errors_are_answered_alike(client, path, body, field) -> None:
    r = client.post(path, json=body)
    assert r.status_code == 422, r.text
    assert r.json()["errors"][0]["field"] == field


def test_runout_route_keeps_its_path_and_keys(client) -> None:
    r = client.post("/api/scenarios/runout", json={"impounded_volume_m3": 12e6, "dam_height_m": 87})
    assert r.status_code == 200, r.text
    assert set(r.json()) == {
        "released_volume_m3", "runout_km", "interval_km", "method", "source", "path",
        "countries", "stop", "crossings", "river_source", "warnings", *RUN_KEYS,
    }
    stored = client.get(f"/api/scenarios/{r.json()['scenario_id']}").json()
    assert stored["kind"] == "runout" and stored["result"]["runout_km"] == r.json()["runout_km"]
