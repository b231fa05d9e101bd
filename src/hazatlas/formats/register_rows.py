"""The register file format (docs/register-format.md): rows ⇄ domain establishments.

:func:`parse_register` validates every row and returns the establishments and the list of
problems (file, row, column, what was expected); it never stops at the first problem. The
format's columns and limits are in :mod:`.register_columns`; a row's establishment columns are
read by :mod:`.register_sites`, its inventory line by :mod:`.register_items`; establishments
become rows again with :func:`hazatlas.formats.register_export.to_rows`.
"""

from __future__ import annotations

import operator
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely  # type: ignore[import-untyped]
import shapely.ops  # type: ignore[import-untyped]
from pyproj import Geod, Transformer

from hazatlas.domain.errors import Problem, ValidationError
from hazatlas.domain.establishment import Establishment
from hazatlas.domain.gc_pause import gc_paused
from hazatlas.domain.text import first_unstorable
from hazatlas.formats.register_cells import FIELDS, INV, N_EST, QTY, RowCtx, quoted
from hazatlas.formats.register_columns import (
    COLUMNS,
    DERIVED_COLUMNS,
    ESTABLISHMENT_FIELDS,
    INVENTORY_FIELDS,
    OPTIONAL_INPUT_COLUMNS,
    REQUIRED,
)
from hazatlas.formats.register_export import to_rows
from hazatlas.formats.register_items import parse_item
from hazatlas.formats.register_sites import parse_establishment, transformer_to_wgs84
from hazatlas.formats.tables import RawTable, Row, shown

# Also importable from here: the column names services use, and ``to_rows``, which the export
# of commit 88fb776 that benchmarks/register.py loads as its baseline imports from this module.
__all__ = [
    "COLUMNS",
    "COUNTRY_TOLERANCE_M",
    "DERIVED_COLUMNS",
    "INVENTORY_FIELDS",
    "ParseResult",
    "location_problem",
    "parse_register",
    "to_rows",
]


COUNTRY_TOLERANCE_M = 5_000.0
_GEOD = Geod(ellps="WGS84")


@dataclass
class ParseResult:
    establishments: list[Establishment]
    problems: list[Problem]
    rows_by_id: dict[str, list[int]] = field(default_factory=dict)
    raw_rows: dict[int, Mapping[str, str]] = field(default_factory=dict)

    @property
    def bad_rows(self) -> set[int]:
        return {p.row for p in self.problems if p.row is not None}


def _row_cells(table: RawTable):
    """A function giving a row's cells in :data:`FIELDS` order (stripped; "" where absent)."""
    index = {name: i for i, name in enumerate(table.columns)}
    width = len(table.columns)
    pick = operator.itemgetter(*[index.get(f, width) for f in FIELDS])
    generic_fields = FIELDS
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
    to_wgs84 = transformer_to_wgs84(crs)
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
        c = RowCtx(source, row, cells, problems)
        joined = "".join(cells)
        if "\x00" in joined or not (joined.isascii() or _encodable(joined)):
            c.cells = cells = _checked_text(c)
        eid = cells[0]
        if eid in first_cells:
            first_row, first = first_cells[eid]
            if cells[1:N_EST] != first[1:N_EST]:
                _duplicate_problems(c, eid, first_row, first)
            est = by_id.get(eid)
        else:
            est = parse_establishment(c, to_wgs84, countries)
            if eid:
                first_cells[eid] = (row, cells)
            if est is not None:
                by_id[eid] = est
        if eid:
            if (seen := rows_by_id.get(eid)) is None:
                rows_by_id[eid] = [row]
            else:
                seen.append(row)
        if cells[INV] or cells[INV + 1] or cells[QTY]:
            if not cells[INV]:
                c.bad("substance_name", "is required on an inventory line")
            item = parse_item(c, item_cache)
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


def _checked_text(c: RowCtx) -> tuple[str, ...]:
    """Report the row's cells that cannot be stored (NUL, unpaired surrogates); return the cells
    escaped, so that further messages can quote them (the row is rejected anyway)."""
    out = []
    for name, text in zip(FIELDS, c.cells, strict=True):
        if bad := first_unstorable(text):
            what = "NUL character (U+0000)" if bad.group() == "\x00" else (
                f"unpaired surrogate (U+{ord(bad.group()):04X}), which is not a character")
            c.bad(name, f"contains a {what} at position {bad.start() + 1}: it cannot be stored")
            text = shown(text, len(text) + 1)
        out.append(text)
    return tuple(out)


def _duplicate_problems(c: RowCtx, eid: str, first_row: int, first: tuple[str, ...]) -> None:
    for i, f in enumerate(ESTABLISHMENT_FIELDS):
        if i and c.cells[i] != first[i]:
            c.bad(
                f,
                f"duplicate id '{eid}' with a different {f} than row {first_row} "
                f"({quoted(c.cells[i])} vs {quoted(first[i])})",
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
