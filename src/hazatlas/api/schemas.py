"""API schemas (pydantic), separate from the domain types and the tables."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from hazatlas.domain.establishment import (
    Disclosure,
    Establishment,
    EstablishmentKind,
    EstablishmentStatus,
    Provenance,
)
from hazatlas.domain.inventory import InventoryItem, PhysicalState, QuantityBasis
from hazatlas.domain.substance import cas_problem, is_hazard_statement_code
from hazatlas.domain.tailings import (
    Constituent,
    ConstructionMethod,
    TailingsDetails,
    TailingsStatus,
)

#: the unit kinds of domain.inventory.UNIT_KINDS (tests check they agree)
UnitKind = Literal["atmospheric_tank", "pressurised_tank", "drums", "warehouse", "pond", "heap",
                   "process_unit", "pipeline", "other"]


class InventoryItemIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    substance_name: str = Field(min_length=1)
    max_quantity_kg: float = Field(ge=0, allow_inf_nan=False)
    cas_number: str | None = None
    hazard_statements: list[str] = []
    clp_classification: list[str] = []
    seveso_categories: list[str] = []
    seveso_entry: int | None = Field(default=None, ge=1, le=48)
    physical_state: PhysicalState = PhysicalState.UNKNOWN
    storage_unit: str | None = None
    cannot_initiate: bool = False
    water_hazard_class: int | None = Field(default=None, ge=1, le=3)
    quantity_basis: QuantityBasis = QuantityBasis.PUBLISHED
    # the storage unit (register columns of the same names, docs/register-format.md)
    unit_kind: UnitKind | None = None
    anchored: bool | None = None
    fill_fraction: float | None = Field(default=None, gt=0, le=1, allow_inf_nan=False)
    tank_diameter_m: float | None = Field(default=None, gt=0, le=1000, allow_inf_nan=False)
    tank_height_m: float | None = Field(default=None, gt=0, le=1000, allow_inf_nan=False)

    def unit_extra(self) -> dict[str, str]:
        """The storage unit's data as an inventory line's ``extra`` holds them."""
        out = {"unit_kind": self.unit_kind or "",
               "anchored": "" if self.anchored is None else str(self.anchored).lower()}
        for k in ("fill_fraction", "tank_diameter_m", "tank_height_m"):
            v = getattr(self, k)
            out[k] = "" if v is None else repr(float(v))
        return {k: v for k, v in out.items() if v}

    def problems(self, n: int) -> list[tuple[str, str]]:
        out = []
        if self.tank_height_m is not None and self.tank_diameter_m is None:
            out.append((f"inventory.{n}.tank_height_m",
                        "a shell height needs the tank diameter (tank_diameter_m) too"))
        if self.cas_number and (why := cas_problem(self.cas_number)):
            out.append((f"inventory.{n}.cas_number", why))
        for h in self.hazard_statements:
            if not is_hazard_statement_code(h):
                out.append((f"inventory.{n}.hazard_statements", f"'{h}' is not a CLP hazard statement code"))
        return out


class ConstituentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    concentration_mg_kg: float = Field(ge=0, allow_inf_nan=False)
    cas_number: str | None = None


class TailingsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    stored_volume_m3: float | None = Field(default=None, ge=0, allow_inf_nan=False)
    dam_height_m: float | None = Field(default=None, ge=0, allow_inf_nan=False)
    area_m2: float | None = Field(default=None, ge=0, allow_inf_nan=False)
    construction_method: ConstructionMethod | None = None
    commodity: str | None = None
    tailings_status: TailingsStatus | None = None
    last_inspection: dt.date | None = None
    constituents: list[ConstituentIn] = []
    # the overtopping screen's inputs, checked as the register file's columns are
    # (formats/register_sites._dam_levels): both levels or neither, the pond not above the crest
    pond_level_m: float | None = Field(default=None, ge=-10_000, le=10_000, allow_inf_nan=False)
    crest_level_m: float | None = Field(default=None, ge=-10_000, le=10_000, allow_inf_nan=False)
    min_freeboard_m: float | None = Field(default=None, ge=0, le=1_000, allow_inf_nan=False)

    @model_validator(mode="after")
    def _levels_together(self) -> TailingsIn:
        if (self.pond_level_m is None) != (self.crest_level_m is None):
            raise ValueError("pond_level_m and crest_level_m go together (on one datum)")
        if (self.pond_level_m is not None and self.crest_level_m is not None
                and self.pond_level_m > self.crest_level_m):
            raise ValueError(f"pond_level_m {self.pond_level_m:g} m is above crest_level_m "
                             f"{self.crest_level_m:g} m: expected the pond at or below the crest")
        return self


class EstablishmentIn(BaseModel):
    """An establishment as sent to ``POST``/``PUT /api/establishments``."""

    model_config = ConfigDict(extra="forbid")
    id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:\-]{0,99}$")
    name: str = Field(min_length=1)
    country_iso3: str = Field(pattern=r"^[A-Z]{3}$")
    lon: float = Field(ge=-180, le=180, allow_inf_nan=False)
    lat: float = Field(ge=-90, le=90, allow_inf_nan=False)
    kind: EstablishmentKind = EstablishmentKind.INDUSTRIAL
    status: EstablishmentStatus = EstablishmentStatus.OPERATING
    operator: str | None = None
    nace_code: str | None = None
    receiving_water: str | None = None
    site_polygon_wkt: str | None = None
    external_ids: dict[str, str] = {}
    disclosure: Disclosure = Disclosure.PUBLIC
    source: str = Field(min_length=1)
    source_date: dt.date | None = None
    notes: str | None = None
    inventory: list[InventoryItemIn] = []
    tailings: TailingsIn | None = None

    def to_domain(self) -> Establishment:
        t = self.tailings
        return Establishment(
            id=self.id, name=self.name, country_iso3=self.country_iso3, lon=self.lon, lat=self.lat,
            kind=self.kind, status=self.status, operator=self.operator, nace_code=self.nace_code,
            receiving_water=self.receiving_water, site_polygon_wkt=self.site_polygon_wkt,
            external_ids=dict(self.external_ids), disclosure=self.disclosure,
            provenance=Provenance(self.source, self.source_date), notes=self.notes,
            inventory=[InventoryItem(
                substance_name=i.substance_name, max_quantity_kg=i.max_quantity_kg,
                cas_number=i.cas_number, hazard_statements=tuple(i.hazard_statements),
                clp_classification=tuple(i.clp_classification),
                seveso_categories=tuple(i.seveso_categories), seveso_entry=i.seveso_entry,
                physical_state=i.physical_state, storage_unit=i.storage_unit,
                cannot_initiate=i.cannot_initiate, water_hazard_class=i.water_hazard_class,
                quantity_basis=i.quantity_basis, extra=i.unit_extra()) for i in self.inventory],
            tailings=TailingsDetails(
                stored_volume_m3=t.stored_volume_m3, dam_height_m=t.dam_height_m, area_m2=t.area_m2,
                construction_method=t.construction_method, commodity=t.commodity,
                tailings_status=t.tailings_status, last_inspection=t.last_inspection,
                constituents=[Constituent(c.name, c.concentration_mg_kg, c.cas_number)
                              for c in t.constituents],
                pond_level_m=t.pond_level_m, crest_level_m=t.crest_level_m,
                min_freeboard_m=t.min_freeboard_m,
            ) if t is not None and self.kind is EstablishmentKind.TAILINGS else None,
        )


def _item_out(i: InventoryItem) -> dict[str, Any]:
    return {"substance_name": i.substance_name, "cas_number": i.cas_number,
            "max_quantity_kg": i.max_quantity_kg, "hazard_statements": list(i.hazard_statements),
            "clp_classification": list(i.clp_classification),
            "seveso_categories": list(i.seveso_categories), "seveso_entry": i.seveso_entry,
            "physical_state": str(i.physical_state), "storage_unit": i.storage_unit,
            "cannot_initiate": i.cannot_initiate, "water_hazard_class": i.water_hazard_class,
            "quantity_basis": str(i.quantity_basis),
            "unit_kind": i.extra.get("unit_kind") or None,
            **{k: float(i.extra[k]) if i.extra.get(k) else None
               for k in ("fill_fraction", "tank_diameter_m", "tank_height_m")},
            "anchored": {"true": True, "false": False}.get(i.extra.get("anchored", ""))}


def properties(e: Establishment, full: bool, *, detail: bool) -> dict[str, Any]:
    """Feature properties; ``detail`` adds the inventory and tailings details (if ``full``)."""
    p: dict[str, Any] = {
        "id": e.id, "name": e.name, "kind": str(e.kind), "country_iso3": e.country_iso3,
        "status": str(e.status), "operator": e.operator, "nace_code": e.nace_code,
        "receiving_water": e.receiving_water, "disclosure": str(e.disclosure),
        "source": e.provenance.source if e.provenance else None,
        "source_date": e.provenance.date.isoformat() if e.provenance and e.provenance.date else None,
        "complete": full,
    }
    if full:
        p["substances"] = len(e.inventory)
        p["external_ids"] = e.external_ids
        p["notes"] = e.notes
    if detail and full:
        p["inventory"] = [_item_out(i) for i in e.inventory]
        p["site_polygon_wkt"] = e.site_polygon_wkt
        t = e.tailings
        p["tailings"] = None if t is None else {
            "stored_volume_m3": t.stored_volume_m3, "dam_height_m": t.dam_height_m,
            "area_m2": t.area_m2,
            "construction_method": str(t.construction_method) if t.construction_method else None,
            "commodity": t.commodity,
            "tailings_status": str(t.tailings_status) if t.tailings_status else None,
            "last_inspection": t.last_inspection.isoformat() if t.last_inspection else None,
            "constituents": [{"name": c.name, "concentration_mg_kg": c.concentration_mg_kg,
                              "cas_number": c.cas_number} for c in t.constituents],
            "pond_level_m": t.pond_level_m, "crest_level_m": t.crest_level_m,
            "min_freeboard_m": t.min_freeboard_m}
    return p


def feature(e: Establishment, full: bool, *, detail: bool = False) -> dict[str, Any]:
    return {"type": "Feature", "id": e.id,
            "geometry": {"type": "Point", "coordinates": [e.lon, e.lat]},
            "properties": properties(e, full, detail=detail)}


class ImportResult(BaseModel):
    file: str
    rows: int
    establishments: int
    created: int
    updated: int
    unchanged: int
    rejected_rows: int
    problems: list[str] = Field(description="the first 100 problems (rows left out)")
    problem_count: int = 0
    rejects_file: str | None = None


class HistoryOut(BaseModel):
    id: int
    action: Literal["create", "update", "delete"] | str
    actor: str
    at: dt.datetime
    changes: dict[str, list[Any]]
    context: str | None
    disclosure: str = Field(description="the strictest disclosure level of the record when the "
                            "entry was written; confidential values are shown only to users "
                            "entitled to them then and now")
