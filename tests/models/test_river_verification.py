"""Verification of the river spill model against the tables in tests/models/reference/."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np
import pytest
from scipy.integrate import quad

from hazatlas.models.river import lakes, numerical
from hazatlas.models.river.path import RiverPath
from hazatlas.models.river.spill import Release, RiverSpillModel

REF = Path(__file__).parent / "reference"


def _rows(name: str) -> list[dict[str, str]]:
    with (REF / name).open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _floats(text: str) -> np.ndarray:
    return np.array([float(x) if x.strip() else np.nan for x in text.split(";")])


def _path(row: dict[str, str]) -> RiverPath:
    n = _floats(row["length_m"]).size
    return RiverPath(
        length_m=_floats(row["length_m"]),
        velocity_m_s=_floats(row["velocity_m_s"]),
        dispersion_m2_s=_floats(row["dispersion_m2_s"]),
        discharge_m3_s=_floats(row["discharge_m3_s"]),
        lake_volume_m3=_floats(row["lake_volume_m3"]) if row.get("lake_volume_m3") else None,
        storage_ratio=_floats(row["storage_ratio"]) if row.get("storage_ratio") else np.zeros(n),
        exchange_per_s=_floats(row["exchange_per_s"]) if row.get("exchange_per_s") else None,
    )


UNIFORM = _rows("river_uniform_reach.csv")


@pytest.mark.parametrize("row", UNIFORM, ids=[r["case"] for r in UNIFORM])
def test_uniform_reach_against_eq1(row: dict[str, str]) -> None:
    """Peak, its time, arrival and trailing edge within the table's tolerance of Eq. (1)."""
    path = RiverPath.uniform(
        float(row["distance_m"]) * 2,
        float(row["velocity_m_s"]),
        float(row["dispersion_m2_s"]),
        float(row["discharge_m3_s"]),
    )
    release = Release(
        float(row["mass_kg"]), float(row["duration_s"]), float(row["decay_per_day"]) / 86_400
    )
    res = RiverSpillModel(path).compute(
        release, [float(row["distance_m"])], float(row["threshold_mg_l"]) / 1000
    )
    tol = float(row["tolerance_rel"])
    assert res.peak_kg_m3[0] * 1000 == pytest.approx(float(row["peak_mg_l"]), rel=tol)
    assert res.arrival_s[0] == pytest.approx(float(row["arrival_s"]), rel=tol)
    assert res.trailing_s[0] == pytest.approx(float(row["trailing_s"]), rel=tol)
    if row["peak_time_s"]:  # blank for a plateau, where the time of the maximum is undefined
        assert res.peak_time_s[0] == pytest.approx(float(row["peak_time_s"]), rel=tol)


COMPARISON = _rows("river_numerical_comparison.csv")


@pytest.mark.parametrize("row", COMPARISON, ids=[r["case"] for r in COMPARISON])
def test_against_reference_solver(row: dict[str, str]) -> None:
    """Moments model vs the finite-volume reference on branched/lake/storage paths."""
    path = _path(row)
    release = Release(
        float(row["mass_kg"]), float(row["duration_s"]), float(row["decay_per_day"]) / 86_400
    )
    points = _floats(row["distance_m"])
    times = np.arange(0.0, float(row["end_time_s"]), 50.0)
    ref = numerical.solve(numerical.build_grid(path, float(row["dx_m"])), release, points, times)
    model = RiverSpillModel(path)
    res = model.compute(release, points, threshold_kg_m3=1e-9)
    ref_peak = ref.max(axis=1)
    assert np.allclose(res.peak_kg_m3, ref_peak, rtol=float(row["tolerance_peak_rel"]), atol=0.0)
    if release.duration_s == 0:
        ref_time = times[ref.argmax(axis=1)]
        assert np.all(np.abs(res.peak_time_s - ref_time) <= float(row["tolerance_peak_time_s"]))


CONVERGENCE = _rows("river_convergence.csv")


@pytest.mark.parametrize("row", CONVERGENCE, ids=[r["case"] for r in CONVERGENCE])
def test_reference_solver_converges(row: dict[str, str]) -> None:
    path = _path(row)
    release = Release(float(row["mass_kg"]), float(row["duration_s"]))
    x = float(row["distance_m"])
    times = np.arange(0.0, float(row["end_time_s"]), 100.0)
    exact = RiverSpillModel(path).series(release, [x], times).max()
    errors = []
    for dx in _floats(row["dx_m"]):
        approx = numerical.solve(numerical.build_grid(path, dx), release, [x], times).max()
        errors.append(abs(approx - exact) / exact)
    orders = [math.log2(a / b) for a, b in zip(errors[:-1], errors[1:], strict=True)]
    assert all(o >= float(row["min_order"]) for o in orders), (errors, orders)


