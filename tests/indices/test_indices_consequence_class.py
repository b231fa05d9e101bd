"""GISTM consequence class.

UNCONFIRMED: the whole GISTM table (gistm_consequence_classification.csv and hazatlas's numeric
reading of it, gistm_consequence_thresholds.csv) is from memory. These tests check the code
against that table, not the truth.
"""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hazatlas.domain.errors import ValidationError
from hazatlas.indices.consequence_class import class_names, consequence_class


@pytest.mark.parametrize(
    ("population", "expected"),
    [
        (0, "Low"),
        (1, "Significant"),
        (9, "Significant"),
        (10, "High"),  # boundary value takes the higher class
        (100, "Very High"),
        (1000, "Very High"),  # Extreme is "> 1,000"
        (1001, "Extreme"),
    ],
)
def test_population_at_risk_against_table(population: int, expected: str) -> None:
    r = consequence_class(population_at_risk=population)
    assert r is not None and r.consequence_class == expected


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"potential_loss_of_life": 0}, "Low"),
        ({"potential_loss_of_life": 3}, "High"),
        ({"potential_loss_of_life": 150}, "Extreme"),
        ({"economic_loss_usd": 999_999}, "Low"),
        ({"economic_loss_usd": 1e6}, "Significant"),
        ({"economic_loss_usd": 5e8}, "Very High"),
        ({"economic_loss_usd": 2e9}, "Extreme"),
        ({"people_affected": 700}, "High"),
        ({"people_affected": 6000}, "Extreme"),
    ],
)
def test_numeric_columns_against_table(kwargs: dict[str, float], expected: str) -> None:
    r = consequence_class(**kwargs)  # type: ignore[arg-type]
    assert r is not None and r.consequence_class == expected


def test_highest_class_of_any_column_wins() -> None:
    r = consequence_class(
        population_at_risk=5,  # Significant
        potential_loss_of_life=0,  # Low
        economic_loss_usd=2e8,  # Very High
        environment_class="high",  # High
    )
    assert r is not None
    assert r.consequence_class == "Very High" and r.value == "Very High"
    assert {t.column: t.consequence_class for t in r.triggers} == {
        "population_at_risk": "Significant",
        "potential_loss_of_life": "Low",
        "infrastructure_economics": "Very High",
        "environment": "High",
    }


def test_class_names_given_directly() -> None:
    r = consequence_class(health_social_cultural_class="EXTREME", population_at_risk=0)
    assert r is not None and r.consequence_class == "Extreme"
    with pytest.raises(ValidationError) as err:
        consequence_class(environment_class="catastrophic")
    assert err.value.problems[0].field == "environment"


def test_nothing_given_and_below_criteria() -> None:
    assert consequence_class() is None
    r = consequence_class(people_affected=200)  # below the lowest numeric criterion (High 500)
    assert r is not None and r.consequence_class == "undetermined"
    assert "health_social_cultural_class" in r.triggers[0].reason


def test_negative_numbers_rejected() -> None:
    with pytest.raises(ValidationError):
        consequence_class(population_at_risk=-1)


def test_result_is_flagged_unconfirmed() -> None:
    r = consequence_class(population_at_risk=50)
    assert r is not None
    d = r.to_dict()
    json.dumps(d)
    assert any("unconfirmed" in u for u in d["unconfirmed"])


_NUM = st.none() | st.floats(0, 1e10)
_CLS = st.none() | st.sampled_from(["Low", "Significant", "High", "Very High", "Extreme"])


@given(_NUM, _NUM, _NUM, _NUM, _CLS, _CLS)
def test_adding_an_input_never_lowers_the_class(
    par: float | None,
    pll: float | None,
    people: float | None,
    usd: float | None,
    env: str | None,
    extra: str | None,
) -> None:
    base = consequence_class(
        population_at_risk=par,
        potential_loss_of_life=pll,
        people_affected=people,
        economic_loss_usd=usd,
        environment_class=env,
    )
    more = consequence_class(
        population_at_risk=par,
        potential_loss_of_life=pll,
        people_affected=people,
        economic_loss_usd=usd,
        environment_class=env,
        infrastructure_economics_class=extra,
    )
    if base is not None:
        assert more is not None and more.rank >= base.rank
        assert base.rank == max((t.rank for t in base.triggers), default=-1)


def test_class_order_from_table() -> None:
    assert class_names() == ("Low", "Significant", "High", "Very High", "Extreme")
