"""Register exports (issue 10): the register as one user may see it, written to a file as it is
read, in constant memory (:func:`export_file`).

Each row also carries the establishment's identification (Seveso III tier, Convention
hazardous activity, Annex I and rules versions): derived columns, ignored on import. The
stored identifications are used; those missing (after a bulk import) are computed and stored
first (:func:`ensure_classified`). The rows are built from the stored values as
:func:`~hazatlas.storage.export_pages.iter_register` reads them, without building the domain
objects: the same cells as :func:`~hazatlas.formats.register_rows.to_rows` of
:func:`~hazatlas.domain.access.visible` through the table writer
(tests/register/test_export_stream.py checks it).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from hazatlas.domain.access import Principal, full_read_check
from hazatlas.domain.register_query import RegisterQuery as Query
from hazatlas.formats.register_columns import COLUMNS, DERIVED_COLUMNS, INVENTORY_FIELDS
from hazatlas.formats.register_export import field_text
from hazatlas.formats.tables import write_rows
from hazatlas.services import assessments
from hazatlas.storage import export_pages
from hazatlas.storage.db import Database
from hazatlas.storage.export_pages import Record, StoredClassification
from hazatlas.storage.mapping import ESTABLISHMENT_COLUMNS

EXPORT_COLUMNS = COLUMNS + DERIVED_COLUMNS
# Columns whose cells are numbers (XLSX writes them as number cells).
NUMERIC_COLUMNS = ("lon", "lat", "stored_volume", "dam_height_m", "area_m2", "seveso_entry",
                   "quantity", "water_hazard_class", "pond_level_m", "crest_level_m",
                   "min_freeboard_m", "fill_fraction", "tank_diameter_m",
                   "tank_height_m")


def export_file(db: Database, principal: Principal, path: Path, *, fmt: str | None = None,
                query: Query | None = None) -> int:
    """Write the register (as ``principal`` may see it) to ``path``; returns the row count.

    Missing identifications are computed and stored first, a chunk at a time. The register is
    then read in pages (keyset pagination) inside one snapshot of the database and the rows
    are written as they come, so memory does not grow with the register. ``query`` selects
    establishments by its filters and its ``offset``/``limit`` (a page of establishments, as
    :meth:`~hazatlas.services.register.RegisterService.list`).
    """
    ensure_classified(db, query)
    with db.transaction() as s:
        export_pages.snapshot(s)
        return write_rows(Path(path), EXPORT_COLUMNS, export_rows(s, principal, query), fmt,
                          numeric=NUMERIC_COLUMNS)


def ensure_classified(db: Database, query: Query | None = None, *, batch: int = 1_000) -> int:
    """Compute and store the identification of every establishment (matching ``query``'s
    filters) that has none, ``batch`` per transaction; returns how many were computed."""
    done = 0
    after: str | None = None
    while True:
        with db.transaction() as s:
            ids = export_pages.unclassified_ids(s, query, after=after, limit=batch)
            if not ids:
                return done
            assessments.refresh(s, ids)
        done += len(ids)
        after = ids[-1]


def export_rows(session, principal: Principal, query: Query | None) -> Iterator[list[str]]:
    """The export's rows (cell texts in :data:`EXPORT_COLUMNS` order), page by page.

    Each record is shown as :func:`~hazatlas.domain.access.can_read_full` decides for
    ``principal`` (:func:`~hazatlas.domain.access.full_read_check`).
    """
    full_read = full_read_check(principal)
    derived_of: dict[Any, list[str]] = {}
    skip = query.offset if query is not None else 0
    left = query.limit if query is not None else None
    for page in export_pages.iter_register(session, query, kind=assessments.CLASSIFICATION):
        if skip:
            drop = min(skip, len(page))
            page, skip = page[drop:], skip - drop
        if left is not None:
            page, left = page[:left], left - min(left, len(page))
        if not page:
            if left == 0:
                return
            continue
        if missing := [values[0] for values, _, stored in page if stored is None]:
            page = _classified(session, page, missing)  # written since ensure_classified
        rows: list[list[str]] = []
        for values, lines, stored in page:
            # the same cells for equal identifications (keyed by type too: True == 1)
            key = (stored, stored.convention_hazardous_activity.__class__) if stored else None
            derived = derived_of.get(key)
            if derived is None:
                derived = derived_of[key] = _derived_cells(stored)
            full = full_read(values[_DISCLOSURE], values[_COUNTRY], values[0])
            rows += record_rows(values, lines, full, derived)
        yield from rows
        if left == 0:
            return


def _classified(session, page: list[Record], missing: list[str]) -> list[Record]:
    """``page`` with the identifications of ``missing`` computed and stored now."""
    assessments.refresh(session, missing)
    found = export_pages.stored_classifications(session, missing, assessments.CLASSIFICATION)
    return [(v, i, found.get(v[0]) if c is None else c) for v, i, c in page]


def _derived_cells(c: StoredClassification | None) -> list[str]:
    """The derived columns' cells (:data:`DERIVED_COLUMNS`) of a stored identification."""
    if c is None:
        return ["", "", "", ""]
    hazardous = c.convention_hazardous_activity
    return [
        (c.seveso_tier or "").strip(),
        "" if hazardous is None else str(hazardous).lower(),
        (c.annex_version or "").strip(),
        (c.rules_version or "").strip(),
    ]


