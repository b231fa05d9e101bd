"""The register file format (docs/register-format.md): rows ⇄ domain establishments.

:func:`parse_register` validates every row and returns the establishments and the list of
problems (file, row, column, what was expected); it never stops at the first problem.
"""

from __future__ import annotations

import datetime as dt
import math
import operator
import re
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely
import shapely.ops
from pyproj import CRS, Geod, Transformer
from pyproj.exceptions import CRSError, ProjError

from hazatlas.domain.errors import Problem, ValidationError
from hazatlas.domain.establishment import (
    Disclosure,
    Establishment,
    EstablishmentKind,
    EstablishmentStatus,
    Provenance,
)
from hazatlas.domain.gc_pause import gc_paused
from hazatlas.domain.inventory import InventoryItem, PhysicalState, QuantityBasis
from hazatlas.domain.substance import cas_problem, is_hazard_statement_code, split_list
from hazatlas.domain.tailings import (
    Constituent,
    ConstructionMethod,
    TailingsDetails,
    TailingsStatus,
)
from hazatlas.formats.tables import RawTable, Row, shown
from hazatlas.formats.units import MASS_UNITS

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
)
COLUMNS = ESTABLISHMENT_FIELDS + INVENTORY_FIELDS
OPTIONAL_INPUT_COLUMNS = ("area_ha",)
# Written by exports for the reader (derived by hazatlas), ignored on import.
DERIVED_COLUMNS = ("seveso_tier", "convention_hazardous_activity", "annex_version", "rules_version")
REQUIRED = ("establishment_id", "name", "country", "lon", "lat", "source")
COUNTRY_TOLERANCE_M = 5_000.0
_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:\-]{0,99}$")
_VOLUME_UNITS = {"m3": 1.0, "Mm3": 1e6, "hm3": 1e6, "km3": 1e9}
_CONC_UNITS = {"mg/kg": 1.0, "g/t": 1.0, "ppm": 1.0, "%": 1e4}
_TRUE = {"true", "yes", "1", "y", "t"}
_FALSE = {"false", "no", "0", "n", "f", ""}
_GEOD = Geod(ellps="WGS84")

# The largest values accepted (docs/register-format.md): well above any real site, far below
# what overflows a float or a database column. A larger value is a typing error.
MAX_QUANTITY_KG = 1e12  # 1 Gt on one inventory line
MAX_STORED_VOLUME_M3 = 1e11  # 100 km3
MAX_DAM_HEIGHT_M = 1_000.0
MAX_AREA_M2 = 1e10  # 10,000 km2
MAX_CONCENTRATION_MG_KG = 1e6  # 100 %
MAX_PROJECTED_COORDINATE = 1e8  # metres (or the CRS's unit) of an x or y given with --crs

# The longest text accepted in each column: the database's column sizes, 100 characters for
# codes, numbers and dates, and bounds chosen by hazatlas for free text (source, notes, lists,
# WKT), which the database would take longer, to keep inputs and error messages bounded.
_SHORT = 100
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
_BAD_TEXT = re.compile(r"[\x00\ud800-\udfff]")


def _q(text: str) -> str:
    """A cell value quoted in a message: escaped where it cannot be shown, cut to 80 characters."""
    return f"'{shown(text, 80)}'"


def _length_problems(
    names: tuple[str, ...], cells: tuple[str, ...], limits: tuple[int, ...]
) -> list[tuple[str, str]]:
    """(column, message) for each cell longer than its column allows."""
    return [
        (name, f"is {len(text):,} characters long: expected at most {limit:,}")
        for name, text, limit in zip(names, cells, limits, strict=True)
        if len(text) > limit
    ]


@dataclass
class ParseResult:
    establishments: list[Establishment]
    problems: list[Problem]
    rows_by_id: dict[str, list[int]] = field(default_factory=dict)
    raw_rows: dict[int, dict[str, str]] = field(default_factory=dict)

    @property
    def bad_rows(self) -> set[int]:
        return {p.row for p in self.problems if p.row is not None}


