"""Seveso III tier of an establishment: individual thresholds, the 2 % rule and the note 4 sums.

Directive 2012/18/EU Annex I, as transposed in the German 12. BImSchV Anhang I Nr. 4-7 (where
the notes' content was confirmed):

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
- **Note 20**: entry 32 (polychlorodibenzofurans and polychlorodibenzodioxins) is counted in
  TCDD equivalents: a line whose CAS number is one of the 17 congeners of note 20 counts with
  its quantity times the congener's WHO 2005 toxic equivalency factor (TEF), in entry 32, in the
  2 % rule and in the note 4 sums. An entry 32 line without a congener's CAS number (an
  unspecified "dioxins" line, or a congener note 20 does not list) is taken to be stated in TCDD
  equivalents already and counts as stated; a reason says so.
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
from dataclasses import dataclass, field

from hazatlas.domain.classification import SUM_GROUPS, Contribution, SevesoTier, TierSums
from hazatlas.domain.inventory import InventoryItem
from hazatlas.rules.resolve import ResolvedLine
from hazatlas.rules.thresholds import (
    DIOXIN_ENTRY,
    NOTE23_ENTRIES,
    SUMMED_ENTRIES,
    UNCONFIRMED_ENTRY_NUMBERS,
    Congener,
    NamedEntry,
    catalogue,
)

REL_TOL = 1e-9
TWO_PERCENT = 0.02

#: Tier levels, in order: what a comparison reaches.
NONE, LOWER, UPPER = 0, 1, 2
_TIERS = {NONE: SevesoTier.NONE, LOWER: SevesoTier.LOWER, UPPER: SevesoTier.UPPER}


def reaches(quantity: float, threshold: float) -> bool:
    """True if ``quantity`` is at or above ``threshold`` (relative tolerance :data:`REL_TOL`).

    >>> reaches(5000.0, 5000.0), reaches(4999.0, 5000.0)
    (True, False)
    """
    return quantity >= threshold * (1.0 - REL_TOL)


def tonnes(kg: float) -> str:
    """Readable tonnes for reasons: ``tonnes(2500.0)`` -> ``'2.5 t'``."""
    return f"{kg / 1000.0:.6g} t"


# --- qualifying quantities ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Limits:
    """The qualifying quantities of one (Part 2 entry, Part 1 categories).

    ``lower``/``upper``: :func:`individual_thresholds`; ``groups``: :func:`sum_thresholds`;
    ``relevant``: the quantity the 2 % rule (note 3) compares with (``lower``, else ``upper``).
    """

    lower: float | None
    upper: float | None
    groups: tuple[tuple[str, float, float], ...]

    @property
    def relevant(self) -> float | None:
        return self.lower if self.lower is not None else self.upper


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
    if entry_no is None:
        if not categories:
            return None, None
        chosen = [cat.categories[c] for c in categories]
        return min(c.lower_kg for c in chosen), min(c.upper_kg for c in chosen)
    entry = cat.entries[entry_no]
    lower, upper = entry.lower_kg, entry.upper_kg
    if entry_no in NOTE23_ENTRIES:
        for code in sorted(set(categories) & {"P5a", "P5b"}):
            also = cat.categories[code]
            lower = also.lower_kg if lower is None else min(lower, also.lower_kg)
            upper = min(upper, also.upper_kg)
    return lower, upper


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
    """:func:`individual_thresholds` and :func:`sum_thresholds` together (a pure function of
    the reference tables, cached: establishments repeat the same few substances).

    >>> limits(8, ("H1",)).relevant
    100.0
    """
    lower, upper = individual_thresholds(entry_no, categories)
    return Limits(lower, upper, sum_thresholds(entry_no, categories))


# --- adding up the lines of a substance (note 4 point 1) --------------------------------------

#: Identity of a substance: (kind, value, categories), kind "entry", "cas" or "name".
SubstanceKey = tuple[str, str, tuple[str, ...]]


def substance_key(item: InventoryItem, line: ResolvedLine) -> SubstanceKey:
    """Identity of a line's substance: its Part 2 entry, else CAS, else name; plus categories.

    The congeners of entry 32 are told apart by CAS number: each has its own TEF (note 20).
    """
    if line.congener is not None:
        return ("entry", f"{DIOXIN_ENTRY:02d} {line.congener.cas}", line.categories)
    if line.entry is not None:
        return ("entry", f"{line.entry.entry_no:02d}", line.categories)
    if item.cas_number:
        return ("cas", item.cas_number.strip(), line.categories)
    return ("name", " ".join(item.substance_name.lower().split()), line.categories)


@dataclass(slots=True)
class Substance:
    """All lines of one substance (same identity and same categories), added up.

    ``limits`` are the qualifying quantities of its entry and categories; ``quantities`` the
    lines' kg; ``isolated`` those flagged ``cannot_initiate`` (note 3); ``names`` every name its
    lines give (the substance is called by the alphabetically first, so that the result does
    not depend on the order of the lines); ``cas`` the CAS number of its first line;
    ``congener`` the note 20 congener it is, if any.
    """

    entry: NamedEntry | None
    categories: tuple[str, ...]
    source: str
    cas: str | None
    limits: Limits
    congener: Congener | None = None
    names: set[str] = field(default_factory=set)
    quantities: list[float] = field(default_factory=list)
    isolated: list[float] = field(default_factory=list)
    line_ids: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return min(self.names)

    @property
    def entry_no(self) -> int | None:
        return self.entry.entry_no if self.entry is not None else None

    @property
    def total_kg(self) -> float:
        """Quantity of the lines not flagged ``cannot_initiate``."""
        return math.fsum(self.quantities)

    @property
    def all_kg(self) -> float:
        """Quantity of all lines."""
        return math.fsum(self.quantities + self.isolated)

    @property
    def factor(self) -> float:
        """What 1 kg of it counts for under Seveso III: a note 20 congener its TEF (kg of TCDD
        equivalent), anything else 1."""
        return self.congener.tef if self.congener is not None else 1.0

    def add(self, item: InventoryItem) -> None:
        """Add one line of this substance."""
        self.names.add(item.substance_name)
        lots = self.isolated if item.cannot_initiate else self.quantities
        lots.append(item.max_quantity_kg)
        if item.line_id:
            self.line_ids.append(item.line_id)


def aggregate(lines: Iterable[tuple[InventoryItem, ResolvedLine]]) -> list[Substance]:
    """Add up the lines of each substance (note 4 point 1); sorted by identity."""
    found: dict[SubstanceKey, Substance] = {}
    for item, line in lines:
        key = substance_key(item, line)
        if key not in found:
            cas = item.cas_number.strip() if item.cas_number else None
            entry_no = line.entry.entry_no if line.entry is not None else None
            found[key] = Substance(
                line.entry,
                line.categories,
                line.category_source,
                cas,
                limits(entry_no, line.categories),
                line.congener,
            )
        found[key].add(item)
    return [found[key] for key in sorted(found)]


# --- the tier ----------------------------------------------------------------------------------


@dataclass(slots=True)
class SevesoAssessment:
    tier: SevesoTier
    sums: dict[str, TierSums]
    contributions: tuple[Contribution, ...]
    reasons: tuple[str, ...]
    unconfirmed: tuple[str, ...]


def counted_quantity(sub: Substance, notes: list[str]) -> tuple[float, bool]:
    """Quantity counted after the 2 % rule (note 3), and whether isolated lots were ignored.

    In kg, or kg of TCDD equivalent for a note 20 congener (:attr:`Substance.factor`).
    """
    if not sub.isolated:
        return sub.total_kg * sub.factor, False
    isolated = math.fsum(sub.isolated) * sub.factor
    relevant = sub.limits.relevant
    if relevant is None:
        return sub.all_kg * sub.factor, False
    if isolated <= TWO_PERCENT * relevant * (1.0 + REL_TOL):
        notes.append(
            f"{sub.name}: {tonnes(isolated)} that cannot initiate a major accident elsewhere "
            f"is at most 2 % of {tonnes(relevant)} and is ignored (note 3)"
        )
        return sub.total_kg * sub.factor, True
    notes.append(
        f"{sub.name}: {tonnes(isolated)} flagged as unable to initiate is more than 2 % of "
        f"{tonnes(relevant)} and counts (note 3)"
    )
    return sub.all_kg * sub.factor, False


def note20(sub: Substance) -> str | None:
    """How an entry 32 substance was counted in TCDD equivalents (note 20); None for others."""
    if sub.entry_no != DIOXIN_ENTRY:
        return None
    if sub.congener is None:
        return (
            f"{sub.name}: Part 2 entry 32 without the CAS number of a congener listed in note 20: "
            f"its {tonnes(sub.all_kg)} are taken to be TCDD equivalents already and count as "
            "stated (note 20; give each congener with its CAS number to apply the WHO 2005 TEFs)"
        )
    congener = sub.congener
    return (
        f"{sub.name}: {congener.name} (CAS {congener.cas}) {tonnes(sub.all_kg)} × WHO 2005 TEF "
        f"{congener.tef:g} = {tonnes(sub.all_kg * congener.tef)} TCDD equivalent "
        "(Part 2 entry 32, note 20)"
    )


def compare(label: str, q: float, low: float | None, up: float | None, reasons: list[str]) -> int:
    """UPPER if ``q`` reaches the upper-tier value (column 3), LOWER the lower-tier value
    (column 2), else NONE; ``None`` is a dash (no value). A reason is added when a value is
    reached."""
    if up is not None and reaches(q, up):
        reasons.append(f"upper tier: {label}: {tonnes(q)} ≥ {tonnes(up)} (column 3)")
        return UPPER
    if low is not None and reaches(q, low):
        reasons.append(f"lower tier: {label}: {tonnes(q)} ≥ {tonnes(low)} (column 2)")
        return LOWER
    return NONE


def _contribution(sub: Substance, counted: float, ignored: bool) -> Contribution:
    lim = sub.limits
    return Contribution(
        substance_name=sub.name,
        cas_number=sub.cas,
        seveso_entry=sub.entry_no,
        categories=sub.categories,
        category_source=sub.source if sub.categories else "none",
        quantity_kg=sub.all_kg,
        counted_kg=counted,
        lower_threshold_kg=lim.lower,
        upper_threshold_kg=lim.upper,
        group_ratios={
            group: (counted / q_low, counted / q_up) for group, q_low, q_up in lim.groups
        },
        ignored_by_2_percent_rule=ignored,
        line_ids=tuple(sorted(sub.line_ids)),
    )


def _entry_label(number: int, members: list[tuple[Substance, float]]) -> str:
    """How reasons name a Part 2 entry: its substances' names, and how it was added up."""
    names = ", ".join(sorted({name for s, _ in members for name in s.names}))
    lines = sum(len(s.quantities) + len(s.isolated) for s, _ in members)
    how = ", sum of its substances" if number in SUMMED_ENTRIES and lines > 1 else ""
    if number == DIOXIN_ENTRY:
        how = " in TCDD equivalents, note 20"
    return f"{names} (Part 2 entry {number}{how})"


