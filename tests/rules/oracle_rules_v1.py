"""Test oracle: the unoptimised identification rules of commit 06fcb9a8 (issue 3), frozen.

``seveso.py``, ``convention.py`` and ``identify.py`` as they were before the speed-up of the
classify benchmark, docstrings removed (mechanical copy: do not edit). The optimised rules must
give byte-identical results (``test_rules_oracle.py``). The catalogue, CLP mapping, line
resolution and location criteria are shared with the package (they were not changed).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable
from dataclasses import dataclass

from hazatlas.domain.classification import (
    SUM_GROUPS,
    Classification,
    Contribution,
    LocationFlag,
    SevesoTier,
    TierSums,
)
from hazatlas.domain.errors import Problem, ValidationError
from hazatlas.domain.inventory import InventoryItem
from hazatlas.domain.reference import load_table
from hazatlas.rules import RULES_VERSION
from hazatlas.rules.location import LocationInputs, assess_location
from hazatlas.rules.resolve import LineErrors, ResolvedLine, resolve_line
from hazatlas.rules.thresholds import (
    KG_PER_TONNE,
    NOTE23_ENTRIES,
    SUMMED_ENTRIES,
    LineError,
    NamedEntry,
    catalogue,
)

# ---- from hazatlas/rules/seveso.py ----
REL_TOL = 1e-09

TWO_PERCENT = 0.02


def reaches(quantity: float, threshold: float) -> bool:
    return quantity >= threshold * (1.0 - REL_TOL)


def tonnes(kg: float) -> str:
    return f"{kg / 1000.0:.6g} t"


@dataclass(slots=True)
class Substance:
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

    @property
    def total_kg(self) -> float:
        q = self.quantities
        return q[0] if len(q) == 1 else math.fsum(q)

    @property
    def all_kg(self) -> float:
        return math.fsum(self.quantities + self.isolated) if self.isolated else self.total_kg


_ENTRY_KEYS = {n: f"{n:02d}" for n in range(1, 100)}


def substance_key(item: InventoryItem, line: ResolvedLine) -> tuple[str, str, tuple[str, ...]]:
    if line.entry is not None:
        return ("entry", _ENTRY_KEYS[line.entry.entry_no], line.categories)
    if item.cas_number:
        return ("cas", item.cas_number.strip(), line.categories)
    return ("name", " ".join(item.substance_name.lower().split()), line.categories)


def aggregate(lines: Iterable[tuple[InventoryItem, ResolvedLine]]) -> list[Substance]:
    found: dict[tuple[str, str, tuple[str, ...]], Substance] = {}
    for item, line in lines:
        entry = line.entry
        if entry is not None:
            key = ("entry", _ENTRY_KEYS[entry.entry_no], line.categories)
        else:
            key = substance_key(item, line)
        sub = found.get(key)
        if sub is None:
            cas = item.cas_number.strip() if item.cas_number else None
            sub = found[key] = Substance(
                item.substance_name,
                cas,
                entry,
                entry.entry_no if entry else None,
                line.categories,
                line.category_source,
                [],
                [],
                [],
                set(),
            )
        elif item.substance_name != sub.name:
            sub.aliases.add(item.substance_name)
            if item.substance_name < sub.name:
                sub.aliases.add(sub.name)
                sub.name = item.substance_name
        if item.cannot_initiate:
            sub.isolated.append(item.max_quantity_kg)
        else:
            sub.quantities.append(item.max_quantity_kg)
        if item.line_id:
            sub.line_ids.append(item.line_id)
    return [found[key] for key in sorted(found)]


@functools.lru_cache(maxsize=8192)
def individual_thresholds(
    entry_no: int | None, categories: tuple[str, ...]
) -> tuple[float | None, float | None]:
    cat = catalogue()
    cats = cat.categories
    if entry_no is not None:
        entry = cat.entries[entry_no]
        lower, upper = (entry.lower_kg, entry.upper_kg)
        if entry_no in NOTE23_ENTRIES:
            for code in set(categories) & {"P5a", "P5b"}:
                lower = cats[code].lower_kg if lower is None else min(lower, cats[code].lower_kg)
                upper = min(upper, cats[code].upper_kg)
        return (lower, upper)
    if not categories:
        return (None, None)
    return (
        min(cats[c].lower_kg for c in categories),
        min(cats[c].upper_kg for c in categories),
    )


@functools.lru_cache(maxsize=8192)
def sum_thresholds(
    entry_no: int | None, categories: tuple[str, ...]
) -> tuple[tuple[str, float, float], ...]:
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


def own_thresholds(sub: Substance) -> tuple[float | None, float | None]:
    return individual_thresholds(sub.entry_no, sub.categories)


@dataclass(slots=True)
class SevesoAssessment:
    tier: SevesoTier
    sums: dict[str, TierSums]
    contributions: tuple[Contribution, ...]
    reasons: tuple[str, ...]
    unconfirmed: tuple[str, ...]


def _counted(sub: Substance, notes: list[str]) -> tuple[float, bool]:
    if not sub.isolated:
        return (sub.total_kg, False)
    isolated = math.fsum(sub.isolated)
    lower, upper = own_thresholds(sub)
    relevant = lower if lower is not None else upper
    if relevant is not None and isolated <= TWO_PERCENT * relevant * (1.0 + REL_TOL):
        notes.append(
            f"{sub.name}: {tonnes(isolated)} that cannot initiate a major accident elsewhere is at most 2 % of {tonnes(relevant)} and is ignored (note 3)"
        )
        return (sub.total_kg, True)
    if relevant is not None:
        notes.append(
            f"{sub.name}: {tonnes(isolated)} flagged as unable to initiate is more than 2 % of {tonnes(relevant)} and counts (note 3)"
        )
    return (sub.all_kg, False)


def _compare(label: str, q: float, low: float | None, up: float | None, reasons: list[str]) -> int:
    if up is not None and reaches(q, up):
        reasons.append(f"upper tier: {label}: {tonnes(q)} ≥ {tonnes(up)} (column 3)")
        return 2
    if low is not None and reaches(q, low):
        reasons.append(f"lower tier: {label}: {tonnes(q)} ≥ {tonnes(low)} (column 2)")
        return 1
    return 0


def _entries(named: dict[int, list[tuple[Substance, float]]], reasons: list[str]) -> int:
    level = 0
    for number in sorted(named):
        members = named[number]
        if len(members) == 1:
            sub, total = members[0]
            low, up = individual_thresholds(sub.entry_no, sub.categories)
        else:
            total = math.fsum((c for _, c in members))
            pairs = [own_thresholds(s) for s, _ in members]
            lows = [lo for lo, _ in pairs if lo is not None]
            low = min(lows) if lows else None
            up = min((u for _, u in pairs if u is not None))
        if (up is None or not reaches(total, up)) and (low is None or not reaches(total, low)):
            continue
        if len(members) == 1 and (not members[0][0].aliases):
            names = members[0][0].name
        else:
            names = ", ".join(sorted({n for s, _ in members for n in (s.name, *s.aliases)}))
        summed = ""
        if number in SUMMED_ENTRIES:
            if sum((len(s.quantities) + len(s.isolated) for s, _ in members)) > 1:
                summed = ", sum of its substances"
        label = f"{names} (Part 2 entry {number}{summed})"
        level = max(level, _compare(label, total, low, up, reasons))
    return level


def _contribution(
    sub: Substance, counted: float, ignored: bool, terms: dict[str, tuple[list[float], list[float]]]
) -> Contribution:
    ratios: dict[str, tuple[float, float]] = {}
    for group, q_low, q_up in sum_thresholds(sub.entry_no, sub.categories):
        ratio = ratios[group] = (counted / q_low, counted / q_up)
        lows, ups = terms[group]
        lows.append(ratio[0])
        ups.append(ratio[1])
    low, up = individual_thresholds(sub.entry_no, sub.categories)
    ids = sub.line_ids
    return Contribution(
        sub.name,
        sub.cas,
        sub.entry_no,
        sub.categories,
        sub.source if sub.categories else "none",
        sub.all_kg,
        counted,
        low,
        up,
        ratios,
        ignored,
        tuple(sorted(ids)) if len(ids) > 1 else tuple(ids),
    )


def assess_seveso(substances: list[Substance]) -> SevesoAssessment:
    reasons: list[str] = []
    notes: list[str] = []
    unconfirmed: set[str] = set()
    contributions: list[Contribution] = []
    named: dict[int, list[tuple[Substance, float]]] = {}
    terms: dict[str, tuple[list[float], list[float]]] = {g: ([], []) for g in SUM_GROUPS}
    level = 0
    for sub in substances:
        counted, ignored = _counted(sub, notes)
        contribution = _contribution(sub, counted, ignored, terms)
        contributions.append(contribution)
        if sub.entry is not None:
            named.setdefault(sub.entry.entry_no, []).append((sub, counted))
            if sub.entry.numbering_unconfirmed:
                unconfirmed.add(
                    f"Seveso III Part 2 entry {sub.entry.entry_no} ({sub.entry.name}): numbering and English name unconfirmed; values confirmed"
                )
        elif sub.categories:
            low, up = (contribution.lower_threshold_kg, contribution.upper_threshold_kg)
            if (
                up is not None
                and reaches(counted, up)
                or (low is not None and reaches(counted, low))
            ):
                label = f"{sub.name} ({', '.join(sub.categories)}, {sub.source})"
                level = max(level, _compare(label, counted, low, up, reasons))
        else:
            notes.append(f"{sub.name}: no Seveso III category ({sub.source}); not counted")
    level = max(level, _entries(named, reasons))
    sums: dict[str, TierSums] = {}
    for group in SUM_GROUPS:
        lows, ups = terms[group]
        s = sums[group] = TierSums(math.fsum(lows), math.fsum(ups))
        if reaches(s.upper, 1.0):
            level = 2
            reasons.append(f"upper tier: {group} sum Σq/Q(column 3) = {s.upper:.3f} ≥ 1 (note 4)")
        elif reaches(s.lower, 1.0):
            level = max(level, 1)
            reasons.append(f"lower tier: {group} sum Σq/Q(column 2) = {s.lower:.3f} ≥ 1 (note 4)")
    upper_hit, lower_hit = (level == 2, level == 1)
    tier = SevesoTier.UPPER if upper_hit else SevesoTier.LOWER if lower_hit else SevesoTier.NONE
    if tier is SevesoTier.NONE:
        reasons.append(
            "no substance reaches its qualifying quantity and every note 4 sum is below 1"
        )
    return SevesoAssessment(
        tier, sums, tuple(contributions), (*reasons, *notes), tuple(sorted(unconfirmed))
    )


# ---- from hazatlas/rules/convention.py ----
ANNEX_VERSIONS = ("1992", "2006", "2014")

DEFAULT_ANNEX_VERSION = "2014"


@dataclass(frozen=True)
class ConventionItem:
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
        name_col, value_col = ("category_or_substance", "threshold_t")
    else:
        table = {r["category_no"]: r for r in load_table("unece_teia_annex1_1992_original_part1")}
        name_col, value_col = ("category", "threshold_t")
    for code, (item, status) in _correlation(version, "I").items():
        if item:
            row = table[item]
            out[code] = ConventionItem(
                version, "I", item, row[name_col], _tonnes_min(row[value_col]), False, status, code
            )
    return out


@functools.cache
def part2_items(version: str) -> dict[int, ConventionItem]:
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
    return (best.threshold_kg, best)


def _describe(item: ConventionItem) -> str:
    note = "" if item.confirmed else f"; {item.status}"
    equivalent = f" (Seveso III {item.seveso3})" if item.seveso3 else ""
    return f"Part {item.part} item {item.item}{equivalent} '{item.name}'{note}"


def assess_convention(substances: list[Substance], version: str) -> ConventionAssessment:
    _check_version(version)
    named = part2_items(version)
    checks: list[tuple[list[Substance], float, ConventionItem]] = []
    by_entry: dict[int, list[Substance]] = {}
    uncovered: list[str] = []
    for sub in substances:
        if sub.entry is not None and sub.entry.entry_no in named:
            by_entry.setdefault(sub.entry.entry_no, []).append(sub)
            continue
        found = _part1_threshold(sub.categories, version)
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
    for members, quantity, item in checks:
        if reaches(quantity, item.threshold_kg):
            hazardous = True
            name = ", ".join(sorted({s.name for s in members}))
            reasons.append(
                f"Convention hazardous activity (Annex I, {version}): {name}: {tonnes(quantity)} ≥ {tonnes(item.threshold_kg)}, {_describe(item)}"
            )
            if not item.confirmed:
                equivalent = f" ({item.seveso3})" if item.seveso3 else ""
                unconfirmed.add(
                    f"Convention Annex I {version} Part {item.part} item {item.item}{equivalent}: {item.status}"
                )
    if not hazardous:
        reasons.append(
            f"not a Convention hazardous activity (Annex I, {version}): no substance reaches its Annex I quantity"
        )
    if uncovered:
        reasons.append(
            f"not covered by Annex I ({version}) and so not assessed for it: "
            + "; ".join(uncovered)
        )
    if version == "1992" and any(s.entry is not None for s in substances):
        reasons.append(
            "Annex I 1992 Part II is not in the reference tables: named substances were assessed by their Part I categories only"
        )
    return ConventionAssessment(version, hazardous, tuple(reasons), tuple(sorted(unconfirmed)))


# ---- from hazatlas/rules/identify.py ----
def resolve_item(item: InventoryItem) -> ResolvedLine:
    return resolve_line(
        item.seveso_entry,
        item.cas_number.strip() if item.cas_number else None,
        tuple(item.hazard_statements),
        tuple(item.clp_classification),
        tuple(item.seveso_categories),
    )


def quantity_problem(quantity_kg: float) -> str | None:
    if not isinstance(quantity_kg, int | float) or not math.isfinite(quantity_kg):
        return f"quantity {quantity_kg!r} is not a finite number"
    if quantity_kg < 0:
        return f"quantity {quantity_kg!r} kg is negative"
    return None


def _resolve_all(
    establishment_id: str, items: Iterable[InventoryItem]
) -> list[tuple[InventoryItem, ResolvedLine]]:
    problems: list[Problem] = []
    out: list[tuple[InventoryItem, ResolvedLine]] = []
    for n, item in enumerate(items, start=1):
        q = item.max_quantity_kg
        bad_quantity = None if type(q) is float and 0.0 <= q < math.inf else quantity_problem(q)
        try:
            line = resolve_item(item)
        except LineError as exc:
            errors = exc.errors if isinstance(exc, LineErrors) else [exc]
            found = [(e.field, e.message) for e in errors]
        else:
            if bad_quantity is None:
                out.append((item, line))
                continue
            found = []
        if bad_quantity:
            found.insert(0, ("max_quantity_kg", bad_quantity))
        where = f"line {item.line_id or n} ({item.substance_name})"
        source = f"establishment {establishment_id}"
        problems += [Problem(source, None, fld, f"{where}: {msg}") for fld, msg in found]
    if problems:
        raise ValidationError(problems)
    return out


def _line_notes(lines: list[tuple[InventoryItem, ResolvedLine]]) -> list[str]:
    pairs = {(item.substance_name, line.notes) for item, line in lines if line.notes}
    return sorted({f"{name}: {note}" for name, notes in pairs for note in notes})


def classify_inventory(
    establishment_id: str,
    items: Iterable[InventoryItem],
    annex_version: str = DEFAULT_ANNEX_VERSION,
    location: LocationInputs | None = None,
) -> Classification:
    lines = _resolve_all(establishment_id, items)
    classifiable = [(i, r) for i, r in lines if r.classifiable]
    unclassified: list[str] = []
    if len(classifiable) < len(lines):
        unclassified = sorted(
            {
                f"{i.substance_name} (line {i.line_id})" if i.line_id else i.substance_name
                for i, r in lines
                if not r.classifiable
            }
        )
    substances = aggregate(classifiable)
    seveso = assess_seveso(substances)
    convention = assess_convention(substances, annex_version)
    reasons = [*seveso.reasons, *convention.reasons]
    for name in unclassified:
        reasons.append(
            f"not classifiable: {name}: not a Part 2 substance by entry or CAS, and no categories, CLP classification or hazard statements are given"
        )
    if unclassified and seveso.tier is not SevesoTier.UPPER:
        reasons.append("the tier may be understated: some lines are not classifiable")
    reasons += _line_notes(classifiable)
    unconfirmed: tuple[str, ...] = ()
    if seveso.unconfirmed or convention.unconfirmed:
        unconfirmed = tuple(sorted({*seveso.unconfirmed, *convention.unconfirmed}))
        reasons += [f"unconfirmed reference value used: {u}" for u in unconfirmed]
    flags: tuple[LocationFlag, ...] = ()
    if location is not None:
        present = {code for c in seveso.contributions if c.counted_kg > 0 for code in c.categories}
        flags = assess_location(present, location)
        reasons += [f.reason for f in flags]
        blind = sorted(
            c.substance_name
            for c in seveso.contributions
            if c.counted_kg > 0 and c.seveso_entry is not None and (not c.categories)
        )
        if blind:
            reasons.append(
                "location criteria not assessed for Part 2 substances without categories: "
                + ", ".join(blind)
                + " (give their Part 1 categories on the line)"
            )
    return Classification(
        establishment_id=establishment_id,
        seveso_tier=seveso.tier,
        convention_hazardous_activity=convention.hazardous,
        annex_version=annex_version,
        sums=seveso.sums,
        contributions=seveso.contributions,
        reasons=tuple(reasons),
        rules_version=RULES_VERSION,
        location_flags=flags,
        location_assessed=location is not None,
        not_classifiable=tuple(unclassified),
        unconfirmed=unconfirmed,
    )
