"""Convention Annex I identification for each version (1992, 2006, 2014) against its table."""

from __future__ import annotations

import pytest

from hazatlas.domain.inventory import InventoryItem as Item
from hazatlas.rules.convention import ANNEX_VERSIONS, part1_items, part2_items
from hazatlas.rules.identify import classify_inventory

T = 1000.0


def hazardous(version: str, *items: Item) -> bool:
    return classify_inventory("T", list(items), annex_version=version).convention_hazardous_activity


def _part1_cases():
    for version in ANNEX_VERSIONS:
        for code, item in sorted(part1_items(version).items()):
            label = "" if item.confirmed else "-unconfirmed"
            yield pytest.param(version, code, item.threshold_kg, id=f"{version}-{code}{label}")


@pytest.mark.parametrize(("version", "code", "threshold_kg"), list(_part1_cases()))
def test_part1_items_at_and_below_threshold(version, code, threshold_kg):
    assert hazardous(version, Item("x", threshold_kg, seveso_categories=(code,)))
    assert not hazardous(version, Item("x", threshold_kg * 0.999, seveso_categories=(code,)))


def _part2_cases():
    for version in ANNEX_VERSIONS:
        for entry, item in sorted(part2_items(version).items()):
            yield pytest.param(version, entry, item.threshold_kg, id=f"{version}-entry{entry}")


@pytest.mark.parametrize(("version", "entry", "threshold_kg"), list(_part2_cases()))
def test_part2_items_at_and_below_threshold(version, entry, threshold_kg):
    assert hazardous(version, Item("x", threshold_kg, seveso_entry=entry))
    assert not hazardous(version, Item("x", threshold_kg * 0.999, seveso_entry=entry))


def test_confirmed_values_of_each_version():
    # 2014 items 1-10 confirmed (Czech consolidated text): H1 = 20 t, P5a = 50 t
    assert part1_items("2014")["H1"].threshold_kg == 20 * T and part1_items("2014")["H1"].confirmed
    assert part1_items("2014")["P5a"].threshold_kg == 50 * T
    assert not part1_items("2014")["E1"].confirmed  # items 11-18 inferred
    # 2006 Part II (confirmed): chlorine 25 t, phosgene 0.75 t, petroleum products 25 000 t
    assert part2_items("2006")[10].threshold_kg == 25 * T
    assert part2_items("2006")[27].threshold_kg == 0.75 * T
    assert part2_items("2006")[34].threshold_kg == 25_000 * T
    # 1992: ranges take their lower value (five years after entry into force)
    assert part1_items("1992")["H2"].threshold_kg == 200 * T
    assert part1_items("1992")["P1a"].threshold_kg == 50 * T
    assert part2_items("1992") == {}


def test_part2_precedence_in_2006_and_part1_fallback():
    # chlorine (2006 Part II item 3, 25 t) even though stated H1 would give 20 t (very toxic)
    chlorine = Item("Chlorine", 22 * T, cas_number="7782-50-5", seveso_categories=("H1",))
    assert not hazardous("2006", chlorine)
    # bromine is not named in 2006 Part II: its H1 category gives very toxic, 20 t
    bromine = Item("Bromine", 22 * T, cas_number="7726-95-6", seveso_categories=("H1",))
    assert hazardous("2006", bromine)
    result = classify_inventory("T", [bromine], annex_version="1992")
    assert result.convention_hazardous_activity
    assert any("1992 Part II is not in the reference" in r for r in result.reasons)


def test_unconfirmed_values_are_named_in_reasons():
    result = classify_inventory("T", [Item("x", 500 * T, seveso_categories=("O1",))], "2014")
    assert result.convention_hazardous_activity
    assert any("unconfirmed" in r and "O1" in r for r in result.reasons)
    assert result.unconfirmed


def test_no_summation_under_the_convention():
    items = [
        Item("a", 15 * T, seveso_categories=("H1",)),
        Item("b", 15 * T, seveso_categories=("H1",)),
    ]
    result = classify_inventory("T", items, "2014")
    assert not result.convention_hazardous_activity and result.seveso_tier.value == "upper"


def test_unknown_version_is_rejected():
    with pytest.raises(ValueError, match="2014"):
        classify_inventory("T", [], annex_version="2008")