def compare_entry(number: int, members: list[tuple[Substance, float]], reasons: list[str]) -> int:
    """Compare a Part 2 entry as a whole: all its substances added up (entries 33 and 34 are
    sums of several substances, entry 32 of its congeners in TCDD equivalents) with the lowest
    values among them (note 23 may lower one)."""
    total = math.fsum(counted for _, counted in members)
    lows = [s.limits.lower for s, _ in members if s.limits.lower is not None]
    ups = [s.limits.upper for s, _ in members if s.limits.upper is not None]
    lower, upper = min(lows, default=None), min(ups, default=None)
    return compare(_entry_label(number, members), total, lower, upper, reasons)


def note4_sums(contributions: list[Contribution]) -> dict[str, TierSums]:
    """The three note 4 sums Σ q/Q, column 2 and column 3, of the substances' group ratios."""
    sums: dict[str, TierSums] = {}
    for group in SUM_GROUPS:
        ratios = [c.group_ratios[group] for c in contributions if group in c.group_ratios]
        sums[group] = TierSums(math.fsum(r[0] for r in ratios), math.fsum(r[1] for r in ratios))
    return sums


def compare_sums(sums: dict[str, TierSums], reasons: list[str]) -> int:
    """The note 4 sums: a column 3 sum ≥ 1 makes the upper tier, a column 2 sum ≥ 1 the lower."""
    level = NONE
    for group, s in sums.items():
        if reaches(s.upper, 1.0):
            level = UPPER
            reasons.append(f"upper tier: {group} sum Σq/Q(column 3) = {s.upper:.3f} ≥ 1 (note 4)")
        elif reaches(s.lower, 1.0):
            level = max(level, LOWER)
            reasons.append(f"lower tier: {group} sum Σq/Q(column 2) = {s.lower:.3f} ≥ 1 (note 4)")
    return level


