"""Seveso III tier of an establishment: individual thresholds, the 2 % rule and the note 4 sums.

Directive 2012/18/EU Annex I (reference ``domain-rules.md`` section 1; notes confirmed through
the German 12. BImSchV Anhang I Nr. 4-7):

- **Note 4 point 1**: the partial quantities of each substance are added up and compared with
  its own qualifying quantities: a Part 2 entry's values (Part 2 takes precedence over Part 1;
  entries 33 and 34 are sums over all their substances), else the lowest qualifying quantity of
  its Part 1 categories (**note 6**). For entries 42-48 also under P5a/P5b the lowest
  qualifying quantities apply (**note 23**). Where Part 2 gives only an upper-tier value (a
  dash), no lower-tier comparison is made on its own, and in the lower-tier sum the upper-tier
  value is used (hazatlas interpretation, see ``docs/identification.md``).
- **Note 3** (2 % rule): quantities flagged ``cannot_initiate`` are ignored when, added up for
  the substance, they are at most 2 % of its lowest relevant qualifying quantity. Adding them
  up first (rather than lot by lot) makes the result independent of how lots are split.
- **Note 4 points 2-4**: three sums Σ q/Q (health H1-H3, physical P1-P8, environmental
  E1-E2), each with column 2 (lower) and column 3 (upper) values; within a group a substance
  uses the lowest qualifying quantity of its categories in that group (note 6, German Nr. 7),
  a named substance its Part 2 values. O1-O3 are compared individually only. A sum ≥ 1
  qualifies.

Comparisons allow a relative tolerance of 1e-9 (:data:`REL_TOL`) so that unit conversions
(lb to kg) exactly at a threshold are not lost to float rounding.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from hazatlas.domain.classification import SUM_GROUPS, Contribution, SevesoTier, TierSums
from hazatlas.domain.inventory import InventoryItem
from hazatlas.rules.resolve import ResolvedLine
from hazatlas.rules.thresholds import (
    NOTE23_ENTRIES,
    SUMMED_ENTRIES,
    UNCONFIRMED_ENTRY_NUMBERS,
    NamedEntry,
    catalogue,
)

REL_TOL = 1e-9
TWO_PERCENT = 0.02
_BELOW = 1.0 - REL_TOL  # q reaches Q when q >= Q * _BELOW (see reaches)


def reaches(quantity: float, threshold: float) -> bool:
    """True if ``quantity`` is at or above ``threshold`` (relative tolerance :data:`REL_TOL`).

    >>> reaches(5000.0, 5000.0), reaches(4999.0, 5000.0)
    (True, False)
    """
    return quantity >= threshold * _BELOW


def tonnes(kg: float) -> str:
    """Readable tonnes for reasons: ``tonnes(2500.0)`` -> ``'2.5 t'``."""
    return f"{kg / 1000.0:.6g} t"


#: :func:`tonnes` of a qualifying quantity (few distinct values, so cached).
threshold_tonnes = functools.lru_cache(maxsize=1024)(tonnes)


@dataclass(frozen=True, slots=True)
class Limits:
    """The qualifying quantities of one (Part 2 entry, Part 1 categories), computed once.

    ``lower``/``upper``: :func:`individual_thresholds`; ``groups``: :func:`sum_thresholds`;
    ``relevant``: the quantity the 2 % rule (note 3) compares with (``lower``, else ``upper``);
    ``part1``: per Annex I version, the Convention Part I threshold (filled by
    :mod:`~hazatlas.rules.convention`).
    """

    lower: float | None
    upper: float | None
    groups: tuple[tuple[str, float, float], ...]
    relevant: float | None
    part1: dict[str, Any]


@dataclass(slots=True)
class Substance:
    """All lines of one substance (same identity and same categories), added up.

    ``quantities`` are the lines' kg; ``isolated`` those flagged ``cannot_initiate`` (note 3).
    """

    name: str
    cas: str | None
    entry: NamedEntry | None
    entry_no: int | None
    categories: tuple[str, ...]
    source: str
    quantities: list[float]
    isolated: list[float]
    line_ids: list[str]
    aliases: set[str]
    limits: Limits

    @property
    def total_kg(self) -> float:
        """Quantity of the lines not flagged ``cannot_initiate``."""
        q = self.quantities
        return q[0] if len(q) == 1 else math.fsum(q)

    @property
    def all_kg(self) -> float:
        """Quantity of all lines."""
        q = self.quantities
        if self.isolated:
            return math.fsum(q + self.isolated)
        return q[0] if len(q) == 1 else math.fsum(q)


_ENTRY_KEYS = {n: f"{n:02d}" for n in range(1, 100)}


def substance_key(item: InventoryItem, line: ResolvedLine) -> tuple[str, str, tuple[str, ...]]:
    """Identity of a line's substance: its Part 2 entry, else CAS, else name; plus categories."""
    if line.entry is not None:
        return ("entry", _ENTRY_KEYS[line.entry.entry_no], line.categories)
    if item.cas_number:
        return ("cas", item.cas_number.strip(), line.categories)
    return ("name", " ".join(item.substance_name.lower().split()), line.categories)


