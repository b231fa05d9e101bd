"""Use case: identify establishments (Seveso III tier, Convention Annex I, location criteria).

``classify_establishments`` classifies domain establishments; ``read_inventory_csv`` and
``classify_inventory_file`` serve ``hazatlas classify INVENTORY_FILE`` (no database). The CSV has
the columns of :data:`INVENTORY_COLUMNS` (see ``docs/identification.md``).
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Mapping
from pathlib import Path

from hazatlas.domain.classification import Classification
from hazatlas.domain.errors import HazatlasError, Problem, ValidationError
from hazatlas.domain.establishment import Establishment
from hazatlas.domain.gc_pause import gc_paused
from hazatlas.domain.inventory import InventoryItem
from hazatlas.domain.substance import split_list
from hazatlas.formats.units import UnitError, mass_to_kg
from hazatlas.rules.convention import ANNEX_VERSIONS, DEFAULT_ANNEX_VERSION
from hazatlas.rules.identify import classify_inventory, resolve_item
from hazatlas.rules.location import LocationInputs
from hazatlas.rules.resolve import LineErrors
from hazatlas.rules.thresholds import LineError

INVENTORY_COLUMNS = (
    "establishment_id",
    "substance_name",
    "cas_number",
    "hazard_statements",
    "clp_classification",
    "seveso_categories",
    "seveso_entry",
    "quantity",
    "unit",
    "cannot_initiate",
)
_TRUE = {"true", "yes", "1", "y"}
_FALSE = {"false", "no", "0", "n", ""}


def check_annex_version(annex_version: str) -> str:
    if annex_version not in ANNEX_VERSIONS:
        raise HazatlasError(
            f"unknown Annex I version '{annex_version}': expected one of {', '.join(ANNEX_VERSIONS)}"
        )
    return annex_version


#: Batches at least this large run with the cyclic garbage collector paused (see below).
GC_PAUSE_MIN_BATCH = 1000


def classify_inventories(
    inventories: Mapping[str, list[InventoryItem]],
    annex_version: str = DEFAULT_ANNEX_VERSION,
    location_inputs: Mapping[str, LocationInputs] | None = None,
) -> list[Classification]:
    """Classify inventories keyed by establishment id, in the mapping's order."""
    check_annex_version(annex_version)
    where = location_inputs or {}
    with gc_paused(len(inventories) >= GC_PAUSE_MIN_BATCH):
        return [
            classify_inventory(eid, items, annex_version, where.get(eid))
            for eid, items in inventories.items()
        ]


def classify_establishments(
    establishments: Iterable[Establishment],
    annex_version: str = DEFAULT_ANNEX_VERSION,
    location_inputs: Mapping[str, LocationInputs] | None = None,
) -> list[Classification]:
    """Classify establishments; ``location_inputs`` are keyed by establishment id.

    Raises :class:`ValidationError` naming establishment and line for bad inventory lines.
    """
    return classify_inventories(
        {e.id: e.inventory for e in establishments}, annex_version, location_inputs
    )


def _parse_quantity(text: str, unit: str) -> float:
    if not text.strip():
        raise LineError("quantity", "quantity is empty: expected a number")
    try:
        value = float(text)
    except ValueError:
        raise LineError("quantity", f"'{text}' is not a number") from None
    if not math.isfinite(value) or value < 0:
        raise LineError("quantity", f"'{text}' is not a non-negative finite number")
    if not unit.strip():
        raise LineError("unit", "unit is missing: expected kg, t, g, lb, kt ...")
    try:
        return mass_to_kg(value, unit)
    except UnitError as exc:
        raise LineError("unit", str(exc)) from None


def _parse_row(row: dict[str, str], row_no: int) -> tuple[InventoryItem, list[LineError]]:
    errors: list[LineError] = []
    get = {k: (row.get(k) or "").strip() for k in INVENTORY_COLUMNS}
    entry: int | None = None
    if get["seveso_entry"]:
        try:
            entry = int(get["seveso_entry"])
        except ValueError:
            errors.append(
                LineError("seveso_entry", f"'{get['seveso_entry']}' is not an entry number (1-48)")
            )
    quantity_kg = 0.0
    try:
        quantity_kg = _parse_quantity(get["quantity"], get["unit"])
    except LineError as exc:
        errors.append(exc)
    flag = get["cannot_initiate"].lower()
    if flag not in _TRUE | _FALSE:
        errors.append(
            LineError("cannot_initiate", f"'{get['cannot_initiate']}' is not true or false")
        )
    name = get["substance_name"] or get["cas_number"]
    if not name and entry is None:
        errors.append(
            LineError("substance_name", "empty: give a substance name, CAS number or entry")
        )
    item = InventoryItem(
        substance_name=name or f"Part 2 entry {entry}",
        max_quantity_kg=quantity_kg,
        cas_number=get["cas_number"] or None,
        hazard_statements=split_list(get["hazard_statements"]),
        clp_classification=split_list(get["clp_classification"]),
        seveso_categories=split_list(get["seveso_categories"]),
        seveso_entry=entry,
        cannot_initiate=flag in _TRUE,
        line_id=f"row {row_no}",
    )
    try:
        resolve_item(item)
    except LineErrors as exc:
        errors += exc.errors
    except LineError as exc:
        errors.append(exc)
    return item, errors


def read_inventory_csv(path: str | Path) -> dict[str, list[InventoryItem]]:
    """Read a classify CSV into inventories keyed by establishment id (file order).

    Every bad row and column is reported at once in a :class:`ValidationError` (rows counted
    as in a spreadsheet: the header is row 1).
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise HazatlasError(f"cannot read inventory file {path}: {exc.strerror or exc}") from exc
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in INVENTORY_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise ValidationError(
            [Problem(path.name, 1, c, "column is missing from the header") for c in missing]
        )
    problems: list[Problem] = []
    out: dict[str, list[InventoryItem]] = {}
    for row_no, row in enumerate(reader, start=2):
        eid = (row.get("establishment_id") or "").strip()
        if not eid:
            problems.append(Problem(path.name, row_no, "establishment_id", "empty"))
        item, errors = _parse_row(row, row_no)
        problems += [Problem(path.name, row_no, e.field, e.message) for e in errors]
        if eid and not errors:
            out.setdefault(eid, []).append(item)
    if problems:
        raise ValidationError(problems)
    return out


def classify_inventory_file(
    path: str | Path, annex_version: str = DEFAULT_ANNEX_VERSION
) -> list[Classification]:
    """Classify every establishment of a classify CSV file (no database)."""
    check_annex_version(annex_version)
    return classify_inventories(read_inventory_csv(path), annex_version)
