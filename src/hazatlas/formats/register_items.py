"""The inventory columns of a register row: one substance line and its maximum quantity."""

from __future__ import annotations

import math
from enum import Enum
from typing import Any

from hazatlas.domain.inventory import (
    UNIT_KINDS,
    InventoryItem,
    PhysicalState,
    QuantityBasis,
)
from hazatlas.domain.substance import cas_problem, is_hazard_statement_code, split_list
from hazatlas.formats.register_cells import INV, QTY, RowCtx, length_problems, quoted
from hazatlas.formats.register_columns import (
    INVENTORY_FIELDS,
    MAX_LENGTHS,
    MAX_QUANTITY_KG,
    MAX_TANK_SIZE_M,
    SHORT_TEXT,
)
from hazatlas.formats.units import MASS_UNITS

_TRUE = {"true", "yes", "1", "y", "t"}
_FALSE = {"false", "no", "0", "n", "f", ""}
_ITEM_CACHE_MAX = 50_000
_ITEM_NAMES = tuple(f for f in INVENTORY_FIELDS if f != "quantity")
_ITEM_LIMITS = tuple(MAX_LENGTHS.get(name, SHORT_TEXT) for name in _ITEM_NAMES)


def _enum_problem(
    text: str, enum: type[Enum], default: Any, name: str, problems: list[tuple[str, str]]
) -> Any:
    if not text:
        return default
    try:
        return enum(text.lower())
    except ValueError:
        problems.append((name, f"{quoted(text)} is not one of {', '.join(e.value for e in enum)}"))
        return default


def _unit_number(text: str, name: str, high: float, problems: list[tuple[str, str]]) -> str:
    try:  # a decimal comma is read as the other numeric columns read it
        value = float(text.replace(",", ".") if text.count(",") == 1 and "." not in text
                      else text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and 0.0 < value <= high):
        problems.append((name, f"{quoted(text)} is not a number in (0, {high:g}]"))
        return ""
    return repr(value)


def unit_data(cells: tuple[str, ...], problems: list[tuple[str, str]]) -> dict[str, str]:
    """The storage unit's data of a line (cells in :data:`UNIT_FIELDS` order), normalised, as
    the line's ``extra`` holds them; problems are added as (column, message)."""
    kind_text, anchored_text, fill_text, diameter_text, height_text = cells
    out: dict[str, str] = {}
    if kind_text:
        kind = kind_text.lower()
        if kind in UNIT_KINDS:
            out["unit_kind"] = kind
        else:
            problems.append(
                ("unit_kind", f"{quoted(kind_text)} is not one of {', '.join(UNIT_KINDS)}")
            )
    if anchored_text:
        low = anchored_text.lower()
        if low in _TRUE or low in _FALSE:
            out["anchored"] = "true" if low in _TRUE else "false"
        else:
            problems.append(("anchored", f"{quoted(anchored_text)} is not true or false"))
    for name, text, high in (
        ("fill_fraction", fill_text, 1.0),
        ("tank_diameter_m", diameter_text, MAX_TANK_SIZE_M),
        ("tank_height_m", height_text, MAX_TANK_SIZE_M),
    ):
        if text and (value := _unit_number(text, name, high, problems)):
            out[name] = value
    if height_text and not diameter_text:
        problems.append(("tank_height_m", "a shell height needs the tank diameter "
                                          "(tank_diameter_m) too"))
    return out


