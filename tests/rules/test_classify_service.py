"""``hazatlas.services.classify.classify_establishments`` on domain establishments."""

from __future__ import annotations

import pytest

from hazatlas.domain.errors import HazatlasError, ValidationError
from hazatlas.domain.establishment import Establishment
from hazatlas.domain.inventory import InventoryItem as Item
from hazatlas.rules import RULES_VERSION
from hazatlas.rules.location import LocationInputs
from hazatlas.services.classify import classify_establishments


def site(eid: str, *items: Item) -> Establishment:
    return Establishment(eid, eid, "SRB", 20.0, 45.0, inventory=list(items))


def test_classifies_each_establishment_with_location_inputs():
    sites = [
        site(
            "A",
            Item(
                "Sodium cyanide",
                30_000.0,
                cas_number="143-33-9",
                hazard_statements=("H300", "H310", "H330", "H410"),
            ),
        ),
        site("B", Item("Diesel", 3_000_000.0, seveso_entry=34, seveso_categories=("P5c", "E2"))),
    ]
    where = {"A": LocationInputs(4.0, "ROU", True, "Danube")}
    a, b = classify_establishments(sites, "2014", where)
    assert (a.establishment_id, a.seveso_tier.value, a.convention_hazardous_activity) == (
        "A",
        "upper",
        True,
    )
    assert a.transboundary_effects_possible and a.rules_version == RULES_VERSION
    assert [f.distance_km for f in a.location_flags] == [4.0, None]
    assert b.seveso_tier.value == "lower" and not b.location_assessed


def test_bad_lines_are_reported_by_establishment_and_line():
    bad = site(
        "C",
        Item("x", float("nan"), hazard_statements=("H331",)),
        Item("y", 1.0, cas_number="50-00-1", line_id="tank 4"),
    )
    with pytest.raises(ValidationError) as info:
        classify_establishments([bad])
    text = str(info.value)
    assert "establishment C, column 'max_quantity_kg': line 1 (x)" in text
    assert "establishment C, column 'cas_number': line tank 4 (y)" in text


def test_unknown_annex_version():
    with pytest.raises(HazatlasError, match="1992, 2006, 2014"):
        classify_establishments([], "2008")


def test_large_batches_restore_the_garbage_collector():
    import gc

    from hazatlas.services.classify import GC_PAUSE_MIN_BATCH, classify_inventories

    batch = {
        f"E{i}": [Item("x", 1.0, hazard_statements=("H400",))] for i in range(GC_PAUSE_MIN_BATCH)
    }
    assert gc.isenabled()
    assert len(classify_inventories(batch)) == GC_PAUSE_MIN_BATCH
    assert gc.isenabled()
    batch["E0"] = [Item("x", 1.0, hazard_statements=("H999",))]
    with pytest.raises(ValidationError):
        classify_inventories(batch)
    assert gc.isenabled()
