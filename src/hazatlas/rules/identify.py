"""Identify one establishment: Seveso III tier, Convention Annex I, location criteria, reasons.

>>> from hazatlas.domain.inventory import InventoryItem
>>> result = classify_inventory("X-1", [InventoryItem("Chlorine", 30_000.0, cas_number="7782-50-5")])
>>> result.seveso_tier.value, result.convention_hazardous_activity
('upper', True)
>>> result.reasons[0]
'upper tier: Chlorine (Part 2 entry 10): 30 t ≥ 25 t (column 3)'
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable

from hazatlas.domain.classification import Classification, LocationFlag, SevesoTier
from hazatlas.domain.errors import Problem, ValidationError
from hazatlas.domain.inventory import InventoryItem
from hazatlas.rules import RULES_VERSION
from hazatlas.rules.convention import DEFAULT_ANNEX_VERSION, assess_convention
from hazatlas.rules.location import LocationInputs, assess_location
from hazatlas.rules.resolve import LineErrors, ResolvedLine, resolve_line
from hazatlas.rules.seveso import SubstanceKey, aggregate_keyed, assess_seveso, substance_key
from hazatlas.rules.thresholds import LineError


def resolve_item(item: InventoryItem) -> ResolvedLine:
    """Resolve an inventory item (cached on its identifying fields); raises :class:`LineError`."""
    return resolve_line(
        item.seveso_entry,
        item.cas_number.strip() if item.cas_number else None,
        tuple(item.hazard_statements),
        tuple(item.clp_classification),
        tuple(item.seveso_categories),
    )


def quantity_problem(quantity_kg: float) -> str | None:
    """Why a quantity in kg cannot be used, or None."""
    if not isinstance(quantity_kg, int | float) or not math.isfinite(quantity_kg):
        return f"quantity {quantity_kg!r} is not a finite number"
    if quantity_kg < 0:
        return f"quantity {quantity_kg!r} kg is negative"
    return None


#: What a distinct line signature (entry, CAS, statements, CLP, stated categories) resolves to:
#: the resolved line, its substance key (None when keyed by name) and the stripped CAS number.
_Known = tuple[ResolvedLine, SubstanceKey | None, str | None]
_KNOWN: dict[tuple[object, ...], _Known] = {}
_KNOWN_MAX = 65536


def _known(item: InventoryItem) -> _Known:
    """Resolve ``item`` through a cache of line signatures; raises :class:`LineError`."""
    signature: tuple[object, ...] = (
        item.seveso_entry,
        item.cas_number,
        item.hazard_statements,
        item.clp_classification,
        item.seveso_categories,
    )
    try:
        return _KNOWN[signature]
    except KeyError:
        pass
    except TypeError:  # lists instead of tuples: not hashable, resolved without the cache
        signature = ()
    line = resolve_item(item)
    cas = item.cas_number.strip() if item.cas_number else None
    key = None
    if line.entry is not None or item.cas_number:
        key = substance_key(item, line)
    found = (line, key, cas)
    if signature:
        if len(_KNOWN) >= _KNOWN_MAX:
            _KNOWN.clear()
        _KNOWN[signature] = found
    return found


def _problems(establishment_id: str, items: Iterable[InventoryItem]) -> list[Problem]:
    """Every problem of every line, each naming the establishment, line and column."""
    problems: list[Problem] = []
    for n, item in enumerate(items, start=1):
        bad_quantity = quantity_problem(item.max_quantity_kg)
        try:
            resolve_item(item)
        except LineError as exc:
            errors = exc.errors if isinstance(exc, LineErrors) else [exc]
            found = [(e.field, e.message) for e in errors]
        else:
            found = []
        if bad_quantity:
            found.insert(0, ("max_quantity_kg", bad_quantity))
        where = f"line {item.line_id or n} ({item.substance_name})"
        source = f"establishment {establishment_id}"
        problems += [Problem(source, None, fld, f"{where}: {msg}") for fld, msg in found]
    return problems


_Row = tuple[InventoryItem, ResolvedLine, SubstanceKey | None, str | None]


def _resolve_all(establishment_id: str, items: Iterable[InventoryItem]) -> list[_Row]:
    """Resolve every line; raises :class:`ValidationError` naming every bad line."""
    items = items if isinstance(items, list | tuple) else list(items)
    out: list[_Row] = []
    inf = math.inf
    for item in items:
        q = item.max_quantity_kg
        try:
            line, key, cas = _known(item)
        except LineError:
            break
        if (type(q) is not float or not 0.0 <= q < inf) and quantity_problem(q) is not None:
            break
        out.append((item, line, key, cas))
    else:
        return out
    raise ValidationError(_problems(establishment_id, items))


def classify_inventory(
    establishment_id: str,
    items: Iterable[InventoryItem],
    annex_version: str = DEFAULT_ANNEX_VERSION,
    location: LocationInputs | None = None,
) -> Classification:
    """Classify one establishment's inventory.

    Raises :class:`~hazatlas.domain.errors.ValidationError` naming every bad line (unknown
    hazard statement or CLP class, impossible CAS number, unknown entry or category, bad
    quantity). Unknown substances with nothing to classify them by are reported in
    ``not_classifiable`` and in the reasons, never silently ignored.
    """
    rows = _resolve_all(establishment_id, items)
    classifiable = rows
    unclassified: list[str] = []
    noted: set[tuple[str, tuple[str, ...]]] = set()
    for row in rows:
        if not row[1].classifiable:
            classifiable = [r for r in rows if r[1].classifiable]
            unclassified = sorted(
                {
                    f"{i.substance_name} (line {i.line_id})" if i.line_id else i.substance_name
                    for i, r, _, _ in rows
                    if not r.classifiable
                }
            )
            break
    for item, line, _, _ in classifiable:
        if line.notes:
            noted.add((item.substance_name, line.notes))
    substances = aggregate_keyed(classifiable)
    seveso = assess_seveso(substances)
    convention = assess_convention(substances, annex_version)
    reasons = [*seveso.reasons, *convention.reasons]
    for name in unclassified:
        reasons.append(
            f"not classifiable: {name}: not a Part 2 substance by entry or CAS, and no "
            "categories, CLP classification or hazard statements are given"
        )
    if unclassified and seveso.tier is not SevesoTier.UPPER:
        reasons.append("the tier may be understated: some lines are not classifiable")
    if noted:
        reasons += sorted({text for pair in noted for text in _note_texts(*pair)})
    unconfirmed: tuple[str, ...] = ()
    if seveso.unconfirmed or convention.unconfirmed:
        unconfirmed, texts = _unconfirmed(seveso.unconfirmed, convention.unconfirmed)
        reasons += texts
    flags: tuple[LocationFlag, ...] = ()
    if location is not None:
        present: set[str] = set()
        blind: list[str] = []
        for c in seveso.contributions:
            if c.counted_kg > 0:
                if c.categories:
                    present.update(c.categories)
                elif c.seveso_entry is not None:
                    blind.append(c.substance_name)
        flags = assess_location(present, location)
        reasons += [f.reason for f in flags]
        if blind:
            reasons.append(
                "location criteria not assessed for Part 2 substances without categories: "
                + ", ".join(sorted(blind))
                + " (give their Part 1 categories on the line)"
            )
    return Classification(
        establishment_id,
        seveso.tier,
        convention.hazardous,
        annex_version,
        seveso.sums,
        seveso.contributions,
        tuple(reasons),
        RULES_VERSION,
        flags,
        location is not None,
        tuple(unclassified),
        unconfirmed,
    )


@functools.lru_cache(maxsize=4096)
def _note_texts(name: str, notes: tuple[str, ...]) -> tuple[str, ...]:
    """The reasons for a line's resolution notes (cached: lines repeat)."""
    return tuple(f"{name}: {note}" for note in notes)


@functools.lru_cache(maxsize=1024)
def _unconfirmed(
    seveso: tuple[str, ...], convention: tuple[str, ...]
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The unconfirmed reference values used, and their reasons (cached)."""
    values = tuple(sorted({*seveso, *convention}))
    return values, tuple(f"unconfirmed reference value used: {u}" for u in values)
