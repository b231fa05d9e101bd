"""Riparian contacts (``riparian_contacts.csv``): Moldova's Danube bank at Giurgiulești is
listed below every Danube site upstream of it - in the countries downstream, in screening and in
the spill model - and not below a site downstream of it (issue 14, item 3)."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache

import numpy as np
import pytest
from shapely.geometry import LineString

from hazatlas.domain.reference import load_table
from hazatlas.geo.network import RiverNetwork
from hazatlas.geo.paths import RiverRuns, countries_downstream, first_arrivals, reach_transitions
from hazatlas.geo.riparian import VIA, RiparianContact, riparian_contacts
from hazatlas.geo.snapping import snap_point
from hazatlas.services.screen import screen_point
from hazatlas.services.spill import SpillRequest, run_spill

PANCEVO = (20.682, 44.828)  # demo site RS-PAN-PETROHEMIJA, on the Danube (Serbia)
GALATI = (28.10, 45.41)  # Danube, Romania, upstream of the Prut mouth
RENI = (28.28, 45.45)  # Danube, Ukraine, just downstream of Giurgiulesti
ISACCEA = (28.50, 45.30)  # Danube at the Romanian-Ukrainian border, downstream


@pytest.fixture(scope="module")
def net() -> RiverNetwork:
    return RiverNetwork.load_default()


def test_every_contact_has_a_source_a_status_and_a_known_kind() -> None:
    rows = load_table("riparian_contacts")
    assert rows and all(r["source"] and r["status"] for r in rows)
    mda = next(c for c in riparian_contacts() if c.country == "MDA")
    assert mda.river == "Danube" and mda.kind == "bank"
    assert 133.0 <= mda.rkm_end < mda.rkm_start <= 134.5  # type: ignore[operator]


def test_the_danube_route_lists_moldova_between_bulgaria_and_ukraine(net: RiverNetwork) -> None:
    s = snap_point(net, *PANCEVO)
    crossings = countries_downstream(net, s.reach_index, s.offset_m, origin="SRB")
    order = [c.country for c in crossings]
    assert order.index("ROU") < order.index("BGR") < order.index("MDA") < order.index("UKR")
    by = {c.country: c for c in crossings}
    assert by["MDA"].contact is not None and by["MDA"].border_river
    assert by["UKR"].contact is None and by["BGR"].contact is None
    d = [by[c].river_distance_m for c in ("BGR", "MDA", "UKR")]
    assert d[0] < d[1] <= d[2]
    # the Prut mouth, where the bank starts, is about 134 km above the Sulina mouth (km 0);
    # the network outlet is the mouth of a delta branch, within a few tens of km of it
    to_outlet = float(net.distance_to_outlet_m[by["MDA"].reach_index]) - by["MDA"].offset_m
    assert 100_000 < to_outlet < 180_000


def test_screening_marks_the_contact_and_orders_its_time(net: RiverNetwork) -> None:
    r = screen_point(*PANCEVO, network=net)
    ds = r["downstream"]
    order = [d["country"] for d in ds]
    assert order.index("BGR") < order.index("MDA") < order.index("UKR")
    bgr, mda, ukr = (ds[order.index(c)] for c in ("BGR", "MDA", "UKR"))
    assert mda["via"] == VIA and "icpdr" in mda["source"].lower()
    assert 133.0 <= mda["contact"]["rkm_end"] < mda["contact"]["rkm_start"] <= 134.5
    assert {"country", "river_km", "travel_time_h", "border_river"} <= set(mda)
    assert "via" not in ukr and "via" not in bgr  # the other entries keep their keys
    assert bgr["river_km"] < mda["river_km"] <= ukr["river_km"]
    for flow in ("low", "mean", "high"):
        t = [x["travel_time_h"][flow] for x in (bgr, mda, ukr)]
        assert t[0] < t[1] <= t[2]


def test_a_site_just_upstream_lists_moldova_first(net: RiverNetwork) -> None:
    order = [d["country"] for d in screen_point(*GALATI, network=net)["downstream"]]
    assert order[:2] == ["MDA", "UKR"]


@pytest.mark.parametrize("site", [RENI, ISACCEA])
def test_a_site_downstream_of_giurgiulesti_does_not_list_moldova(
    net: RiverNetwork, site: tuple[float, float]
) -> None:
    r = screen_point(*site, network=net)
    assert r["reach_name"] == "Danube"
    assert "MDA" not in [d["country"] for d in r["downstream"]]
    s = snap_point(net, *site)
    assert "MDA" not in [c.country for c in countries_downstream(net, s.reach_index, s.offset_m)]


def test_the_contact_is_placed_on_the_danube(net: RiverNetwork) -> None:
    (reach,) = net.index.contacts
    assert net.name[reach] == "Danube"


def test_a_network_without_the_river_has_no_contacts() -> None:
    feats = [
        ({"reach_id": 1, "next_down": 2, "name": "Prut"}, LineString([(28.0, 45.6), (28.2, 45.5)])),
        ({"reach_id": 2, "next_down": 0, "name": "Other"}, LineString([(28.2, 45.5), (28.4, 45.4)])),
    ]
    small = RiverNetwork.from_features(feats, "test", with_lakes=False, assign=False)
    assert dict(small.index.contacts) == {}


@cache
def _spill() -> dict:
    req = SpillRequest(
        *PANCEVO, mass_kg=10_000.0, start=datetime(2026, 1, 1, tzinfo=UTC),
        threshold_mg_l=0.005, decay_per_day=0.0,
    )  # fmt: skip
    return run_spill(req).to_dict()


def test_the_spill_country_table_lists_moldova_with_its_arrival() -> None:
    rows = _spill()["countries"]
    order = [c["country"] for c in rows]
    assert order.index("BGR") < order.index("MDA") < order.index("UKR")
    bgr, mda, ukr = (rows[order.index(c)] for c in ("BGR", "MDA", "UKR"))
    assert mda["via"] == VIA and mda["contact"]["river"] == "Danube"
    assert bgr["first_arrival"] < mda["first_arrival"] <= ukr["first_arrival"]
    assert bgr["river_km_from_source"] < mda["river_km_from_source"]
    assert mda["river_km_from_source"] <= ukr["river_km_from_source"]


def _contact(country: str) -> RiparianContact:
    return RiparianContact(0, "X", country, None, None, 0.0, 0.0, "left", "bank", 1.0, "", "s")


def _runs(starts: list[float], states: list[tuple[str, ...]]) -> RiverRuns:
    z = np.zeros(1)
    return RiverRuns((np.array(starts),), (tuple(states),), z, z, z)


def test_a_contact_enters_before_a_run_change_at_the_same_point() -> None:
    runs = _runs([0.0, 500.0], [("ROU",), ("ROU", "UKR")])
    mda = _contact("MDA")
    state, trans = reach_transitions(0, runs, {0: ((500.0, mda),)})
    assert state == ("ROU",)
    assert [(t.offset_m, t.after, t.contact) for t in trans] == [
        (500.0, ("MDA", "ROU"), mda),
        (500.0, ("ROU", "UKR"), None),
    ]
    arrivals = first_arrivals(state, trans, "ROU")
    assert [(a[0], a[4]) for a in arrivals] == [("MDA", mda), ("UKR", None)]
    # below the contact: not listed; a contact country already in the state: not listed again
    assert reach_transitions(0, runs, {0: ((500.0, mda),)}, 600.0)[1] == ()
    ukr = _contact("UKR")
    _, trans = reach_transitions(0, runs, {0: ((700.0, ukr),)})
    assert [a[0] for a in first_arrivals(("ROU",), trans, "ROU")] == ["UKR"]
    assert [a[4] for a in first_arrivals(("ROU",), trans, "ROU")] == [None]
