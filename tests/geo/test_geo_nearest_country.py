"""The fast nearest-country path (points at sea) gives the answers of the straightforward one,
and chunked bulk processing gives the answers of one pass."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hazatlas.geo import borders, snapping
from hazatlas.geo.borders import (
    _outline_vertices,
    countries_at,
    nearest_border,
    nearest_country,
    nearest_country_exact,
)
from hazatlas.geo.network import RiverNetwork

LON = st.floats(-12.0, 82.0, allow_nan=False)
LAT = st.floats(28.0, 62.0, allow_nan=False)


def _check(lon: np.ndarray, lat: np.ndarray) -> None:
    inside = countries_at(lon, lat)
    fast = nearest_country(lon, lat)
    assert (fast[inside != ""] == inside[inside != ""]).all()
    sea = inside == ""
    if sea.any():
        assert fast[sea].tolist() == nearest_country_exact(lon[sea], lat[sea]).tolist()
        outside = nearest_country(lon[sea], lat[sea], outside=True)
        assert outside.tolist() == fast[sea].tolist()


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(LON, LAT), min_size=1, max_size=40))
def test_random_points_in_the_region_including_sea(points: list[tuple[float, float]]) -> None:
    xy = np.array(points)
    _check(xy[:, 0], xy[:, 1])


@settings(max_examples=80, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(0, 10**9),
            st.floats(-0.05, 0.05, allow_nan=False),
            st.floats(-0.05, 0.05, allow_nan=False),
            st.sampled_from([1.0, 0.0, 1e-9]),  # 0: exactly on the outline (ties, shared borders)
        ),
        min_size=1,
        max_size=30,
    )
)
def test_points_near_coasts_and_borders(points: list[tuple[int, float, float, float]]) -> None:
    """Points on and next to the country outlines: coasts, land borders, shared vertices."""
    xy = _outline_vertices()[0]
    rows = np.array([p[0] % len(xy) for p in points])
    scale = np.array([p[3] for p in points])
    lon = xy[rows, 0] + np.array([p[1] for p in points]) * scale
    lat = xy[rows, 1] + np.array([p[2] for p in points]) * scale
    keep = (np.abs(lon) <= 180) & (np.abs(lat) <= 90)
    _check(lon[keep], lat[keep])


def test_known_sea_points() -> None:
    # Caspian (KAZ and TKM share a coastal point at the same distance from this one: a tie),
    # Black Sea, Adriatic, Atlantic off Portugal, Persian Gulf
    lon = np.array([51.47441, 34.0, 15.0, -10.5, 51.0, 50.0])
    lat = np.array([41.33966, 43.5, 43.0, 39.0, 27.5, 42.0])
    assert nearest_country(lon, lat).tolist() == nearest_country_exact(lon, lat).tolist()


def test_sea_points_rarely_need_the_exact_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """The straightforward path costs about 1 ms per point at sea (GEOS distance to whole
    country polygons); the fast path must answer almost every point itself."""
    rng = np.random.default_rng(7)
    lon, lat = rng.uniform(-10, 80, 6000), rng.uniform(30, 60, 6000)
    sea = countries_at(lon, lat) == ""
    assert sea.sum() > 800
    asked: list[int] = []
    exact = borders.nearest_country_exact

    def counting(x: np.ndarray, y: np.ndarray) -> np.ndarray:
        asked.append(len(x))
        return exact(x, y)

    monkeypatch.setattr(borders, "nearest_country_exact", counting)
    got = nearest_country(lon[sea], lat[sea])
    assert sum(asked) <= 0.01 * sea.sum()
    assert (got != "").all()


def test_chunked_bulk_processing_gives_the_same_answers(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(11)
    n = 5000
    lon, lat = rng.uniform(-10, 80, n), rng.uniform(30, 60, n)
    net = RiverNetwork.load_default()
    whole = (
        countries_at(lon, lat),
        nearest_country(lon, lat),
        *nearest_border(lon, lat),
        *snapping._arrays(snapping.snap_points(net, lon, lat)),
    )
    monkeypatch.setattr(borders, "CHUNK", 333)
    monkeypatch.setattr(snapping, "CHUNK", 777)
    chunked = (
        countries_at(lon, lat),
        nearest_country(lon, lat),
        *nearest_border(lon, lat),
        *snapping._arrays(snapping.snap_points(net, lon, lat)),
    )
    for a, b in zip(whole, chunked, strict=True):
        np.testing.assert_array_equal(a, b)
