"""Hazardous activity under the UNECE Industrial Accidents Convention, Annex I (three versions).

A *hazardous activity* holds a dangerous substance at or above its Annex I quantity (Art. 1(b);
reference ``domain-rules.md`` section 2). Named substances (Part II) take precedence over the
categories (Part I); a substance in several categories is compared with the lowest quantity.
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

import functools
import math
from dataclasses import dataclass

from hazatlas.domain.reference import load_table
from hazatlas.rules.seveso import REL_TOL, Substance, own_thresholds, threshold_tonnes, tonnes
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
def _part1_threshold(
    categories: tuple[str, ...], version: str
) -> tuple[float, ConventionItem] | None:
    items = part1_items(version)
    found = [items[c] for c in categories if c in items]
    if not found:
        return None
    best = min(found, key=lambda it: (it.threshold_kg, it.item))
    return best.threshold_kg, best


@functools.lru_cache(maxsize=1024)
def _describe(item: ConventionItem) -> tuple[str, str | None]:
    """How reasons name ``item``, and its unconfirmed-value note (None if confirmed)."""
    note = "" if item.confirmed else f"; {item.status}"
    equivalent = f" (Seveso III {item.seveso3})" if item.seveso3 else ""
    described = f"Part {item.part} item {item.item}{equivalent} '{item.name}'{note}"
    if item.confirmed:
        return described, None
    equivalent = f" ({item.seveso3})" if item.seveso3 else ""
    return described, (
        f"Convention Annex I {item.version} Part {item.part} item {item.item}{equivalent}: "
        f"{item.status}"
    )


def assess_convention(substances: list[Substance], version: str) -> ConventionAssessment:
    """Whether the substances make a hazardous activity under Annex I of ``version``.

    Quantities are the totals present (the Seveso III 2 % rule is not part of the Convention).
    """
    _check_version(version)
    named = part2_items(version)
    checks: list[tuple[list[Substance], float, ConventionItem]] = []
    by_entry: dict[int, list[Substance]] = {}
    uncovered: list[str] = []
    for sub in substances:
        if sub.entry_no is not None and sub.entry_no in named:
            by_entry.setdefault(sub.entry_no, []).append(sub)
            continue
        cached = sub.limits.part1
        if version in cached:
            found = cached[version]
        else:
            found = cached[version] = _part1_threshold(sub.categories, version)
        if found is not None:
            checks.append(([sub], sub.all_kg, found[1]))
        elif sub.entry is not None or sub.categories:
            what = ", ".join(sub.categories) or f"Part 2 entry {sub.entry_no}, no categories"
            uncovered.append(f"{sub.name} ({what})")
    for number in sorted(by_entry):
        members = by_entry[number]
        item = named[number]
        if version == "2014" and number in NOTE23_ENTRIES:
            upper = min(own_thresholds(s)[1] or item.threshold_kg for s in members)
            if upper < item.threshold_kg:
                item = ConventionItem(
                    version,
                    "II",
                    item.item,
                    item.name + " (note 23: P5a/P5b value)",
                    upper,
                    False,
                    item.status,
                    item.seveso3,
                )
        total = members[0].all_kg if len(members) == 1 else math.fsum(s.all_kg for s in members)
        checks.append((members, total, item))
    reasons: list[str] = []
    unconfirmed: set[str] = set()
    hazardous = False
    below = 1.0 - REL_TOL
    for members, quantity, item in checks:
        if quantity >= item.threshold_kg * below:  # reaches(), inlined
            hazardous = True
            name = (
                members[0].name
                if len(members) == 1
                else ", ".join(sorted({s.name for s in members}))
            )
            described, note = _describe(item)
            reasons.append(
                f"Convention hazardous activity (Annex I, {version}): {name}: {tonnes(quantity)} "
                f"≥ {threshold_tonnes(item.threshold_kg)}, {described}"
            )
            if note is not None:
                unconfirmed.add(note)
    if not hazardous:
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
    return ConventionAssessment(version, hazardous, tuple(reasons), tuple(sorted(unconfirmed)))
