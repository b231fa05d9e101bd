"""The self-assessment framework as versioned, loadable data.

The Strategic Approach for the Assistance Programme (ECE/CP.TEIA/2008/5) fixes six working
areas and two cross-cutting areas; their names are official. The official indicator wording
(ECE/CP.TEIA/2010/6 paras 7-18; the 2014 revised Benchmarks) and criteria levels (paras 19-26)
could not be read, so the packaged framework ``hazatlas-sa/1`` ships one indicator per
Convention obligation the area assesses (the article is the indicator's source) and a hazatlas
default scale of levels 0-4. Every row says in its ``wording`` column whether its text is the
official one. Tables: ``data/reference/selfassessment_framework.csv`` and
``selfassessment_criteria_levels.csv``; a later framework version (with the official wording) is
added as rows with another ``framework_version``.
"""

from __future__ import annotations

from dataclasses import dataclass

from hazatlas.domain.errors import Problem, ValidationError
from hazatlas.domain.reference import load_table

DEFAULT_VERSION = "hazatlas-sa/1"
FRAMEWORK_TABLE = "selfassessment_framework"
LEVELS_TABLE = "selfassessment_criteria_levels"


@dataclass(frozen=True)
class Indicator:
    id: str
    area: str
    text: str
    wording: str  # whether ``text`` is the official UNECE wording
    source: str
    source_locator: str
    evidence_keys: tuple[str, ...]


@dataclass(frozen=True)
class Area:
    key: str
    kind: str  # working_area or cross_cutting
    name: str
    source: str
    source_locator: str


@dataclass(frozen=True)
class Level:
    level: int
    name: str
    description: str
    wording: str


@dataclass(frozen=True)
class Framework:
    version: str
    areas: tuple[Area, ...]
    indicators: tuple[Indicator, ...]
    levels: tuple[Level, ...]

    def indicator(self, indicator_id: str) -> Indicator:
        for ind in self.indicators:
            if ind.id == indicator_id:
                return ind
        known = ", ".join(i.id for i in self.indicators)
        raise ValidationError([Problem("request", None, "indicator",
                                       f"{indicator_id!r} is not an indicator of framework "
                                       f"{self.version} ({known})")])

    def level(self, value: int) -> Level:
        for lv in self.levels:
            if lv.level == value:
                return lv
        known = ", ".join(str(lv.level) for lv in self.levels)
        raise ValidationError([Problem("request", None, "level",
                                       f"{value!r} is not a criterion level of framework "
                                       f"{self.version} ({known})")])


def load_framework(version: str = DEFAULT_VERSION) -> Framework:
    """The framework ``version`` from the packaged tables."""
    rows = [r for r in load_table(FRAMEWORK_TABLE) if r["framework_version"] == version]
    if not rows:
        versions = sorted({r["framework_version"] for r in load_table(FRAMEWORK_TABLE)})
        raise ValidationError([Problem("parameter", None, "framework",
                                       f"{version!r} is not a framework version "
                                       f"({', '.join(versions)})")])
    areas = tuple(Area(r["item_id"], r["kind"], r["name"], r["source"], r["source_locator"])
                  for r in rows if r["kind"] in ("working_area", "cross_cutting"))
    indicators = tuple(
        Indicator(r["item_id"], r["area"], r["text"], r["wording"], r["source"],
                  r["source_locator"], tuple(k for k in r["evidence_keys"].split(";") if k))
        for r in rows if r["kind"] == "indicator")
    levels = tuple(Level(int(r["level"]), r["name"], r["description"], r["wording"])
                   for r in load_table(LEVELS_TABLE) if r["framework_version"] == version)
    return Framework(version, areas, indicators, levels)
