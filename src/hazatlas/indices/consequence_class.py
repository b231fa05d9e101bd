"""GISTM consequence class of a tailings facility from given inputs (UNCONFIRMED table).

The Global Industry Standard on Tailings Management (GISTM, ICMM/UNEP/PRI, Aug 2020), Annex 2,
Table 1 classifies the consequences of a tailings facility failure as Low, Significant, High,
Very High or Extreme in five columns: population at risk, potential loss of life,
environment, health/social/cultural, infrastructure and economics. The facility takes the
**highest class triggered by any column**.

**The whole table is unconfirmed** (``gistm_consequence_classification.csv`` is from memory; the
GISTM table itself was not read). The numeric criteria used here are hazatlas's reading of that
table (``gistm_consequence_thresholds.csv``); a value on a boundary takes the higher class.
GISTM presumes the Extreme class unless rebutted; hazatlas does not presume: it classifies
only what it is given and returns ``None`` when nothing is given.

>>> consequence_class(population_at_risk=40, economic_loss_usd=2e8).consequence_class
'Very High'
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

from hazatlas.domain.errors import Problem, ValidationError
from hazatlas.domain.reference import load_table

_CLASSES_TABLE = "gistm_consequence_classification"
_THRESHOLDS_TABLE = "gistm_consequence_thresholds"
UNCONFIRMED = (
    "The GISTM consequence classification table (Annex 2, Table 1) is unconfirmed: transcribed "
    "from memory (gistm_consequence_classification.csv); verify against GISTM Annex 2.",
)
#: numeric inputs and the GISTM column each one belongs to
NUMERIC_CRITERIA = {
    "population_at_risk": "population_at_risk",
    "potential_loss_of_life": "potential_loss_of_life",
    "people_affected": "health_social_cultural",
    "economic_loss_usd": "infrastructure_economics",
}
#: GISTM columns that can be given directly as a class name (a judgement by the user)
CLASS_COLUMNS = (
    "population_at_risk",
    "potential_loss_of_life",
    "environment",
    "health_social_cultural",
    "infrastructure_economics",
)


@dataclass(frozen=True)
class Trigger:
    """One column's class and why (``input`` is the name of the given argument)."""

    column: str
    input: str
    consequence_class: str
    rank: int
    reason: str


@dataclass(frozen=True)
class ConsequenceResult:
    """GISTM consequence class (UNCONFIRMED table): the highest class of any ``triggers``."""

    consequence_class: str
    rank: int
    triggers: tuple[Trigger, ...]
    unconfirmed: tuple[str, ...] = UNCONFIRMED

    @property
    def value(self) -> str:
        """The class name (same as ``consequence_class``)."""
        return self.consequence_class

    def to_dict(self) -> dict[str, object]:
        """Plain JSON-ready dict."""
        return {
            "consequence_class": self.consequence_class,
            "rank": self.rank,
            "unconfirmed": list(self.unconfirmed),
            "triggers": [t.__dict__.copy() for t in self.triggers],
        }


@functools.cache
def class_names() -> tuple[str, ...]:
    """GISTM classes from lowest to highest, in the order of the reference table.

    >>> class_names()
    ('Low', 'Significant', 'High', 'Very High', 'Extreme')
    """
    return tuple(row["class"] for row in load_table(_CLASSES_TABLE))


@functools.cache
def _thresholds(criterion: str) -> tuple[tuple[float, bool, str, int], ...]:
    rows = [r for r in load_table(_THRESHOLDS_TABLE) if r["criterion"] == criterion]
    return tuple(
        (
            float(r["lower_bound"]),
            r["lower_inclusive"].strip().lower() == "true",
            r["class"],
            int(r["rank"]),
        )
        for r in sorted(rows, key=lambda r: int(r["rank"]))
    )


def numeric_class(criterion: str, value: float) -> tuple[str, int] | None:
    """Highest class whose lower bound ``value`` reaches, or ``None`` if it reaches none.

    >>> numeric_class("population_at_risk", 10), numeric_class("population_at_risk", 1000)
    (('High', 2), ('Very High', 3))
    >>> numeric_class("people_affected", 200) is None
    True
    """
    found = None
    for lower, inclusive, name, rank in _thresholds(criterion):
        if value > lower or (inclusive and value == lower):
            found = (name, rank)
    return found


def _named(column: str, name: str, problems: list[Problem]) -> Trigger | None:
    lookup = {n.lower(): (n, i) for i, n in enumerate(class_names())}
    hit = lookup.get(name.strip().lower())
    if hit is None:
        problems.append(
            Problem(
                "parameter",
                None,
                column,
                f"expected one of {', '.join(class_names())}, got '{name}'",
            )
        )
        return None
    return Trigger(column, f"{column}_class", hit[0], hit[1], "class given")


def consequence_class(
    *,
    population_at_risk: float | None = None,
    potential_loss_of_life: float | None = None,
    people_affected: float | None = None,
    economic_loss_usd: float | None = None,
    population_at_risk_class: str | None = None,
    potential_loss_of_life_class: str | None = None,
    environment_class: str | None = None,
    health_social_cultural_class: str | None = None,
    infrastructure_economics_class: str | None = None,
) -> ConsequenceResult | None:
    """GISTM consequence class from numbers and/or class names (UNCONFIRMED table).

    Numbers: ``population_at_risk`` (persons), ``potential_loss_of_life`` (expected fatalities),
    ``people_affected`` (persons whose livelihoods are disrupted; health/social/cultural
    column), ``economic_loss_usd``. Class names (Low ... Extreme, any case) may be given for
    each column in :data:`CLASS_COLUMNS` as ``<column>_class`` (``environment_class="High"``),
    the user's judgement against the table's descriptions.
    The result is the highest class triggered by any input; ``None`` if nothing is given.

    >>> r = consequence_class(potential_loss_of_life=0, environment_class="significant")
    >>> r.consequence_class, [t.column for t in r.triggers]
    ('Significant', ['potential_loss_of_life', 'environment'])
    """
    problems: list[Problem] = []
    triggers: list[Trigger] = []
    numbers = {
        "population_at_risk": population_at_risk,
        "potential_loss_of_life": potential_loss_of_life,
        "people_affected": people_affected,
        "economic_loss_usd": economic_loss_usd,
    }
    for name, value in numbers.items():
        if value is None:
            continue
        if not (math.isfinite(value) and value >= 0):
            problems.append(
                Problem("parameter", None, name, f"expected a number >= 0, got {value}")
            )
            continue
        hit = numeric_class(name, value)
        column = NUMERIC_CRITERIA[name]
        if hit is None:
            lowest = _thresholds(name)[0]
            reason = (
                f"{value:g} is below the lowest numeric criterion of the column "
                f"({lowest[2]}: {lowest[0]:g}); give {column}_class instead"
            )
            triggers.append(Trigger(column, name, "none", -1, reason))
        else:
            triggers.append(Trigger(column, name, hit[0], hit[1], f"{name} = {value:g}"))
    given = (
        population_at_risk_class,
        potential_loss_of_life_class,
        environment_class,
        health_social_cultural_class,
        infrastructure_economics_class,
    )
    for column, label in zip(CLASS_COLUMNS, given, strict=True):
        if label is not None and (t := _named(column, label, problems)) is not None:
            triggers.append(t)
    if problems:
        raise ValidationError(problems)
    counted = [t for t in triggers if t.rank >= 0]
    if not counted:
        return None if not triggers else ConsequenceResult("undetermined", -1, tuple(triggers))
    top = max(counted, key=lambda t: t.rank)
    return ConsequenceResult(top.consequence_class, top.rank, tuple(triggers))
