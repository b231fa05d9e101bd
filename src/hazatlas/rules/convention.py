"""Hazardous activity under the UNECE Industrial Accidents Convention, Annex I (three versions).

A *hazardous activity* holds a dangerous substance at or above its Annex I quantity (Convention
on the Transboundary Effects of Industrial Accidents, Helsinki 1992, Art. 1(b) and Annex I).
Named substances (Part II) take precedence over the categories (Part I); a substance in several
categories is compared with the lowest quantity.
The annex states no summation rule in the reference tables, so none is applied.

Versions (setting ``annex_version``):

- ``"2014"``: GHS-aligned amendment (COP-8, 2014), ``unece_teia_annex1_ghs_aligned_part1.csv``:
  items 1-10 confirmed; items 11-18 (P5b-E2) and O1-O3 **unconfirmed** (inferred from "fully
  align" with Seveso III upper tier). Its Part II was not found: hazatlas uses the Seveso III
  Part 2 upper-tier values, **unconfirmed** (same inference).
- ``"2006"``: decision 2006/2, ``unece_teia_annex1_2006_amendment.csv`` (confirmed values); the
  correlation of Seveso III categories with its R-phrase-era categories
  (``unece_teia_annex1_seveso3_correlation.csv``) is a hazatlas reading, **unconfirmed**.
- ``"1992"``: original annex, ``unece_teia_annex1_1992_original_part1.csv``. Where a range is
  given (500-200), the lower value applies from five years after entry into force (annex
  introduction; Italian text, Gazzetta Ufficiale 14.3.2002, Annesso I); the Convention entered
  into force on 19 April 2000, so the lower value is used. Part II of 1992 is not in the
  reference tables: named substances are assessed by their Part I categories.

>>> part1_items("2014")["H1"].threshold_kg, part1_items("1992")["H2"].threshold_kg
(20000.0, 200000.0)
"""

from __future__ import annotations

import dataclasses
import functools
import math
from dataclasses import dataclass

from hazatlas.domain.reference import load_table
from hazatlas.rules.seveso import Substance, reaches, tonnes
from hazatlas.rules.thresholds import KG_PER_TONNE, NOTE23_ENTRIES, catalogue

ANNEX_VERSIONS = ("1992", "2006", "2014")
DEFAULT_ANNEX_VERSION = "2014"


@dataclass(frozen=True)
class ConventionItem:
    """One Annex I item with its single threshold (kg) and whether its value/mapping is confirmed."""

    version: str
    part: str
    item: str
    name: str
    threshold_kg: float
    confirmed: bool
    status: str
    seveso3: str = ""


@dataclass(slots=True)
class ConventionAssessment:
    version: str
    hazardous: bool
    reasons: tuple[str, ...]
    unconfirmed: tuple[str, ...]


def _check_version(version: str) -> None:
    if version not in ANNEX_VERSIONS:
        raise ValueError(f"unknown Annex I version '{version}': expected one of {ANNEX_VERSIONS}")


def _tonnes_min(text: str) -> float:
    """Threshold in kg from "200", "500 (net)" or a 1992 range "500-200" (lower value)."""
    numbers = [float(p) for p in text.replace("(net)", "").replace(" ", "").split("-") if p]
    return min(numbers) * KG_PER_TONNE


def _correlation(version: str, part: str) -> dict[str, tuple[str, str]]:
    return {
        row["seveso3"]: (row["convention_item"], row["status"])
        for row in load_table("unece_teia_annex1_seveso3_correlation")
        if row["annex_version"] == version and row["convention_part"] == part
    }


@functools.cache
def part1_items(version: str) -> dict[str, ConventionItem]:
    """Part I item that applies to each Seveso III Part 1 category (absent: not covered)."""
    _check_version(version)
    out: dict[str, ConventionItem] = {}
    if version == "2014":
        for row in load_table("unece_teia_annex1_ghs_aligned_part1"):
            codes = row["seveso3_equivalent"].replace("O1-O3", "O1;O2;O3").split(";")
            values = row["threshold_t"].split("/")
            names = row["category"].split(" / ")
            for i, code in enumerate(codes):
                value = values[i] if len(values) == len(codes) else values[0]
                name = names[i] if len(names) == len(codes) else row["category"]
                out[code] = ConventionItem(
                    version,
                    "I",
                    row["item"],
                    name,
                    _tonnes_min(value),
                    row["status"] == "confirmed",
                    row["status"],
                    code,
                )
        return out
    if version == "2006":
        table = {
            r["item"]: r for r in load_table("unece_teia_annex1_2006_amendment") if r["part"] == "I"
        }
        name_col, value_col = "category_or_substance", "threshold_t"
    else:
        table = {r["category_no"]: r for r in load_table("unece_teia_annex1_1992_original_part1")}
        name_col, value_col = "category", "threshold_t"
    for code, (item, status) in _correlation(version, "I").items():
        if item:
            row = table[item]
            out[code] = ConventionItem(
                version, "I", item, row[name_col], _tonnes_min(row[value_col]), False, status, code
            )
    return out


