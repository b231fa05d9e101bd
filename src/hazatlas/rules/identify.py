"""Identify one establishment: Seveso III tier, Convention Annex I, location criteria, reasons.

>>> from hazatlas.domain.inventory import InventoryItem
>>> result = classify_inventory("X-1", [InventoryItem("Chlorine", 30_000.0, cas_number="7782-50-5")])
>>> result.seveso_tier.value, result.convention_hazardous_activity
('upper', True)
>>> result.reasons[0]
'upper tier: Chlorine (Part 2 entry 10): 30 t ≥ 25 t (column 3)'
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from hazatlas.domain.classification import Classification, LocationFlag, SevesoTier
from hazatlas.domain.errors import Problem, ValidationError
from hazatlas.domain.inventory import InventoryItem
from hazatlas.rules import RULES_VERSION
from hazatlas.rules.convention import DEFAULT_ANNEX_VERSION, assess_convention
from hazatlas.rules.location import LocationInputs, assess_location
from hazatlas.rules.resolve import LineErrors, ResolvedLine, resolve_line
from hazatlas.rules.seveso import aggregate, assess_seveso
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
    """Classify one establishment's inventory.

    Raises :class:`~hazatlas.domain.errors.ValidationError` naming every bad line (unknown
    hazard statement or CLP class, impossible CAS number, unknown entry or category, bad
    quantity). Unknown substances with nothing to classify them by are reported in
    ``not_classifiable`` and in the reasons, never silently ignored.
    """
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
            f"not classifiable: {name}: not a Part 2 substance by entry or CAS, and no "
            "categories, CLP classification or hazard statements are given"
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
            if c.counted_kg > 0 and c.seveso_entry is not None and not c.categories
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
