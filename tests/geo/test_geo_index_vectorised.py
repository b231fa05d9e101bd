"""The vectorised index builders (snapping index, country runs, transitions to the outlet)
give exactly what the former reach-by-reach implementations gave, kept here as the reference:
on the bundled network (with its riparian contacts) and on a synthetic network with tributaries
(``hazatlas.geo.network_synthetic``)."""

from __future__ import annotations

import functools

import numpy as np
import pytest

from hazatlas.geo import paths
from hazatlas.geo._segindex import SegmentIndex
from hazatlas.geo.network import RiverNetwork, fold, readonly
from hazatlas.geo.network_build import build, to_network
from hazatlas.geo.network_synthetic import synthetic_network
from hazatlas.geo.snapping import REACH_SPACING_M


# ----------------------------------------------------------------- the former implementations
def old_segments(network: RiverNetwork) -> SegmentIndex:
    return SegmentIndex([np.asarray(g.coords) for g in network.geometry], REACH_SPACING_M)


def old_river_key(network: RiverNetwork) -> np.ndarray:
    names = [fold(nm) or f"#{int(r)}" for nm, r in zip(network.name, network.reach_id, strict=True)]
    return np.unique(np.array(names), return_inverse=True)[1].astype(np.int64)


def old_sample_states(network, snap):
    index = snap.segments
    lon, lat, feat = index.lon, index.lat, index.feature
    offset = index.along * snap.scale[feat]
    country = paths.countries_at(lon, lat)
    bidx, ca, cb = paths._border_index()
    near = bidx.query(lon, lat, k=1, max_distance_m=paths.BORDER_TOLERANCE_M)
    f = near.feature[:, 0]
    on_border = (f >= 0) & (near.distance_m[:, 0] <= paths.BORDER_TOLERANCE_M)
    states = []
    for c, ob, fi in zip(country.tolist(), on_border.tolist(), f.tolist(), strict=True):
        s = {c} if c else set()
        if ob:
            s |= {str(ca[fi]), str(cb[fi])}
        states.append(tuple(sorted(s)))
    return feat, offset, states


def old_runs(network, snap):
    feat, offset, states = old_sample_states(network, snap)
    n = len(network)
    bounds = np.searchsorted(feat, np.arange(n + 1))
    run_start, run_state = [], []
    for r in range(n):
        lo, hi = bounds[r], bounds[r + 1]
        off = offset[lo:hi]
        if hi - lo == 0:
            run_start.append(np.zeros(1))
            run_state.append(((),))
            continue
        mids = (off[:-1] + off[1:]) / 2 if hi - lo > 1 else np.zeros(0)
        st = [0.0, *mids.tolist()]
        en = [*mids.tolist(), float(network.length_m[r])]
        s, ss = paths._smooth(st, en, list(states[lo:hi]))
        run_start.append(readonly(s))
        run_state.append(tuple(ss))
    sizes = np.array([len(s) for s in run_start])
    ptr = np.concatenate([[0], np.cumsum(sizes)])
    length = np.maximum(network.length_m, 1.0)
    reach_of = np.repeat(np.arange(n), sizes)
    pos = np.concatenate(run_start) / (length[reach_of] + 1.0) + reach_of
    return paths.RiverRuns(tuple(run_start), tuple(run_state), ptr, pos, length)


def old_tails(network, runs, contacts):
    run_state = runs.state
    n = len(network)
    tail = [()] * n
    within = [()] * n
    for idx in reversed(network.groups):
        for r in idx.tolist():
            d = int(network.downstream[r])
            own = paths.reach_transitions(r, runs, contacts)[1]
            if d >= 0:
                junction = ()
                if run_state[d][0] != run_state[r][-1] and run_state[d][0]:
                    junction = (paths.Transition(d, 0.0, run_state[r][-1], run_state[d][0]),)
                tail[r] = junction + within[d]
            within[r] = own + tail[r]
    return tuple(tail)


# ----------------------------------------------------------------- networks
@functools.cache
def _synthetic() -> RiverNetwork:
    return to_network(build(synthetic_network(6_000, 3), with_lakes=False), "synthetic")


@pytest.fixture(scope="module", params=["bundled", "synthetic"])
def network(request) -> RiverNetwork:
    return RiverNetwork.load_default() if request.param == "bundled" else _synthetic()


def _same_segments(a: SegmentIndex, b: SegmentIndex) -> None:
    assert a.n_features == b.n_features
    for name in ("lon", "lat", "feature", "is_first", "is_last", "xyz", "along"):
        x, y = getattr(a, name), getattr(b, name)
        assert x.dtype == y.dtype and x.shape == y.shape, name
        assert np.array_equal(x, y), name


def test_snapping_index_equals_the_geometry_by_geometry_one(network) -> None:
    snap = network.index.snap
    _same_segments(snap.segments, old_segments(network))
    # the key is a label ("same river"): the same partition of the reaches, label by label
    new, old = snap.river_key, old_river_key(network)
    assert new.dtype == np.int64 and len(new) == len(old) and (new >= 0).all()
    pairs = np.unique(np.column_stack([new, old]), axis=0)
    assert len(pairs) == len(np.unique(new)) == len(np.unique(old))
    assert len(np.unique(old)) < len(network)  # named rivers of several reaches are there


def test_a_subset_index_equals_the_geometry_by_geometry_one(network) -> None:
    reaches = tuple(range(0, len(network), 7))
    new = network.index.reach_subset(reaches)
    old = SegmentIndex([np.asarray(network.geometry[r].coords) for r in reaches], REACH_SPACING_M)
    _same_segments(new, old)


def test_country_runs_equal_the_reach_by_reach_ones(network) -> None:
    new, old = network.index.runs, old_runs(network, network.index.snap)
    assert len(new.start) == len(old.start) == len(network)
    for a, b in zip(new.start, old.start, strict=True):
        assert a.dtype == b.dtype and np.array_equal(a, b)
    assert new.state == old.state
    for name in ("ptr", "pos", "length_m"):
        assert np.array_equal(getattr(new, name), getattr(old, name)), name
    assert new.ptr.dtype == old.ptr.dtype
    # the reaches of several runs are there to compare (not only the one-run shortcut)
    assert (np.diff(new.ptr) > 1).sum() > 10


def test_transitions_to_the_outlet_equal_the_reach_by_reach_ones(network) -> None:
    index = network.index
    assert index.tails == old_tails(network, index.runs, index.contacts)
    assert sum(len(t) for t in index.tails) > 0


def test_a_network_without_lines_or_reaches_still_builds() -> None:
    empty = SegmentIndex.from_lines(np.zeros(0, dtype=object))
    _same_segments(empty, SegmentIndex([]))