_FIELDS = COLUMNS + OPTIONAL_INPUT_COLUMNS  # the order of a row's cells while parsing
_POS = {name: i for i, name in enumerate(_FIELDS)}
_N_EST = len(ESTABLISHMENT_FIELDS)
_INV = _N_EST  # first inventory cell
_QTY = _POS["quantity"]
_ITEM_CACHE_MAX = 50_000
_LIMITS = tuple(MAX_LENGTHS.get(name, _SHORT) for name in _FIELDS)
_EST_LIMITS = _LIMITS[:_N_EST]
_ITEM_NAMES = tuple(f for f in INVENTORY_FIELDS if f != "quantity")
_ITEM_LIMITS = tuple(MAX_LENGTHS.get(name, _SHORT) for name in _ITEM_NAMES)


class _RowCtx:
    """One row while it is parsed: its cells in :data:`_FIELDS` order and the problem list."""

    __slots__ = ("source", "row", "cells", "problems")

    def __init__(self, source: str, row: int, cells: tuple[str, ...], problems: list[Problem]):
        self.source, self.row, self.cells, self.problems = source, row, cells, problems

    def get(self, name: str) -> str:
        return self.cells[_POS[name]]

    def bad(self, name: str, message: str) -> None:
        self.problems.append(Problem(self.source, self.row, name, message))

    def enum(self, name: str, enum: type, default: Any = None) -> Any:
        text = self.get(name)
        if not text:
            return default
        try:
            return enum(text.lower())
        except ValueError:
            self.bad(name, f"{_q(text)} is not one of {', '.join(e.value for e in enum)}")
            return default

    def number(
        self,
        name: str,
        *,
        minimum: float | None = None,
        maximum: float | None = None,
        required: bool = False,
        unit: str = "",
    ) -> float | None:
        text = self.get(name)
        if not text:
            if required:
                self.bad(name, "is required: expected a number")
            return None
        if len(text) > _SHORT:
            self.bad(name, f"is {len(text):,} characters long: expected a number")
            return None
        try:
            value = (
                float(text.replace(",", "."))
                if text.count(",") == 1 and "." not in text
                else float(text)
            )
        except ValueError:
            self.bad(name, f"{_q(text)} is not a number")
            return None
        if not math.isfinite(value):
            self.bad(name, f"{_q(text)} is not a finite number")
            return None
        if minimum is not None and value < minimum:
            self.bad(name, f"{text} is negative: expected a number ≥ {minimum:g}")
            return None
        if maximum is not None and abs(value) > maximum:
            self.bad(name, f"{text} is out of range: expected at most {maximum:g}{unit}")
            return None
        return value

    def date(self, name: str) -> dt.date | None:
        text = self.get(name)
        if not text:
            return None
        try:
            return dt.date.fromisoformat(text[:10])
        except ValueError:
            self.bad(name, f"{_q(text)} is not an ISO date (YYYY-MM-DD)")
            return None


def _transformer(crs: str | None) -> Transformer | None:
    """The transformation from ``crs`` to WGS 84 (None for WGS 84 itself); a CRS that is not
    known, not horizontal or cannot be transformed is a :class:`ValidationError`."""
    if crs is None:
        return None
    try:
        source = CRS.from_user_input(crs)
    except (CRSError, TypeError, ValueError):
        raise _crs_error(crs, "is not a known coordinate reference system") from None
    if not (source.is_geographic or source.is_projected):
        raise _crs_error(crs, "is not a horizontal (geographic or projected) coordinate reference "
                         "system")
    if source == CRS.from_epsg(4326):
        return None
    try:
        return Transformer.from_crs(source, CRS.from_epsg(4326), always_xy=True)
    except ProjError:
        raise _crs_error(crs, "cannot be transformed to WGS 84") from None


def _crs_error(crs: str, why: str) -> ValidationError:
    return ValidationError(
        [Problem("parameter", None, "crs", f"'{shown(crs)}' {why} (expected e.g. EPSG:32634)")]
    )


