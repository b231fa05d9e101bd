"""The contract every model family follows: a request checked once (ValidationError naming the
parameter), a result carrying its warnings and the validity envelope it was run in."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from hazatlas.domain.errors import ValidationError
from hazatlas.models import base
from hazatlas.models.air.plume import GaussianPlume
from hazatlas.models.air.puff import GaussianPuff
from hazatlas.models.air.release import AirRelease
from hazatlas.models.air.source import direct_mass, direct_rate
from hazatlas.models.river.path import RiverPath
from hazatlas.models.river.spill import PointResults, Release, RiverSpillModel, spill_problems
from hazatlas.models.tailings import runout
from hazatlas.models.tailings.runout import RunoutInputs, runout_model


def _fields(err: pytest.ExceptionInfo[ValidationError]) -> list[str]:
    return [p.field for p in err.value.problems]


@pytest.mark.parametrize(
    ("make", "field"),
    [
        (lambda: Release(mass_kg=-1.0), "mass"),
        (lambda: Release(mass_kg=1.0, duration_s=math.nan), "duration"),
        (lambda: Release(mass_kg=1.0, decay_per_s=-1e-6), "decay-per-day"),
        (
            lambda: RiverSpillModel(RiverPath.uniform(1e4, 1.0, 50.0, 100.0)).compute(
                Release(1.0), [5e3], threshold_kg_m3=0.0
            ),
            "threshold",
        ),
        (lambda: AirRelease(wind_speed_m_s=0.0, stability="D", rate_kg_s=1.0), "wind_speed_m_s"),
        (lambda: AirRelease(wind_speed_m_s=3.0, stability="Q", rate_kg_s=1.0), "stability"),
        (lambda: AirRelease(wind_speed_m_s=3.0, stability="D", mass_kg=-2.0), "mass_kg"),
        (
            lambda: AirRelease(
                wind_speed_m_s=3.0, stability="D", rate_kg_s=1.0, release_height_m=50.0,
                mixing_height_m=40.0,
            ),
            "mixing_height_m",
        ),
        (lambda: direct_rate(0.0), "rate_kg_s"),
        (lambda: direct_mass(math.inf), "mass_kg"),
        (lambda: GaussianPlume("nope"), "sigmas"),
        (lambda: RunoutInputs(impounded_volume_m3=0.0, dam_height_m=10.0), "impounded_volume_m3"),
        (lambda: RunoutInputs(1e6, dam_height_m=math.nan), "dam_height_m"),
        (lambda: RunoutInputs(1e6, 10.0, released_volume_m3=-1.0), "released_volume_m3"),
        (lambda: runout_model("piciullo2022"), "method"),
    ],
)
def test_invalid_inputs_raise_one_error_type_naming_the_parameter(make, field: str) -> None:
    with pytest.raises(ValidationError) as err:
        make()
    assert field in _fields(err)


def test_every_problem_is_reported_at_once() -> None:
    problems = spill_problems(
        mass_kg=0.0, duration_s=-1.0, decay_per_day=-1.0, threshold_mg_l=math.inf, days=0.0,
        flow="medium",
    )
    assert [p.field for p in problems] == [
        "mass", "duration", "decay-per-day", "threshold", "days", "flow",
    ]
    given = spill_problems(duration_s=0.0, duration_given=True)
    assert [p.field for p in given] == ["duration"] and "omit --duration" in given[0].message
    assert spill_problems(duration_s=0.0) == []  # 0 is an instantaneous release


def test_river_result_carries_its_envelope() -> None:
    fast = RiverPath.uniform(50_000.0, 8.0, 50.0, 100.0)  # 8 m/s: outside 0.01-5 m/s
    r = RiverSpillModel(fast).compute(Release(1000.0), [20_000.0], threshold_kg_m3=1e-6)
    assert r.validity is not None and r.validity.model == "river-moments-ig"
    assert not r.validity.inside and any("velocity_m_s" in w for w in r.warnings)
    ok = RiverSpillModel(RiverPath.uniform(50_000.0, 1.0, 50.0, 100.0))
    assert ok.compute(Release(1000.0), [20_000.0], 1e-6).warnings == []


def test_evaluate_names_its_results() -> None:
    model = RiverSpillModel(RiverPath.uniform(100_000.0, 1.0, 50.0, 100.0))
    res = model._evaluate(Release(1000.0), np.array([50_000.0]), 1e-4)
    assert isinstance(res, PointResults)
    assert res.peak_time_s[0] == pytest.approx(49_950.0, abs=1.0)
    assert res.arrival_s[0] < res.peak_time_s[0] < res.trailing_s[0]


@pytest.mark.parametrize("model", [GaussianPlume(), GaussianPuff()])
def test_air_runs_return_values_with_warnings(model) -> None:
    amount = {"rate_kg_s": 1.0} if isinstance(model, GaussianPlume) else {"mass_kg": 500.0}
    release = AirRelease(wind_speed_m_s=3.0, stability="d", **amount)
    run = model.run(release, np.array([1000.0, 50.0]))
    assert run.concentration_kg_m3.shape == (2,) and np.all(run.concentration_kg_m3 > 0)
    assert run.validity.model == model.name and not run.validity.inside
    assert any(w.startswith("distance_m = 50") for w in run.warnings)
    inside = model.run(release, 1000.0)
    assert inside.warnings == [] and inside.validity.inside


def test_plume_values_are_those_of_the_kernel() -> None:
    plume = GaussianPlume()
    release = AirRelease(wind_speed_m_s=3.0, stability="D", rate_kg_s=1.0)
    run = plume.run(release, 1000.0)
    kernel = plume.centreline(1000.0, rate_kg_s=1.0, wind_speed_m_s=3.0, stability="D")
    assert float(run.concentration_kg_m3) == float(kernel)


def test_tailings_result_carries_its_envelope_from_data() -> None:
    r = runout_model("larrauri2018").compute(impounded_volume_m3=12e6, dam_height_m=87.0)
    assert r.validity is not None and r.inputs == RunoutInputs(12e6, 87.0)
    doc = r.validity.to_json()
    assert "tailings_runout_fit_ranges.csv" in doc["basis"]
    assert not doc["inside"] and any("not retrieved" in w for w in r.warnings)


def test_tailings_fit_ranges_come_from_the_table(monkeypatch) -> None:
    rows = [
        {"model": "m", "input": "dam_height_m", "low": "5", "high": "66", "unit": "m"},
        {"model": "m", "input": "impounded_volume_m3", "low": "", "high": "", "unit": "m3"},
        {"model": "other", "input": "dam_height_m", "low": "1", "high": "2", "unit": "m"},
    ]
    monkeypatch.setattr(runout, "load_table", lambda name: rows)
    ranges, notes = runout._fit_ranges("m")
    assert ranges == {"dam_height_m": (5.0, 66.0)}
    assert len(notes) == 1 and "impounded_volume_m3" in notes[0]


def test_every_regression_has_a_fit_range_row_with_a_source() -> None:
    rows = runout.load_table("tailings_runout_fit_ranges")
    for method in runout.METHODS:
        mine = {r["input"]: r for r in rows if r["model"] == method}
        assert set(mine) == {"impounded_volume_m3", "dam_height_m"}
        assert all(r["source"] and r["status"] for r in mine.values())


def test_validity_json_has_no_infinity() -> None:
    env = GaussianPlume().envelope(wind_speed_m_s=0.5, distance_m=[500.0])
    doc = env.to_json()
    assert doc["ranges"]["wind_speed_m_s"] == {"low": 1.0, "high": None, "unit": "m/s"}
    json.dumps(doc, allow_nan=False)
    assert doc["outside"] and not doc["inside"]


def test_invalid_input_helper() -> None:
    err = base.invalid_input("x_m", "must be finite")
    assert isinstance(err, ValidationError) and err.problems[0].field == "x_m"
    base.raise_problems([])  # nothing to raise
