"""Issue 14, temperature: decay rates at the water temperature (Eq. (4) of
docs/models/river.md), the --water-temp input, and the Baia Mare 2000 peaks at 2 °C."""

from __future__ import annotations

import json
import math
from datetime import datetime
from functools import cache

import pytest
from typer.testing import CliRunner

from hazatlas.cli.main import app
from hazatlas.domain.errors import ValidationError
from hazatlas.models.river.decay import decay_at_temperature, theta
from hazatlas.services.spill import NamedPoint, SpillRequest, run_spill
from hazatlas.services.spill_substances import find_substance

#: Measured peaks of February 2000 (docs/cases/baia-mare-2000.md, "Observed"): Csenger (the
#: Hungarian border) 32.6 mg/l (REC), Szeged 2 mg/l (Délmagyarország), the Romanian Danube
#: border 0.33 (Reuters, 17 Feb), Moldova Nouă 0.196 (same), the Bulgarian border 0.139
#: (Reuters, 20 Feb), the delta 0.02 (The Age, 23 Feb).
MEASURED = {"HUN": 32.6, "Szeged": 2.0, "ROU": 0.33, "Moldova Noua": 0.196, "BGR": 0.139,
            "Tulcea": 0.02}
POINTS = (NamedPoint("Szolnok", 20.19, 47.17), NamedPoint("Szeged", 20.15, 46.25),
          NamedPoint("Slankamen", 20.25, 45.14), NamedPoint("Belgrade", 20.47, 44.82),
          NamedPoint("Moldova Noua", 21.66, 44.72), NamedPoint("Iron Gate I", 22.53, 44.67),
          NamedPoint("Tulcea", 28.80, 45.18))


def test_van_t_hoff_correction_against_its_formula() -> None:
    k = decay_at_temperature(0.173, 20.0, 8200.0, 2.0)
    assert k == pytest.approx(0.173 * math.exp(-8200.0 * (1 / 275.15 - 1 / 293.15)))
    assert decay_at_temperature(0.173, 20.0, 8200.0, 20.0) == 0.173
    assert decay_at_temperature(0.173, 20.0, 8200.0, 30.0) > 0.173
    t = theta(8200.0, 20.0, 2.0)
    assert 0.173 * t ** (2.0 - 20.0) == pytest.approx(k)


def test_the_substance_table_gives_the_reference_temperature() -> None:
    cyanide = find_substance("cyanide")
    assert cyanide.decay_reference_temp_c == 20.0 and cyanide.decay_temp_coefficient_k == 8200.0
    k, basis = cyanide.decay_at(2.0)
    assert k == pytest.approx(0.02775, rel=1e-3) and "8200" in basis and "Sander" in basis
    assert cyanide.decay_at(None)[0] == 0.173 and "no water temperature" in cyanide.decay_at(None)[1]
    assert find_substance("mercury").decay_at(2.0)[0] == 0.0


def _request(**changes: object) -> SpillRequest:
    base: dict = dict(lon=23.58, lat=47.66, mass_kg=100_000.0, start=datetime(2000, 1, 30, 22),
                      duration_s=12 * 3600.0, substance="cyanide", threshold_mg_l=0.05,
                      flow="low", days=40.0, points=POINTS)
    base.update(changes)
    return SpillRequest(**base)


@cache
def _run(water_temp_c: float | None = None, decay: float | None = None) -> dict:
    return run_spill(_request(water_temp_c=water_temp_c, decay_per_day=decay)).to_dict()


def test_the_result_says_which_temperature_was_used() -> None:
    cold = _run(2.0)["source"]
    assert cold["water_temp_c"] == 2.0 and cold["water_temp_basis"] == "given by the user"
    assert cold["decay_per_day"] == pytest.approx(0.02775, rel=1e-3)
    assert "corrected to 2 °C" in cold["decay_basis"]
    plain = run_spill(_request(lon=7.59, lat=47.56, points=(), days=5.0)).to_dict()["source"]
    assert plain["river"] in {"Rhine", "Rhin"}  # no river of its path is in the climatology
    assert plain["water_temp_c"] is None and "not given" in plain["water_temp_basis"]
    assert plain["water_temp"]["kind"] == "reference temperature"
    assert plain["decay_per_day"] == 0.173
    given = run_spill(_request(water_temp_c=2.0, decay_per_day=0.1, points=(), days=5.0))
    assert given.decay_per_day == 0.1 and "no temperature correction" in given.decay_basis


@pytest.mark.parametrize("bad", [-5.0, 45.0, float("nan")])
def test_a_water_temperature_outside_the_range_is_refused(bad: float) -> None:
    with pytest.raises(ValidationError, match="water temperature"):
        run_spill(_request(water_temp_c=bad))


