"""Location criteria (UNECE Guidelines, decision 2000/3) as a pure function of the inputs."""

from __future__ import annotations

import math

import pytest

from hazatlas.domain.inventory import InventoryItem as Item
from hazatlas.rules.identify import classify_inventory
from hazatlas.rules.location import LocationInputs, air_border_distance_km, assess_location


@pytest.mark.parametrize(
    ("distance_km", "triggered"),
    [
        (0.0, True),
        (14.99, True),
        (15.0, True),
        (15.01, False),
        (120.0, False),
        (None, False),
    ],
)
def test_air_criterion_at_15_km(distance_km, triggered):
    air, _ = assess_location(("P2",), LocationInputs(distance_km, "SRB"))
    assert air.triggered is triggered
    assert air.distance_km == (distance_km if triggered else None)
    assert (air.country_iso3 == "SRB") is triggered
    assert air_border_distance_km() == 15.0


@pytest.mark.parametrize(
    ("categories", "air", "water"),
    [
        (("H1",), True, True),
        (("P5c",), True, False),
        (("E2",), False, True),
        (("P8",), True, True),
        ((), False, False),
    ],
)
def test_which_categories_each_criterion_concerns(categories, air, water):
    flags = assess_location(categories, LocationInputs(3.0, "HUN", True, "Danube"))
    assert [f.triggered for f in flags] == [air, water]
    if water:
        assert flags[1].water_body == "Danube" and "Danube" in flags[1].reason


def test_negative_distance_is_an_error():
    with pytest.raises(ValueError, match="border_distance_km"):
        assess_location(("H1",), LocationInputs(-1.0))
    with pytest.raises(ValueError):
        assess_location(("H1",), LocationInputs(math.nan))


def test_classification_with_location_flags():
    items = [Item("Chlorine", 30_000.0, cas_number="7782-50-5", hazard_statements=("H330", "H400"))]
    result = classify_inventory("T", items, location=LocationInputs(8.5, "AUT", True, "Danube"))
    assert result.location_assessed and result.transboundary_effects_possible
    assert [f.criterion_id for f in result.location_flags] == ["LC-AIR", "LC-WATER"]
    assert any("8.5 km of the border with AUT" in r for r in result.reasons)
    unassessed = classify_inventory("T", items)
    assert not unassessed.location_assessed and unassessed.location_flags == ()