def _unconfirmed_entry(entry: NamedEntry) -> str | None:
    if entry.entry_no not in UNCONFIRMED_ENTRY_NUMBERS:
        return None
    return (
        f"Seveso III Part 2 entry {entry.entry_no} ({entry.name}): "
        "numbering and English name unconfirmed; values confirmed"
    )


def assess_seveso(substances: list[Substance]) -> SevesoAssessment:
    """Seveso III tier, sums, contributions and reasons for an establishment's substances.

    Steps: each substance's counted quantity (2 % rule) and contribution; the individual
    comparison of substances with categories only; the comparison of each Part 2 entry as a
    whole; the three note 4 sums.
    """
    reasons: list[str] = []  # what decided the tier
    notes: list[str] = []  # the 2 % rule and substances without a category
    level = NONE
    contributions: list[Contribution] = []
    named: dict[int, list[tuple[Substance, float]]] = {}
    for sub in substances:
        counted, ignored = counted_quantity(sub, notes)
        contributions.append(_contribution(sub, counted, ignored))
        teq = note20(sub)
        if teq is not None:
            notes.append(teq)
        if sub.entry is not None:
            named.setdefault(sub.entry.entry_no, []).append((sub, counted))
        elif sub.categories:
            label = f"{sub.name} ({', '.join(sub.categories)}, {sub.source})"
            level = max(level, compare(label, counted, sub.limits.lower, sub.limits.upper, reasons))
        else:
            notes.append(f"{sub.name}: no Seveso III category ({sub.source}); not counted")
    for number in sorted(named):
        level = max(level, compare_entry(number, named[number], reasons))
    sums = note4_sums(contributions)
    level = max(level, compare_sums(sums, reasons))
    if level == NONE:
        reasons.append(
            "no substance reaches its qualifying quantity and every note 4 sum is below 1"
        )
    unconfirmed = {_unconfirmed_entry(s.entry) for s in substances if s.entry is not None}
    return SevesoAssessment(
        tier=_TIERS[level],
        sums=sums,
        contributions=tuple(contributions),
        reasons=(*reasons, *notes),
        unconfirmed=tuple(sorted(u for u in unconfirmed if u is not None)),
    )
