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
    old = old_tails(network, index.runs, index.contacts)
    # built on demand (``paths.Tails``): asked first in an order that is not topological
    # (upstream reaches before the ones below them, some twice), then all of them
    lazy = paths.Tails(network, index.runs, index.contacts)
    ask = np.random.default_rng(5).permutation(len(network))[:200].tolist()
    for r in [*ask, *ask[:20]]:
        assert lazy[r] == old[r]
    assert tuple(lazy) == old and len(lazy) == len(old) and lazy[-1] == old[-1]
    assert tuple(index.tails) == old
    assert paths.build_tails(network, index.runs, index.contacts) == old
    assert sum(len(t) for t in old) > 0
    with pytest.raises(IndexError):
        lazy[len(network)]


def old_same_events_as(network) -> np.ndarray:
    """The reach-by-reach rule of ``NetworkIndex.same_events_as`` (state tuples compared)."""
    index = network.index
    runs, contacts, down = index.runs, index.contacts, network.downstream
    one_run = np.diff(runs.ptr) == 1
    passes = np.zeros(len(network), dtype=bool)
    for r in np.flatnonzero(one_run & (down >= 0)).tolist():
        passes[r] = r not in contacts and runs.state[int(down[r])][0] == runs.state[r][0]
    out = np.arange(len(network))
    for idx in reversed(network.groups):
        p = idx[passes[idx]]
        out[p] = out[down[p]]
    return out


def test_reaches_with_the_same_events_equal_the_reach_by_reach_ones(network) -> None:
    new = network.index.same_events_as
    assert np.array_equal(new, old_same_events_as(network))
    assert (new != np.arange(len(network))).any()


def test_runs_read_back_from_their_arrays_are_the_same(network) -> None:
    runs = network.index.runs
    ptr, start, code, table = runs.arrays()
    back = paths.RiverRuns.from_arrays(network.length_m, ptr, start, code, table)
    assert back.state == runs.state and len(back.start) == len(runs.start)
    for a, b in zip(back.start, runs.start, strict=True):
        assert a.dtype == b.dtype and np.array_equal(a, b)
    for name in ("ptr", "pos", "length_m", "code"):
        x, y = getattr(back, name), getattr(runs, name)
        assert x.dtype == y.dtype and np.array_equal(x, y), name
    # runs built without codes (as the tests' hand-made ones) get the same ones computed
    plain = paths.RiverRuns(runs.start, runs.state, runs.ptr, runs.pos, runs.length_m)
    c2, t2 = plain.state_codes()
    assert [t2[c] for c in c2.tolist()] == [table[c] for c in code.tolist()]


def test_a_snapping_index_read_back_from_its_arrays_answers_the_same(network) -> None:
    from hazatlas.geo.snapping import SnapIndex

    snap = network.index.snap
    back = SnapIndex.from_arrays(snap.arrays())
    _same_segments(back.segments, snap.segments)
    assert np.array_equal(back.scale, snap.scale)
    assert np.array_equal(back.river_key, snap.river_key)
    rng = np.random.default_rng(2)
    lon, lat = rng.uniform(13, 30, 3000), rng.uniform(42, 49, 3000)
    for a, b in ((back.segments, snap.segments),):
        for k, bound in ((1, np.inf), (8, 20_000.0)):
            x, y = a.query(lon, lat, k=k, max_distance_m=bound), b.query(lon, lat, k=k,
                                                                        max_distance_m=bound)
            for name in ("feature", "distance_m", "along_m", "lon", "lat"):
                assert np.array_equal(getattr(x, name), getattr(y, name), equal_nan=True)


def test_a_network_without_lines_or_reaches_still_builds() -> None:
    empty = SegmentIndex.from_lines(np.zeros(0, dtype=object))
    _same_segments(empty, SegmentIndex([]))


def test_reaches_named_equal_the_reach_by_reach_ones(network) -> None:
    alt = network.attributes.get("name_alt") or ("",) * len(network)
    asked = ["Danube", "DONAU", "Tisza", "somes", "Prut", "", "no such river"]
    asked += [network.name[i] for i in range(0, len(network), max(len(network) // 5, 1))]
    for river in asked:
        key = fold(river)
        old = [i for i, (a, b) in enumerate(zip(network.name, alt, strict=True))
               if key in {fold(a), fold(b)}]  # fmt: skip
        new = network.reaches_named(river)
        assert new.dtype == np.int64 and new.tolist() == old, river