SubstanceKey = tuple[str, str, tuple[str, ...]]


def aggregate(lines: Iterable[tuple[InventoryItem, ResolvedLine]]) -> list[Substance]:
    """Add up the lines of each substance (note 4 point 1); sorted by identity.

    The substance takes the alphabetically first name of its lines, so that the result does
    not depend on the order of the lines.
    """
    return aggregate_keyed(
        (
            item,
            line,
            substance_key(item, line),
            item.cas_number.strip() if item.cas_number else None,
        )
        for item, line in lines
    )


def aggregate_keyed(
    rows: Iterable[tuple[InventoryItem, ResolvedLine, SubstanceKey | None, str | None]],
) -> list[Substance]:
    """:func:`aggregate` of lines whose :func:`substance_key` (or None for a name key) and
    stripped CAS number are known already (they are cached per distinct line)."""
    found: dict[SubstanceKey, Substance] = {}
    for item, line, key, cas in rows:
        name = item.substance_name
        if key is None:
            key = ("name", " ".join(name.lower().split()), line.categories)
        sub = found.get(key)
        if sub is None:
            entry = line.entry
            entry_no = entry.entry_no if entry else None
            sub = found[key] = Substance(
                name,
                cas,
                entry,
                entry_no,
                line.categories,
                line.category_source,
                [],
                [],
                [],
                set(),
                limits(entry_no, line.categories),
            )
        elif name != sub.name:
            sub.aliases.add(name)
            if name < sub.name:
                sub.aliases.add(sub.name)
                sub.name = name
        if item.cannot_initiate:
            sub.isolated.append(item.max_quantity_kg)
        else:
            sub.quantities.append(item.max_quantity_kg)
        if item.line_id:
            sub.line_ids.append(item.line_id)
    if len(found) == 1:
        return list(found.values())
    return [found[key] for key in sorted(found)]


@functools.lru_cache(maxsize=8192)
def individual_thresholds(
    entry_no: int | None, categories: tuple[str, ...]
) -> tuple[float | None, float | None]:
    """(lower, upper) qualifying quantities in kg for the individual comparison.

    A Part 2 entry's values (note 23 for entries 42-48 also under P5a/P5b), else the lowest
    of the Part 1 categories (note 6); ``None`` where there is no value.

    >>> individual_thresholds(None, ("E1", "P5c")), individual_thresholds(8, ())
    ((100000.0, 200000.0), (None, 100.0))
    """
    cat = catalogue()
    cats = cat.categories
    if entry_no is not None:
        entry = cat.entries[entry_no]
        lower, upper = entry.lower_kg, entry.upper_kg
        if entry_no in NOTE23_ENTRIES:
            for code in set(categories) & {"P5a", "P5b"}:
                lower = cats[code].lower_kg if lower is None else min(lower, cats[code].lower_kg)
                upper = min(upper, cats[code].upper_kg)
        return lower, upper
    if not categories:
        return None, None
    return min(cats[c].lower_kg for c in categories), min(cats[c].upper_kg for c in categories)


