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


@dataclass
class InventoryItem:
    """One substance (or mixture) at an establishment.

    ``max_quantity_kg`` is the maximum quantity present or likely to be present at any one time
    (Seveso III Annex I note 3), in kilograms. ``hazard_statements`` are CLP codes (``H330``),
    ``clp_classification`` CLP hazard class and category strings (``Acute Tox. 2 (inhalation)``),
    ``seveso_categories`` Part 1 codes stated by the user (``H2``, ``E1``), ``seveso_entry`` the
    Part 2 entry number. ``cannot_initiate`` marks a lot that cannot initiate a major accident
    elsewhere on site (for the 2 % rule, note 3). ``disclosure`` is ``None`` when the line follows
    its establishment.
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
