"""Property tests: travel time is monotone along a path; a downstream path (and its state
transitions) is a suffix of the path of any site upstream on the same river."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hazatlas.geo.network import RiverNetwork
from hazatlas.geo.paths import downstream_path, site_transitions, time_to_outlet

NET = RiverNetwork.load_default()
SYSTEMS = {"Danube", "Syr Darya", "Dniester", "Rhine"}
REACHES = [i for i, s in enumerate(NET.attributes["system"]) if s in SYSTEMS]


def _time_to_outlet(reach: int, offset: float, flow: str) -> float:
    t, v = time_to_outlet(NET, flow)
    return float(t[reach] - offset / v[reach])


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(REACHES), st.floats(0.0, 1.0), st.sampled_from(["low", "mean", "high"]))
def test_travel_time_monotone_along_the_path(reach: int, frac: float, flow: str) -> None:
    offset = frac * NET.length_m[reach]
    start = _time_to_outlet(reach, offset, flow)
    times = [start - _time_to_outlet(r, 0.0, flow) for r in downstream_path(NET, reach)[1:]]
    times.append(start)  # the outlet
    assert times[0] >= -1e-6  # 0 when the site is at the end of its reach
    assert np.all(np.diff(times) > 0)


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(REACHES), st.floats(0.0, 1.0), st.data())
def test_downstream_path_is_a_suffix(reach: int, frac: float, data: st.DataObject) -> None:
    path_a = downstream_path(NET, reach)
    k = data.draw(st.integers(0, len(path_a) - 1))
    reach_b = int(path_a[k])
    off_a = frac * NET.length_m[reach]
    lo = off_a if reach_b == reach else 0.0
    off_b = data.draw(st.floats(lo, float(NET.length_m[reach_b])))
    path_b = downstream_path(NET, reach_b)
    assert path_a[-len(path_b) :].tolist() == path_b.tolist()
    _, trans_a = site_transitions(NET, reach, off_a)
    _, trans_b = site_transitions(NET, reach_b, off_b)
    assert trans_a[len(trans_a) - len(trans_b) :] == trans_b


@pytest.mark.parametrize("flow", ["low", "mean", "high"])
def test_lower_flow_is_never_faster(flow: str) -> None:
    t_low, _ = time_to_outlet(NET, "low")
    t_high, _ = time_to_outlet(NET, "high")
    t, _ = time_to_outlet(NET, flow)
    assert (t_low >= t - 1e-6).all() and (t >= t_high - 1e-6).all()


@settings(max_examples=40, deadline=None)
@given(st.lists(st.sampled_from(REACHES), min_size=1, max_size=5), st.sampled_from(REACHES))
def test_on_path_matches_a_path_walk(sites: list[int], poi: int) -> None:
    from hazatlas.geo.paths import on_path

    hits = on_path(NET, np.array(sites), np.zeros(len(sites)), np.array([poi]), np.array([1.0]))
    for k, s in enumerate(sites):
        assert bool(hits[k, 0]) == (poi in downstream_path(NET, s).tolist())