MASS = _rows("river_mass_balance.csv")


@pytest.mark.parametrize("row", MASS, ids=[r["case"] for r in MASS])
def test_mass_conservation(row: dict[str, str]) -> None:
    """Q * integral of C dt equals the released mass (no decay) at every point."""
    path = _path(row)
    model = RiverSpillModel(path)
    release = Release(float(row["mass_kg"]), float(row["duration_s"]))
    tol = float(row["tolerance_rel"])
    for x in _floats(row["distance_m"]):
        mean, var, q = model.moments.at([x])
        tau = model.moments.lakes_at([x])
        if tau.sum() > 0:  # below a lake: the grid curve of lakes.py, integrated on its nodes
            t, c = lakes.grid_breakthrough(
                release.mass_kg,
                release.duration_s,
                0.0,
                mean - tau.sum(axis=1),
                var - (tau**2).sum(axis=1),
                q,
                tau,
            )
            mass = float(np.sum(0.5 * (c[0, 1:] + c[0, :-1]) * np.diff(t[0])))
        else:  # closed form, integrated in log-time by adaptive quadrature
            # the tail of (K1) decays like exp(-t mu / (2 var)): go 40 of those scales beyond
            end = float(
                mean[0] + release.duration_s + 60 * math.sqrt(var[0]) + 80 * var[0] / mean[0]
            )

            def integrand(s: float, x: float = x) -> float:
                t = math.exp(s)
                return float(model.series(release, [x], np.array([t]))[0, 0]) * t

            lo = math.log(1e-4 * float(mean[0]))
            mass = 0.0
            for a, b in _pieces(lo, math.log(end), math.log(float(mean[0]))):
                part, _ = quad(integrand, a, b, limit=500, epsabs=0.0, epsrel=1e-11)
                mass += part
        assert mass * q[0] == pytest.approx(release.mass_kg, rel=tol)


def _pieces(lo: float, hi: float, centre: float) -> list[tuple[float, float]]:
    cuts = sorted({lo, hi, *(c for c in np.linspace(centre - 3, centre + 3, 13) if lo < c < hi)})
    return list(zip(cuts[:-1], cuts[1:], strict=True))


def test_reference_solver_conserves_mass() -> None:
    path = RiverPath([30e3, 40e3], [1.0, 0.7], [50.0, 80.0], [100.0, 300.0])
    grid = numerical.build_grid(path, 200.0)
    masses = [
        numerical.total_mass(grid, c) for c in numerical.march(grid, Release(1000.0), 50.0, 600)
    ]
    assert np.allclose(masses, 1000.0, rtol=1e-10)


def test_dilution_at_confluence() -> None:
    """A long continuous release reaches the plateau R/Q upstream and R/(Q1+Q2) downstream."""
    path = RiverPath([30e3, 40e3], [1.0, 1.0], [50.0, 80.0], [100.0, 300.0])
    release = Release(mass_kg=360_000.0, duration_s=3600.0 * 100)  # 1 kg/s
    res = RiverSpillModel(path).compute(release, [20e3, 60e3], threshold_kg_m3=1e-6)
    assert res.peak_kg_m3 == pytest.approx([1.0 / 100.0, 1.0 / 300.0], rel=1e-6)
    ref = numerical.solve(
        numerical.build_grid(path, 200.0), release, [20e3, 60e3], np.arange(0, 2e5, 1000.0)
    )
    assert ref[:, -1] == pytest.approx([1.0 / 100.0, 1.0 / 300.0], rel=1e-3)


def test_falling_discharge_does_not_concentrate() -> None:
    """Where the discharge falls (bifurcation) the mass leaves with the water."""
    path = RiverPath([30e3, 40e3], [1.0, 1.0], [50.0, 50.0], [300.0, 100.0])
    release = Release(mass_kg=360_000.0, duration_s=3600.0 * 100)
    res = RiverSpillModel(path).compute(release, [20e3, 60e3], threshold_kg_m3=1e-6)
    assert res.peak_kg_m3 == pytest.approx([1.0 / 300.0, 1.0 / 300.0], rel=1e-6)
