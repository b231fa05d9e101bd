"""SQLAlchemy tables of the register. Separate from the domain dataclasses (``domain/``) and
from the API schemas (``api/schemas.py``); ``repositories.py`` maps between them.

The same tables serve SQLite and PostgreSQL/PostGIS. Spatial extras differ by dialect and are
created by the migrations (``migrations/versions``) and used through ``spatial.py``:
an R*Tree index on SQLite, generated ``geometry`` columns with GiST indexes on PostGIS.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class CountryRow(Base):
    """Country polygons (Natural Earth admin-0, German point of view) as WKB, EPSG:4326."""

    __tablename__ = "country"
    iso3: Mapped[str] = mapped_column(String(3), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    name_ru: Mapped[str | None] = mapped_column(String(200))
    convention_party: Mapped[bool] = mapped_column(Boolean, default=False)
    min_lon: Mapped[float] = mapped_column(Float)
    min_lat: Mapped[float] = mapped_column(Float)
    max_lon: Mapped[float] = mapped_column(Float)
    max_lat: Mapped[float] = mapped_column(Float)
    geometry_wkb: Mapped[bytes] = mapped_column(LargeBinary)
    source: Mapped[str] = mapped_column(Text)


class RiverReachRow(Base):
    """River reaches with topology (``next_down``), for the map and for users' own networks."""

    __tablename__ = "river_reach"
    reach_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    next_down: Mapped[int] = mapped_column(Integer, index=True)
    name: Mapped[str | None] = mapped_column(String(200))
    system: Mapped[str | None] = mapped_column(String(200), index=True)
    length_km: Mapped[float] = mapped_column(Float)
    geometry_wkb: Mapped[bytes] = mapped_column(LargeBinary)
    source: Mapped[str] = mapped_column(Text)


