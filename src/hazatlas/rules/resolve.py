"""Recognise what an inventory line is: a Part 2 named substance and/or Part 1 categories.

Precedence (Seveso III Annex I, introduction to Part 2): a Part 2 entry, given by its number or
recognised by CAS number (of Part 2, of the carcinogens of entry 33, or of the note 20 congeners
of entry 32), gives the named thresholds. The Part 1 categories of a
line come from the first non-empty of: stated categories, CLP classification, hazard
statements. A named substance counts in the note 4 sums with the categories of its own line.
A line with no Part 2 entry and nothing to classify it by is *not classifiable*.

>>> line = resolve_line(None, "7782-50-5", ("H330", "H400"), (), ())
>>> line.entry.entry_no, line.categories, line.category_source
(10, ('E1', 'H1'), 'hazard statements')
>>> resolve_line(None, None, (), (), ()).classifiable
False
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from hazatlas.domain.substance import cas_problem
from hazatlas.rules.clp import (
    categories_from_clp,
    categories_from_hazard_statements,
    stated_categories,
)
from hazatlas.rules.thresholds import Congener, LineError, NamedEntry, catalogue

SOURCE_STATED = "stated categories"
SOURCE_CLP = "CLP classification"
SOURCE_H = "hazard statements"
SOURCE_NONE = "none"


class LineErrors(LineError):
    """Several problems in one inventory line (``errors``), each naming its column."""

    def __init__(self, errors: list[LineError]) -> None:
        super().__init__(errors[0].field, "; ".join(str(e) for e in errors))
        self.errors = errors


@dataclass(frozen=True)
class ResolvedLine:
    """What a line is for the rules: its Part 2 entry (or None), Part 1 categories and notes;
    ``congener`` the note 20 congener (entry 32) its CAS number names, if any."""

    entry: NamedEntry | None
    categories: tuple[str, ...]
    category_source: str
    notes: tuple[str, ...]
    classifiable: bool
    congener: Congener | None = None


def _entry(entry_no: int | None, cas: str | None) -> tuple[NamedEntry | None, list[str]]:
    cat = catalogue()
    errors: list[LineError] = []
    by_number = by_cas = None
    if entry_no is not None:
        if entry_no in cat.entries:
            by_number = cat.entries[entry_no]
        else:
            errors.append(
                LineError(
                    "seveso_entry", f"Part 2 entry {entry_no} does not exist: expected 1 to 48"
                )
            )
    if cas:
        problem = cas_problem(cas)
        if problem:
            errors.append(LineError("cas_number", problem))
        elif cas.strip() in cat.entry_by_cas:
            by_cas = cat.entries[cat.entry_by_cas[cas.strip()]]
    if by_number and by_cas and by_number.entry_no != by_cas.entry_no:
        errors.append(
            LineError(
                "seveso_entry",
                f"CAS {cas} is Part 2 entry {by_cas.entry_no}, but the line says entry "
                f"{by_number.entry_no}",
            )
        )
    if errors:
        raise errors[0] if len(errors) == 1 else LineErrors(errors)
    notes = (
        [f"recognised as Part 2 entry {by_cas.entry_no} by CAS {cas}"]
        if by_cas and not by_number
        else []
    )
    return by_number or by_cas, notes


def _categories(
    statements: tuple[str, ...], clp: tuple[str, ...], stated: tuple[str, ...]
) -> tuple[tuple[str, ...], str, list[str]]:
    errors: list[LineError] = []
    results: list[tuple[tuple[str, ...], str, tuple[str, ...]]] = []
    for values, source, func in (
        (stated, SOURCE_STATED, lambda v: (stated_categories(v), ())),
        (clp, SOURCE_CLP, categories_from_clp),
        (statements, SOURCE_H, categories_from_hazard_statements),
    ):
        if not values:
            continue
        try:
            cats, notes = func(values)
        except LineError as exc:
            errors.append(exc)
            continue
        results.append((cats, source, notes))
    if errors:
        raise LineErrors(errors)
    if not results:
        return (), SOURCE_NONE, []
    cats, source, notes = results[0]
    out = list(notes)
    if len(results) > 1:
        unused = " and ".join(r[1] for r in results[1:])
        out.append(f"categories from the {source}; {unused} not used (precedence)")
    return cats, source, out


@functools.lru_cache(maxsize=65536)
def resolve_line(
    entry_no: int | None,
    cas: str | None,
    statements: tuple[str, ...],
    clp: tuple[str, ...],
    stated: tuple[str, ...],
) -> ResolvedLine:
    """Resolve one line's identifiers; raises :class:`LineError`/:class:`LineErrors` naming columns.

    All columns are checked, so one call reports every problem of the line.
    """
    errors: list[LineError] = []
    entry: NamedEntry | None = None
    notes: list[str] = []
    try:
        entry, notes = _entry(entry_no, cas)
    except LineErrors as exc:
        errors.extend(exc.errors)
    except LineError as exc:
        errors.append(exc)
    cats: tuple[str, ...] = ()
    source = SOURCE_NONE
    try:
        # every source is read, so unknown codes are errors even where precedence ignores them
        cats, source, cat_notes = _categories(statements, clp, stated)
        notes += cat_notes
    except LineErrors as exc:
        errors.extend(exc.errors)
    except LineError as exc:
        errors.append(exc)
    if errors:
        raise errors[0] if len(errors) == 1 else LineErrors(errors)
    if entry is not None and not cats:
        notes.append(
            f"Part 2 entry {entry.entry_no}: no categories given on the line, so it counts "
            "in no note 4 sum"
        )
    classifiable = entry is not None or source != SOURCE_NONE
    congener = catalogue().congeners.get(cas.strip()) if cas else None
    return ResolvedLine(entry, cats, source, tuple(notes), classifiable, congener)
