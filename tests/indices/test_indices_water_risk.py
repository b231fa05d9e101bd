"""ICPDR Water Risk Index.

UNCONFIRMED: the class weights (1, 0.1, 0.01) and WRI = log10(kg) come from
icpdr_water_risk_index.csv, which is from memory. These tests check the code against that table,
not the truth: the hand-computed values below hold for the table's weights.
"""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hazatlas.domain.errors import ValidationError
from hazatlas.domain.inventory import InventoryItem
from hazatlas.indices.water_risk import class_weights, map_class, water_risk_index


def line(name: str, kg: float, wgk: int | None = None, h: tuple[str, ...] = ()) -> InventoryItem:
    return InventoryItem(name, kg, water_hazard_class=wgk, hazard_statements=h)


def test_table_weights_as_read() -> None:
    """Against the table (unconfirmed): WGK 3 -> 1, WGK 2 -> 0.1, WGK 1 -> 0.01."""
    assert class_weights() == {3: 1.0, 2: 0.1, 1: 0.01, 0: 0.0}


@pytest.mark.parametrize(
    ("inventory", "wri"),
    [
        ([line("a", 100_000.0, 3)], 5.0),  # 100 t WGK 3 = 1e5 kg eq.
        ([line("a", 1_000_000.0, 2)], 5.0),  # 1000 t x 0.1
        ([line("a", 100_000.0, 1)], 3.0),  # 100 t x 0.01 = 1e3 kg
        ([line("a", 50_000.0, 3), line("b", 500_000.0, 2)], 5.0),  # 5e4 + 5e4
        ([line("a", 1e9, 3)], 9.0),  # 1 Mt
        ([line("a", 2_000.0, 3), line("b", 1e9, 0)], math.log10(2_000.0)),  # nwg weighs 0
    ],
)
def test_worked_examples_against_table(inventory: list[InventoryItem], wri: float) -> None:
    r = water_risk_index(inventory)
    assert r is not None
    assert r.value == pytest.approx(wri, abs=1e-12)
    assert r.equivalent_mass_kg == pytest.approx(10**wri)


def test_wgk_given_derived_or_assumed() -> None:
    nacn = ("H290", "H300+H310+H330", "H372", "H410")  # 16 points -> WGK 3 (AwSV)
    r = water_risk_index(
        [line("given", 1000.0, 2), line("sodium cyanide", 10_000.0, h=nacn), line("unknown", 1.0)]
    )
    assert r is not None
    assert [(x.wgk, x.wgk_basis) for x in r.lines] == [(2, "given"), (3, "derived"), (3, "assumed")]
    assert r.lines[1].derivation is not None and r.lines[1].derivation.total_points == 16
    assert r.equivalent_mass_kg == pytest.approx(100.0 + 10_000.0 + 1.0)
    # A given class wins over the statements.
    r2 = water_risk_index([line("x", 1000.0, 1, nacn)])
    assert r2 is not None and r2.lines[0].wgk == 1


def test_no_water_hazardous_mass_gives_none() -> None:
    assert water_risk_index([]) is None
    assert water_risk_index([line("a", 0.0, 3)]) is None
    assert water_risk_index([line("salt", 1e6, 0)]) is None


def test_result_says_it_is_unconfirmed() -> None:
    r = water_risk_index([line("a", 1e5, 3)])
    assert r is not None
    d = r.to_dict()
    json.dumps(d)
    assert "unconfirmed" in d["method"]
    assert any("unconfirmed" in u for u in d["unconfirmed"])
    assert d["lines"][0]["wgk_basis"] == "given"


def test_map_classes_confirmed_on_icpdr_map() -> None:
    assert [map_class(x) for x in (5.0, 5.99, 6.0, 7.5, 8.0, 9.0)] == [
        "WRI 5-6",
        "WRI 5-6",
        "WRI 6-7",
        "WRI 7-8",
        "WRI 8-9",
        "WRI 8-9",
    ]
    assert map_class(4.99).startswith("below")
    assert map_class(9.5).startswith("above")


@pytest.mark.parametrize(
    ("item", "field"),
    [(line("a", 1.0, 4), "water_hazard_class"), (line("a", -1.0, 3), "max_quantity_kg")],
)
def test_bad_lines_are_named(item: InventoryItem, field: str) -> None:
    with pytest.raises(ValidationError) as err:
        water_risk_index([line("ok", 1.0, 3), item])
    assert err.value.problems[0].field == field
    assert err.value.problems[0].row == 3


_LINE = st.builds(
    line,
    name=st.just("s"),
    kg=st.floats(0.0, 1e9),
    wgk=st.sampled_from([None, 0, 1, 2, 3]),
    h=st.sampled_from([(), ("H410",), ("H302", "H412"), ("H225",)]),
)


@given(st.lists(_LINE, min_size=1, max_size=6), st.randoms())
def test_wri_independent_of_line_order(items: list[InventoryItem], rnd: object) -> None:
    shuffled = list(items)
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]
    a, b = water_risk_index(items), water_risk_index(shuffled)
    assert (a is None) == (b is None)
    if a is not None and b is not None:
        assert a.value == pytest.approx(b.value)


@given(st.lists(_LINE, min_size=1, max_size=6), _LINE)
def test_adding_a_line_never_lowers_the_wri(
    items: list[InventoryItem], extra: InventoryItem
) -> None:
    before, after = water_risk_index(items), water_risk_index([*items, extra])
    if before is not None:
        assert after is not None and after.value >= before.value - 1e-12