@functools.cache
def part2_items(version: str) -> dict[int, ConventionItem]:
    """Part II item for each Seveso III Part 2 entry (absent: assessed by Part I categories)."""
    _check_version(version)
    cat = catalogue()
    if version == "2014":
        status = "unconfirmed (2014 Part II not found; inferred = Seveso III upper tier)"
        return {
            n: ConventionItem(
                version, "II", str(n), e.name, e.upper_kg, False, status, f"entry {n}"
            )
            for n, e in cat.entries.items()
        }
    if version == "1992":
        return {}
    table = {
        r["item"]: r for r in load_table("unece_teia_annex1_2006_amendment") if r["part"] == "II"
    }
    out: dict[int, ConventionItem] = {}
    for key, (item, status) in _correlation(version, "II").items():
        row = table[item]
        out[int(key.split()[1])] = ConventionItem(
            version,
            "II",
            item,
            row["category_or_substance"],
            _tonnes_min(row["threshold_t"]),
            True,
            status,
            key,
        )
    return out


@functools.lru_cache(maxsize=8192)
def part1_item(categories: tuple[str, ...], version: str) -> ConventionItem | None:
    """The Part I item a substance with ``categories`` is compared with: the one with the lowest
    quantity (ties: the lowest item number); None if no category is covered by ``version``."""
    items = part1_items(version)
    found = [items[c] for c in categories if c in items]
    return min(found, key=lambda it: (it.threshold_kg, it.item), default=None)


@dataclass(slots=True)
class Comparison:
    """One Annex I comparison: the substances' quantity (kg) against one item."""

    names: tuple[str, ...]
    quantity_kg: float
    item: ConventionItem

    @property
    def reached(self) -> bool:
        return reaches(self.quantity_kg, self.item.threshold_kg)


def _describe(item: ConventionItem) -> str:
    """How reasons name ``item``."""
    equivalent = f" (Seveso III {item.seveso3})" if item.seveso3 else ""
    note = "" if item.confirmed else f"; {item.status}"
    return f"Part {item.part} item {item.item}{equivalent} '{item.name}'{note}"


def _unconfirmed_note(item: ConventionItem) -> str:
    """The unconfirmed-value note of an item that is not confirmed."""
    equivalent = f" ({item.seveso3})" if item.seveso3 else ""
    return (
        f"Convention Annex I {item.version} Part {item.part} item {item.item}{equivalent}: "
        f"{item.status}"
    )


def _note23_item(item: ConventionItem, members: list[Substance]) -> ConventionItem:
    """2014 only (Part II inferred from Seveso III): the entries of note 23 take the P5a/P5b
    value where it is lower, as in Seveso III."""
    upper = min(s.limits.upper or item.threshold_kg for s in members)
    if upper >= item.threshold_kg:
        return item
    return dataclasses.replace(
        item, name=item.name + " (note 23: P5a/P5b value)", threshold_kg=upper, confirmed=False
    )


def part2_comparison(number: int, members: list[Substance], version: str) -> Comparison:
    """A Part II item with the total of all substances of its Seveso III entry.

    Only the 2014 Part II (inferred from Seveso III) has entry 32: its congeners count in TCDD
    equivalents with the WHO 2005 TEFs of Seveso III note 20, part of the same inference.
    """
    item = part2_items(version)[number]
    if version == "2014" and number in NOTE23_ENTRIES:
        item = _note23_item(item, members)
    names = tuple(sorted({s.name for s in members}))
    return Comparison(names, math.fsum(s.all_kg * s.factor for s in members), item)


def comparisons(substances: list[Substance], version: str) -> tuple[list[Comparison], list[str]]:
    """What is compared with which Annex I item (Part II takes precedence over Part I), and the
    substances no item of ``version`` covers."""
    named = part2_items(version)
    by_entry: dict[int, list[Substance]] = {}
    out: list[Comparison] = []
    uncovered: list[str] = []
    for sub in substances:
        if sub.entry_no is not None and sub.entry_no in named:
            by_entry.setdefault(sub.entry_no, []).append(sub)
            continue
        item = part1_item(sub.categories, version)
        if item is not None:
            out.append(Comparison((sub.name,), sub.all_kg, item))
        elif sub.entry is not None or sub.categories:
            what = ", ".join(sub.categories) or f"Part 2 entry {sub.entry_no}, no categories"
            uncovered.append(f"{sub.name} ({what})")
    out += [part2_comparison(n, by_entry[n], version) for n in sorted(by_entry)]
    return out, uncovered


def assess_convention(substances: list[Substance], version: str) -> ConventionAssessment:
    """Whether the substances make a hazardous activity under Annex I of ``version``.

    Quantities are the totals present (the Seveso III 2 % rule is not part of the Convention).
    Steps: the comparisons (:func:`comparisons`); a reason for each item reached, or that none
    is; the substances not covered; for 1992, that Part II is not applied.
    """
    _check_version(version)
    checks, uncovered = comparisons(substances, version)
    met = [c for c in checks if c.reached]
    reasons = [
        f"Convention hazardous activity (Annex I, {version}): {', '.join(c.names)}: "
        f"{tonnes(c.quantity_kg)} ≥ {tonnes(c.item.threshold_kg)}, {_describe(c.item)}"
        for c in met
    ]
    if not met:
        reasons.append(
            f"not a Convention hazardous activity (Annex I, {version}): no substance reaches "
            "its Annex I quantity"
        )
    if uncovered:
        reasons.append(
            f"not covered by Annex I ({version}) and so not assessed for it: "
            + "; ".join(uncovered)
        )
    if version == "1992" and any(s.entry is not None for s in substances):
        reasons.append(
            "Annex I 1992 Part II is not in the reference tables: named substances were "
            "assessed by their Part I categories only"
        )
    unconfirmed = sorted({_unconfirmed_note(c.item) for c in met if not c.item.confirmed})
    return ConventionAssessment(version, bool(met), tuple(reasons), tuple(unconfirmed))