def _item_parts(cells: tuple[str, ...]) -> tuple[tuple, tuple, dict[str, Any], float | None]:
    """Everything of an inventory line except its quantity, from the line's cells without the
    quantity (see :func:`parse_item`): the problems before and after the quantity's (in the
    order they are reported), the item's other fields and the unit's factor to kg."""
    (
        name,
        cas,
        hs_text,
        clp,
        seveso,
        entry_text,
        unit,
        basis_text,
        state_text,
        storage,
        cannot_text,
        wgk_text,
        *unit_cells,
    ) = cells
    pre: list[tuple[str, str]] = length_problems(_ITEM_NAMES, cells, _ITEM_LIMITS)
    post: list[tuple[str, str]] = []
    cas_number = cas or None
    if cas_number and (why := cas_problem(cas_number)):
        pre.append(("cas_number", why))
    hs = split_list(hs_text)
    for h in hs:
        if not is_hazard_statement_code(h):
            pre.append(
                (
                    "hazard_statements",
                    f"{quoted(h)} is not a CLP hazard statement code (e.g. H330, EUH014)",
                )
            )
    entry = None
    if entry_text:
        try:
            entry = int(entry_text)
            if not 1 <= entry <= 48:
                raise ValueError
        except ValueError:
            pre.append(("seveso_entry", f"{quoted(entry_text)} is not a Part 2 entry number 1-48"))
    factor = None
    if not unit:
        post.append(
            ("unit", f"is required with a quantity: one of {', '.join(sorted(MASS_UNITS))}")
        )
    elif unit not in MASS_UNITS:
        post.append(
            (
                "unit",
                f"{quoted(unit)} is not a known mass unit: expected one of "
                f"{', '.join(sorted(MASS_UNITS))}",
            )
        )
    else:
        factor = MASS_UNITS[unit]
    wgk = None
    if wgk_text:
        if wgk_text not in ("1", "2", "3"):
            post.append(("water_hazard_class", f"{quoted(wgk_text)} is not 1, 2 or 3"))
        else:
            wgk = int(wgk_text)
    state = _enum_problem(state_text, PhysicalState, PhysicalState.UNKNOWN, "physical_state", post)
    basis = _enum_problem(
        basis_text, QuantityBasis, QuantityBasis.PUBLISHED, "quantity_basis", post
    )
    low = cannot_text.lower()
    cannot = low in _TRUE
    if not cannot and low not in _FALSE:
        post.append(("cannot_initiate", f"{quoted(cannot_text)} is not true or false"))
    extra = unit_data(tuple(unit_cells), post)
    fields = dict(
        substance_name=name,
        cas_number=cas_number,
        hazard_statements=hs,
        clp_classification=split_list(clp),
        seveso_categories=tuple(s.upper() if s[0] in "hpeoHPEO" else s for s in split_list(seveso)),
        seveso_entry=entry,
        physical_state=state,
        storage_unit=storage or None,
        cannot_initiate=cannot,
        water_hazard_class=wgk,
        quantity_basis=basis,
        extra=extra,
    )
    return tuple(pre), tuple(post), fields, factor


def parse_item(c: RowCtx, cache: dict[tuple[str, ...], Any]) -> InventoryItem | None:
    """The inventory line of a row, or None if it has a problem (added to ``c.problems``).

    The checks of a line's substance columns (CAS check digit, hazard statements, unit, ...) are
    cached by their cell values: registers repeat the same substances on many lines.
    """
    cells = c.cells
    key = cells[INV:QTY] + cells[QTY + 1 : INV + len(INVENTORY_FIELDS)]
    parts = cache.get(key)
    if parts is None:
        if len(cache) >= _ITEM_CACHE_MAX:
            cache.clear()
        parts = cache[key] = _item_parts(key)
    pre, post, fields, factor = parts
    for name, message in pre:
        c.bad(name, message)
    qty = c.number("quantity", minimum=0, required=True)
    if qty is not None and factor is not None and qty * factor > MAX_QUANTITY_KG:
        c.bad(
            "quantity",
            f"{c.get('quantity')} {c.get('unit')} is out of range: expected at most "
            f"{MAX_QUANTITY_KG / 1e9:g} Mt ({MAX_QUANTITY_KG:g} kg) on one inventory line",
        )
        qty = None
    for name, message in post:
        c.bad(name, message)
    if pre or post or qty is None or factor is None:
        return None
    # the cached fields are shared by the lines of the same cells: each line gets its own extra
    return InventoryItem(max_quantity_kg=float(qty) * factor, **{**fields, "extra": dict(fields["extra"])})