def _parse_establishment(
    c: _RowCtx, to_wgs84: Transformer | None, countries: Mapping[str, Any]
) -> Establishment | None:
    n_before = len(c.problems)
    if any(map(operator.gt, map(len, c.cells[:_N_EST]), _EST_LIMITS)):
        for name, message in _length_problems(ESTABLISHMENT_FIELDS, c.cells[:_N_EST], _EST_LIMITS):
            c.bad(name, message)
    for name in REQUIRED:
        if name in ("lon", "lat"):
            continue
        if not c.get(name):
            c.bad(name, "is required and empty")
    eid = c.get("establishment_id")
    if eid and not _ID_RE.match(eid):
        c.bad(
            "establishment_id",
            f"{_q(eid)} is not a valid id (letters, digits, '-', '_', '.', ':'; "
            "at most 100 characters)",
        )
    country = c.get("country").upper()
    if country and country not in countries:
        c.bad("country", f"{_q(c.get('country'))} is not a known ISO 3166 alpha-3 country code")
    x = c.number("lon", required=True, maximum=MAX_PROJECTED_COORDINATE)
    y = c.number("lat", required=True, maximum=MAX_PROJECTED_COORDINATE)
    lon = lat = None
    if x is not None and y is not None:
        if to_wgs84 is not None:
            lon, lat = to_wgs84.transform(x, y)
            if not (
                math.isfinite(lon) and math.isfinite(lat) and -180 <= lon <= 180 and -90 <= lat <= 90
            ):
                c.bad("lon", f"({x}, {y}) cannot be transformed to WGS 84")
                lon = lat = None
        else:
            lon, lat = x, y
            if not -180 <= lon <= 180:
                c.bad(
                    "lon", f"{x} is outside -180..180 degrees (use --crs for projected coordinates)"
                )
            if not -90 <= lat <= 90:
                c.bad(
                    "lat", f"{y} is outside -90..90 degrees (use --crs for projected coordinates)"
                )
    kind = c.enum("kind", EstablishmentKind, EstablishmentKind.INDUSTRIAL)
    status = c.enum("status", EstablishmentStatus, EstablishmentStatus.OPERATING)
    disclosure = c.enum("disclosure", Disclosure, Disclosure.PUBLIC)
    external: dict[str, str] = {}
    for pair in split_list(c.get("external_ids")):
        key, sep, value = pair.partition("=")
        if not sep or not key.strip() or not value.strip():
            c.bad("external_ids", f"{_q(pair)} is not scheme=value")
        else:
            external[key.strip()] = value.strip()
    polygon = c.get("site_polygon_wkt") or None
    if polygon and (why := _polygon_problem(polygon)):
        c.bad("site_polygon_wkt", why)
    tailings = _parse_tailings(c) if kind is EstablishmentKind.TAILINGS else None
    src_date = c.date("source_date")
    if len(c.problems) > n_before or lon is None or lat is None:
        return None
    return Establishment(
        id=eid,
        name=c.get("name"),
        country_iso3=country,
        lon=float(lon),
        lat=float(lat),
        kind=kind,
        status=status,
        operator=c.get("operator") or None,
        nace_code=c.get("nace_code") or None,
        receiving_water=c.get("receiving_water") or None,
        site_polygon_wkt=polygon,
        external_ids=external,
        disclosure=disclosure,
        provenance=Provenance(c.get("source"), src_date),
        notes=c.get("notes") or None,
        inventory=[],
        tailings=tailings,
    )


def _polygon_problem(wkt: str) -> str | None:
    """What is wrong with a site outline in WKT, or None."""
    try:
        with warnings.catch_warnings():  # GEOS warns of NaN coordinates, refused below
            warnings.simplefilter("ignore")
            geom = shapely.from_wkt(wkt)
    except shapely.errors.GEOSException:
        return "is not readable WKT"
    if geom is None or geom.geom_type not in ("Polygon", "MultiPolygon") or geom.is_empty:
        return "expected a valid WKT Polygon or MultiPolygon"
    xy = shapely.get_coordinates(geom)
    if not np.isfinite(xy).all():
        return "has coordinates that are not finite numbers"
    if not ((-180 <= xy[:, 0]) & (xy[:, 0] <= 180) & (-90 <= xy[:, 1]) & (xy[:, 1] <= 90)).all():
        return "has points outside -180..180, -90..90 degrees: expected WGS 84 longitude/latitude"
    if not geom.is_valid:
        return "expected a valid WKT Polygon or MultiPolygon"
    return None


