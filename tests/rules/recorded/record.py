"""Record the expected outputs of the identification rules for ``test_rules_recorded.py``.

The inputs are generated from a fixed seed: inventories drawn from a pool of line kinds (Part 2
entries by number and CAS, dash entries, the summed entries 33 and 34, note 23, stated
categories, CLP classes, hazard statements, precedence conflicts, unclassifiable lines, name
variants of one substance, invalid lines and invalid quantities), with quantities at and around
the qualifying quantities, the three Annex I versions and location inputs. Each case stores its
inputs in full (not as indices into the pool) and what ``classify_inventory`` gave: the
``Classification.to_dict()`` JSON, or the problems of the ``ValidationError``.

The file was recorded once from the rules as they were before they were rewritten to read like
the law (commit 1ba71c1, the code the frozen copy ``oracle_rules_v1.py`` had been checked
against), so that the rewrite is checked against that behaviour. It was re-recorded once, for
note 20 (``hazatlas-rules/2``): only ``rules_version`` changed (no case has entry 32). Re-record
only for an intended change of the rules (and bump ``RULES_VERSION``), and review the diff of
the recorded file:

    PYTHONPATH=src .venv/bin/python tests/rules/recorded/record.py

Writes ``tests/rules/recorded/classify_cases.jsonl``, one case per line.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

from hazatlas.domain.errors import ValidationError
from hazatlas.domain.inventory import InventoryItem
from hazatlas.rules.identify import classify_inventory
from hazatlas.rules.location import LocationInputs

SEED = 20261206
CASES = 200
OUT = Path(__file__).with_name("classify_cases.jsonl")

KINDS: list[dict[str, Any]] = [
    dict(substance_name="Chlorine", cas_number="7782-50-5", hazard_statements=["H330", "H400"]),
    dict(substance_name="chlorine ", cas_number=" 7782-50-5"),
    dict(substance_name="Arsenic trioxide", seveso_entry=8, seveso_categories=["H1"]),
    dict(substance_name="Arsenic pentoxide", seveso_entry=8),
    dict(substance_name="Benzidine", cas_number="92-87-5"),
    dict(substance_name="2-Naphthylamine", cas_number="91-59-8", hazard_statements=["H350"]),
    dict(
        substance_name="Hydrazine",
        cas_number="302-01-2",
        hazard_statements=["H301", "H311", "H410"],
    ),
    dict(substance_name="Gasoline", seveso_entry=34, seveso_categories=["P5a", "E2"]),
    dict(substance_name="Diesel", seveso_entry=34, seveso_categories=["P5c", "E2"]),
    dict(substance_name="Kerosene", seveso_entry=34, seveso_categories=["P5c", "E2"]),
    dict(substance_name="LPG", seveso_entry=18, seveso_categories=["P2"]),
    dict(substance_name="Ammonium nitrate", seveso_entry=3),
    dict(substance_name="Methyl acrylate", cas_number="96-33-3", seveso_categories=["P5b"]),
    dict(substance_name="Methyl acrylate", cas_number="96-33-3", seveso_categories=["P5a"]),
    dict(substance_name="Hypochlorite", seveso_entry=41, seveso_categories=["E1"]),
    dict(substance_name="Hydrogen", cas_number="1333-74-0", seveso_categories=["P2"]),
    dict(
        substance_name="Ammonia",
        cas_number="7664-41-7",
        clp_classification=["Acute Tox. 3 (inhalation)", "Aquatic Acute 1", "Flam. Gas 2"],
    ),
    dict(
        substance_name="Toxic gas",
        clp_classification=["Acute Tox. 3 (inhalation)", "Flam. Gas 1"],
        hazard_statements=["H331"],
    ),
    dict(substance_name="Oral toxic", clp_classification=["Acute Tox. 3 (oral)"]),
    dict(
        substance_name="Sodium cyanide",
        cas_number="143-33-9",
        hazard_statements=["H300", "H310", "H330", "H410", "EUH032"],
    ),
    dict(
        substance_name="Methanol",
        cas_number="67-56-1",
        hazard_statements=["H225", "H301", "H311", "H331", "H370"],
    ),
    dict(substance_name="Aerosol", hazard_statements=["H222"]),
    dict(substance_name="Oxidiser", hazard_statements=["H272", "H400"]),
    dict(substance_name="Oxygen", clp_classification=["Ox. Gas 1", "Press. Gas (Ref. Liq.)"]),
    dict(substance_name="Tailings", hazard_statements=["H411"]),
    dict(substance_name="TAILINGS", hazard_statements=["H411"]),
    dict(substance_name="Reactive", seveso_categories=["O2", "H3"]),
    dict(substance_name="Water reactive", seveso_categories=["O1"]),
    dict(substance_name="Irritant", hazard_statements=["H315", "H319"]),
    dict(substance_name="Mystery"),
    dict(substance_name="Drum", cas_number="64-17-5"),
]
INVALID_KINDS: list[dict[str, Any]] = [
    dict(substance_name="Bad statement", hazard_statements=["H999"]),
    dict(substance_name="Bad CAS", cas_number="7782-50-6"),
    dict(substance_name="Bad entry", seveso_entry=99, seveso_categories=["Q7"]),
    dict(substance_name="Mismatch", cas_number="7782-50-5", seveso_entry=3),
    dict(substance_name="No route", clp_classification=["Acute Tox. 2"]),
]
QUANTITIES = [0.0, 1.0, 60.0, 100.0, 500.0, 1000.0, 2000.0, 5000.0, 10_000.0, 25_000.0]
QUANTITIES += [50_000.0, 200_000.0, 2_500_000.0, 5e6]
QUANTITIES += [5000.0 * (1 - 5e-10), 25_000.0 * (1 - 2e-9), 200.0 * (1 + 1e-10)]  # tolerance
BAD_QUANTITIES: list[Any] = [-1.0, float("nan"), float("inf"), "12"]
DISTANCES = [None, 0.0, 3.0, 14.9, 15.0, 15.1, 40.0]


def random_case(rng: random.Random, number: int) -> dict[str, Any]:
    lines = []
    for _ in range(rng.randint(1, 8)):
        roll = rng.random()
        kind = rng.choice(INVALID_KINDS) if roll < 0.015 else rng.choice(KINDS)
        if rng.random() < 0.5:
            quantity: Any = rng.choice(QUANTITIES)
        else:
            quantity = rng.uniform(0.0, 3e6) * rng.choice((1e-4, 1e-3, 1e-2, 0.1, 1.0))
        if rng.random() < 0.01:
            quantity = rng.choice(BAD_QUANTITIES)
        lines.append(
            dict(
                kind,
                max_quantity_kg=quantity,
                cannot_initiate=rng.random() < 0.2,
                line_id=rng.choice([None, None, "a", "b", str(len(lines) + 1)]),
            )
        )
    location = None
    if rng.random() < 0.7:
        location = dict(
            border_distance_km=rng.choice(DISTANCES),
            border_country_iso3=rng.choice([None, "HUN"]),
            on_transboundary_water=rng.random() < 0.5,
            water_body=rng.choice([None, "Danube"]),
        )
    return dict(
        establishment_id=f"E-{number}",
        annex_version=rng.choice(["1992", "2006", "2014"]),
        location=location,
        lines=lines,
    )


def items_of(case: dict[str, Any]) -> list[InventoryItem]:
    """The inventory of a recorded case (lists in the JSON become tuples)."""
    return [
        InventoryItem(**{k: tuple(v) if isinstance(v, list) else v for k, v in line.items()})
        for line in case["lines"]
    ]


def location_of(case: dict[str, Any]) -> LocationInputs | None:
    return None if case["location"] is None else LocationInputs(**case["location"])


def outcome(case: dict[str, Any]) -> dict[str, Any]:
    """What ``classify_inventory`` gives for a case, as JSON-ready data."""
    try:
        result = classify_inventory(
            case["establishment_id"], items_of(case), case["annex_version"], location_of(case)
        )
    except ValidationError as exc:
        return {"problems": [[p.source, p.row, p.field, p.message] for p in exc.problems]}
    return {"classification": result.to_dict()}


def main() -> None:
    rng = random.Random(SEED)
    cases = [random_case(rng, n) for n in range(CASES)]
    for case in cases:
        case["expected"] = outcome(case)
    text = "".join(json.dumps(case, ensure_ascii=False) + "\n" for case in cases)
    OUT.write_text(text, encoding="utf-8")
    print(f"recorded {len(cases)} cases in {OUT}")


if __name__ == "__main__":
    main()
