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

from hazatlas.domain.classification import Classification, Contribution, LocationFlag, SevesoTier
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


def resolve_all(
    establishment_id: str, items: list[InventoryItem]
) -> list[tuple[InventoryItem, ResolvedLine]]:
    """Every line with what it is; raises :class:`ValidationError` naming every bad line."""
    if any(quantity_problem(item.max_quantity_kg) for item in items):
        raise ValidationError(_problems(establishment_id, items))
    try:
        return [(item, resolve_item(item)) for item in items]
    except LineError:
        raise ValidationError(_problems(establishment_id, items)) from None


def _line_name(item: InventoryItem) -> str:
    return f"{item.substance_name} (line {item.line_id})" if item.line_id else item.substance_name


def _unclassified_reasons(unclassified: list[str], tier: SevesoTier) -> list[str]:
    reasons = [
        f"not classifiable: {name}: not a Part 2 substance by entry or CAS, and no "
        "categories, CLP classification or hazard statements are given"
        for name in unclassified
    ]
    if unclassified and tier is not SevesoTier.UPPER:
        reasons.append("the tier may be understated: some lines are not classifiable")
    return reasons


def _location(
    contributions: tuple[Contribution, ...], location: LocationInputs
) -> tuple[tuple[LocationFlag, ...], list[str]]:
    """The location criteria for the categories present (counted quantity above zero), and
    their reasons; Part 2 substances without categories cannot be assessed and are named."""
    present = {cat for c in contributions if c.counted_kg > 0 for cat in c.categories}
    blind = sorted(
        c.substance_name
        for c in contributions
        if c.counted_kg > 0 and not c.categories and c.seveso_entry is not None
    )
    flags = assess_location(present, location)
    reasons = [f.reason for f in flags]
    if blind:
        reasons.append(
            "location criteria not assessed for Part 2 substances without categories: "
            + ", ".join(blind)
            + " (give their Part 1 categories on the line)"
        )
    return flags, reasons


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
    lines = resolve_all(establishment_id, list(items))
    classifiable = [(item, line) for item, line in lines if line.classifiable]
    unclassified = sorted({_line_name(item) for item, line in lines if not line.classifiable})
    substances = aggregate(classifiable)
    seveso = assess_seveso(substances)
    convention = assess_convention(substances, annex_version)
    reasons = [*seveso.reasons, *convention.reasons]
    reasons += _unclassified_reasons(unclassified, seveso.tier)
    reasons += sorted(
        {f"{item.substance_name}: {n}" for item, line in classifiable for n in line.notes}
    )
    unconfirmed = tuple(sorted({*seveso.unconfirmed, *convention.unconfirmed}))
    reasons += [f"unconfirmed reference value used: {u}" for u in unconfirmed]
    flags: tuple[LocationFlag, ...] = ()
    if location is not None:
        flags, location_reasons = _location(seveso.contributions, location)
        reasons += location_reasons
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