def _parse_tailings(c: _RowCtx) -> TailingsDetails:
    volume = c.number("stored_volume", minimum=0)
    unit = c.get("stored_volume_unit") or "m3"
    if unit not in _VOLUME_UNITS:
        c.bad("stored_volume_unit", f"{_q(unit)} is not one of {', '.join(_VOLUME_UNITS)}")
    elif volume is not None:
        volume *= _VOLUME_UNITS[unit]
        if volume > MAX_STORED_VOLUME_M3:
            c.bad("stored_volume", f"{c.get('stored_volume')} {unit} is out of range: expected "
                  f"at most {MAX_STORED_VOLUME_M3:g} m3")
            volume = None
    area = c.number("area_m2", minimum=0, maximum=MAX_AREA_M2, unit=" m2")
    area_ha = c.number("area_ha", minimum=0, maximum=MAX_AREA_M2 / 1e4, unit=" ha")
    if area is None and area_ha is not None:
        area = area_ha * 1e4
    constituents = []
    for part in split_list(c.get("constituents")):
        bits = [b.strip() for b in part.split(":")]
        m = (
            re.match(r"^([-+]?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)\s*(mg/kg|g/t|ppm|%)$", bits[1])
            if len(bits) in (2, 3)
            else None
        )
        if not m or not bits[0]:
            c.bad(
                "constituents",
                f"{_q(part)} is not name:value unit[:CAS] with a unit in {', '.join(_CONC_UNITS)}",
            )
            continue
        cas = bits[2] if len(bits) == 3 and bits[2] else None
        if cas and (why := cas_problem(cas)):
            c.bad("constituents", why)
            continue
        value = float(m.group(1)) * _CONC_UNITS[m.group(2)]
        if not 0 <= value <= MAX_CONCENTRATION_MG_KG:
            c.bad("constituents", f"{_q(part)}: a concentration must be between 0 and 100 %")
            continue
        constituents.append(Constituent(bits[0], value, cas))
    return TailingsDetails(
        stored_volume_m3=volume,
        dam_height_m=c.number("dam_height_m", minimum=0, maximum=MAX_DAM_HEIGHT_M, unit=" m"),
        area_m2=area,
        construction_method=c.enum("construction_method", ConstructionMethod),
        commodity=c.get("commodity") or None,
        tailings_status=c.enum("tailings_status", TailingsStatus),
        last_inspection=c.date("last_inspection"),
        constituents=constituents,
    )


def _enum_problem(
    text: str, enum: type, default: Any, name: str, problems: list[tuple[str, str]]
) -> Any:
    if not text:
        return default
    try:
        return enum(text.lower())
    except ValueError:
        problems.append((name, f"{_q(text)} is not one of {', '.join(e.value for e in enum)}"))
        return default


def _item_parts(cells: tuple[str, ...]) -> tuple[tuple, tuple, dict[str, Any], float | None]:
    """Everything of an inventory line except its quantity, from the line's cells without the
    quantity (see :func:`_parse_item`): the problems before and after the quantity's (in the
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
    ) = cells
    pre: list[tuple[str, str]] = _length_problems(_ITEM_NAMES, cells, _ITEM_LIMITS)
    post: list[tuple[str, str]] = []
    cas = cas or None
    if cas and (why := cas_problem(cas)):
        pre.append(("cas_number", why))
    hs = split_list(hs_text)
    for h in hs:
        if not is_hazard_statement_code(h):
            pre.append(
                (
                    "hazard_statements",
                    f"{_q(h)} is not a CLP hazard statement code (e.g. H330, EUH014)",
                )
            )
    entry = None
    if entry_text:
        try:
            entry = int(entry_text)
            if not 1 <= entry <= 48:
                raise ValueError
        except ValueError:
            pre.append(("seveso_entry", f"{_q(entry_text)} is not a Part 2 entry number 1-48"))
    factor = None
    if not unit:
        post.append(
            ("unit", f"is required with a quantity: one of {', '.join(sorted(MASS_UNITS))}")
        )
    elif unit not in MASS_UNITS:
        post.append(
            (
                "unit",
                f"{_q(unit)} is not a known mass unit: expected one of "
                f"{', '.join(sorted(MASS_UNITS))}",
            )
        )
    else:
        factor = MASS_UNITS[unit]
    wgk = None
    if wgk_text:
        if wgk_text not in ("1", "2", "3"):
            post.append(("water_hazard_class", f"{_q(wgk_text)} is not 1, 2 or 3"))
        else:
            wgk = int(wgk_text)
    state = _enum_problem(state_text, PhysicalState, PhysicalState.UNKNOWN, "physical_state", post)
    basis = _enum_problem(
        basis_text, QuantityBasis, QuantityBasis.PUBLISHED, "quantity_basis", post
    )
    low = cannot_text.lower()
    cannot = low in _TRUE
    if not cannot and low not in _FALSE:
        post.append(("cannot_initiate", f"{_q(cannot_text)} is not true or false"))
    fields = dict(
        substance_name=name,
        cas_number=cas,
        hazard_statements=hs,
        clp_classification=split_list(clp),
        seveso_categories=tuple(s.upper() if s[0] in "hpeoHPEO" else s for s in split_list(seveso)),
        seveso_entry=entry,
        physical_state=state,
        storage_unit=storage or None,
        cannot_initiate=cannot,
        water_hazard_class=wgk,
        quantity_basis=basis,
    )
    return tuple(pre), tuple(post), fields, factor


def _parse_item(c: _RowCtx, cache: dict[tuple[str, ...], Any]) -> InventoryItem | None:
    """The inventory line of a row, or None if it has a problem (added to ``c.problems``).

    The checks of a line's substance columns (CAS check digit, hazard statements, unit, ...) are
    cached by their cell values: registers repeat the same substances on many lines.
    """
    cells = c.cells
    key = cells[_INV:_QTY] + cells[_QTY + 1 : _INV + len(INVENTORY_FIELDS)]
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
    return InventoryItem(max_quantity_kg=float(qty) * factor, **fields)


def _row_cells(table: RawTable):
    """A function giving a row's cells in :data:`_FIELDS` order (stripped; "" where absent)."""
    index = {name: i for i, name in enumerate(table.columns)}
    width = len(table.columns)
    pick = operator.itemgetter(*[index.get(f, width) for f in _FIELDS])
    generic_fields = _FIELDS
    shared = [index]  # the column index of the reader's rows, once known to match

    def cells(values: Mapping[str, str]) -> tuple[str, ...]:
        if type(values) is Row and (values.index is shared[0] or values.index == index):
            shared[0] = values.index
            own = values.cells  # already stripped by the reader
            return pick(own + ("",) * (width + 1 - len(own)))  # index ``width``: absent
        return tuple((values.get(f) or "").strip() for f in generic_fields)

    return cells


