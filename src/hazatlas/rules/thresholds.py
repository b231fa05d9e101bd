"""The substance catalogue: Seveso III Annex I Part 1 categories and Part 2 named substances,
CLP hazard statements and CLP classes, all read from the packaged reference tables.

Sources (see the ``source``/``status`` columns of each table):

- ``seveso3_annex1_part1_categories.csv``: Directive 2012/18/EU Annex I Part 1, columns 2 and 3.
- ``seveso3_annex1_part2_named_substances.csv``: Annex I Part 2, 48 entries. The entry
  numbering and English names of entries 35-48 are **unconfirmed** (from memory); their values
  and CAS numbers are confirmed in the German 12. BImSchV.
- ``seveso3_part2_entry33_carcinogens.csv``: the carcinogens of entry 33.
- ``seveso3_note20_dioxin_tef_who2005.csv``: note 20, the WHO 2005 toxic equivalency factors of
  the 17 congeners counted under entry 32 (TEFs confirmed in two transpositions; CAS numbers,
  which the Directive does not give, from a secondary source).
- ``seveso3_note4_aggregation_groups.csv``: the note 4 groups (a) health, (b) physical,
  (c) environmental; O1-O3 are in no group (inferred from the German text).
- ``clp_hazard_statements.csv`` and ``clp_seveso3_category_map.csv``: CLP Regulation (EC)
  1272/2008 hazard statements and hazard class/category codes, mapped to Part 1 categories.

Quantities are kept in kilograms (tables give tonnes).

>>> cat = catalogue()
>>> cat.categories["H1"].lower_kg, cat.categories["H1"].upper_kg
(5000.0, 20000.0)
>>> cat.entries[8].lower_kg is None, cat.entries[8].upper_kg
(True, 100.0)
>>> cat.entry_by_cas["7782-50-5"], cat.entry_by_cas["92-87-5"], cat.entry_by_cas["1746-01-6"]
(10, 33, 32)
>>> cat.congeners["57117-31-4"].name, cat.congeners["57117-31-4"].tef
('2,3,4,7,8-PeCDF', 0.3)
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass

from hazatlas.domain.errors import HazatlasError, ReferenceDataError
from hazatlas.domain.reference import load_table
from hazatlas.domain.substance import split_list

KG_PER_TONNE = 1000.0

#: Part 2 entries whose numbering and English name are unconfirmed (see the ``status`` column of
#: ``seveso3_annex1_part2_named_substances.csv``).
UNCONFIRMED_ENTRY_NUMBERS = range(35, 49)

#: Part 2 entries whose thresholds apply to the sum of several substances (entry 33: listed
#: carcinogens; entry 34: petroleum products and alternative fuels).
SUMMED_ENTRIES = (33, 34)

#: Part 2 entry 32, polychlorodibenzofurans and polychlorodibenzodioxins, counted in TCDD
#: equivalents with the toxic equivalency factors of note 20.
DIOXIN_ENTRY = 32

#: Part 2 entries under note 23: if the substance also falls under P5a or P5b, the lowest
#: qualifying quantities apply.
NOTE23_ENTRIES = range(42, 49)

_GROUP_NAMES = {"a": "health", "b": "physical", "c": "environmental", "-": "other"}


class LineError(HazatlasError):
    """An inventory line cannot be read: ``field`` names the column, ``message`` says why."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass(frozen=True)
class Part1Category:
    """A Seveso III Annex I Part 1 category with its qualifying quantities in kg."""

    code: str
    group: str
    description: str
    lower_kg: float
    upper_kg: float
    net: bool
    status: str
    source: str


@dataclass(frozen=True)
class NamedEntry:
    """A Seveso III Annex I Part 2 entry. ``lower_kg`` is None where the Directive has a dash."""

    entry_no: int
    name: str
    cas_numbers: tuple[str, ...]
    lower_kg: float | None
    upper_kg: float
    note: str
    status: str
    source: str

    @property
    def numbering_unconfirmed(self) -> bool:
        return self.entry_no in UNCONFIRMED_ENTRY_NUMBERS


@dataclass(frozen=True)
class Congener:
    """A polychlorodibenzodioxin or -furan of note 20 with its WHO 2005 toxic equivalency factor."""

    name: str
    cas: str
    tef: float
    status: str
    source: str


@dataclass(frozen=True)
class HazardStatement:
    code: str
    clp_class_category: str
    seveso_categories: tuple[str, ...]
    rule: str


@dataclass(frozen=True)
class ClpClass:
    """A CLP hazard class and category (``Acute Tox. 3``), per exposure route where it matters."""

    name: str
    route: str
    seveso_categories: tuple[str, ...]
    rule: str


@dataclass(frozen=True)
class Catalogue:
    categories: Mapping[str, Part1Category]
    entries: Mapping[int, NamedEntry]
    entry_by_cas: Mapping[str, int]
    congeners: Mapping[str, Congener]
    hazard_statements: Mapping[str, HazardStatement]
    clp_classes: Mapping[tuple[str, str], ClpClass]
    category_by_upper_code: Mapping[str, str]
    groups: Mapping[str, tuple[str, ...]]


