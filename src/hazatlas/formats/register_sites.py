"""The establishment columns of a register row: identity, location (transformed to WGS 84 from
the file's coordinate reference system), site outline and tailings details."""

from __future__ import annotations

import math
import operator
import re
import warnings
from collections.abc import Mapping
from typing import Any

import numpy as np
import shapely  # type: ignore[import-untyped]
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError, ProjError

from hazatlas.domain.errors import Problem, ValidationError
from hazatlas.domain.establishment import (
    Disclosure,
    Establishment,
    EstablishmentKind,
    EstablishmentStatus,
    Provenance,
)
from hazatlas.domain.substance import cas_problem, split_list
from hazatlas.domain.tailings import (
    Constituent,
    ConstructionMethod,
    TailingsDetails,
    TailingsStatus,
)
from hazatlas.formats.register_cells import EST_LIMITS, N_EST, RowCtx, length_problems, quoted
from hazatlas.formats.register_columns import (
    ESTABLISHMENT_FIELDS,
    MAX_AREA_M2,
    MAX_CONCENTRATION_MG_KG,
    MAX_DAM_HEIGHT_M,
    MAX_DAM_LEVEL_M,
    MAX_PROJECTED_COORDINATE,
    MAX_STORED_VOLUME_M3,
    REQUIRED,
)
from hazatlas.formats.tables import shown

_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:\-]{0,99}$")
_VOLUME_UNITS = {"m3": 1.0, "Mm3": 1e6, "hm3": 1e6, "km3": 1e9}
_CONC_UNITS = {"mg/kg": 1.0, "g/t": 1.0, "ppm": 1.0, "%": 1e4}


def transformer_to_wgs84(crs: str | None) -> Transformer | None:
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


def parse_establishment(
    c: RowCtx, to_wgs84: Transformer | None, countries: Mapping[str, Any]
) -> Establishment | None:
    """The establishment of a row, or None if its establishment columns have a problem (added
    to ``c.problems``, in column order)."""
    n_before = len(c.problems)
    _check_texts(c)
    country = _country(c, countries)
    lon, lat = _location(c, to_wgs84)
    kind = c.enum("kind", EstablishmentKind, EstablishmentKind.INDUSTRIAL)
    status = c.enum("status", EstablishmentStatus, EstablishmentStatus.OPERATING)
    disclosure = c.enum("disclosure", Disclosure, Disclosure.PUBLIC)
    external = _external_ids(c)
    polygon = _site_polygon(c)
    tailings = parse_tailings(c) if kind is EstablishmentKind.TAILINGS else None
    src_date = c.date("source_date")
    if len(c.problems) > n_before or lon is None or lat is None:
        return None
    return Establishment(
        id=c.get("establishment_id"),
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


def _check_texts(c: RowCtx) -> None:
    """Lengths of the establishment cells, the required ones (but the coordinates, checked as
    numbers) and the id's characters."""
    if any(map(operator.gt, map(len, c.cells[:N_EST]), EST_LIMITS)):
        for name, message in length_problems(ESTABLISHMENT_FIELDS, c.cells[:N_EST], EST_LIMITS):
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
            f"{quoted(eid)} is not a valid id (letters, digits, '-', '_', '.', ':'; "
            "at most 100 characters)",
        )


def _country(c: RowCtx, countries: Mapping[str, Any]) -> str:
    """The ISO 3166 alpha-3 code of the row's country, upper case ("" if empty)."""
    country = c.get("country").upper()
    if country and country not in countries:
        c.bad("country", f"{quoted(c.get('country'))} is not a known ISO 3166 alpha-3 country code")
    return country


def _location(c: RowCtx, to_wgs84: Transformer | None) -> tuple[float | None, float | None]:
    """The row's point as WGS 84 longitude and latitude, transformed from the file's CRS when
    one was given; ``(None, None)`` when a coordinate is missing or cannot be transformed."""
    x = c.number("lon", required=True, maximum=MAX_PROJECTED_COORDINATE)
    y = c.number("lat", required=True, maximum=MAX_PROJECTED_COORDINATE)
    if x is None or y is None:
        return None, None
    if to_wgs84 is not None:
        lon, lat = to_wgs84.transform(x, y)
        if not (
            math.isfinite(lon) and math.isfinite(lat) and -180 <= lon <= 180 and -90 <= lat <= 90
        ):
            c.bad("lon", f"({x}, {y}) cannot be transformed to WGS 84")
            return None, None
        return lon, lat
    if not -180 <= x <= 180:
        c.bad("lon", f"{x} is outside -180..180 degrees (use --crs for projected coordinates)")
    if not -90 <= y <= 90:
        c.bad("lat", f"{y} is outside -90..90 degrees (use --crs for projected coordinates)")
    return x, y


def _external_ids(c: RowCtx) -> dict[str, str]:
    """The row's external ids (``scheme=value;...``) by scheme."""
    external: dict[str, str] = {}
    for pair in split_list(c.get("external_ids")):
        key, sep, value = pair.partition("=")
        if not sep or not key.strip() or not value.strip():
            c.bad("external_ids", f"{quoted(pair)} is not scheme=value")
        else:
            external[key.strip()] = value.strip()
    return external


def _site_polygon(c: RowCtx) -> str | None:
    """The row's site outline as WKT, or None."""
    polygon = c.get("site_polygon_wkt") or None
    if polygon and (why := _polygon_problem(polygon)):
        c.bad("site_polygon_wkt", why)
    return polygon


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


def parse_tailings(c: RowCtx) -> TailingsDetails:
    volume = c.number("stored_volume", minimum=0)
    unit = c.get("stored_volume_unit") or "m3"
    if unit not in _VOLUME_UNITS:
        c.bad("stored_volume_unit", f"{quoted(unit)} is not one of {', '.join(_VOLUME_UNITS)}")
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
                f"{quoted(part)} is not name:value unit[:CAS] with a unit in {', '.join(_CONC_UNITS)}",
            )
            continue
        cas = bits[2] if len(bits) == 3 and bits[2] else None
        if cas and (why := cas_problem(cas)):
            c.bad("constituents", why)
            continue
        value = float(m.group(1)) * _CONC_UNITS[m.group(2)]
        if not 0 <= value <= MAX_CONCENTRATION_MG_KG:
            c.bad("constituents", f"{quoted(part)}: a concentration must be between 0 and 100 %")
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
        **_dam_levels(c),
    )


def _dam_levels(c: RowCtx) -> dict[str, float | None]:
    """The pond and crest levels and the minimum freeboard (m) of a tailings dam: levels on
    one datum (|level| at most 10,000 m), a pond level above the crest is refused."""
    pond = c.number("pond_level_m", maximum=MAX_DAM_LEVEL_M, unit=" m")
    crest = c.number("crest_level_m", maximum=MAX_DAM_LEVEL_M, unit=" m")
    freeboard = c.number("min_freeboard_m", minimum=0, maximum=MAX_DAM_HEIGHT_M, unit=" m")
    for name, other in (("pond_level_m", "crest_level_m"), ("crest_level_m", "pond_level_m")):
        if c.get(other) and not c.get(name):
            c.bad(name, f"is required with {other}: the pond and crest levels go together "
                        "(on one datum)")
    if pond is not None and crest is not None and pond > crest:
        c.bad("pond_level_m", f"{pond:g} m is above the crest level {crest:g} m: expected the "
                              "pond at or below the crest")
    return {"pond_level_m": pond, "crest_level_m": crest, "min_freeboard_m": freeboard}