def parse_register(
    table: RawTable, countries: Mapping[str, Any], *, crs: str | None = None
) -> ParseResult:
    """Validate ``table`` and build establishments. ``countries`` maps ISO3 codes to WGS 84
    (Multi)Polygons used for the "inside the stated country" check."""
    to_wgs84 = _transformer(crs)
    missing = [c for c in REQUIRED if c not in table.columns]
    if missing:
        raise ValidationError(
            [Problem(table.source, 1, m, "required column is missing") for m in missing]
        )
    unknown = [
        c
        for c in table.columns
        if c not in COLUMNS and c not in OPTIONAL_INPUT_COLUMNS and c not in DERIVED_COLUMNS
        and not c.startswith("_")
    ]
    if unknown:
        raise ValidationError(
            [
                Problem(table.source, 1, shown(u), "unknown column (see docs/register-format.md)")
                for u in unknown
            ]
        )
    with gc_paused():
        return _parse_rows(table, countries, to_wgs84)


def _parse_rows(
    table: RawTable, countries: Mapping[str, Any], to_wgs84: Transformer | None
) -> ParseResult:
    problems: list[Problem] = []
    result = ParseResult([], problems)
    by_id: dict[str, Establishment] = {}
    first_cells: dict[str, tuple[int, tuple[str, ...]]] = {}
    item_cache: dict[tuple[str, ...], Any] = {}
    row_cells = _row_cells(table)
    raw_rows, rows_by_id, source = result.raw_rows, result.rows_by_id, table.source
    for row, values in table.rows:
        raw_rows[row] = values
        cells = row_cells(values)
        c = _RowCtx(source, row, cells, problems)
        joined = "".join(cells)
        if "\x00" in joined or not (joined.isascii() or _encodable(joined)):
            c.cells = cells = _checked_text(c)
        eid = cells[0]
        if eid in first_cells:
            first_row, first = first_cells[eid]
            if cells[1:_N_EST] != first[1:_N_EST]:
                _duplicate_problems(c, eid, first_row, first)
            est = by_id.get(eid)
        else:
            est = _parse_establishment(c, to_wgs84, countries)
            if eid:
                first_cells[eid] = (row, cells)
            if est is not None:
                by_id[eid] = est
        if eid:
            if (seen := rows_by_id.get(eid)) is None:
                rows_by_id[eid] = [row]
            else:
                seen.append(row)
        if cells[_INV] or cells[_INV + 1] or cells[_QTY]:
            if not cells[_INV]:
                c.bad("substance_name", "is required on an inventory line")
            item = _parse_item(c, item_cache)
            if item is not None and est is not None:
                est.inventory.append(item)
    _check_countries(table.source, by_id, result, countries)
    bad_rows = result.bad_rows
    bad_ids = (
        {eid for eid, rows in rows_by_id.items() if not bad_rows.isdisjoint(rows)}
        if bad_rows
        else set()
    )
    result.establishments = [e for eid, e in by_id.items() if eid not in bad_ids]
    return result