class EstablishmentRow(Base):
    __tablename__ = "establishment"
    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(20), index=True)
    country_iso3: Mapped[str] = mapped_column(String(3), index=True)
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(30))
    operator: Mapped[str | None] = mapped_column(String(300))
    nace_code: Mapped[str | None] = mapped_column(String(20))
    receiving_water: Mapped[str | None] = mapped_column(String(200))
    site_polygon_wkt: Mapped[str | None] = mapped_column(Text)
    external_ids: Mapped[dict] = mapped_column(JSON, default=dict)
    disclosure: Mapped[str] = mapped_column(String(20))
    source: Mapped[str | None] = mapped_column(Text)
    source_date: Mapped[dt.date | None] = mapped_column(Date)
    notes: Mapped[str | None] = mapped_column(Text)
    # Tailings management facility details (kind = tailings)
    stored_volume_m3: Mapped[float | None] = mapped_column(Float)
    dam_height_m: Mapped[float | None] = mapped_column(Float)
    # overtopping screen inputs (migration 0015)
    pond_level_m: Mapped[float | None] = mapped_column(Float)
    crest_level_m: Mapped[float | None] = mapped_column(Float)
    min_freeboard_m: Mapped[float | None] = mapped_column(Float)
    area_m2: Mapped[float | None] = mapped_column(Float)
    construction_method: Mapped[str | None] = mapped_column(String(20))
    commodity: Mapped[str | None] = mapped_column(String(100))
    tailings_status: Mapped[str | None] = mapped_column(String(20))
    last_inspection: Mapped[dt.date | None] = mapped_column(Date)
    constituents: Mapped[list | None] = mapped_column(JSON)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class InventoryItemRow(Base):
    __tablename__ = "inventory_item"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    establishment_id: Mapped[str] = mapped_column(
        ForeignKey("establishment.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    substance_name: Mapped[str] = mapped_column(String(300))
    cas_number: Mapped[str | None] = mapped_column(String(20), index=True)
    hazard_statements: Mapped[str | None] = mapped_column(Text)
    clp_classification: Mapped[str | None] = mapped_column(Text)
    seveso_categories: Mapped[str | None] = mapped_column(Text)
    seveso_entry: Mapped[int | None] = mapped_column(Integer)
    max_quantity_kg: Mapped[float] = mapped_column(Float)
    quantity_basis: Mapped[str] = mapped_column(String(20))
    physical_state: Mapped[str] = mapped_column(String(20))
    storage_unit: Mapped[str | None] = mapped_column(String(200))
    cannot_initiate: Mapped[bool] = mapped_column(Boolean, default=False)
    water_hazard_class: Mapped[int | None] = mapped_column(Integer)
    # the storage unit's data (domain.inventory.UNIT_FIELDS; migration 0015)
    unit_kind: Mapped[str | None] = mapped_column(String(30))
    anchored: Mapped[bool | None] = mapped_column(Boolean)
    fill_fraction: Mapped[float | None] = mapped_column(Float)
    tank_diameter_m: Mapped[float | None] = mapped_column(Float)
    tank_height_m: Mapped[float | None] = mapped_column(Float)


class ChangeRow(Base):
    """History of every write: who, when, what changed (field -> [old, new]), and under which
    disclosure scope."""

    __tablename__ = "change_log"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    entity_type: Mapped[str] = mapped_column(String(50))
    entity_id: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(20))
    actor: Mapped[str] = mapped_column(String(100))
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    changes: Mapped[dict] = mapped_column(JSON, default=dict)
    context: Mapped[str | None] = mapped_column(Text)
    # Who was entitled to the values when they were written (``access.EntryScope``): the
    # strictest disclosure level of the record before or after the write, and its countries and
    # operators then ({"countries": [...], "operators": [...]}; NULL: unknown, administrators only).
    disclosure: Mapped[str] = mapped_column(String(20), default="national",
                                            server_default="national")
    scope: Mapped[dict | None] = mapped_column(JSON)

    __table_args__ = (Index("ix_change_log_entity", "entity_type", "entity_id", "id"),)


class UserRow(Base):
    __tablename__ = "user_account"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(300))
    role: Mapped[str] = mapped_column(String(30))
    country_iso3: Mapped[str | None] = mapped_column(String(3))
    establishment_id: Mapped[str | None] = mapped_column(String(100))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ApiTokenRow(Base):
    """API tokens are stored as SHA-256 hashes; the token itself is shown once at creation."""

    __tablename__ = "api_token"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)
    # when the token stops being accepted (UTC); hazatlas always sets it (revision 0007 on)
    expires_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class CountrySettingRow(Base):
    """Per-country settings, e.g. which Convention Annex I version the country applies."""

    __tablename__ = "country_setting"
    iso3: Mapped[str] = mapped_column(String(3), primary_key=True)
    teia_annex_version: Mapped[str | None] = mapped_column(String(10))


class AssessmentRow(Base):
    """A derived result for one establishment (identification, screening), with the version of
    the rules or method that produced it; recomputed when the establishment changes."""

    __tablename__ = "assessment"
    establishment_id: Mapped[str] = mapped_column(
        ForeignKey("establishment.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(30), primary_key=True)
    method_version: Mapped[str] = mapped_column(String(300))
    parameters: Mapped[dict] = mapped_column(JSON, default=dict)
    result: Mapped[dict] = mapped_column(JSON)
    computed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ScenarioRow(Base):
    """A model run (river spill, plume, tailings runout) with its inputs and result, linked to
    the establishment it started from (if any)."""

    __tablename__ = "scenario"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), index=True)
    establishment_id: Mapped[str | None] = mapped_column(
        ForeignKey("establishment.id", ondelete="SET NULL"), index=True
    )
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    parameters: Mapped[dict] = mapped_column(JSON)
    result: Mapped[dict] = mapped_column(JSON)


class RiverNetworkRow(Base):
    """A river network a user built (``hazatlas network build``): its description and its
    arrays as one compressed NumPy archive (``storage/networks.py``), loaded whole."""

    __tablename__ = "river_network"
    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    basin: Mapped[str | None] = mapped_column(String(200))
    source_format: Mapped[str] = mapped_column(String(20))
    source_file: Mapped[str] = mapped_column(Text)
    source_sha256: Mapped[str] = mapped_column(String(64))
    reaches: Mapped[int] = mapped_column(Integer)
    summary: Mapped[dict] = mapped_column(JSON)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    data: Mapped[bytes] = mapped_column(LargeBinary)
