"""Worked cases of the note 4 sums, the 2 % rule (note 3), note 6, note 7, note 23, entries 33/34.

Quantities in the cases are tonnes written as kg; thresholds are the Seveso III values
(confirmed in the reference, except where a case says otherwise).
"""

from __future__ import annotations

import pytest

from hazatlas.domain.inventory import InventoryItem as Item
from hazatlas.rules.identify import classify_inventory

T = 1000.0  # kg per tonne


def classify(*items: Item):
    return classify_inventory("T", list(items))


SUM_CASES = [
    # health: H1 3 t (3/5 = 0.6) + H2 25 t (25/50 = 0.5) -> lower sum 1.1; upper 0.15 + 0.125
    (
        "health",
        [Item("a", 3 * T, seveso_categories=("H1",)), Item("b", 25 * T, seveso_categories=("H2",))],
        "lower",
        1.1,
        0.275,
    ),
    # health with a named substance counting in the group: chlorine (entry 10, 10/25 t) 6 t as H2
    (
        "health+named",
        [
            Item("Chlorine", 6 * T, cas_number="7782-50-5", seveso_categories=("H2",)),
            Item("b", 25 * T, seveso_categories=("H2",)),
        ],
        "lower",
        1.1,
        0.365,
    ),
    # physical: P2 6 t (6/10) + P5c 2500 t (2500/5000) -> 1.1 lower
    (
        "physical",
        [
            Item("gas", 6 * T, seveso_categories=("P2",)),
            Item("liquid", 2500 * T, seveso_categories=("P5c",)),
        ],
        "lower",
        1.1,
        0.17,
    ),
    # physical + named reaching the upper tier: P2 40 t (40/50) + hydrogen (entry 15, 5/50) 15 t
    (
        "physical+named",
        [
            Item("gas", 40 * T, seveso_categories=("P2",)),
            Item("Hydrogen", 15 * T, seveso_entry=15, seveso_categories=("P2",)),
        ],
        "upper",
        4 + 3,
        1.1,
    ),
    # environmental: E1 60 t (60/100) + E2 100 t (100/200) -> lower; upper 0.3 + 0.2
    (
        "environmental",
        [
            Item("e1", 60 * T, seveso_categories=("E1",)),
            Item("e2", 100 * T, seveso_categories=("E2",)),
        ],
        "lower",
        1.1,
        0.5,
    ),
    # environmental + named: sodium hypochlorite (entry 41, 200/500; numbering unconfirmed) 100 t
    (
        "environmental+named",
        [
            Item("NaOCl", 100 * T, seveso_entry=41, seveso_categories=("E1",)),
            Item("e1", 60 * T, seveso_categories=("E1",)),
        ],
        "lower",
        1.1,
        0.5,
    ),
    # a dash entry in the lower sum uses its upper value: As2O3 (entry 8, -/0.1 t) 0.06 t as H1
    # (0.6) + H1 2.5 t (0.5 lower, 0.125 upper) -> lower sum 1.1
    (
        "health+dash",
        [
            Item("As2O3", 0.06 * T, seveso_entry=8, seveso_categories=("H1",)),
            Item("h1", 2.5 * T, seveso_categories=("H1",)),
        ],
        "lower",
        1.1,
        0.725,
    ),
]


@pytest.mark.parametrize(
    ("group", "items", "expected", "lower_sum", "upper_sum"),
    [pytest.param(*c, id=c[0]) for c in SUM_CASES],
)
def test_summation_worked_cases(group, items, expected, lower_sum, upper_sum):
    result = classify(*items)
    name = group.split("+")[0]
    assert result.seveso_tier.value == expected
    assert result.sums[name].lower == pytest.approx(lower_sum)
    assert result.sums[name].upper == pytest.approx(upper_sum)
    if expected != "upper" or group == "physical+named":
        assert any(f"{name} sum" in r for r in result.reasons)


def test_other_groups_stay_zero_and_named_without_categories_counts_in_no_sum():
    result = classify(
        Item("Chlorine", 9 * T, cas_number="7782-50-5"),
        Item("h2", 30 * T, seveso_categories=("H2",)),
    )
    assert result.seveso_tier.value == "none"
    assert result.sums["health"].lower == pytest.approx(0.6)
    assert any("counts in no note 4 sum" in r for r in result.reasons)


def test_o_categories_are_not_summed():
    # two O1 substances of 60 t each: 1.2 of the O1 lower value together, but O is not summed
    result = classify(
        Item("x", 60 * T, seveso_categories=("O1",)), Item("y", 60 * T, seveso_categories=("O1",))
    )
    assert result.seveso_tier.value == "none"
    assert all(s.lower == 0 for s in result.sums.values())


def test_note6_lowest_threshold_individually_and_group_values_in_sums():
    # E1 (100/200 t) and P5c (5000/50000 t): compared with 100 t on its own
    result = classify(Item("x", 120 * T, seveso_categories=("E1", "P5c")))
    assert result.seveso_tier.value == "lower"
    c = result.contributions[0]
    assert (c.lower_threshold_kg, c.upper_threshold_kg) == (100 * T, 200 * T)
    assert c.group_ratios["physical"] == pytest.approx((120 / 5000, 120 / 50000))
    assert c.group_ratios["environmental"] == pytest.approx((1.2, 0.6))


def test_same_substance_lines_are_added_up():
    lines = [
        Item("toluene", 2600 * T, cas_number="108-88-3", hazard_statements=("H225",)),
        Item("Toluene", 2600 * T, cas_number="108-88-3", hazard_statements=("H225",)),
    ]
    result = classify(*lines)
    assert result.seveso_tier.value == "lower"
    assert len(result.contributions) == 1 and result.contributions[0].counted_kg == 5200 * T