def _encodable(text: str) -> bool:
    """False if ``text`` has an unpaired surrogate (which UTF-8 cannot encode)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _checked_text(c: _RowCtx) -> tuple[str, ...]:
    """Report the row's cells that cannot be stored (NUL, unpaired surrogates); return the cells
    escaped, so that further messages can quote them (the row is rejected anyway)."""
    out = []
    for name, text in zip(_FIELDS, c.cells, strict=True):
        if bad := _BAD_TEXT.search(text):
            what = "NUL character (U+0000)" if bad.group() == "\x00" else (
                f"unpaired surrogate (U+{ord(bad.group()):04X}), which is not a character")
            c.bad(name, f"contains a {what} at position {bad.start() + 1}: it cannot be stored")
            text = shown(text, len(text) + 1)
        out.append(text)
    return tuple(out)


def _duplicate_problems(c: _RowCtx, eid: str, first_row: int, first: tuple[str, ...]) -> None:
    for i, f in enumerate(ESTABLISHMENT_FIELDS):
        if i and c.cells[i] != first[i]:
            c.bad(
                f,
                f"duplicate id '{eid}' with a different {f} than row {first_row} "
                f"({_q(c.cells[i])} vs {_q(first[i])})",
            )


def _check_countries(
    source: str, by_id: dict[str, Establishment], result: ParseResult, countries: Mapping[str, Any]
) -> None:
    groups: dict[str, list[Establishment]] = {}
    for e in by_id.values():
        groups.setdefault(e.country_iso3, []).append(e)
    for iso3, ests in groups.items():
        geom = countries.get(iso3)
        if geom is None:
            continue
        inside = shapely.contains_xy(
            geom, np.array([e.lon for e in ests]), np.array([e.lat for e in ests])
        )
        for e, ok in zip(ests, inside, strict=True):
            if not ok and (p := location_problem(e, geom, source, result.rows_by_id[e.id][0])):
                result.problems.append(p)


def location_problem(
    e: Establishment, country_geom: Any, source: str, row: int | None
) -> Problem | None:
    """A problem if the establishment's point lies more than 5 km outside its country."""
    if shapely.contains_xy(country_geom, e.lon, e.lat):
        return None
    near = shapely.ops.nearest_points(country_geom, shapely.Point(e.lon, e.lat))[0]
    dist = _GEOD.inv(e.lon, e.lat, near.x, near.y)[2]
    if dist <= COUNTRY_TOLERANCE_M:
        return None
    return Problem(
        source,
        row,
        "lon",
        f"({e.lon:.5f}, {e.lat:.5f}) lies {dist / 1000:.1f} km outside {e.country_iso3}: "
        f"expected a point inside the stated country (tolerance "
        f"{COUNTRY_TOLERANCE_M / 1000:g} km)",
    )


def _fmt(value: Any) -> str:
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
        "lon": _fmt(e.lon),
        "lat": _fmt(e.lat),
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
                "stored_volume": _fmt(t.stored_volume_m3),
                "stored_volume_unit": "m3" if t.stored_volume_m3 is not None else "",
                "dam_height_m": _fmt(t.dam_height_m),
                "area_m2": _fmt(t.area_m2),
                "construction_method": str(t.construction_method or ""),
                "commodity": t.commodity or "",
                "tailings_status": str(t.tailings_status or ""),
                "last_inspection": t.last_inspection.isoformat() if t.last_inspection else "",
                "constituents": ";".join(
                    f"{c.name}:{_fmt(c.concentration_mg_kg)} mg/kg"
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
                "seveso_entry": _fmt(item.seveso_entry),
                "quantity": _fmt(item.max_quantity_kg),
                "unit": "kg",
                "quantity_basis": str(item.quantity_basis),
                "physical_state": str(item.physical_state),
                "storage_unit": item.storage_unit or "",
                "cannot_initiate": "true" if item.cannot_initiate else "false",
                "water_hazard_class": _fmt(item.water_hazard_class),
            }
        )
    return rows
