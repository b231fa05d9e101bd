"""Property tests of the river spill model (hypothesis)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from hazatlas.models.river.path import RiverPath
from hazatlas.models.river.spill import Release, RiverSpillModel

SETTINGS = settings(max_examples=40, deadline=None)


@st.composite
def paths(draw: st.DrawFn, lakes: bool = True) -> RiverPath:
    n = draw(st.integers(1, 5))
    length = draw(st.lists(st.floats(1_000, 200_000), min_size=n, max_size=n))
    velocity = draw(st.lists(st.floats(0.1, 3.0), min_size=n, max_size=n))
    dispersion = draw(st.lists(st.floats(1.0, 2_000.0), min_size=n, max_size=n))
    inflow = draw(st.lists(st.floats(0.0, 500.0), min_size=n, max_size=n))
    q0 = draw(st.floats(1.0, 2_000.0))
    discharge = q0 + np.cumsum(inflow)
    volume = [np.nan] * n
    if lakes and draw(st.booleans()):
        i = draw(st.integers(0, n - 1))
        volume[i] = draw(st.floats(1e5, 1e9))
    return RiverPath(length, velocity, dispersion, discharge, lake_volume_m3=volume)


releases = st.builds(
    Release,
    mass_kg=st.floats(0.1, 1e6),
    duration_s=st.one_of(st.just(0.0), st.floats(60.0, 5 * 86_400.0)),
    decay_per_s=st.one_of(st.just(0.0), st.floats(1e-8, 1e-4)),
)


@SETTINGS
@given(
    path=paths(), release=releases, fractions=st.lists(st.floats(1e-3, 1.0), min_size=1, max_size=6)
)
def test_concentration_never_negative(
    path: RiverPath, release: Release, fractions: list[float]
) -> None:
    model = RiverSpillModel(path)
    d = np.array(fractions) * model.moments.total_length_m
    times = np.linspace(0.0, 60 * 86_400.0, 400)
    c = model.series(release, d, times)
    assert np.all(np.isfinite(c)) and np.all(c >= 0.0)
    res = model.compute(release, d, threshold_kg_m3=1e-6)
    assert np.all(res.peak_kg_m3 >= 0.0)


@SETTINGS
@given(path=paths(), release=releases, factor=st.floats(1.0, 100.0), fraction=st.floats(1e-3, 1.0))
def test_more_mass_never_lower_peak(
    path: RiverPath, release: Release, factor: float, fraction: float
) -> None:
    model = RiverSpillModel(path)
    d = [fraction * model.moments.total_length_m]
    more = Release(release.mass_kg * factor, release.duration_s, release.decay_per_s)
    low = model.compute(release, d, 1e-6).peak_kg_m3[0]
    high = model.compute(more, d, 1e-6).peak_kg_m3[0]
    assert high >= low * (1 - 1e-9)


@SETTINGS
@given(
    path=paths(),
    release=releases,
    fractions=st.lists(st.floats(1e-3, 1.0), min_size=2, max_size=8),
    threshold=st.floats(1e-7, 1e-3),
)
def test_front_never_earlier_downstream(
    path: RiverPath, release: Release, fractions: list[float], threshold: float
) -> None:
    model = RiverSpillModel(path)
    d = np.sort(np.array(fractions)) * model.moments.total_length_m
    arrival = model.compute(release, d, threshold).arrival_s
    arrival = np.where(np.isnan(arrival), np.inf, arrival)  # never above = arrives "at infinity"
    earlier, later = arrival[:-1], arrival[1:]
    assert np.all((later == np.inf) | (later >= earlier * (1 - 1e-9)))
