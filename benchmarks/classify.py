"""Benchmark: classify many establishments (3-10 inventory lines each) and print the time.

What it compares: nothing in the same run. It reports absolute figures (wall and CPU time of
one ``classify_establishments`` call, and per establishment) against the stated target: 100,000
establishments in < 10 s on the 2-core development machine. There is no baseline because no
other implementation of the Seveso III / Convention identification rules exists to run side by
side (neither in the project's history as a separate code path nor in a library); the rules'
correctness is the test suite's job. The tier counts printed are a fingerprint of the answer
for a given size and seed, to compare between runs of this script.

Timing: the input is generated first (not timed); then one cold call (the first
classification in the process) is timed with ``perf_counter`` and ``process_time``.

Run: ``.venv/bin/python benchmarks/classify.py`` (100,000 establishments), ``--size N``
(N establishments) or ``--quick`` (5,000 establishments, a few seconds; the smoke size).
The inventories are synthetic: lines drawn from a fixed pool of named substances, Part 1
classifications, CLP classes and hazard statements, with random quantities (seeded).
"""

from __future__ import annotations

import argparse
import gc
import random
import time

from hazatlas.domain.establishment import Establishment
from hazatlas.domain.inventory import InventoryItem
from hazatlas.rules.location import LocationInputs
from hazatlas.services.classify import classify_establishments

POOL = [
    dict(substance_name="Chlorine", cas_number="7782-50-5", hazard_statements=("H330", "H400")),
    dict(
        substance_name="Ammonia",
        cas_number="7664-41-7",
        clp_classification=("Acute Tox. 3 (inhalation)", "Aquatic Acute 1", "Flam. Gas 2"),
    ),
    dict(substance_name="LPG", seveso_entry=18, seveso_categories=("P2",)),
    dict(substance_name="Gasoline", seveso_entry=34, seveso_categories=("P5a", "E2")),
    dict(substance_name="Diesel", seveso_entry=34, seveso_categories=("P5c", "E2")),
    dict(
        substance_name="Methanol",
        cas_number="67-56-1",
        hazard_statements=("H225", "H301", "H311", "H331", "H370"),
    ),
    dict(
        substance_name="Sodium cyanide",
        cas_number="143-33-9",
        hazard_statements=("H300", "H310", "H330", "H410", "EUH032"),
    ),
    dict(
        substance_name="Toluene",
        cas_number="108-88-3",
        hazard_statements=("H225", "H304", "H315", "H336", "H361d", "H373"),
    ),
    dict(
        substance_name="Copper sulphate",
        cas_number="7758-98-7",
        hazard_statements=("H302", "H315", "H319", "H410"),
    ),
    dict(substance_name="Ammonium nitrate", seveso_entry=3),
    dict(
        substance_name="Hydrazine",
        cas_number="302-01-2",
        hazard_statements=("H226", "H301", "H311", "H331", "H314", "H317", "H350", "H410"),
    ),
    dict(substance_name="Sodium hypochlorite 4%", seveso_entry=41, seveso_categories=("E1",)),
    dict(
        substance_name="Oxygen",
        cas_number="7782-44-7",
        clp_classification=("Ox. Gas 1", "Press. Gas (Ref. Liq.)"),
    ),
    dict(substance_name="Tailings slurry", hazard_statements=("H411",)),
    dict(substance_name="Unknown drum"),
    dict(substance_name="Hydrogen", cas_number="1333-74-0", seveso_categories=("P2",)),
]


def make(n: int, seed: int = 1) -> list[Establishment]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        items = [
            InventoryItem(
                max_quantity_kg=rng.choice((1.0, 1e3, 1e4, 1e5)) * rng.random() * 10,
                cannot_initiate=rng.random() < 0.1,
                line_id=str(k),
                **rng.choice(POOL),
            )
            for k in range(rng.randint(3, 10))
        ]
        out.append(Establishment(f"E{i}", f"site {i}", "AUT", 16.0, 48.0, inventory=items))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--size",
        "-n",
        dest="n",
        type=int,
        default=None,
        help="number of establishments to classify (default 100,000; 5,000 with --quick)",
    )
    parser.add_argument("--quick", action="store_true", help="smoke size: 5,000 establishments")
    parser.add_argument("--annex-version", default="2014")
    parser.add_argument(
        "--gc-freeze", action="store_true", help="gc.freeze() the generated input before timing"
    )
    args = parser.parse_args()
    if args.n is not None and args.n < 1:
        parser.error(f"--size must be at least 1, got {args.n}")
    n = args.n if args.n is not None else (5_000 if args.quick else 100_000)
    establishments = make(n)
    lines = sum(len(e.inventory) for e in establishments)
    where = {
        e.id: LocationInputs(
            border_distance_km=float(i % 40),
            border_country_iso3="HUN",
            on_transboundary_water=i % 3 == 0,
        )
        for i, e in enumerate(establishments)
    }
    if args.gc_freeze:
        gc.freeze()  # keep the collector from rescanning the input on every collection
    start, cpu_start = time.perf_counter(), time.process_time()
    results = classify_establishments(establishments, args.annex_version, where)
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu_start
    tiers = {t: sum(r.seveso_tier.value == t for r in results) for t in ("none", "lower", "upper")}
    print(
        f"classified {n:,} establishments ({lines:,} lines) in {elapsed:.2f} s wall, "
        f"{cpu:.2f} s CPU ({elapsed / n * 1e6:.1f} µs per establishment); tiers {tiers}; "
        f"Convention hazardous {sum(r.convention_hazardous_activity for r in results):,}"
    )


if __name__ == "__main__":
    main()
