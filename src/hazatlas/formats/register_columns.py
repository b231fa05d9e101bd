"""The columns of the register file format (docs/register-format.md) and the largest values
and texts it accepts."""

from __future__ import annotations

ESTABLISHMENT_FIELDS = (
    "establishment_id",
    "name",
    "kind",
    "country",
    "lon",
    "lat",
    "status",
    "operator",
    "nace_code",
    "receiving_water",
    "disclosure",
    "source",
    "source_date",
    "external_ids",
    "site_polygon_wkt",
    "notes",
    "stored_volume",
    "stored_volume_unit",
    "dam_height_m",
    "area_m2",
    "construction_method",
    "commodity",
    "tailings_status",
    "last_inspection",
    "constituents",
    "pond_level_m",
    "crest_level_m",
    "min_freeboard_m",
)
INVENTORY_FIELDS = (
    "substance_name",
    "cas_number",
    "hazard_statements",
    "clp_classification",
    "seveso_categories",
    "seveso_entry",
    "quantity",
    "unit",
    "quantity_basis",
    "physical_state",
    "storage_unit",
    "cannot_initiate",
    "water_hazard_class",
    # the storage unit's data (domain.inventory.UNIT_FIELDS), optional
    "unit_kind",
    "anchored",
    "fill_fraction",
    "tank_diameter_m",
    "tank_height_m",
)
COLUMNS = ESTABLISHMENT_FIELDS + INVENTORY_FIELDS
OPTIONAL_INPUT_COLUMNS = ("area_ha",)
# Written by exports for the reader (derived by hazatlas), ignored on import.
DERIVED_COLUMNS = ("seveso_tier", "convention_hazardous_activity", "annex_version", "rules_version")
REQUIRED = ("establishment_id", "name", "country", "lon", "lat", "source")


# The largest values accepted (docs/register-format.md): well above any real site, far below
# what overflows a float or a database column. A larger value is a typing error.
MAX_QUANTITY_KG = 1e12  # 1 Gt on one inventory line
MAX_STORED_VOLUME_M3 = 1e11  # 100 km3
MAX_DAM_HEIGHT_M = 1_000.0
MAX_AREA_M2 = 1e10  # 10,000 km2
MAX_DAM_LEVEL_M = 10_000.0  # pond or crest level (m, on any datum: above sea level or local)
MAX_TANK_SIZE_M = 1_000.0  # tank diameter or shell height
MAX_CONCENTRATION_MG_KG = 1e6  # 100 %
MAX_PROJECTED_COORDINATE = 1e8  # metres (or the CRS's unit) of an x or y given with --crs


# The longest text accepted in each column: the database's column sizes, 100 characters for
# codes, numbers and dates, and bounds chosen by hazatlas for free text (source, notes, lists,
# WKT), which the database would take longer, to keep inputs and error messages bounded.
SHORT_TEXT = 100
MAX_LENGTHS = {
    "establishment_id": 100,
    "name": 300,
    "operator": 300,
    "nace_code": 20,
    "receiving_water": 200,
    "commodity": 100,
    "substance_name": 300,
    "storage_unit": 200,
    "external_ids": 5_000,
    "constituents": 5_000,
    "hazard_statements": 5_000,
    "clp_classification": 5_000,
    "seveso_categories": 5_000,
    "source": 10_000,
    "notes": 100_000,
    "site_polygon_wkt": 10_000_000,
}
