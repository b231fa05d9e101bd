"""Bulk screening of random points (some at sea, some near borders, no country given) gives
the answers of screening each point alone the straightforward way (nearest country by GEOS
distance to whole country polygons)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hazatlas.geo import borders
from hazatlas.geo.network import RiverNetwork
from hazatlas.services import screen
from hazatlas.services.screen import Site, screen_sites

NET = RiverNetwork.load_default()
VERTS = borders._outline_vertices()[0]

random_point = st.tuples(st.floats(-10.0, 80.0), st.floats(30.0, 60.0))
near_outline = st.builds(
    lambda i, dx, dy: (float(VERTS[i % len(VERTS), 0] + dx), float(VERTS[i % len(VERTS), 1] + dy)),
    st.integers(0, 10**9),
    st.floats(-0.03, 0.03),
    st.floats(-0.03, 0.03),
)


@settings(max_examples=25, deadline=None)
@given(st.lists(st.one_of(random_point, near_outline), min_size=1, max_size=12))
def test_bulk_equals_one_at_a_time_straightforward(
    points: list[tuple[float, float]],
) -> None:
    points = [(x, y) for x, y in points if -180 <= x <= 180 and -90 <= y <= 90]
    sites = [Site(f"P{i}", x, y) for i, (x, y) in enumerate(points)]
    bulk = screen_sites(sites, network=NET).results()
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(screen, "nearest_country", lambda x, y, **_: borders.nearest_country_exact(x, y))
        alone = [screen_sites([s], network=NET).result(0) for s in sites]
    assert bulk == alone


def test_sea_point_takes_the_nearest_country_with_a_warning() -> None:
    out = screen_sites([Site("sea", 34.0, 43.5), Site("caspian", 50.0, 42.0)], network=NET)
    res = out.results()
    assert [r["country"] for r in res] == ["UKR", "AZE"]
    assert res[0]["warnings"][0] == ("point is outside every country polygon; country taken as UKR")
    np.testing.assert_array_equal(out.country, np.array(["UKR", "AZE"]))


def test_prepare_builds_the_site_independent_indexes() -> None:
    net = RiverNetwork.load_default().with_dispersion_method("fischer1975")  # a fresh index
    assert "runs" not in net.index.built() and "travel" not in net.index.built()
    borders._country_border_index.cache_clear()
    assert screen.prepare(net) is net
    assert {"snap", "runs", "travel"} <= net.index.built()
    codes, _, _ = borders._country_features()
    assert borders._country_border_index.cache_info().currsize == len(codes)