@functools.lru_cache(maxsize=8192)
def sum_thresholds(
    entry_no: int | None, categories: tuple[str, ...]
) -> tuple[tuple[str, float, float], ...]:
    """(group, Q_lower, Q_upper) in kg for each note 4 group the categories put a substance in.

    Within a group, the lowest values of the substance's categories in that group (note 6);
    a named substance uses its Part 2 values, the upper-tier value where column 2 has a dash.

    >>> sum_thresholds(None, ("E1", "H2", "P5c"))
    (('health', 50000.0, 200000.0), ('physical', 5000000.0, 50000000.0), ('environmental', 100000.0, 200000.0))
    >>> sum_thresholds(8, ("H1",))
    (('health', 100.0, 100.0),)
    """
    cats = catalogue().categories
    own_lower, own_upper = individual_thresholds(entry_no, categories)
    out: list[tuple[str, float, float]] = []
    for group in SUM_GROUPS:
        in_group = [cats[c] for c in categories if cats[c].group == group]
        if not in_group:
            continue
        if entry_no is not None and own_upper is not None:
            out.append((group, own_lower if own_lower is not None else own_upper, own_upper))
        else:
            out.append(
                (group, min(c.lower_kg for c in in_group), min(c.upper_kg for c in in_group))
            )
    return tuple(out)


@functools.lru_cache(maxsize=8192)
def limits(entry_no: int | None, categories: tuple[str, ...]) -> Limits:
    """:func:`individual_thresholds` and :func:`sum_thresholds` together (cached).

    >>> limits(8, ("H1",)).relevant
    100.0
    """
    lower, upper = individual_thresholds(entry_no, categories)
    groups = sum_thresholds(entry_no, categories)
    return Limits(lower, upper, groups, lower if lower is not None else upper, {})


def own_thresholds(sub: Substance) -> tuple[float | None, float | None]:
    """:func:`individual_thresholds` of a substance."""
    return sub.limits.lower, sub.limits.upper


@dataclass(slots=True)
class SevesoAssessment:
    tier: SevesoTier
    sums: dict[str, TierSums]
    contributions: tuple[Contribution, ...]
    reasons: tuple[str, ...]
    unconfirmed: tuple[str, ...]


def _counted(sub: Substance, notes: list[str]) -> tuple[float, bool]:
    """Quantity counted after the 2 % rule (note 3), and whether isolated lots were ignored."""
    if not sub.isolated:
        return sub.total_kg, False
    isolated = math.fsum(sub.isolated)
    relevant = sub.limits.relevant
    if relevant is not None and isolated <= TWO_PERCENT * relevant * (1.0 + REL_TOL):
        notes.append(
            f"{sub.name}: {tonnes(isolated)} that cannot initiate a major accident elsewhere "
            f"is at most 2 % of {threshold_tonnes(relevant)} and is ignored (note 3)"
        )
        return sub.total_kg, True
    if relevant is not None:
        notes.append(
            f"{sub.name}: {tonnes(isolated)} flagged as unable to initiate is more than 2 % of "
            f"{threshold_tonnes(relevant)} and counts (note 3)"
        )
    return sub.all_kg, False


def _compare(label: str, q: float, low: float | None, up: float | None, reasons: list[str]) -> int:
    """2 if ``q`` reaches the upper-tier value, 1 the lower-tier value, else 0 (with a reason)."""
    if up is not None and reaches(q, up):
        reasons.append(f"upper tier: {label}: {tonnes(q)} ≥ {threshold_tonnes(up)} (column 3)")
        return 2
    if low is not None and reaches(q, low):
        reasons.append(f"lower tier: {label}: {tonnes(q)} ≥ {threshold_tonnes(low)} (column 2)")
        return 1
    return 0


def _entries(named: dict[int, list[tuple[Substance, float]]], reasons: list[str]) -> int:
    """Compare each Part 2 entry as a whole (entries 33 and 34 are sums of their substances)."""
    level = 0
    for number in sorted(named):
        members = named[number]
        if len(members) == 1:
            sub, total = members[0]
            low, up = sub.limits.lower, sub.limits.upper
        else:
            total = math.fsum(c for _, c in members)
            pairs = [(s.limits.lower, s.limits.upper) for s, _ in members]
            lows = [lo for lo, _ in pairs if lo is not None]
            low = min(lows) if lows else None
            up = min(u for _, u in pairs if u is not None)
        if (up is None or total < up * _BELOW) and (low is None or total < low * _BELOW):
            continue
        if len(members) == 1 and not members[0][0].aliases:
            names = members[0][0].name
        else:
            names = ", ".join(sorted({n for s, _ in members for n in (s.name, *s.aliases)}))
        summed = ""
        if number in SUMMED_ENTRIES:
            if sum(len(s.quantities) + len(s.isolated) for s, _ in members) > 1:
                summed = ", sum of its substances"
        label = f"{names} (Part 2 entry {number}{summed})"
        level = max(level, _compare(label, total, low, up, reasons))
    return level