def test_cli_water_temp() -> None:
    base = ["spill", "--at", "23.58,47.66", "--mass", "100t", "--start", "2000-01-30T22:00",
            "--substance", "cyanide", "--days", "5", "--no-store", "--json"]
    ok = CliRunner().invoke(app, [*base, "--water-temp", "2"])
    assert ok.exit_code == 0, ok.output
    assert json.loads(ok.stdout)["source"]["water_temp_c"] == 2.0
    bad = CliRunner().invoke(app, [*base, "--water-temp", "-3"])
    assert bad.exit_code == 2 and "water-temp" in bad.stderr


def _peaks(doc: dict) -> dict[str, dict[str, float]]:
    out = {}
    for band in doc["flow"]["band"]:
        places = {p["name"]: p["peak_mg_l"] for p in band["points"]}
        places |= {c["country"]: c["peak_mg_l"] for c in band["countries"]}
        out[band["flow"]] = {k: places[k] / v for k, v in MEASURED.items()}
    return out


#: February's share of the mean flow on the Tisza (1910-29: 7.3, 7.1 and 6.5 % of the annual
#: runoff at Vásárosnamény, Tokaj and Szeged; Lászlóffy 1932, Hidrológiai Közlöny 12, Table II)
FEBRUARY_SHARE = 0.84


def test_baia_mare_at_2_degrees_within_a_factor_of_3() -> None:
    """Done-when of issue 14 (docs/cases/baia-mare-2000.md, "Peaks with the default decay" and
    "Which flow"): with the default cyanide decay at 2 °C the predicted peaks are within a
    factor of 3 of the measured ones on the Tisza and the Danube at mean flow and at February's
    typical flow (0.84 x the mean) everywhere, at the network's low flow (a late-summer
    statistic) down to the Bulgarian border (the delta's 0.02 mg/l was read on the day of
    arrival: 3.2x). At the rate's reference temperature the Danube peaks are 10-30 times too
    low."""
    cold, plain = _peaks(_run(2.0)), _peaks(_run(decay=0.173))
    assert all(1 / 3 <= r <= 3 for r in cold["mean"].values()), cold["mean"]
    low = {k: r for k, r in cold["low"].items() if k != "Tulcea"}
    assert all(1 / 3 <= r <= 3 for r in low.values()), cold["low"]
    assert 3 < cold["low"]["Tulcea"] < 3.5
    for flow in ("low", "mean"):
        assert all(plain[flow][k] < 0.11 for k in ("ROU", "Moldova Noua", "BGR", "Tulcea"))
    q_mean = _run(2.0)["flow"]["band"][1]["discharge_at_source_m3_s"]
    february = run_spill(_request(water_temp_c=2.0, flow=FEBRUARY_SHARE * q_mean)).to_dict()
    feb = _peaks(february)["given"]
    assert all(1 / 3 <= r <= 3 for r in feb.values()), feb


@pytest.fixture
def client(sqlite_db):
    from fastapi.testclient import TestClient

    from hazatlas.api.app import create_app
    from hazatlas.services import users
    from hazatlas.services.settings import Settings

    users.create_user(sqlite_db, "ro-authority", "national", country="ROU")
    test_client = TestClient(create_app(Settings(database_url=sqlite_db.url), sqlite_db))
    test_client.headers["Authorization"] = f"Bearer {users.issue_token(sqlite_db, 'ro-authority')}"
    return test_client


def test_api_water_temp(client) -> None:
    body = {"at": [23.58, 47.66], "mass_kg": 1000, "start": "2000-01-30T22:00:00",
            "substance": "cyanide", "days": 5, "water_temp_c": 2}
    res = client.post("/api/scenarios/river", json=body)
    assert res.status_code == 200, res.text
    assert res.json()["source"]["water_temp_c"] == 2.0
    assert res.json()["source"]["decay_per_day"] == pytest.approx(0.02775, rel=1e-3)
    bad = client.post("/api/scenarios/river", json={**body, "water_temp_c": 60})
    assert bad.status_code == 422 and "water_temp_c" in bad.text


def test_api_month_picks_the_climatology(client) -> None:
    body = {"at": [23.58, 47.66], "mass_kg": 1000, "start": "2000-01-30T22:00:00",
            "substance": "cyanide", "days": 5, "month": 8}
    res = client.post("/api/scenarios/river", json=body)
    assert res.status_code == 200, res.text
    water = res.json()["source"]["water_temp"]
    assert water["kind"] == "climatology" and water["climatology"]["month"] == 8
    assert res.json()["source"]["water_temp_c"] == water["value_c"]
    bad = client.post("/api/scenarios/river", json={**body, "month": 13})
    assert bad.status_code == 422 and "month" in bad.text
