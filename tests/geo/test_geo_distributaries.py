"""The Danube Delta's forks (``river_distributaries.csv``, issue 14): the Chilia branch flows
from Ceatal Izmail past Izmail, Kiliya and Vylkove to the Black Sea; every branch carries its
share of the Danube's discharge (the shares are read from the table, not pinned here); the
downstream path follows the main branch; a spill keeps the fork's concentration in the branch
it follows; the table is checked row by row, all or nothing."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import shapely  # type: ignore[import-untyped]
from shapely.geometry import LineString

from hazatlas.domain.errors import ValidationError
from hazatlas.domain.reference import load_table
from hazatlas.geo._geodesy import geodesic_m
from hazatlas.geo.distributaries import apply_to_features, bundled_branches, parse
from hazatlas.geo.network import RiverNetwork
from hazatlas.geo.paths import countries_downstream, downstream_path
from hazatlas.geo.snapping import snap_point
from hazatlas.services.spill import NamedPoint, SpillRequest, run_spill
from hazatlas.services.spill_report import spill_document

# towns on the Chilia branch (approximate town centres, to within a few km; OpenStreetMap)
IZMAIL, KILIYA, VYLKOVE = (28.84, 45.35), (29.27, 45.45), (29.59, 45.40)
CEATAL_IZMAIL = (28.747, 45.231)  # the fork: end of the Danube reach 312 in Natural Earth
GIURGIU = (25.97, 43.88)  # Danube, Romanian bank, about 500 km above the fork
ISACCEA, TULCEA = (28.46, 45.27), (28.80, 45.18)


@pytest.fixture(scope="module")
def net() -> RiverNetwork:
    return RiverNetwork.load_default()


def _share(branch_reach_id: int) -> float:
    row = next(
        r
        for r in load_table("river_distributaries")
        if int(r["branch_reach_id"]) == branch_reach_id
    )
    assert row["source"] and row["status"]
    return float(row["share_of_river"])


def test_the_chilia_branch_flows_from_the_fork_to_the_black_sea(net: RiverNetwork) -> None:
    head = net.index_of(477)
    start = net.geometry[head].coords[0]
    assert (
        geodesic_m(*([v] for v in (*start, *CEATAL_IZMAIL)))[0] < 500
    )  # drawn downstream from the fork
    path = downstream_path(net, head)
    assert all(net.name[i] == "Bratul Chillia" for i in path)
    line = shapely.union_all([net.geometry[i] for i in path])
    for town in (IZMAIL, KILIYA, VYLKOVE):  # the branch passes the three towns
        km = shapely.distance(line, shapely.Point(town)) * 111.0
        assert km < 6.0, (town, km)
    assert net.attributes["outlet_type"][path[-1]] == "sea"
    assert net.downstream[net.index_of(312)] == net.index_of(478)  # the main branch


def test_the_branches_carry_their_shares_of_the_danube(net: RiverNetwork) -> None:
    fork, tulcea, chilia = net.index_of(312), net.index_of(478), net.index_of(477)
    sulina, george = net.index_of(493), net.index_of(488)
    for flow in ("low", "mean", "high"):
        q = net.discharge(flow)
        danube = float(q[fork])
        # the branch heads gain only their own short local inflow (< 1 %) on top of the share
        assert q[tulcea] / danube == pytest.approx(_share(478), rel=0.01)
        assert q[chilia] / danube == pytest.approx(_share(477), rel=0.01)
        # the 70-93 km delta branches gain their local inflow along the way (about 2 %)
        assert q[george] / danube == pytest.approx(_share(488), rel=0.04)
        assert q[sulina] / danube == pytest.approx(_share(493), rel=0.04)
        assert q[george] < q[tulcea] and q[sulina] < q[tulcea]
        assert q[tulcea] + q[chilia] == pytest.approx(danube, rel=0.01)
    origin = net.discharge_origin()
    assert {origin[i] for i in (tulcea, chilia, sulina, george)} == {"interpolated"}
    # the branches keep the Danube's yield per km (the plausibility check's drainage length)
    d = net.discharges
    assert d is not None
    yield_fork = d.by_flow["mean"][fork] / d.drainage_length_m[fork]
    assert d.by_flow["mean"][chilia] / d.drainage_length_m[chilia] == pytest.approx(
        yield_fork, rel=0.05
    )


def test_a_danube_spill_keeps_romania_ukraine_and_moldova_and_follows_the_main_branch(
    net: RiverNetwork,
) -> None:
    s = snap_point(net, 20.68, 44.83)  # Pančevo, Serbia
    order = [c.country for c in countries_downstream(net, s.reach_index, s.offset_m, "SRB")]
    assert {"ROU", "UKR", "MDA"} <= set(order)
    path = downstream_path(net, net.index_of(312)).tolist()
    assert [int(net.reach_id[i]) for i in path] == [312, 478, 493]  # Tulcea, then Sulina


def test_the_fork_does_not_concentrate_the_cloud(net: RiverNetwork) -> None:
    """A branch takes its share of the water and of the mass: the peak at Tulcea, below the
    fork, is the one above it less dispersion, not the Danube's divided by the Tulcea share."""
    req = SpillRequest(
        *GIURGIU, mass_kg=10_000.0, start=datetime(2000, 2, 1, tzinfo=UTC), decay_per_day=0.0,
        threshold_mg_l=1e-6, days=20,
        points=(NamedPoint("Isaccea", *ISACCEA), NamedPoint("Tulcea", *TULCEA)),
    )  # fmt: skip
    run = run_spill(req, network=net)
    doc = spill_document(run)
    peaks = {p["name"]: p["peak_mg_l"] for p in doc["points"]}
    assert any(f"Bratul Chillia {_share(477):.0%}" in w for w in doc["method"]["warnings"]), doc[
        "method"
    ]
    assert net.index_of(478) in run.path_reaches.tolist()
    ratio = peaks["Tulcea"] / peaks["Isaccea"]
    # dispersion alone lowers the peak by about sqrt(t1/t2) ~ 0.96 over the last 40 of
    # 520 km; diluting by the Tulcea branch's discharge alone would raise it 1/0.41 times
    assert 0.85 < ratio <= 1.0, peaks


