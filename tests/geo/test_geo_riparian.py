"""Riparian contacts (``riparian_contacts.csv``): Moldova's Danube bank at Giurgiulești is
listed below every Danube site upstream of it - in the countries downstream, in screening and in
the spill model - and not below a site downstream of it (issue 14, item 3)."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache

import pytest

from hazatlas.domain.reference import load_table
from hazatlas.geo.network import RiverNetwork
from hazatlas.geo.paths import countries_downstream
from hazatlas.geo.riparian import VIA, riparian_contacts
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


def test_a_network_without_the_river_has_no_contacts() -> None:
    net = RiverNetwork.load_default()
    assert net.index.contacts  # placed on the bundled network
    (reach,) = net.index.contacts
    assert net.name[reach] == "Danube"


@cache
def _spill() -> dict:
    req = SpillRequest(
        *PANCEVO, mass_kg=10_000.0, start=datetime(2026, 1, 1, tzinfo=UTC),
        threshold_mg_l=0.01, decay_per_day=0.0,
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