def assess_seveso(substances: list[Substance]) -> SevesoAssessment:
    """Seveso III tier, sums, contributions and reasons for an establishment's substances."""
    reasons: list[str] = []  # what decided the tier
    notes: list[str] = []  # the 2 % rule and substances without a category
    unconfirmed: set[str] = set()
    contributions: list[Contribution] = []
    named: dict[int, list[tuple[Substance, float]]] = {}
    terms: dict[str, tuple[list[float], list[float]]] = {g: ([], []) for g in SUM_GROUPS}
    level = 0
    fsum = math.fsum
    one = _BELOW  # reaches(x, 1.0)
    for sub in substances:
        lim = sub.limits
        if sub.isolated:
            counted, ignored = _counted(sub, notes)
            all_kg = sub.all_kg
        else:
            q = sub.quantities
            counted = all_kg = q[0] if len(q) == 1 else fsum(q)
            ignored = False
        # q/Q in each note 4 group of the substance (also collected into the group terms)
        ratios: dict[str, tuple[float, float]] = {}
        for group, q_low, q_up in lim.groups:
            ratio = ratios[group] = (counted / q_low, counted / q_up)
            lows, ups = terms[group]
            lows.append(ratio[0])
            ups.append(ratio[1])
        low, up = lim.lower, lim.upper
        cats = sub.categories
        ids = sub.line_ids
        contributions.append(
            Contribution(
                sub.name,
                sub.cas,
                sub.entry_no,
                cats,
                sub.source if cats else "none",
                all_kg,
                counted,
                low,
                up,
                ratios,
                ignored,
                tuple(sorted(ids)) if len(ids) > 1 else tuple(ids),
            )
        )
        entry = sub.entry
        if entry is not None:
            number = entry.entry_no
            if number in named:
                named[number].append((sub, counted))
            else:
                named[number] = [(sub, counted)]
            if number in UNCONFIRMED_ENTRY_NUMBERS:
                unconfirmed.add(
                    f"Seveso III Part 2 entry {number} ({entry.name}): "
                    "numbering and English name unconfirmed; values confirmed"
                )
        elif cats:
            if (up is not None and counted >= up * _BELOW) or (
                low is not None and counted >= low * _BELOW
            ):
                label = f"{sub.name} ({', '.join(cats)}, {sub.source})"
                level = max(level, _compare(label, counted, low, up, reasons))
        else:
            notes.append(f"{sub.name}: no Seveso III category ({sub.source}); not counted")
    if named:
        level = max(level, _entries(named, reasons))
    sums: dict[str, TierSums] = {}
    for group in SUM_GROUPS:
        lows, ups = terms[group]
        s = sums[group] = TierSums(fsum(lows) if lows else 0.0, fsum(ups) if ups else 0.0)
        if s.upper >= one:
            level = 2
            reasons.append(f"upper tier: {group} sum Σq/Q(column 3) = {s.upper:.3f} ≥ 1 (note 4)")
        elif s.lower >= one:
            level = max(level, 1)
            reasons.append(f"lower tier: {group} sum Σq/Q(column 2) = {s.lower:.3f} ≥ 1 (note 4)")
    upper_hit, lower_hit = level == 2, level == 1
    tier = SevesoTier.UPPER if upper_hit else SevesoTier.LOWER if lower_hit else SevesoTier.NONE
    if tier is SevesoTier.NONE:
        reasons.append(
            "no substance reaches its qualifying quantity and every note 4 sum is below 1"
        )
    return SevesoAssessment(
        tier,
        sums,
        tuple(contributions),
        (*reasons, *notes),
        tuple(sorted(unconfirmed)) if unconfirmed else (),
    )
