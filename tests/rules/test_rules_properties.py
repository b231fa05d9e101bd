"""Invariants: line order, monotonicity in quantities, splitting a line."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hazatlas.domain.inventory import InventoryItem
from hazatlas.rules.identify import classify_inventory

RANK = {"none": 0, "lower": 1, "upper": 2}

# A pool of line kinds covering Part 2 entries (by number and CAS, dash entries, entries 33/34,
# note 23, note 20 congeners of entry 32), stated categories, CLP classes, hazard statements and
# unclassifiable lines.
KINDS = [
    dict(substance_name="Chlorine", cas_number="7782-50-5", hazard_statements=("H330", "H400")),
    dict(substance_name="Arsenic trioxide", seveso_entry=8, seveso_categories=("H1",)),
    dict(substance_name="Benzidine", cas_number="92-87-5"),
    dict(
        substance_name="Hydrazine",
        cas_number="302-01-2",
        hazard_statements=("H301", "H311", "H410"),
    ),
    dict(substance_name="Gasoline", seveso_entry=34, seveso_categories=("P5a", "E2")),
    dict(substance_name="Diesel", seveso_entry=34, seveso_categories=("P5c", "E2")),
    dict(substance_name="Methyl acrylate", cas_number="96-33-3", seveso_categories=("P5b",)),
    dict(
        substance_name="Toxic gas", clp_classification=("Acute Tox. 3 (inhalation)", "Flam. Gas 1")
    ),
    dict(substance_name="Oxidiser", hazard_statements=("H272", "H400")),
    dict(substance_name="Tailings", hazard_statements=("H411",)),
    dict(substance_name="Reactive", seveso_categories=("O2", "H3")),
    dict(substance_name="Mystery"),
    dict(substance_name="HpCDD", cas_number="35822-46-9", seveso_categories=("H1",)),
    dict(substance_name="PeCDF", cas_number="57117-31-4"),
]

lines = st.lists(
    st.tuples(
        st.sampled_from(range(len(KINDS))),
        st.floats(min_value=0.0, max_value=3e6, allow_nan=False),
        st.booleans(),
    ),
    min_size=1,
    max_size=10,
)
versions = st.sampled_from(["1992", "2006", "2014"])


def items(spec, line_ids: bool = True) -> list[InventoryItem]:
    return [
        InventoryItem(
            max_quantity_kg=q,
            cannot_initiate=flag,
            line_id=str(i) if line_ids else None,
            **KINDS[k],
        )
        for i, (k, q, flag) in enumerate(spec)
    ]


def summary(result):
    """What must not change: tier, Convention, sums, per-substance quantities and categories."""
    return (
        result.seveso_tier,
        result.convention_hazardous_activity,
        {
            g: (pytest.approx(s.lower, rel=1e-9), pytest.approx(s.upper, rel=1e-9))
            for g, s in result.sums.items()
        },
        [
            (c.substance_name, c.categories, pytest.approx(c.quantity_kg, rel=1e-9))
            for c in result.contributions
        ],
        result.not_classifiable,
    )


@settings(max_examples=150, deadline=None)
@given(spec=lines, version=versions, data=st.data())
def test_reordering_lines_changes_nothing(spec, version, data):
    shuffled = data.draw(st.permutations(spec))
    # without line ids (they follow the lines), the whole result must be identical
    a = classify_inventory("E", items(spec, line_ids=False), version).to_dict()
    b = classify_inventory("E", items(shuffled, line_ids=False), version).to_dict()
    assert a == b


@settings(max_examples=150, deadline=None)
@given(spec=lines, version=versions, data=st.data())
def test_raising_a_quantity_never_lowers_the_tier(spec, version, data):
    index = data.draw(st.integers(0, len(spec) - 1))
    factor = data.draw(st.floats(min_value=1.0, max_value=1e3))
    raised = list(spec)
    k, q, flag = raised[index]
    raised[index] = (k, q * factor, flag)
    before = classify_inventory("E", items(spec), version)
    after = classify_inventory("E", items(raised), version)
    assert RANK[after.seveso_tier.value] >= RANK[before.seveso_tier.value]
    assert after.convention_hazardous_activity >= before.convention_hazardous_activity


@settings(max_examples=150, deadline=None)
@given(spec=lines, version=versions, data=st.data())
def test_splitting_a_line_in_two_changes_nothing(spec, version, data):
    index = data.draw(st.integers(0, len(spec) - 1))
    share = data.draw(st.floats(min_value=0.0, max_value=1.0))
    original = items(spec, line_ids=False)
    line = original[index]
    first = line.max_quantity_kg * share
    parts = [
        dataclasses.replace(line, max_quantity_kg=first),
        dataclasses.replace(line, max_quantity_kg=line.max_quantity_kg - first),
    ]
    split = original[:index] + parts + original[index + 1 :]
    assert summary(classify_inventory("E", split, version)) == summary(
        classify_inventory("E", original, version)
    )
