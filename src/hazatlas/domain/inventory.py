"""Inventory lines: the dangerous substances an establishment holds and their maximum quantity."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class QuantityBasis(StrEnum):
    """Where a quantity comes from: the cited source, an estimate, or made up for illustration."""

    PUBLISHED = "published"
    ESTIMATED = "estimated"
    ILLUSTRATIVE = "illustrative"


class PhysicalState(StrEnum):
    SOLID = "solid"
    LIQUID = "liquid"
    GAS = "gas"
    LIQUEFIED_GAS = "liquefied_gas"
    SLURRY = "slurry"
    UNKNOWN = "unknown"


#: The unit kinds of an inventory line (register column ``unit_kind``, docs/natech.md): what
#: holds the substance. Only ``atmospheric_tank`` is taken by the Natech tank models.
UNIT_KINDS = {
    "atmospheric_tank": "atmospheric storage tank (vertical, on the ground)",
    "pressurised_tank": "pressurised tank: bullet, sphere or other pressure vessel",
    "drums": "drums, cylinders, IBCs or other containers",
    "warehouse": "packaged goods in a building",
    "pond": "pond, lagoon or tailings pond",
    "heap": "heap, dump or stockpile",
    "process_unit": "reactor, column or other process equipment",
    "pipeline": "pipeline",
    "other": "any other unit",
}

#: The storage unit's data an inventory line may carry (register columns, kept in the line's
#: ``extra`` as text): unit kind, anchorage (``true``/``false``), design fill (fraction of the
#: shell height, 0-1], tank diameter and shell height in metres.
UNIT_FIELDS = ("unit_kind", "anchored", "fill_fraction", "tank_diameter_m", "tank_height_m")


@dataclass
class InventoryItem:
    """One substance (or mixture) at an establishment.

    ``max_quantity_kg`` is the maximum quantity present or likely to be present at any one time
    (Seveso III Annex I note 3), in kilograms. ``hazard_statements`` are CLP codes (``H330``),
    ``clp_classification`` CLP hazard class and category strings (``Acute Tox. 2 (inhalation)``),
    ``seveso_categories`` Part 1 codes stated by the user (``H2``, ``E1``), ``seveso_entry`` the
    Part 2 entry number. ``cannot_initiate`` marks a lot that cannot initiate a major accident
    elsewhere on site (for the 2 % rule, note 3). ``disclosure`` is ``None`` when the line follows
    its establishment. ``extra`` holds further data of the line as text, among them the storage
    unit's (:data:`UNIT_FIELDS`), which are stored with the line.
    """

    substance_name: str
    max_quantity_kg: float
    cas_number: str | None = None
    hazard_statements: tuple[str, ...] = ()
    clp_classification: tuple[str, ...] = ()
    seveso_categories: tuple[str, ...] = ()
    seveso_entry: int | None = None
    physical_state: PhysicalState = PhysicalState.UNKNOWN
    storage_unit: str | None = None
    cannot_initiate: bool = False
    water_hazard_class: int | None = None
    quantity_basis: QuantityBasis = QuantityBasis.PUBLISHED
    line_id: str | None = None
    extra: dict[str, str] = field(default_factory=dict)
