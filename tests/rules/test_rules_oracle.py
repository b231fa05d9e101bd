"""The optimised identification gives byte-identical results to the unoptimised rules.

``oracle_rules_v1.py`` is a frozen copy of the rules before the classify benchmark was sped up
(line-signature cache, cached thresholds, inlined comparisons). Random inventories, valid and
invalid, must give the same JSON, the same dataclasses and the same validation problems.
"""

from __future__ import annotations

import importlib.util
import json
import math
import random
import sys
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from hazatlas.domain.errors import ValidationError
from hazatlas.domain.inventory import InventoryItem
from hazatlas.rules.identify import classify_inventory
from hazatlas.rules.location import LocationInputs
from hazatlas.services.classify import GC_PAUSE_MIN_BATCH, classify_inventories


def _load_oracle():
    name = "hazatlas_test_oracle_rules_v1"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(
        name, Path(__file__).with_name("oracle_rules_v1.py")
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


oracle = _load_oracle()

# Line kinds: Part 2 entries by number and CAS (dash entries, summed entries 33/34, note 23),
# stated categories, CLP classes, hazard statements, precedence conflicts, unclassifiable
# lines, name variants of one substance (aliases) and invalid lines.
KINDS = [
    dict(substance_name="Chlorine", cas_number="7782-50-5", hazard_statements=("H330", "H400")),
    dict(substance_name="chlorine ", cas_number=" 7782-50-5"),
    dict(substance_name="Arsenic trioxide", seveso_entry=8, seveso_categories=("H1",)),
    dict(substance_name="Arsenic pentoxide", seveso_entry=8),
    dict(substance_name="Benzidine", cas_number="92-87-5"),
    dict(substance_name="2-Naphthylamine", cas_number="91-59-8", hazard_statements=("H350",)),
    dict(substance_name="Gasoline", seveso_entry=34, seveso_categories=("P5a", "E2")),
    dict(substance_name="Diesel", seveso_entry=34, seveso_categories=("P5c", "E2")),
    dict(substance_name="Kerosene", seveso_entry=34, seveso_categories=("P5c", "E2")),
    dict(substance_name="LPG", seveso_entry=18, seveso_categories=("P2",)),
    dict(substance_name="Ammonium nitrate", seveso_entry=3),
    dict(substance_name="Methyl acrylate", cas_number="96-33-3", seveso_categories=("P5b",)),
    dict(substance_name="Hypochlorite", seveso_entry=41, seveso_categories=("E1",)),
    dict(substance_name="Hydrogen", cas_number="1333-74-0", seveso_categories=("P2",)),
    dict(
        substance_name="Ammonia",
        cas_number="7664-41-7",
        clp_classification=("Acute Tox. 3 (inhalation)", "Aquatic Acute 1", "Flam. Gas 2"),
    ),
    dict(
        substance_name="Toxic gas",
        clp_classification=("Acute Tox. 3 (inhalation)", "Flam. Gas 1"),
        hazard_statements=("H331",),
    ),
    dict(
        substance_name="Sodium cyanide",
        cas_number="143-33-9",
        hazard_statements=("H300", "H310", "H330", "H410", "EUH032"),
    ),
    dict(
        substance_name="Methanol",
        cas_number="67-56-1",
        hazard_statements=("H225", "H301", "H311", "H331", "H370"),
    ),
    dict(substance_name="Oxidiser", hazard_statements=("H272", "H400")),
    dict(substance_name="Oxygen", clp_classification=("Ox. Gas 1", "Press. Gas (Ref. Liq.)")),
    dict(substance_name="Tailings", hazard_statements=("H411",)),
    dict(substance_name="TAILINGS", hazard_statements=("H411",)),
    dict(substance_name="Reactive", seveso_categories=("O2", "H3")),
    dict(substance_name="Water reactive", seveso_categories=("O1",)),
    dict(substance_name="Mystery"),
    dict(substance_name="Drum", cas_number="64-17-5"),
    # invalid lines
    dict(substance_name="Bad statement", hazard_statements=("H999",)),
    dict(substance_name="Bad CAS", cas_number="7782-50-6"),
    dict(substance_name="Bad entry", seveso_entry=99, seveso_categories=("Q7",)),
    dict(substance_name="Mismatch", cas_number="7782-50-5", seveso_entry=3),
]
VALID = range(len(KINDS) - 4)
QUANTITIES = [0.0, 1.0, 100.0, 2000.0, 5000.0, 10_000.0, 25_000.0, 50_000.0, 200_000.0, 5e6]
QUANTITIES += [5000.0 * (1 - 5e-10), 25_000.0 * (1 - 2e-9), 200.0 * (1 + 1e-10)]  # tolerance

quantities = st.one_of(
    st.sampled_from(QUANTITIES),
    st.floats(min_value=0.0, max_value=3e6, allow_nan=False),
)
line = st.tuples(
    st.sampled_from(range(len(KINDS))), quantities, st.booleans(), st.sampled_from([None, "a", "b"])
)
locations = st.one_of(
    st.none(),
    st.builds(
        LocationInputs,
        border_distance_km=st.one_of(
            st.none(), st.sampled_from([0.0, -0.0, 3, 14.9, 15.0, 15.1, 40.0])
        ),
        border_country_iso3=st.sampled_from([None, "HUN"]),
        on_transboundary_water=st.booleans(),
        water_body=st.sampled_from([None, "Danube"]),
    ),
)
versions = st.sampled_from(["1992", "2006", "2014"])


def make_items(spec) -> list[InventoryItem]:
    return [
        InventoryItem(max_quantity_kg=q, cannot_initiate=flag, line_id=lid, **KINDS[k])
        for k, q, flag, lid in spec
    ]


def outcome(func, *args):
    """What a classification gives, as comparable text: the JSON and repr, or the problems."""
    try:
        result = func(*args)
    except ValidationError as exc:
        return ("error", str(exc), repr(exc.problems))
    return ("ok", json.dumps(result.to_dict(), ensure_ascii=False), repr(result))


@settings(max_examples=300, deadline=None)
@given(
    spec=st.lists(line, min_size=1, max_size=12),
    version=versions,
    location=locations,
)
def test_same_result_as_the_unoptimised_rules(spec, version, location):
    expected = outcome(oracle.classify_inventory, "E-1", make_items(spec), version, location)
    assert outcome(classify_inventory, "E-1", make_items(spec), version, location) == expected
    # the line-signature cache is warm now: a second run must agree too
    assert outcome(classify_inventory, "E-1", make_items(spec), version, location) == expected


@settings(max_examples=50, deadline=None)
@given(
    spec=st.lists(line, min_size=1, max_size=6),
    bad=st.sampled_from([-1.0, math.nan, math.inf, "12"]),
    version=versions,
)
def test_same_problems_for_bad_quantities(spec, bad, version):
    spec = [*spec, (0, bad, False, None)]
    expected = outcome(oracle.classify_inventory, "E-2", make_items(spec), version)
    assert expected[0] == "error"
    assert outcome(classify_inventory, "E-2", make_items(spec), version) == expected


def test_a_large_batch_matches_the_unoptimised_rules():
    """A batch big enough to pause the garbage collector, through the public batch function."""
    rng = random.Random(3)
    inventories = {
        f"E{i}": make_items(
            [
                (rng.choice(VALID), rng.choice(QUANTITIES) * rng.random(), rng.random() < 0.2, None)
                for _ in range(rng.randint(1, 10))
            ]
        )
        for i in range(GC_PAUSE_MIN_BATCH + 200)
    }
    where = {
        eid: LocationInputs(float(i % 30), "HUN", i % 2 == 0)
        for i, eid in enumerate(inventories)
        if i % 5
    }
    for version in ("1992", "2006", "2014"):
        got = classify_inventories(inventories, version, where)
        assert [r.establishment_id for r in got] == list(inventories)
        for result, (eid, items) in zip(got, inventories.items(), strict=True):
            expected = oracle.classify_inventory(eid, items, version, where.get(eid))
            assert result.to_dict() == expected.to_dict()
            assert repr(result) == repr(expected)
