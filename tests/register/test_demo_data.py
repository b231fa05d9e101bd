"""Checks of the packaged demo register (``hazatlas/data/demo/register.csv``).

The file is read with the csv module only (the importer is tested elsewhere), so these tests
pin the content of the demo data: identifiers, CAS numbers, hazard statements, coordinates
inside their country, sources, the spread over the programme region and the marking of
illustrative quantities. See docs/demo-data.md.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import json
import math
import re

import pytest
from shapely.geometry import Point, shape
from shapely.ops import nearest_points
from shapely.prepared import prep

from hazatlas.domain.establishment import Disclosure, EstablishmentKind, EstablishmentStatus
from hazatlas.domain.inventory import PhysicalState, QuantityBasis
from hazatlas.domain.reference import data_path
from hazatlas.domain.substance import is_hazard_statement_code, is_valid_cas, split_list
from hazatlas.domain.tailings import ConstructionMethod, TailingsStatus

BORDER_TOLERANCE_KM = 5.0  # docs/register-format.md: inside or within 5 km of the country
EARTH_RADIUS_KM = 6371.0088  # mean Earth radius (IUGG), for the haversine distance

ESTABLISHMENT_COLUMNS = (
    "establishment_id", "name", "kind", "country", "lon", "lat", "status", "operator",
    "nace_code", "receiving_water", "disclosure", "source", "source_date", "external_ids",
    "site_polygon_wkt", "notes", "stored_volume", "stored_volume_unit", "dam_height_m",
    "area_ha", "construction_method", "commodity", "tailings_status", "last_inspection",
    "constituents",
)  # fmt: skip
INVENTORY_COLUMNS = (
    "substance_name", "cas_number", "hazard_statements", "clp_classification",
    "seveso_categories", "seveso_entry", "quantity", "unit", "quantity_basis", "physical_state",
    "storage_unit", "cannot_initiate", "water_hazard_class", "unit_kind",
)  # fmt: skip

# The sub-regions of the UNECE assistance programme that the demo must cover (by country).
SUB_REGIONS = {
    "Danube and Tisza basins": {"ROU", "HUN", "SVK", "BGR", "HRV", "SVN", "AUT"},
    "Western Balkans": {"SRB", "KOS", "MKD", "BIH", "MNE", "ALB"},
    "Ukraine and Moldova": {"UKR", "MDA"},
    "Caucasus": {"ARM", "GEO", "AZE"},
    "Central Asia": {"KAZ", "KGZ", "TJK", "UZB", "TKM"},
}
ID_RE = re.compile(r"^[A-Za-z0-9_.:-]+$")
NACE_RE = re.compile(r"^[A-U]?\d{2}(\.\d{1,2})?$")
UNITS = {"kg", "t", "g", "lb", "kt"}
VOLUME_UNITS = {"m3", "Mm3", "hm3"}
CONSTITUENT_RE = re.compile(r"^[^:;]+:\d+(\.\d+)? (mg/kg|g/t|%)(:\d{2,7}-\d{2}-\d)?$")


@functools.cache
def demo_rows() -> tuple[dict[str, str], ...]:
    path = data_path("demo", "register.csv")
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return tuple(csv.DictReader(fh))


@functools.cache
def establishments() -> dict[str, tuple[dict[str, str], ...]]:
    by_id: dict[str, list[dict[str, str]]] = {}
    for row in demo_rows():
        by_id.setdefault(row["establishment_id"], []).append(row)
    return {key: tuple(rows) for key, rows in by_id.items()}


@functools.cache
def countries() -> dict[str, object]:
    path = data_path("geo", "boundaries", "ne10m_admin0_countries_region.geojson")
    features = json.loads(path.read_text(encoding="utf-8"))["features"]
    return {f["properties"]["adm0_a3"]: shape(f["geometry"]) for f in features}


def haversine_km(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance in km (haversine formula on a sphere of the mean Earth radius)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(a))


def first(eid: str) -> dict[str, str]:
    return establishments()[eid][0]


IDS = sorted(establishments())


def test_header_has_exactly_the_documented_columns() -> None:
    header = list(demo_rows()[0].keys())
    assert header == list(ESTABLISHMENT_COLUMNS + INVENTORY_COLUMNS)


def test_register_size_and_spread() -> None:
    eids = establishments()
    assert len(eids) >= 40
    present = {first(e)["country"] for e in eids}
    assert len(present) >= 15
    for region, members in SUB_REGIONS.items():
        n_sites = sum(first(e)["country"] in members for e in eids)
        assert n_sites >= 5, f"{region}: only {n_sites} establishments"
    assert len(present & SUB_REGIONS["Western Balkans"]) >= 5
    assert len(present & SUB_REGIONS["Central Asia"]) >= 4


def test_kinds_and_disclosure_levels_are_mixed() -> None:
    kinds = [first(e)["kind"] for e in IDS]
    levels = [first(e)["disclosure"] for e in IDS]
    assert kinds.count("tailings") >= 15
    assert kinds.count("industrial") >= 15
    assert levels.count("parties") >= 5
    assert levels.count("national") >= 3
    assert levels.count("public") > len(levels) / 2


@pytest.mark.parametrize("eid", IDS)
def test_establishment_columns_agree_across_rows(eid: str) -> None:
    rows = establishments()[eid]
    for row in rows[1:]:
        for col in ESTABLISHMENT_COLUMNS:
            assert row[col] == rows[0][col], f"{eid}: column {col} differs between rows"


@pytest.mark.parametrize("eid", IDS)
def test_establishment_fields_are_valid(eid: str) -> None:
    row = first(eid)
    assert ID_RE.match(eid)
    assert row["name"].strip()
    assert row["kind"] in {k.value for k in EstablishmentKind}
    assert row["status"] in {s.value for s in EstablishmentStatus}
    assert row["disclosure"] in {d.value for d in Disclosure}
    assert NACE_RE.match(row["nace_code"]), row["nace_code"]
    assert row["receiving_water"].strip()
    assert row["source"].strip(), f"{eid} has no source"
    if row["source_date"]:
        dt.date.fromisoformat(row["source_date"])


@pytest.mark.parametrize("eid", IDS)
def test_point_lies_in_its_country(eid: str) -> None:
    row = first(eid)
    polygons = countries()
    assert row["country"] in polygons, f"{eid}: unknown country {row['country']}"
    lon, lat = float(row["lon"]), float(row["lat"])
    point = Point(lon, lat)
    polygon = polygons[row["country"]]
    if prep(polygon).contains(point):
        return
    nearest, _ = nearest_points(polygon, point)
    distance_km = haversine_km(lon, lat, nearest.x, nearest.y)
    assert distance_km <= BORDER_TOLERANCE_KM, f"{eid} is {distance_km:.1f} km outside"


@pytest.mark.parametrize("eid", IDS)
def test_tailings_details_are_valid(eid: str) -> None:
    row = first(eid)
    if row["kind"] != "tailings":
        assert not row["stored_volume"] and not row["tailings_status"]
        return
    assert row["commodity"].strip()
    assert row["tailings_status"] in {s.value for s in TailingsStatus}
    if row["construction_method"]:
        assert row["construction_method"] in {m.value for m in ConstructionMethod}
    if row["stored_volume"]:
        assert float(row["stored_volume"]) > 0
        assert row["stored_volume_unit"] in VOLUME_UNITS
    for col in ("dam_height_m", "area_ha"):
        if row[col]:
            assert float(row[col]) > 0
    for item in split_list(row["constituents"]):
        assert CONSTITUENT_RE.match(item), item
        parts = item.split(":")
        if len(parts) == 3:
            assert is_valid_cas(parts[2]), item


@pytest.mark.parametrize("eid", IDS)
def test_inventory_lines_are_valid(eid: str) -> None:
    rows = establishments()[eid]
    assert 1 <= len(rows) <= 4
    for row in rows:
        assert row["substance_name"].strip()
        if row["cas_number"]:
            assert is_valid_cas(row["cas_number"]), f"{eid}: bad CAS {row['cas_number']}"
        codes = split_list(row["hazard_statements"])
        assert all(is_hazard_statement_code(code) for code in codes), codes
        assert len(set(codes)) == len(codes)
        if row["seveso_entry"]:
            assert 1 <= int(row["seveso_entry"]) <= 48
        assert float(row["quantity"]) >= 0
        assert row["unit"] in UNITS
        assert row["quantity_basis"] in {b.value for b in QuantityBasis}
        assert row["physical_state"] in {s.value for s in PhysicalState}


@pytest.mark.parametrize("eid", IDS)
def test_quantity_basis_is_stated_in_notes(eid: str) -> None:
    rows = establishments()[eid]
    notes = rows[0]["notes"].lower()
    bases = {row["quantity_basis"] for row in rows}
    assert bases <= {"published", "illustrative"}
    for basis in bases:
        assert basis in notes, f"{eid}: notes do not say that quantities are {basis}"
    for row in rows:
        if row["quantity_basis"] == "illustrative":
            assert row["substance_name"].lower() in notes


def test_demo_uses_both_quantity_bases() -> None:
    bases = [row["quantity_basis"] for row in demo_rows()]
    assert bases.count("published") >= 10
    assert bases.count("illustrative") > bases.count("published")


def test_every_cas_number_names_one_substance() -> None:
    by_cas: dict[str, set[str]] = {}
    for row in demo_rows():
        if row["cas_number"]:
            by_cas.setdefault(row["cas_number"], set()).add(row["substance_name"].split(" (")[0])
    assert all(len(names) == 1 for names in by_cas.values()), by_cas
