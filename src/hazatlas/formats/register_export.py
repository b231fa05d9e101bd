"""Establishments as rows of the register file format (the inverse of parsing them)."""

from __future__ import annotations

from typing import Any

from hazatlas.domain.establishment import Establishment
from hazatlas.domain.inventory import UNIT_FIELDS


def field_text(value: Any) -> str:
    """A field value as the register file writes it: "" for None, ``repr`` of a float (which
    reads back as the same float), ``str`` of anything else."""
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value)
    return str(value)


def to_rows(establishment: Establishment, *, complete: bool) -> list[dict[str, str]]:
    """Rows of the register format for one establishment (one per inventory line).

    ``complete=False`` marks a record whose confidential fields were withheld from this user.
    """
    e = establishment
    t = e.tailings
    base = {
        "establishment_id": e.id,
        "name": e.name,
        "kind": str(e.kind),
        "country": e.country_iso3,
        "lon": field_text(e.lon),
        "lat": field_text(e.lat),
        "status": str(e.status),
        "operator": e.operator or "",
        "nace_code": e.nace_code or "",
        "receiving_water": e.receiving_water or "",
        "disclosure": str(e.disclosure)
        if complete
        else f"{e.disclosure} (confidential fields withheld)",
        "source": e.provenance.source if e.provenance else "",
        "source_date": e.provenance.date.isoformat() if e.provenance and e.provenance.date else "",
        "external_ids": ";".join(f"{k}={v}" for k, v in sorted(e.external_ids.items())),
        "site_polygon_wkt": e.site_polygon_wkt or "",
        "notes": e.notes or "",
    }
    if t is not None:
        base.update(
            {
                "stored_volume": field_text(t.stored_volume_m3),
                "stored_volume_unit": "m3" if t.stored_volume_m3 is not None else "",
                "dam_height_m": field_text(t.dam_height_m),
                "area_m2": field_text(t.area_m2),
                "construction_method": str(t.construction_method or ""),
                "commodity": t.commodity or "",
                "tailings_status": str(t.tailings_status or ""),
                "last_inspection": t.last_inspection.isoformat() if t.last_inspection else "",
                "pond_level_m": field_text(t.pond_level_m),
                "crest_level_m": field_text(t.crest_level_m),
                "min_freeboard_m": field_text(t.min_freeboard_m),
                "constituents": ";".join(
                    f"{c.name}:{field_text(c.concentration_mg_kg)} mg/kg"
                    + (f":{c.cas_number}" if c.cas_number else "")
                    for c in t.constituents
                ),
            }
        )
    if not e.inventory:
        return [base]
    rows = []
    for item in e.inventory:
        rows.append(
            {
                **base,
                "substance_name": item.substance_name,
                "cas_number": item.cas_number or "",
                "hazard_statements": ";".join(item.hazard_statements),
                "clp_classification": ";".join(item.clp_classification),
                "seveso_categories": ";".join(item.seveso_categories),
                "seveso_entry": field_text(item.seveso_entry),
                "quantity": field_text(item.max_quantity_kg),
                "unit": "kg",
                "quantity_basis": str(item.quantity_basis),
                "physical_state": str(item.physical_state),
                "storage_unit": item.storage_unit or "",
                "cannot_initiate": "true" if item.cannot_initiate else "false",
                "water_hazard_class": field_text(item.water_hazard_class),
                **{k: item.extra.get(k, "") for k in UNIT_FIELDS},
            }
        )
    return rows
