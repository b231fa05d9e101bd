"""The identification rules give the recorded outputs for recorded inputs.

``recorded/classify_cases.jsonl`` holds 200 inventories (valid and invalid lines, all three
Annex I versions, with and without location inputs) and what ``classify_inventory`` gave for
each: the whole ``to_dict()`` JSON (tier, sums, contributions, reasons, flags) or the problems
of the validation error. ``recorded/record.py`` says how the file was generated and when to
re-record it.
"""

from __future__ import annotations

import importlib.util
import json
import random
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from hazatlas.domain.inventory import InventoryItem
from hazatlas.rules.identify import classify_inventory
from hazatlas.rules.location import LocationInputs
from hazatlas.services.classify import GC_PAUSE_MIN_BATCH, classify_inventories

HERE = Path(__file__).with_name("recorded")


def _load_recorder() -> ModuleType:
    name = "hazatlas_test_recorded_record"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, HERE / "record.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


recorder = _load_recorder()
CASES: list[dict[str, Any]] = [
    json.loads(line) for line in (HERE / "classify_cases.jsonl").read_text("utf-8").splitlines()
]


def test_the_recording_covers_what_it_should():
    outcomes = [case["expected"] for case in CASES]
    tiers = {o["classification"]["seveso_tier"] for o in outcomes if "classification" in o}
    assert tiers == {"none", "lower", "upper"}
    assert any("problems" in o for o in outcomes)
    assert {case["annex_version"] for case in CASES} == {"1992", "2006", "2014"}


@pytest.mark.parametrize("case", CASES, ids=[c["establishment_id"] for c in CASES])
def test_same_output_as_recorded(case):
    # through JSON, so that floats, NaN and tuples compare as they were recorded
    got = json.loads(json.dumps(recorder.outcome(case), ensure_ascii=False))
    assert got == case["expected"]


def test_a_large_batch_gives_what_each_inventory_gives_alone():
    """A batch big enough to pause the garbage collector, through the public batch function."""
    rng = random.Random(3)
    inventories = {
        f"E{i}": [
            InventoryItem(
                max_quantity_kg=rng.choice(recorder.QUANTITIES) * rng.random(),
                cannot_initiate=rng.random() < 0.2,
                **{
                    k: tuple(v) if isinstance(v, list) else v
                    for k, v in rng.choice(recorder.KINDS).items()
                },
            )
            for _ in range(rng.randint(1, 10))
        ]
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
            alone = classify_inventory(eid, items, version, where.get(eid))
            assert result.to_dict() == alone.to_dict()
            assert repr(result) == repr(alone)
