"""Every Part 1 category and every Part 2 entry at, just below and just above both thresholds.

Expected tiers are derived from the packaged reference tables (the code is tested against the
table). Entries 35-48 are labelled: their values are confirmed, their numbering is not.
"""

from __future__ import annotations

import pytest

from hazatlas.domain.inventory import InventoryItem
from hazatlas.domain.reference import load_table
from hazatlas.domain.substance import is_valid_cas
from hazatlas.rules.identify import classify_inventory
from hazatlas.rules.thresholds import catalogue, tonnes_to_kg

BELOW, ABOVE = 0.999, 1.001

PART1 = load_table("seveso3_annex1_part1_categories")
PART2 = load_table("seveso3_annex1_part2_named_substances")


def tier(*items: InventoryItem) -> str:
    return classify_inventory("T", list(items)).seveso_tier.value


def _points(lower_kg: float | None, upper_kg: float) -> list[tuple[str, float, str]]:
    """(label, quantity_kg, expected tier) around both thresholds."""
    points = [
        ("upper-below", upper_kg * BELOW, "lower" if lower_kg is not None else "none"),
        ("upper-at", upper_kg, "upper"),
        ("upper-above", upper_kg * ABOVE, "upper"),
    ]
    if lower_kg is not None:
        points += [
            ("lower-below", lower_kg * BELOW, "none"),
            ("lower-at", lower_kg, "lower"),
            ("lower-above", lower_kg * ABOVE, "lower"),
        ]
    return points


def _part1_cases():
    for row in PART1:
        lower, _ = tonnes_to_kg(row["lower_tier_t"])
        upper, _ = tonnes_to_kg(row["upper_tier_t"])
        for label, q, expected in _points(lower, upper):
            yield pytest.param(row["code"], q, expected, id=f"{row['code']}-{label}")


@pytest.mark.parametrize(("code", "quantity_kg", "expected"), list(_part1_cases()))
def test_part1_category_thresholds(code, quantity_kg, expected):
    item = InventoryItem("substance", quantity_kg, seveso_categories=(code,))
    assert tier(item) == expected


def _part2_cases():
    for row in PART2:
        number = int(row["entry_no"])
        lower, _ = tonnes_to_kg(row["lower_tier_t"])
        upper, _ = tonnes_to_kg(row["upper_tier_t"])
        flag = "-numbering-unconfirmed" if number >= 35 else ""
        for label, q, expected in _points(lower, upper):
            yield pytest.param(number, q, expected, id=f"entry{number}{flag}-{label}")


@pytest.mark.parametrize(("entry", "quantity_kg", "expected"), list(_part2_cases()))
def test_part2_entry_thresholds(entry, quantity_kg, expected):
    assert tier(InventoryItem(f"entry {entry}", quantity_kg, seveso_entry=entry)) == expected


def _cas_cases():
    for row in PART2:
        for cas in filter(None, row["cas"].split(";")):
            yield pytest.param(cas, int(row["entry_no"]), id=f"{cas}-entry{row['entry_no']}")
    for row in load_table("seveso3_part2_entry33_carcinogens"):
        yield pytest.param(row["cas"], 33, id=f"{row['cas']}-entry33")


@pytest.mark.parametrize(("cas", "entry"), list(_cas_cases()))
def test_part2_recognised_by_cas_at_upper_threshold(cas, entry):
    assert is_valid_cas(cas), "the reference table holds an impossible CAS number"
    upper = catalogue().entries[entry].upper_kg
    assert tier(InventoryItem("by CAS", upper, cas_number=cas)) == "upper"
    assert tier(InventoryItem("by CAS", upper * BELOW, cas_number=cas)) != "upper"


def test_catalogue_is_complete():
    cat = catalogue()
    assert len(cat.categories) == 21 and sorted(cat.entries) == list(range(1, 49))
    dash = sorted(n for n, e in cat.entries.items() if e.lower_kg is None)
    assert dash == [8, 11, 23, 24, 30, 32]
    assert cat.categories["P3a"].net and cat.categories["P3a"].lower_kg == 150_000.0
    every_category = {c for h in cat.hazard_statements.values() for c in h.seveso_categories}
    assert every_category == set(cat.categories) - {"P3b", "P5b"}  # only by stated category


def test_dash_entry_reasons_mention_column_3_only():
    result = classify_inventory("T", [InventoryItem("Arsenic trioxide", 100.0, seveso_entry=8)])
    assert result.seveso_tier.value == "upper"
    assert result.contributions[0].lower_threshold_kg is None
    assert "0.1 t (column 3)" in result.reasons[0]
