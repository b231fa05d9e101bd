"""Building networks users bring (pure part): topology, checks and the OpenStreetMap rule."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hazatlas.domain.errors import HazatlasError, ValidationError
from hazatlas.geo._segindex import _densify, _densify_all
from hazatlas.geo.network_build import ReachTable, build, check, geodesic_lengths, to_network
from hazatlas.geo.network_topology import cycle_members, levels
from hazatlas.geo.osm import reaches_from_ways


def _walk_levels(down: np.ndarray) -> list[int]:
    out = []
    for i in range(len(down)):
        k, j = 0, int(down[i])
        while j >= 0:
            k, j = k + 1, int(down[j])
        out.append(k)
    return out


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=10_000), min_size=1, max_size=300))
def test_levels_equal_walking_down(parents: list[int]) -> None:
    # a random forest: reach i flows into a reach of lower index, or is an outlet
    down = np.array([-1 if i == 0 or p % 5 == 0 else p % i for i, p in enumerate(parents)])
    assert levels(down).tolist() == _walk_levels(down)


def test_levels_of_a_long_chain_and_a_cycle() -> None:
    chain = np.arange(1, 100_001)
    chain[-1] = -1
    assert levels(chain)[0] == 100_000 - 1
    with pytest.raises(HazatlasError, match="cycle"):
        levels(np.array([1, 2, 0, -1]))
    assert cycle_members(np.array([-1, 2, 3, 1])) == [1, 2, 3]


def _table(ids, next_down, lines, **kw) -> ReachTable:
    coords = np.concatenate([np.asarray(c, dtype=float) for c in lines])
    offsets = np.concatenate([[0], np.cumsum([len(c) for c in lines])])
    n = len(ids)
    return ReachTable(
        source=kw.get("source", "rivers.gpkg"),
        reach_id=np.array(ids, dtype=np.int64),
        next_down=np.array(next_down, dtype=np.int64),
        coords=coords,
        offsets=offsets.astype(np.int64),
        name=np.array(kw.get("name", [""] * n), dtype=object),
        length_m=np.array(kw.get("length_m", [np.nan] * n), dtype=float),
        discharge_m3_s=np.array(kw.get("q", [np.nan] * n), dtype=float),
        element=np.array(ids, dtype=np.int64),
        element_label="HYRIV_ID",
        next_down_label="NEXT_DOWN",
    )


LINES = [[(20.0, 45.0), (20.1, 45.0)], [(20.1, 45.0), (20.2, 45.0)], [(20.1, 45.1), (20.1, 45.0)]]


def test_a_valid_table_builds_a_network_with_file_values() -> None:
    t = _table([11, 12, 13], [12, 0, 12], LINES, length_m=[9000.0, np.nan, np.nan], q=[5, 20, 3])
    built = build(t)
    assert built.downstream.tolist() == [1, -1, 1]
    assert built.length_m[0] == 9000.0  # the file's LENGTH_KM wins
    assert built.length_m[1] == pytest.approx(7_880, rel=0.01)  # 0.1 degree of longitude at 45 N
    net = to_network(built, "network:test")
    assert net.origin("discharge_m3_s").tolist() == ["user"] * 3
    assert net.discharge("mean").tolist() == [5.0, 20.0, 3.0]
    assert net.hydraulics("low").velocity_m_s[1] < net.hydraulics("high").velocity_m_s[1]
    assert built.summary()["outlets"] == 1


def test_geodesic_lengths_match_pyproj_line_by_line() -> None:
    from hazatlas.geo._io import geodesic_length

    coords = np.concatenate([np.asarray(c, dtype=float) for c in LINES])
    got = geodesic_lengths(coords, np.array([0, 2, 4, 6]))
    assert got.tolist() == pytest.approx([geodesic_length(np.asarray(c, float)) for c in LINES])


@pytest.mark.parametrize(
    ("ids", "down", "field", "message"),
    [
        ([11, 11, 13], [0, 0, 0], "HYRIV_ID", "HYRIV_ID 11: the id is not unique"),
        ([11, 12, 13], [99, 0, 12], "NEXT_DOWN", "HYRIV_ID 11: flows to a reach that is not in"),
        ([11, 12, 13], [11, 0, 12], "NEXT_DOWN", "HYRIV_ID 11: flows into itself"),
    ],
)
def test_bad_ids_are_named(ids, down, field, message) -> None:
    with pytest.raises(ValidationError) as exc:
        check(_table(ids, down, LINES))
    p = exc.value.problems[0]
    assert (p.source, p.field) == ("rivers.gpkg", field)
    assert message in p.message


def test_a_cycle_names_its_reaches() -> None:
    with pytest.raises(ValidationError) as exc:
        check(_table([11, 12, 13], [12, 13, 11], LINES))
    assert "cycle: HYRIV_ID 11 -> HYRIV_ID 12 -> HYRIV_ID 13 -> HYRIV_ID 11" in str(exc.value)


def test_bad_lines_and_values_are_named() -> None:
    lines = [[(20.0, 45.0)], [(20.1, 45.0), (200.0, 45.0)], LINES[2]]
    with pytest.raises(ValidationError) as exc:
        check(_table([11, 12, 13], [0, 0, 0], lines, length_m=[1.0, 1.0, -1.0], q=[1, -2, 1]))
    text = str(exc.value)
    assert "HYRIV_ID 11: expected a line of at least two points" in text
    assert "HYRIV_ID 12: coordinates outside WGS 84" in text
    assert "HYRIV_ID 13: the length must be positive" in text
    assert "HYRIV_ID 12: the discharge must be 0 or more" in text
    with pytest.raises(ValidationError, match="no river reaches"):
        check(_table([], [], [np.zeros((0, 2))]))


# --------------------------------------------------------------------------- OpenStreetMap
def _ways(ways: list[tuple[int, str, str, list[int]]], nodes: dict[int, tuple[float, float]]):
    refs = np.array([r for *_, rs in ways for r in rs], dtype=np.int64)
    return reaches_from_ways(
        "extract.osm.pbf",
        np.array([w[0] for w in ways], dtype=np.int64),
        np.array([w[1] for w in ways], dtype=object),
        np.array([w[2] for w in ways], dtype=object),
        refs,
        np.array([nodes[r] for r in refs], dtype=float),
        np.concatenate([[0], np.cumsum([len(w[3]) for w in ways])]).astype(np.int64),
    )


NODES = {1: (20.0, 45.0), 2: (20.1, 45.0), 3: (20.2, 45.0), 4: (20.3, 45.0),
         10: (20.2, 45.2), 11: (20.2, 45.1), 20: (20.25, 44.9), 30: (21.0, 46.0), 31: (21.1, 46.0)}  # fmt: skip


def test_ways_are_cut_at_shared_nodes_and_flow_on() -> None:
    t = _ways([(100, "river", "Tisa", [1, 2, 3, 4]), (200, "stream", "Brook", [10, 11, 3]),
               (300, "highway", "", [30, 31])], NODES)  # fmt: skip
    # the river is cut at node 3, where the stream joins: reaches 1-2-3 and 3-4, then the stream
    assert t.element.tolist() == [100, 100, 200]
    assert t.next_down.tolist() == [2, 0, 2]
    assert [list(map(tuple, t.coords[a:b])) for a, b in zip(t.offsets[:-1], t.offsets[1:], strict=False)][1] == [
        NODES[3], NODES[4]
    ]
    assert t.name.tolist() == ["Tisa", "Tisa", "Brook"]
    built = build(t, with_lakes=False)
    assert built.downstream.tolist() == [1, -1, 1]


def test_a_bifurcation_follows_the_same_name() -> None:
    t = _ways([(100, "river", "Tisa", [1, 2]), (150, "canal", "Canal", [2, 20]),
               (160, "river", "Tisa", [2, 3])], NODES)  # fmt: skip
    assert t.next_down.tolist()[0] == 3  # reach 3 is way 160, the Tisa
    assert "bifurcations" in t.notes[0]


def test_osm_errors_name_the_ways() -> None:
    with pytest.raises(ValidationError, match="no ways tagged waterway=river, stream or canal"):
        _ways([(300, "highway", "", [30, 31])], NODES)
    with pytest.raises(ValidationError) as exc:
        build(_ways([(1, "river", "", [1, 2]), (2, "river", "", [2, 1])], NODES), with_lakes=False)
    assert "the flow direction has a cycle: way 1 -> way 2 -> way 1" in str(exc.value)
    near = {**NODES, 40: (20.15, 45.3), 41: (20.15, 45.00005)}  # ends 6 m from way 100
    with pytest.raises(ValidationError) as exc:
        _ways([(100, "river", "", [1, 2, 3]), (400, "stream", "", [40, 41])], near)
    assert "way 400 ends within 25 m of way 100 without a shared node" in str(exc.value)
    with pytest.raises(ValidationError, match="way 5: a waterway needs two nodes"):
        _ways([(5, "stream", "", [1])], NODES)


def test_densify_all_equals_feature_by_feature() -> None:
    rng = np.random.default_rng(4)
    feats = [np.cumsum(rng.normal(0, 0.02 * (k % 4), (int(rng.integers(1, 8)), 2)), axis=0) + 20
             for k in range(300)]  # fmt: skip
    lon, lat, fid, first = _densify_all(feats, 1000.0)
    parts = [(f, _densify(np.asarray(x, float), 1000.0)) for f, x in enumerate(feats) if len(x) >= 2]
    assert np.array_equal(lon, np.concatenate([d[:, 0] for _, d in parts]))
    assert np.array_equal(lat, np.concatenate([d[:, 1] for _, d in parts]))
    assert np.array_equal(fid, np.concatenate([np.full(len(d), f) for f, d in parts]))
    assert first.sum() == len(parts)


@pytest.mark.parametrize("which", ["bundled", "synthetic"])
def test_key_events_of_a_reach_leading_to_another_are_its_own(which) -> None:
    """``NetworkIndex.same_events_as``: run 0 of every reach gives exactly the first arrivals
    computed for that reach itself."""
    from hazatlas.geo import paths
    from hazatlas.geo.network import RiverNetwork
    from hazatlas.geo.network_synthetic import synthetic_network

    if which == "bundled":
        net = RiverNetwork.load_default()
    else:
        net = to_network(build(synthetic_network(3_000, seed=2, bbox=(18.0, 42.0, 30.5, 47.6))), "s")
    index = net.index
    shared = index.same_events_as
    moved = np.flatnonzero(shared != np.arange(len(net)))
    assert len(moved) > len(net) // 10  # it does save work
    for r in moved.tolist():
        for origin in ("ROU", "SRB"):
            got = index.key_events(r, 0, origin)
            want = paths.first_arrival_events(index, r, 0, origin)
            for a, b in zip(got, want, strict=True):
                assert np.array_equal(a, b, equal_nan=a.dtype.kind == "f"), r
