"""Mapping between domain establishments and table rows (plain dicts of column values)."""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any

from hazatlas.domain.establishment import (
    Disclosure,
    Establishment,
    EstablishmentKind,
    EstablishmentStatus,
    Provenance,
)
from hazatlas.domain.inventory import UNIT_FIELDS, InventoryItem, PhysicalState, QuantityBasis
from hazatlas.domain.tailings import (
    Constituent,
    ConstructionMethod,
    TailingsDetails,
    TailingsStatus,
)

ESTABLISHMENT_COLUMNS = (
    "id",
    "name",
    "kind",
    "country_iso3",
    "lon",
    "lat",
    "status",
    "operator",
    "nace_code",
    "receiving_water",
    "site_polygon_wkt",
    "external_ids",
    "disclosure",
    "source",
    "source_date",
    "notes",
    "stored_volume_m3",
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
# The stored columns of an inventory line, in the order the readers take them.
INVENTORY_COLUMNS = (
    "position",
    "substance_name",
    "cas_number",
    "hazard_statements",
    "clp_classification",
    "seveso_categories",
    "seveso_entry",
    "max_quantity_kg",
    "quantity_basis",
    "physical_state",
    "storage_unit",
    "cannot_initiate",
    "water_hazard_class",
    *UNIT_FIELDS,
)


def _join(values: tuple[str, ...]) -> str | None:
    return ";".join(values) if values else None


def _split(value: str | None) -> tuple[str, ...]:
    return tuple(v for v in (value or "").split(";") if v)


def establishment_values(e: Establishment) -> dict[str, Any]:
    t = e.tailings
    return {
        "id": e.id,
        "name": e.name,
        "kind": str(e.kind),
        "country_iso3": e.country_iso3,
        "lon": float(e.lon),
        "lat": float(e.lat),
        "status": str(e.status),
        "operator": e.operator,
        "nace_code": e.nace_code,
        "receiving_water": e.receiving_water,
        "site_polygon_wkt": e.site_polygon_wkt,
        "external_ids": dict(sorted(e.external_ids.items())),
        "disclosure": str(e.disclosure),
        "source": e.provenance.source if e.provenance else None,
        "source_date": e.provenance.date if e.provenance else None,
        "notes": e.notes,
        "stored_volume_m3": t.stored_volume_m3 if t else None,
        "dam_height_m": t.dam_height_m if t else None,
        "area_m2": t.area_m2 if t else None,
        "construction_method": str(t.construction_method) if t and t.construction_method else None,
        "commodity": t.commodity if t else None,
        "tailings_status": str(t.tailings_status) if t and t.tailings_status else None,
        "last_inspection": t.last_inspection if t else None,
        "constituents": (
            [
                {
                    "name": c.name,
                    "concentration_mg_kg": c.concentration_mg_kg,
                    "cas_number": c.cas_number,
                }
                for c in t.constituents
            ]
            if t and t.constituents
            else None
        ),
        "pond_level_m": t.pond_level_m if t else None,
        "crest_level_m": t.crest_level_m if t else None,
        "min_freeboard_m": t.min_freeboard_m if t else None,
    }


def unit_values(extra: dict[str, str]) -> dict[str, Any]:
    """The stored values of the storage unit's data in a line's ``extra`` (text, as the
    register import normalises it) by :data:`UNIT_FIELDS` column."""
    anchored = extra.get("anchored")
    return {
        "unit_kind": extra.get("unit_kind") or None,
        "anchored": None if not anchored else anchored == "true",
        **{k: float(extra[k]) if extra.get(k) else None
           for k in ("fill_fraction", "tank_diameter_m", "tank_height_m")},
    }


def unit_extra(v: dict[str, Any]) -> dict[str, str]:
    """A line's ``extra`` from its stored unit values (the inverse of :func:`unit_values`)."""
    out: dict[str, str] = {}
    if v.get("unit_kind"):
        out["unit_kind"] = v["unit_kind"]
    if v.get("anchored") is not None:
        out["anchored"] = "true" if v["anchored"] else "false"
    for k in ("fill_fraction", "tank_diameter_m", "tank_height_m"):
        if v.get(k) is not None:
            out[k] = repr(float(v[k]))
    return out


def item_values(item: InventoryItem, position: int) -> dict[str, Any]:
    return {
        "position": position,
        "substance_name": item.substance_name,
        "cas_number": item.cas_number,
        "hazard_statements": _join(item.hazard_statements),
        "clp_classification": _join(item.clp_classification),
        "seveso_categories": _join(item.seveso_categories),
        "seveso_entry": item.seveso_entry,
        "max_quantity_kg": float(item.max_quantity_kg),
        "quantity_basis": str(item.quantity_basis),
        "physical_state": str(item.physical_state),
        "storage_unit": item.storage_unit,
        "cannot_initiate": bool(item.cannot_initiate),
        "water_hazard_class": item.water_hazard_class,
        **unit_values(item.extra),
    }


def _date(value: Any) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


def item_from_values(v: dict[str, Any]) -> InventoryItem:
    return InventoryItem(
        substance_name=v["substance_name"],
        max_quantity_kg=float(v["max_quantity_kg"]),
        cas_number=v.get("cas_number"),
        hazard_statements=_split(v.get("hazard_statements")),
        clp_classification=_split(v.get("clp_classification")),
        seveso_categories=_split(v.get("seveso_categories")),
        seveso_entry=v.get("seveso_entry"),
        physical_state=PhysicalState(v.get("physical_state") or "unknown"),
        storage_unit=v.get("storage_unit"),
        cannot_initiate=bool(v.get("cannot_initiate")),
        water_hazard_class=v.get("water_hazard_class"),
        quantity_basis=QuantityBasis(v.get("quantity_basis") or "published"),
        extra=unit_extra(v),
    )


def establishment_from_values(v: dict[str, Any], items: list[dict[str, Any]]) -> Establishment:
    kind = EstablishmentKind(v["kind"])
    tailings = None
    if kind is EstablishmentKind.TAILINGS:
        tailings = TailingsDetails(
            stored_volume_m3=v.get("stored_volume_m3"),
            dam_height_m=v.get("dam_height_m"),
            area_m2=v.get("area_m2"),
            construction_method=(
                ConstructionMethod(v["construction_method"])
                if v.get("construction_method")
                else None
            ),
            commodity=v.get("commodity"),
            tailings_status=TailingsStatus(v["tailings_status"])
            if v.get("tailings_status")
            else None,
            last_inspection=_date(v.get("last_inspection")),
            constituents=[
                Constituent(c["name"], float(c["concentration_mg_kg"]), c.get("cas_number"))
                for c in (v.get("constituents") or [])
            ],
            pond_level_m=v.get("pond_level_m"),
            crest_level_m=v.get("crest_level_m"),
            min_freeboard_m=v.get("min_freeboard_m"),
        )
    source = v.get("source")
    return Establishment(
        id=v["id"],
        name=v["name"],
        country_iso3=v["country_iso3"],
        lon=float(v["lon"]),
        lat=float(v["lat"]),
        kind=kind,
        status=EstablishmentStatus(v["status"]),
        operator=v.get("operator"),
        nace_code=v.get("nace_code"),
        receiving_water=v.get("receiving_water"),
        site_polygon_wkt=v.get("site_polygon_wkt"),
        external_ids=dict(v.get("external_ids") or {}),
        disclosure=Disclosure(v["disclosure"]),
        provenance=Provenance(source, _date(v.get("source_date"))) if source else None,
        notes=v.get("notes"),
        inventory=[item_from_values(i) for i in sorted(items, key=lambda i: i["position"])],
        tailings=tailings,
    )


def comparable(e: Establishment) -> dict[str, Any]:
    """A JSON-ready dict of everything that defines a record, for diffs and round trips."""
    values = establishment_values(e)
    for key in ("source_date", "last_inspection"):
        if values[key] is not None:
            values[key] = values[key].isoformat()
    values["inventory"] = [
        {k: v for k, v in item_values(i, n).items() if k != "position"}
        for n, i in enumerate(e.inventory)
    ]
    return values


def diff(old: Establishment | None, new: Establishment | None) -> dict[str, list[Any]]:
    """Changed fields as ``{field: [old, new]}`` (inventory compared as a whole)."""
    return diff_comparables(comparable(old) if old else {}, comparable(new) if new else {})


# -- comparing without building domain objects (bulk writes) --------------------------------

_TAILINGS_KEYS = (
    "stored_volume_m3",
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


def record_parts(e: Establishment) -> tuple[dict[str, Any], list[dict[str, Any]], dict[str, Any]]:
    """The establishment's column values, its inventory lines' column values (without
    ``position``) and :func:`comparable` of it, each computed once."""
    values = establishment_values(e)
    items = []
    for item in e.inventory:
        v = item_values(item, 0)
        del v["position"]
        items.append(v)
    cmp = dict(values)
    for key in ("source_date", "last_inspection"):
        if cmp[key] is not None:
            cmp[key] = cmp[key].isoformat()
    cmp["inventory"] = items  # shared: neither is changed afterwards
    return values, items, cmp


@functools.lru_cache(maxsize=4096)
def _norm_list(value: str | None) -> str | None:
    return _join(_split(value))


def _enum_text(enum: type, value: str) -> str:
    """``str(enum(value))``: the value itself when it is one of the enum's (else ValueError)."""
    if value in enum._value2member_map_:  # type: ignore[attr-defined]
        return value
    return str(enum(value))


def stored_comparable(v: dict[str, Any], items: list[dict[str, Any]]) -> dict[str, Any]:
    """``comparable(establishment_from_values(v, items))`` without the domain objects."""
    if v["kind"] != EstablishmentKind.INDUSTRIAL.value:
        return comparable(establishment_from_values(v, items))
    source = v.get("source")
    src_date = _date(v.get("source_date")) if source else None
    out = {
        "id": v["id"],
        "name": v["name"],
        "kind": v["kind"],
        "country_iso3": v["country_iso3"],
        "lon": float(v["lon"]),
        "lat": float(v["lat"]),
        "status": _enum_text(EstablishmentStatus, v["status"]),
        "operator": v.get("operator"),
        "nace_code": v.get("nace_code"),
        "receiving_water": v.get("receiving_water"),
        "site_polygon_wkt": v.get("site_polygon_wkt"),
        "external_ids": dict(sorted((v.get("external_ids") or {}).items())),
        "disclosure": _enum_text(Disclosure, v["disclosure"]),
        "source": source or None,
        "source_date": src_date.isoformat() if src_date else None,
        "notes": v.get("notes"),
    }
    out.update(dict.fromkeys(_TAILINGS_KEYS))
    out["inventory"] = [
        {
            "substance_name": i["substance_name"],
            "cas_number": i.get("cas_number"),
            "hazard_statements": _norm_list(i.get("hazard_statements")),
            "clp_classification": _norm_list(i.get("clp_classification")),
            "seveso_categories": _norm_list(i.get("seveso_categories")),
            "seveso_entry": i.get("seveso_entry"),
            "max_quantity_kg": float(i["max_quantity_kg"]),
            "quantity_basis": _enum_text(QuantityBasis, i.get("quantity_basis") or "published"),
            "physical_state": _enum_text(PhysicalState, i.get("physical_state") or "unknown"),
            "storage_unit": i.get("storage_unit"),
            "cannot_initiate": bool(i.get("cannot_initiate")),
            "water_hazard_class": i.get("water_hazard_class"),
            **unit_values(unit_extra(i)),
        }
        for i in sorted(items, key=lambda i: i["position"])
    ]
    return out


def diff_comparables(a: dict[str, Any], b: dict[str, Any]) -> dict[str, list[Any]]:
    """:func:`diff` of two :func:`comparable` dicts (``{}`` for a record that does not exist)."""
    out: dict[str, list[Any]] = {}
    for key in sorted(set(a) | set(b)):
        va, vb = a.get(key), b.get(key)
        if va != vb and not (va in (None, [], {}) and vb in (None, [], {})):
            out[key] = [va, vb]
    return out
