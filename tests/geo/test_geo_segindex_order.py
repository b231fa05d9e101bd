"""Large queries of the segment index run in spatial (Morton) order; the answers must be the
same, point for point, as in the given order."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from hazatlas.geo._segindex import SORT_QUERIES_MIN, SegmentIndex, spatial_order


def _lines(rng: np.random.Generator) -> list[np.ndarray]:
    out = []
    for _ in range(40):
        start = rng.uniform([10.0, 40.0], [40.0, 55.0])
        steps = rng.normal(0.0, 0.05, (rng.integers(2, 30), 2))
        out.append(start + np.cumsum(steps, axis=0))
    return out


@settings(max_examples=10, deadline=None)
@given(
    st.integers(0, 2**32 - 1),
    st.sampled_from([1, 3, 8]),
    st.sampled_from([np.inf, 20_000.0]),
    st.sampled_from([None, 1, 2]),
)
def test_sorted_queries_give_the_same_answers(
    seed: int, k: int, max_distance_m: float, refine: int | None
) -> None:
    rng = np.random.default_rng(seed)
    index = SegmentIndex(_lines(rng), 1000.0)
    n = SORT_QUERIES_MIN + 500
    lon, lat = rng.uniform(5.0, 45.0, n), rng.uniform(35.0, 60.0, n)
    sorted_path = index.query(lon, lat, k, max_distance_m, refine)
    given_order = index._query(lon, lat, k, max_distance_m, refine)
    for name in ("feature", "distance_m", "along_m", "lon", "lat"):
        np.testing.assert_array_equal(getattr(sorted_path, name), getattr(given_order, name))


def test_spatial_order_is_a_permutation_that_groups_neighbours() -> None:
    rng = np.random.default_rng(1)
    lon, lat = rng.uniform(-180, 180, 5000), rng.uniform(-90, 90, 5000)
    order = spatial_order(lon, lat)
    assert sorted(order.tolist()) == list(range(5000))
    step = np.hypot(np.diff(lon[order]), np.diff(lat[order]))
    assert np.median(step) < np.median(np.hypot(np.diff(lon), np.diff(lat))) / 5


@settings(max_examples=5, deadline=None)
@given(st.integers(0, 2**32 - 1), st.sampled_from([10, SORT_QUERIES_MIN + 100]))
def test_nearest_point_equals_query_k1(seed: int, n: int) -> None:
    rng = np.random.default_rng(seed)
    index = SegmentIndex(_lines(rng), 500.0)
    lon, lat = rng.uniform(5.0, 45.0, n), rng.uniform(35.0, 60.0, n)
    feature, clon, clat = index.nearest_point(lon, lat)
    near = index.query(lon, lat, k=1)
    np.testing.assert_array_equal(feature, near.feature[:, 0])
    np.testing.assert_array_equal(clon, near.lon[:, 0])
    np.testing.assert_array_equal(clat, near.lat[:, 0])


@settings(max_examples=5, deadline=None)
@given(st.integers(0, 2**32 - 1))
def test_query_without_details_gives_the_vertices_of_the_unrefined_candidates(seed: int) -> None:
    rng = np.random.default_rng(seed)
    index = SegmentIndex(_lines(rng), 1000.0)
    lon, lat = rng.uniform(5.0, 45.0, 300), rng.uniform(35.0, 60.0, 300)
    full = index._query(lon, lat, 8, 20_000.0, 2)
    lean = index._query(lon, lat, 8, 20_000.0, 2, details=False)
    assert lean.vertex is not None
    for name in ("feature", "distance_m"):
        np.testing.assert_array_equal(getattr(lean, name), getattr(full, name))
    for name in ("along_m", "lon", "lat"):
        np.testing.assert_array_equal(getattr(lean, name)[:, :2], getattr(full, name)[:, :2])
    found = lean.feature[:, 2:] >= 0
    w = lean.vertex[:, 2:][found]
    np.testing.assert_array_equal(index.along[w], full.along_m[:, 2:][found])
    np.testing.assert_array_equal(index.lon[w], full.lon[:, 2:][found])
    np.testing.assert_array_equal(index.lat[w], full.lat[:, 2:][found])
