"""Note 20: entry 32 (polychlorodibenzofurans and polychlorodibenzodioxins) in TCDD equivalents.

Seveso III Annex I Part 2 entry 32 has only an upper-tier value, 0.001 t (a dash in column 2);
its quantities are calculated with the WHO 2005 toxic equivalency factors of note 20.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hazatlas.domain.errors import ValidationError
from hazatlas.domain.inventory import InventoryItem as Item
from hazatlas.domain.substance import cas_problem
from hazatlas.rules.identify import classify_inventory
from hazatlas.rules.thresholds import DIOXIN_ENTRY, catalogue

HPCDD = "35822-46-9"  # 1,2,3,4,6,7,8-HpCDD, TEF 0.01
PECDF = "57117-31-4"  # 2,3,4,7,8-PeCDF, TEF 0.3
TCDD = "1746-01-6"  # 2,3,7,8-TCDD, TEF 1


def test_the_tef_table_has_the_17_congeners_with_cas_numbers_and_sources():
    congeners = catalogue().congeners
    assert len(congeners) == 17
    assert {c.tef for c in congeners.values()} == {1.0, 0.3, 0.1, 0.03, 0.01, 0.0003}
    assert (congeners[HPCDD].tef, congeners[PECDF].tef, congeners[TCDD].tef) == (0.01, 0.3, 1.0)
    for cas, congener in congeners.items():
        assert cas_problem(cas) is None
        assert congener.source and congener.status
        assert catalogue().entry_by_cas[cas] == DIOXIN_ENTRY
    entry = catalogue().entries[DIOXIN_ENTRY]
    assert (entry.lower_kg, entry.upper_kg) == (None, 1.0)


def test_60_kg_hpcdd_and_1_kg_pecdf_are_0_9_kg_teq_and_no_tier():
    """The issue's case: on the raw 61 kg they came out upper tier; in TEQ they are 0.9 kg."""
    result = classify_inventory(
        "D", [Item("HpCDD", 60.0, cas_number=HPCDD), Item("PeCDF", 1.0, cas_number=PECDF)]
    )
    counted = {c.substance_name: c.counted_kg for c in result.contributions}
    assert counted == pytest.approx({"HpCDD": 0.6, "PeCDF": 0.3})
    assert sum(counted.values()) == pytest.approx(0.9)
    assert {c.substance_name: c.quantity_kg for c in result.contributions} == {
        "HpCDD": 60.0,
        "PeCDF": 1.0,
    }
    # 0.9 kg TEQ < 1 kg (column 3); column 2 has a dash: no tier
    assert result.seveso_tier.value == "none"
    assert not result.convention_hazardous_activity  # 2014 Part II, inferred: 1 kg too
    assert any("0.06 t × WHO 2005 TEF 0.01 = 0.0006 t TCDD equivalent" in r for r in result.reasons)
    assert any("0.001 t × WHO 2005 TEF 0.3 = 0.0003 t TCDD equivalent" in r for r in result.reasons)


def test_congeners_add_up_in_teq_to_the_upper_tier():
    items = [
        Item("HpCDD", 60.0, cas_number=HPCDD),
        Item("PeCDF", 1.0, cas_number=PECDF),
        Item("TCDD", 0.1, cas_number=TCDD),
    ]
    result = classify_inventory("D", items)
    assert result.seveso_tier.value == "upper"
    assert result.reasons[0] == (
        "upper tier: HpCDD, PeCDF, TCDD (Part 2 entry 32 in TCDD equivalents, note 20): "
        "0.001 t ≥ 0.001 t (column 3)"
    )
    assert result.convention_hazardous_activity


def test_the_2_percent_rule_and_the_sums_use_teq():
    # 40 kg HpCDD = 0.4 kg TEQ; an isolated 1 kg = 0.01 kg TEQ, at most 2 % of 1 kg: ignored
    result = classify_inventory(
        "D",
        [
            Item("HpCDD", 40.0, cas_number=HPCDD, seveso_categories=("H2",)),
            Item("HpCDD", 1.0, cas_number=HPCDD, seveso_categories=("H2",), cannot_initiate=True),
        ],
    )
    (c,) = result.contributions
    assert c.ignored_by_2_percent_rule and c.counted_kg == pytest.approx(0.4)
    assert c.group_ratios["health"] == pytest.approx((0.4, 0.4))
    assert result.sums["health"].lower == pytest.approx(0.4)


def test_an_unspecified_dioxins_line_counts_as_stated_teq_and_says_so():
    below = classify_inventory("D", [Item("Dioxins", 0.9, seveso_entry=32)])
    assert below.seveso_tier.value == "none"
    assert any(
        "Dioxins: Part 2 entry 32 without the CAS number of a congener listed in note 20" in r
        and "taken to be TCDD equivalents" in r
        for r in below.reasons
    )
    at = classify_inventory("D", [Item("Dioxins", 1.0, seveso_entry=32)])
    assert at.seveso_tier.value == "upper"


def test_a_congener_cas_under_another_entry_is_an_error():
    with pytest.raises(ValidationError, match="is Part 2 entry 32, but the line says entry 10"):
        classify_inventory("D", [Item("x", 1.0, cas_number=TCDD, seveso_entry=10)])


def test_lines_of_one_congener_are_added_up_and_congeners_kept_apart():
    result = classify_inventory(
        "D",
        [
            Item("HpCDD", 30.0, cas_number=HPCDD),
            Item("HpCDD", 30.0, cas_number=HPCDD),
            Item("PeCDF", 1.0, cas_number=PECDF, seveso_entry=32),
        ],
    )
    assert [(c.substance_name, c.quantity_kg) for c in result.contributions] == [
        ("HpCDD", 60.0),
        ("PeCDF", 1.0),
    ]
    assert result.seveso_tier.value == "none"


@settings(max_examples=100, deadline=None)
@given(
    lines=st.lists(
        st.tuples(
            st.sampled_from(sorted(catalogue().congeners)),
            st.floats(min_value=0.0, max_value=500.0, allow_nan=False),
        ),
        min_size=1,
        max_size=6,
    )
)
def test_congeners_count_as_their_teq_stated_as_unspecified_dioxins(lines):
    congeners = catalogue().congeners
    by_cas = classify_inventory("D", [Item(f"c{cas}", q, cas_number=cas) for cas, q in lines])
    teq = [Item("Dioxins TEQ", q * congeners[cas].tef, seveso_entry=32) for cas, q in lines]
    as_teq = classify_inventory("D", teq)
    assert by_cas.seveso_tier == as_teq.seveso_tier
    assert by_cas.convention_hazardous_activity == as_teq.convention_hazardous_activity
    total = sum(c.counted_kg for c in by_cas.contributions)
    assert total == pytest.approx(as_teq.contributions[0].counted_kg, rel=1e-12, abs=1e-300)