def test_the_table_is_checked_row_by_row() -> None:
    rows = [dict(r) for r in load_table("river_distributaries")]
    assert parse(rows) == bundled_branches()
    bad = [dict(r) for r in rows]
    bad[1]["share_of_river"] = "0.7"  # the fork's branches no longer add up
    bad[2]["kind"] = "side"
    with pytest.raises(ValidationError) as err:
        parse(bad)
    fields = {(p.row, p.field) for p in err.value.problems}
    assert (4, "kind") in fields  # the header is row 1
    two_mains = [dict(r) for r in rows]
    two_mains[1]["kind"], two_mains[1]["next_down"] = "main", ""
    with pytest.raises(ValidationError, match="2 main branches"):
        parse(two_mains)
    no_source = [dict(r) for r in rows]
    no_source[0]["source"] = ""
    with pytest.raises(ValidationError, match="source"):
        parse(no_source)


def test_a_row_that_does_not_fit_the_network_is_refused() -> None:
    feats = [
        ({"reach_id": 1, "next_down": 2}, LineString([(0, 0), (1, 0)])),
        ({"reach_id": 2, "next_down": 0}, LineString([(1, 0), (2, 0)])),
    ]
    branches = parse(
        [
            {
                "river": "X",
                "fork_reach_id": "1",
                "branch_reach_id": "3",
                "kind": "main",
                "branch": "",
                "reverse_geometry": "no",
                "next_down": "",
                "share_of_river": "0.5",
                "status": "test",
                "source": "test",
            },
            {
                "river": "X",
                "fork_reach_id": "1",
                "branch_reach_id": "2",
                "kind": "distributary",
                "branch": "",
                "reverse_geometry": "no",
                "next_down": "",
                "share_of_river": "0.5",
                "status": "t",
                "source": "t",
            },
        ]
    )
    with pytest.raises(ValidationError) as err:
        apply_to_features(feats, branches)
    assert any("reach 3 is not in the network" in p.message for p in err.value.problems)


def test_the_stored_reaches_carry_the_mended_delta(sqlite_database) -> None:  # noqa: ANN001
    from sqlalchemy import select

    from hazatlas.storage.tables import RiverReachRow

    with sqlite_database.transaction() as s:
        rows = {
            r.reach_id: r
            for r in s.execute(select(RiverReachRow)).scalars()
            if r.reach_id in (312, 476, 477, 478)
        }
        assert rows[477].next_down == 476 and rows[312].next_down == 478
        assert rows[478].name == "Bratul Tulcea"