def _fmt(value: object) -> str:
    """:func:`~hazatlas.formats.register_export.field_text`, stripped as the table writer
    does."""
    return field_text(value).strip()


def _joined(value: str | None) -> str:
    """A stored ``;``-list as the domain object writes it back (empty parts dropped)."""
    if not value:
        return ""
    if ";;" in value or value[0] == ";" or value[-1] == ";":
        value = ";".join(v for v in value.split(";") if v)
    return value.strip()


def _iso(value: object) -> str:
    if not value:
        return ""
    return (value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))).isoformat()


# The stored values in the order record_rows unpacks them.
_UNPACKED = (
    "id", "name", "kind", "country_iso3", "lon", "lat", "status", "operator", "nace_code",
    "receiving_water", "site_polygon_wkt", "external_ids", "disclosure", "source", "source_date",
    "notes", "stored_volume_m3", "dam_height_m", "area_m2", "construction_method", "commodity",
    "tailings_status", "last_inspection", "constituents", "pond_level_m", "crest_level_m",
    "min_freeboard_m",
)
if ESTABLISHMENT_COLUMNS != _UNPACKED:  # pragma: no cover - a guard for whoever adds a column
    raise ImportError("register_export: ESTABLISHMENT_COLUMNS changed; update record_rows")
_DISCLOSURE, _COUNTRY = _UNPACKED.index("disclosure"), _UNPACKED.index("country_iso3")
_NO_TAILINGS = [""] * 12
_NO_ITEM = [""] * len(INVENTORY_FIELDS)
_WITHHELD: dict[str, str] = {}


def record_rows(
    values: Sequence[Any], lines: Sequence[Sequence[Any]], full: bool, derived: list[str]
) -> list[list[str]]:
    """The export rows of one stored establishment (its ``values`` and inventory ``lines`` as
    :func:`~hazatlas.storage.export_pages.iter_register` reads them), in
    :data:`EXPORT_COLUMNS` order, stripped, followed by the ``derived`` cells.

    The same cells as ``to_rows(visible(principal, establishment_from_values(...)))`` through
    the table writer: without ``full`` the confidential columns (inventory, tailings details,
    external ids, site polygon, notes) are empty and ``disclosure`` says they were withheld.
    """
    (eid, name, kind, country, lon, lat, status, operator, nace, water, polygon, external,
     disclosure, source, source_date, notes, *_tailings) = values
    if not full:
        disclosure = _WITHHELD.get(disclosure) or _WITHHELD.setdefault(
            disclosure, f"{disclosure} (confidential fields withheld)")
    head = [
        eid.strip(), name.strip() if name else "", kind, country, repr(float(lon)),
        repr(float(lat)), status, operator.strip() if operator else "",
        nace.strip() if nace else "", water.strip() if water else "", disclosure,
        source.strip() if source else "", _iso(source_date) if source else "",
    ]
    if not full:
        return [[*head, "", "", "", *_NO_TAILINGS, *_NO_ITEM, *derived]]
    head += [
        ";".join(f"{k}={x}" for k, x in sorted(external.items())).strip() if external else "",
        polygon.strip() if polygon else "",
        notes.strip() if notes else "",
    ]
    head += _tailings_cells(values) if kind == "tailings" else _NO_TAILINGS
    if not lines:
        return [[*head, *_NO_ITEM, *derived]]
    return [
        [
            *head,
            i[2].strip() if i[2] else "",  # substance_name
            i[3].strip() if i[3] else "",  # cas_number
            _joined(i[4]),  # hazard_statements
            _joined(i[5]),  # clp_classification
            _joined(i[6]),  # seveso_categories
            "" if i[7] is None else str(i[7]).strip(),  # seveso_entry (_fmt of an integer)
            repr(float(i[8])),  # max_quantity_kg
            "kg",
            i[9] or "published",  # quantity_basis
            i[10] or "unknown",  # physical_state
            i[11].strip() if i[11] else "",  # storage_unit
            "true" if i[12] else "false",  # cannot_initiate
            "" if i[13] is None else str(i[13]).strip(),  # water_hazard_class (_fmt of one)
            i[14] or "",  # unit_kind
            "" if i[15] is None else ("true" if i[15] else "false"),  # anchored
            _fmt(i[16]),  # fill_fraction
            _fmt(i[17]),  # tank_diameter_m
            _fmt(i[18]),  # tank_height_m
            *derived,
        ]
        for i in lines
    ]


def _tailings_cells(values: Sequence[Any]) -> list[str]:
    (volume, height, area, method, commodity, status, inspected, constituents, pond, crest,
     freeboard) = values[16:]
    return [
        _fmt(volume),
        "m3" if volume is not None else "",
        _fmt(height),
        _fmt(area),
        method or "",
        commodity.strip() if commodity else "",
        status or "",
        _iso(inspected),
        ";".join(
            f"{c['name']}:{float(c['concentration_mg_kg'])!r} mg/kg"
            + (f":{c['cas_number']}" if c.get("cas_number") else "")
            for c in constituents or []
        ).strip(),
        _fmt(pond),
        _fmt(crest),
        _fmt(freeboard),
    ]
