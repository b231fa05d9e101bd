"""Screening service on the bundled data: establishments, bare points, receiving water."""

from __future__ import annotations

import pytest

from hazatlas.domain.errors import ValidationError
from hazatlas.domain.establishment import Establishment, EstablishmentKind
from hazatlas.domain.inventory import InventoryItem
from hazatlas.domain.tailings import TailingsDetails
from hazatlas.services.screen import (
    Site,
    screen_point,
    screen_register,
    screen_sites,
)

CONTRACT_KEYS = {
    "establishment_id", "nearest_border", "location_flags", "reach_id", "downstream", "wri",
    "thi", "consequence_class",
}  # fmt: skip


def _establishments() -> list[Establishment]:
    return [
        Establishment(
            "RO-BM-1", "Aurul tailings", "ROU", 23.58, 47.66, kind=EstablishmentKind.TAILINGS,
            tailings=TailingsDetails(stored_volume_m3=2.0e6, dam_height_m=20.0),
            inventory=[InventoryItem("sodium cyanide", 100_000.0, water_hazard_class=3,
                                     seveso_categories=("H2", "E1"))],
        ),
        Establishment("RS-BOR-1", "Bor flotation", "SRB", 22.10, 44.08, receiving_water="Timok"),
        Establishment("KG-1", "Naryn site", "KGZ", 74.0, 41.4),
    ]  # fmt: skip


def test_contract_keys_and_order() -> None:
    results = screen_register(_establishments())
    assert [r["establishment_id"] for r in results] == ["RO-BM-1", "RS-BOR-1", "KG-1"]
    for r in results:
        assert CONTRACT_KEYS <= set(r)
        assert set(r["nearest_border"]) == {"country", "distance_km"}
        for d in r["downstream"]:
            assert set(d["travel_time_h"]) == {"low", "mean", "high"}
            assert (
                d["travel_time_h"]["low"]
                >= d["travel_time_h"]["mean"]
                >= d["travel_time_h"]["high"]
            )
    baia = results[0]
    countries = [d["country"] for d in baia["downstream"]]
    assert countries.index("HUN") < countries.index("SRB") < countries.index("ROU")
    assert baia["outlet"]["name"] == "Black Sea"
    assert baia["nearest_border"]["country"] == "UKR"
    assert "LC-WATER" in baia["location_flags"]


def test_indices_are_called_when_available() -> None:
    water_risk = pytest.importorskip("hazatlas.indices.water_risk")
    tailings = pytest.importorskip("hazatlas.indices.tailings_hazard")
    est = _establishments()[0]
    baia = screen_register([est])[0]
    assert baia["wri"] == pytest.approx(water_risk.water_risk_index(est.inventory).value)
    assert baia["thi"] == pytest.approx(tailings.tailings_hazard_index(est).value)


def test_custom_indices_hook() -> None:
    results = screen_register(_establishments()[:1], indices=lambda e: {"wri": 1.5, "thi": 2.0})
    assert results[0]["wri"] == 1.5 and results[0]["thi"] == 2.0


def test_receiving_water_wins_over_proximity() -> None:
    bor = screen_register(_establishments())[1]
    assert bor["snap"]["status"] == "named" and "Timok" in bor["reach_name"]
    assert bor["downstream"][0]["country"] == "BGR"
    # by proximity alone Bor snaps to the Bor river (a schematic reach), on which it lies
    alone = screen_point(22.10, 44.08)
    assert alone["reach_name"] == "Borska reka" and alone["schematic"][0]["river"] == "Borska reka"
    assert alone["first_leg"]["status"] == "on river"
    # a point more than 20 km from every reach, with no receiving water, has no path
    far = screen_point(77.175, 42.125)  # Kadji-Sai, on the shore of Issyk-Kul
    assert far["reach_id"] is None and far["snap"]["status"] == "none" and far["warnings"]


def test_reach_id_reference_and_unknown_name_reported() -> None:
    plain = screen_point(23.58, 47.66)
    by_id = screen_point(23.58, 47.66, receiving_water=f"reach:{plain['reach_id']}")
    assert by_id["snap"]["status"] == "reach_id" and by_id["reach_id"] == plain["reach_id"]
    unknown = screen_point(23.58, 47.66, receiving_water="No Such River")
    assert unknown["reach_id"] == plain["reach_id"]
    assert any("not a river of the network" in w for w in unknown["warnings"])


def test_point_in_the_sea_and_bad_coordinates() -> None:
    sea = screen_point(34.0, 43.0)  # Black Sea
    assert sea["country"] is not None and any("outside every country" in w for w in sea["warnings"])
    with pytest.raises(ValidationError, match="expected WGS 84 degrees"):
        screen_sites([Site("x", 500.0, 1.0)])


def test_batch_equals_single_points() -> None:
    pts = [(23.58, 47.66), (74.0, 41.4), (19.1, 47.6), (21.6, 44.65)]
    batch = screen_sites([Site(f"p{i}", lon, lat) for i, (lon, lat) in enumerate(pts)]).results()
    for i, (lon, lat) in enumerate(pts):
        single = screen_point(lon, lat, site_id=f"p{i}")
        assert single == batch[i]


def test_points_of_interest_on_the_path() -> None:
    from hazatlas.services.screen import PointOfInterest

    pois = [
        PointOfInterest("Szeged intake", 20.16, 46.25),  # Tisza, below Baia Mare
        PointOfInterest("Belgrade intake", 20.40, 44.85),  # Danube below the Tisza mouth
        PointOfInterest("Vienna", 16.40, 48.22),  # Danube, upstream: not on the path
    ]
    batch = screen_sites([Site("bm", 23.58, 47.66)], points_of_interest=pois)
    got = batch.result(0)["points_of_interest"]
    assert [p["name"] for p in got] == ["Szeged intake", "Belgrade intake"]
    assert 0 < got[0]["river_km"] < got[1]["river_km"]
    assert got[0]["travel_time_h"]["mean"] < got[1]["travel_time_h"]["mean"]
