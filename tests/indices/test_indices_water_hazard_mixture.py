"""AwSV 2017 Anlage 1 Nr. 5.2 / 2.2: water hazard class of a mixture from its composition.

Thresholds are confirmed against the AwSV text; expected classes are worked out by hand.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hazatlas.domain.errors import ValidationError
from hazatlas.indices.water_hazard_mixture import MixtureComponent as C
from hazatlas.indices.water_hazard_mixture import mixture_wgk


def water(pct: float) -> C:
    return C("water", pct, 0)


CASES = [
    # (components, other nwg criteria met, expected WGK, deciding rule)
    ([C("benzene", 0.15, 3, carcinogenic=True), water(99.85)], True, 3, "Nr. 5.2.1 a"),
    ([C("benzene", 0.05, 3, carcinogenic=True), water(99.95)], True, 1, "Nr. 5.2.3 a"),
    ([C("a", 1.0, 3), C("b", 1.0, 3), C("c", 1.0, 3), water(97.0)], True, 3, "Nr. 5.2.1 b"),
    ([C("a", 1.0, 3), C("b", 1.9, 3), water(97.1)], True, 2, "Nr. 5.2.2 c"),
    ([C("a", 0.4, 3, m_factor=10.0), water(99.6)], True, 3, "Nr. 5.2.1 b"),  # 0.4 % x 10
    ([C("x", 0.2, 2, carcinogenic=True), water(99.8)], True, 2, "Nr. 5.2.2 a"),
    ([C("x", 5.0, 2), water(95.0)], True, 2, "Nr. 5.2.2 b"),
    ([C("x", 1.0, 2, m_factor=5.0), water(99.0)], True, 2, "Nr. 5.2.2 b"),  # 1 % x 5
    ([C("x", 4.9, 2), water(95.1)], True, 1, "Nr. 5.2.3 b"),
    ([C("x", 0.2, 3), water(99.8)], True, 2, "Nr. 5.2.2 c"),
    ([C("x", 0.19, 3), water(99.81)], True, 0, "Nr. 2.2"),  # not considered, below nwg limit
    ([C("x", 0.19, 3), water(99.81)], False, 1, "Nr. 5.2.3 e"),  # 2.2 e-i not stated
    ([C("x", 3.0, 1), water(97.0)], True, 1, "Nr. 5.2.3 d"),
    ([C("x", 2.9, 1), water(97.1)], True, 0, "Nr. 2.2"),
    ([C("x", 0.1, 2), water(99.9)], True, 0, "Nr. 2.2"),
    ([C("x", 0.1, 2, m_factor=10.0), water(99.9)], True, 1, "Nr. 5.2.3 b"),  # 1 % effective
    ([water(100.0)], False, 1, "Nr. 5.2.3 e"),
]


@pytest.mark.parametrize(("components", "other_ok", "wgk", "rule"), CASES)
def test_mixture_rules(components: list[C], other_ok: bool, wgk: int, rule: str) -> None:
    r = mixture_wgk(components, other_nwg_criteria_met=other_ok)
    assert (r.wgk, r.rule) == (wgk, rule)


def test_unidentified_remainder_is_wgk3() -> None:
    # 90 % water given, 10 % not given: unidentified, treated as WGK 3 (Nr. 5.1.1).
    assert mixture_wgk([water(90.0)]).wgk == 3
    assert mixture_wgk([water(90.0)], remainder_wgk=0, other_nwg_criteria_met=True).wgk == 0
    assert mixture_wgk([C("unknown", 1.0, None), water(99.0)]).wgk == 2  # single >= 0.2 %


@pytest.mark.parametrize(
    "components",
    [
        [C("x", 60.0, 1), C("y", 50.0, 2)],  # > 100 %
        [C("x", -1.0, 1)],
        [C("x", 1.0, 4)],
        [C("x", 1.0, 3, m_factor=0.5)],
    ],
)
def test_invalid_composition_is_rejected(components: list[C]) -> None:
    with pytest.raises(ValidationError):
        mixture_wgk(components)


_COMPONENT = st.builds(
    C,
    name=st.just("c"),
    mass_fraction_pct=st.floats(0.0, 20.0),
    wgk=st.sampled_from([0, 1, 2, 3, None]),
    carcinogenic=st.booleans(),
    m_factor=st.sampled_from([1.0, 10.0]),
)


@given(st.lists(_COMPONENT, max_size=5), st.randoms())
def test_class_does_not_depend_on_component_order(parts: list[C], rnd: object) -> None:
    shuffled = list(parts)
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]
    assert mixture_wgk(parts, remainder_wgk=0).wgk == mixture_wgk(shuffled, remainder_wgk=0).wgk


@given(st.floats(0.0, 50.0), st.floats(0.0, 50.0), st.sampled_from([1, 2, 3]))
def test_more_of_a_hazardous_substance_never_lowers_the_class(a: float, b: float, wgk: int) -> None:
    lo, hi = sorted((a, b))
    low = mixture_wgk([C("x", lo, wgk)], remainder_wgk=0, other_nwg_criteria_met=True).wgk
    high = mixture_wgk([C("x", hi, wgk)], remainder_wgk=0, other_nwg_criteria_met=True).wgk
    assert high >= low