def tonnes_to_kg(text: str) -> tuple[float | None, bool]:
    """Read a table quantity in tonnes ("150 (net)", "0.1", "" for a dash) as (kg, net).

    >>> tonnes_to_kg("150 (net)"), tonnes_to_kg("0.1"), tonnes_to_kg("")
    ((150000.0, True), (100.0, False), (None, False))
    """
    text = text.strip()
    if not text or text in {"-", "–"}:
        return None, False
    net = "(net)" in text
    number = text.replace("(net)", "").strip()
    try:
        return float(number) * KG_PER_TONNE, net
    except ValueError as exc:
        raise ReferenceDataError(f"cannot read tonnes from '{text}'") from exc


def clp_key(text: str) -> str:
    """Normalise a CLP class/category string for lookup ("Acute Tox. 2" -> "acute tox 2").

    >>> clp_key(" Flam.  Liq. 1 "), clp_key("Acute Tox 3")
    ('flam liq 1', 'acute tox 3')
    """
    return re.sub(r"[.\s]+", " ", text.lower()).strip()


def _load_categories() -> dict[str, Part1Category]:
    groups = _load_groups()
    group_of = {code: name for name, codes in groups.items() for code in codes}
    out: dict[str, Part1Category] = {}
    for row in load_table("seveso3_annex1_part1_categories"):
        lower, net = tonnes_to_kg(row["lower_tier_t"])
        upper, _ = tonnes_to_kg(row["upper_tier_t"])
        if lower is None or upper is None:
            raise ReferenceDataError(f"Part 1 category {row['code']} lacks a threshold")
        out[row["code"]] = Part1Category(
            code=row["code"],
            group=group_of[row["code"]],
            description=row["description"],
            lower_kg=lower,
            upper_kg=upper,
            net=net,
            status=row["status"],
            source=row["source"],
        )
    return out


def _load_groups() -> dict[str, tuple[str, ...]]:
    return {
        _GROUP_NAMES[row["group"]]: split_list(row["part1_entries"])
        for row in load_table("seveso3_note4_aggregation_groups")
    }


def _load_entries() -> tuple[dict[int, NamedEntry], dict[str, int]]:
    entries: dict[int, NamedEntry] = {}
    by_cas: dict[str, int] = {}
    for row in load_table("seveso3_annex1_part2_named_substances"):
        lower, _ = tonnes_to_kg(row["lower_tier_t"])
        upper, _ = tonnes_to_kg(row["upper_tier_t"])
        if upper is None:
            raise ReferenceDataError(f"Part 2 entry {row['entry_no']} lacks an upper-tier value")
        number = int(row["entry_no"])
        cas = split_list(row["cas"])
        entries[number] = NamedEntry(
            number,
            row["substance"],
            cas,
            lower,
            upper,
            row["seveso_note"],
            row["status"],
            row["source"],
        )
        by_cas.update(dict.fromkeys(cas, number))
    for row in load_table("seveso3_part2_entry33_carcinogens"):
        by_cas[row["cas"].strip()] = int(row["seveso_part2_entry"])
    by_cas.update(dict.fromkeys(_load_congeners(), DIOXIN_ENTRY))
    return entries, by_cas


def _load_congeners() -> dict[str, Congener]:
    """The note 20 congeners by CAS number."""
    out: dict[str, Congener] = {}
    for row in load_table("seveso3_note20_dioxin_tef_who2005"):
        cas = row["cas"].strip()
        out[cas] = Congener(row["congener"], cas, float(row["tef"]), row["status"], row["source"])
    return out


def _load_hazard_statements() -> dict[str, HazardStatement]:
    return {
        row["code"]: HazardStatement(
            row["code"],
            row["clp_class_category"],
            split_list(row["seveso3_categories"]),
            row["seveso3_rule"],
        )
        for row in load_table("clp_hazard_statements")
    }


def _load_clp_classes() -> dict[tuple[str, str], ClpClass]:
    out: dict[tuple[str, str], ClpClass] = {}
    for row in load_table("clp_seveso3_category_map"):
        name = row["clp_class_category"]
        out[(clp_key(name), row["route"])] = ClpClass(
            name, row["route"], split_list(row["seveso3_categories"]), row["seveso3_rule"]
        )
    return out


@functools.cache
def catalogue() -> Catalogue:
    """The catalogue of categories, named substances, hazard statements and CLP classes."""
    categories = _load_categories()
    entries, by_cas = _load_entries()
    statements = _load_hazard_statements()
    clp = _load_clp_classes()
    for item in list(statements.values()) + list(clp.values()):
        unknown = set(item.seveso_categories) - set(categories)
        if unknown:
            raise ReferenceDataError(f"unknown Seveso categories {sorted(unknown)} in CLP tables")
    return Catalogue(
        categories=categories,
        entries=entries,
        entry_by_cas=by_cas,
        congeners=_load_congeners(),
        hazard_statements=statements,
        clp_classes=clp,
        category_by_upper_code={code.upper(): code for code in categories},
        groups=_load_groups(),
    )