@pytest.mark.parametrize(
    ("entry", "cas_a", "cas_b", "each_t", "expected"),
    [
        (33, "92-87-5", "302-01-2", 0.3, "lower"),  # benzidine + hydrazine: 0.6 t >= 0.5 t
        (33, "92-87-5", "302-01-2", 1.0, "upper"),  # 2 t >= 2 t
        (33, "92-87-5", "302-01-2", 0.2, "none"),  # 0.4 t < 0.5 t
    ],
)
def test_entry33_carcinogens_are_a_sum(entry, cas_a, cas_b, each_t, expected):
    result = classify(
        Item("a", each_t * T, cas_number=cas_a), Item("b", each_t * T, cas_number=cas_b)
    )
    assert result.seveso_tier.value == expected
    if expected != "none":
        assert any(f"Part 2 entry {entry}, sum of its substances" in r for r in result.reasons)


def test_entry34_petroleum_products_are_a_sum():
    result = classify(
        Item("Gasoline", 1500 * T, seveso_entry=34, seveso_categories=("P5a",)),
        Item("Diesel", 1500 * T, seveso_entry=34, seveso_categories=("P5c",)),
    )
    assert result.seveso_tier.value == "lower"
    assert any("Diesel, Gasoline (Part 2 entry 34, sum" in r for r in result.reasons)


def test_note23_lowest_of_part2_and_p5a():
    # methyl acrylate (entry 46, 500/2000 t; numbering unconfirmed) also P5a (10/50 t)
    item = Item("Methyl acrylate", 20 * T, cas_number="96-33-3", seveso_categories=("P5a",))
    result = classify(item)
    assert result.seveso_tier.value == "lower"
    assert result.contributions[0].lower_threshold_kg == 10 * T
    assert any("entry 46" in u and "unconfirmed" in u for u in result.unconfirmed)


# --- the 2 % rule (note 3) -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("isolated_t", "cannot_initiate", "ignored"),
    [
        (1.0, True, True),  # 1 t = 2 % of 50 t (H2 lower): ignored
        (0.999, True, True),
        (1.001, True, False),  # more than 2 %: counts
        (1.0, False, False),  # not flagged: counts
    ],
)
def test_two_percent_rule(isolated_t, cannot_initiate, ignored):
    main = Item("main", 49.5 * T, seveso_categories=("H2",))
    lot = Item("main", isolated_t * T, seveso_categories=("H2",), cannot_initiate=cannot_initiate)
    result = classify(main, lot)
    assert result.contributions[0].ignored_by_2_percent_rule is ignored
    assert result.seveso_tier.value == ("none" if ignored else "lower")
    assert any("(note 3)" in r for r in result.reasons) is cannot_initiate


def test_two_percent_rule_adds_isolated_lots_of_a_substance_first():
    # two isolated lots of 0.6 t: each under 2 % of 50 t, together 1.2 t: they count
    lots = [Item("x", 0.6 * T, seveso_categories=("H2",), cannot_initiate=True) for _ in range(2)]
    result = classify(Item("x", 49 * T, seveso_categories=("H2",)), *lots)
    assert result.seveso_tier.value == "lower"


# --- precedence and hazard statements ---------------------------------------------------------


def test_shared_h_statement_resolved_to_stricter_with_reason():
    result = classify(Item("x", 5 * T, hazard_statements=("H330",)))
    assert result.seveso_tier.value == "lower"  # H1 lower tier 5 t (H2 would need 50 t)
    assert result.contributions[0].categories == ("H1",)
    assert any("resolved to the stricter H1" in r for r in result.reasons)


def test_clp_class_wins_over_hazard_statements_and_stated_over_clp():
    item = Item(
        "x", 5 * T, hazard_statements=("H330",), clp_classification=("Acute Tox. 2 (inhalation)",)
    )
    result = classify(item)
    assert result.contributions[0].categories == ("H2",)
    assert result.contributions[0].category_source == "CLP classification"
    assert result.seveso_tier.value == "none"
    stated = Item(
        "x",
        5 * T,
        hazard_statements=("H330",),
        clp_classification=("Acute Tox. 1",),
        seveso_categories=("E2",),
    )
    result = classify(stated)
    assert result.contributions[0].categories == ("E2",)
    assert any("not used (precedence)" in r for r in result.reasons)


@pytest.mark.parametrize(
    ("statements", "clp", "categories"),
    [
        (("H301",), (), ("H2",)),
        (("H301", "H311"), (), ()),
        (("H301", "H332"), (), ()),
        ((), ("Acute Tox. 3 (oral)",), ("H2",)),
        ((), ("Acute Tox. 3 (oral)", "Acute Tox. 4 (dermal)"), ()),
        ((), ("Acute Tox. 3 (inhalation)",), ("H2",)),
        ((), ("Acute Tox. 3 (dermal)",), ()),
    ],
)
def test_note7_oral_category3(statements, clp, categories):
    item = Item("x", 1.0, hazard_statements=statements, clp_classification=clp)
    assert classify(item).contributions[0].categories == categories


def test_not_classifiable_is_reported_not_silently_none():
    result = classify(Item("Mystery drum", 1e9), Item("Unknown CAS", 1e9, cas_number="64-17-5"))
    assert result.seveso_tier.value == "none"
    assert result.not_classifiable == ("Mystery drum", "Unknown CAS")
    assert any(r.startswith("not classifiable: Mystery drum") for r in result.reasons)
    assert any("may be understated" in r for r in result.reasons)


def test_hazard_statements_without_seveso_category_are_classified_none():
    result = classify(Item("Irritant", 1e9, hazard_statements=("H315", "H319")))
    assert result.not_classifiable == () and result.seveso_tier.value == "none"
    assert any("no Seveso III category" in r for r in result.reasons)
