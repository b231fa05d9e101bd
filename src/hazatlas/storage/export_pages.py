"""The register read page by page for an export (issue 10), in the caller's transaction: each
establishment's column values, its inventory lines and its stored identification, as plain
tuples straight from the database driver.

Each page is three statements, compiled once per export and run on the driver's own cursor (no
SQLAlchemy result rows, no dict per row, no IN lists): the next :data:`EXPORT_BATCH`
establishments after the last one read (keyset pagination on the primary key), then the
inventory lines and the stored identifications of that range of ids. So memory does not grow
with the register.

An identification (``assessment.result``, about 4 kB of JSON) is read as its first
:data:`_PREFIX` characters: the export shows three of its members, which the classification
writes first (:func:`_leading_members`). Reading 100,000 of them took 1.6 s with SQLite's
``json_extract`` and 5.0 s with PostgreSQL's ``json_to_record`` (which parse the whole
document), 0.6 s and 2.3 s as prefixes (2 cores, shared). An identification whose members
cannot be told from its prefix is read in full, as before (:func:`stored_classifications`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from itertools import groupby
from json.decoder import scanstring  # type: ignore[attr-defined]
from operator import itemgetter
from typing import Any, NamedTuple

from sqlalchemy import (
    Boolean,
    Text,
    bindparam,
    cast,
    column,
    func,
    select,
    true,
    type_coerce,
)
from sqlalchemy.orm import Session

from hazatlas.domain.register_query import RegisterQuery as Query
from hazatlas.storage import spatial
from hazatlas.storage.mapping import ESTABLISHMENT_COLUMNS, INVENTORY_COLUMNS
from hazatlas.storage.repositories import _id_chunks
from hazatlas.storage.tables import AssessmentRow, EstablishmentRow, InventoryItemRow

EXPORT_BATCH = 2_000  # establishments per page of :func:`iter_register`

# An inventory line as read: its establishment's id, its position, then its values.
ITEM_READ = ("establishment_id", *INVENTORY_COLUMNS)
_JSON_AT = tuple(ESTABLISHMENT_COLUMNS.index(c) for c in ("external_ids", "constituents"))
_EXTERNAL_IDS, _CONSTITUENTS = _JSON_AT
_PREFIX = 400  # characters of a stored identification read (its leading members)


class StoredClassification(NamedTuple):
    """The columns of a stored identification that exports show (not the whole result)."""

    seveso_tier: str | None
    convention_hazardous_activity: bool | None  # None: not assessed (not classifiable)
    annex_version: str | None
    rules_version: str


# One establishment of a page: its values (ESTABLISHMENT_COLUMNS order, JSON columns decoded),
# its inventory lines (ITEM_READ order, by position) and its stored identification (None: none).
Record = tuple[list[Any], list[tuple[Any, ...]], StoredClassification | None]


def snapshot(session: Session) -> None:
    """Make every read of ``session``'s transaction see the same committed state, so that an
    export read in pages is the register of one moment: REPEATABLE READ on PostgreSQL (its
    default, READ COMMITTED, gives each statement a new snapshot); an explicit ``BEGIN`` on
    SQLite (the driver starts transactions only before writes, so each read would otherwise
    be on its own)."""
    if session.get_bind().dialect.name == "postgresql":
        session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
    else:
        conn = session.connection()
        raw: Any = conn.connection.driver_connection
        if not raw.in_transaction:
            conn.exec_driver_sql("BEGIN")


def filters(session: Session, q: Query) -> tuple[list[Any], set[str] | None]:
    """Filters of ``q`` as WHERE conditions on ``establishment``, and the ids inside
    ``q.within_country`` (a Python-side test: computed once, not per page)."""
    est = EstablishmentRow.__table__.c
    conds: list[Any] = []
    if q.bbox is not None:
        conds.append(est.id.in_(spatial.ids_in_bbox(session, q.bbox)))
    if q.country:
        conds.append(est.country_iso3 == q.country)
    if q.kind:
        conds.append(est.kind == q.kind)
    within = set(spatial.ids_within_country(session, q.within_country)) if q.within_country else None
    return conds, within


class _Statement:
    """A Core statement compiled once for the session's dialect, run on the driver's cursor."""

    def __init__(self, session: Session, stmt: Any):
        conn = session.connection()
        self.raw: Any = conn.connection.driver_connection  # same connection and transaction
        self.postgres = conn.dialect.name == "postgresql"
        compiled = stmt.compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
        self.sql = str(compiled)
        self.params = compiled.params
        self.order = list(compiled.positiontup or ()) if not self.postgres else None

    def rows(self, values: dict[str, Any]) -> list[tuple[Any, ...]]:
        params = {**self.params, **values}
        if self.postgres:  # binary: numbers and dates without parsing their text
            with self.raw.cursor(binary=True) as cur:
                cur.execute(self.sql, params)
                return cur.fetchall()
        cur = self.raw.cursor()
        try:
            return cur.execute(self.sql, [params[k] for k in self.order or ()]).fetchall()
        finally:
            cur.close()


def iter_register(
    session: Session,
    q: Query | None = None,
    *,
    batch: int | None = None,
    kind: str = "classification",
) -> Iterator[list[Record]]:
    """Every establishment matching ``q``'s filters (all of them without ``q``), ordered by id,
    ``batch`` (default :data:`EXPORT_BATCH`) at a time, as :data:`Record` tuples with the stored
    identification of ``kind``. ``q.limit`` and ``q.offset`` are not applied here.

    Values are as the database driver gives them: dates may be ISO texts (SQLite), booleans
    0/1 (SQLite); the JSON columns are decoded as SQLAlchemy's JSON type reads them.
    """
    batch = batch or EXPORT_BATCH
    conds, within = filters(session, q) if q is not None else ([], None)
    pages = [_Statement(session, s) for s in _establishment_pages(session, conds, batch)]
    lines = [_Statement(session, s) for s in _ranges(conds, _item_statement())]
    results = [_Statement(session, s) for s in _ranges(conds, _result_statement(session, kind))]
    last: str | None = None
    while True:
        # the first page, then the next ones: each a range (last, upto] of ids
        step, after = (0, {}) if last is None else (1, {"after": last})
        page = pages[step].rows(after)
        if not page:
            return
        upto = page[-1][0]
        items = lines[step].rows({**after, "upto": upto})
        stored = results[step].rows({**after, "upto": upto})
        last = upto
        yield _records(session, page, items, stored, within, kind)


def _records(session: Session, page: list[tuple[Any, ...]], lines: list[tuple[Any, ...]],
             results: list[tuple[Any, ...]], within: set[str] | None, kind: str) -> list[Record]:
    """The page's records: its establishments with their ``lines`` and stored ``results``
    (identifications, each as its id, its leading text and its rules version)."""
    # lines are ordered by establishment and position: each establishment's are together
    items = {eid: list(group) for eid, group in groupby(lines, itemgetter(0))}
    stored: dict[str, StoredClassification] = {}
    full_parse: list[str] = []
    for eid, leading_text, version in results:
        leading = _leading_members(leading_text)
        if leading is None:
            full_parse.append(eid)
        else:
            stored[eid] = StoredClassification(*leading, version)
    if full_parse:
        stored.update(stored_classifications(session, full_parse, kind))
    out: list[Record] = []
    for row in page:
        if within is not None and row[0] not in within:
            continue
        values = list(row)
        values[_EXTERNAL_IDS] = json_value(values[_EXTERNAL_IDS])
        values[_CONSTITUENTS] = json_value(values[_CONSTITUENTS])
        out.append((values, items.get(row[0], []), stored.get(row[0])))
    return out


def _json_text(session: Session, col: Any) -> Any:
    """A JSON column as its text: as it is on SQLite, cast on PostgreSQL (psycopg would parse
    every value)."""
    if session.get_bind().dialect.name == "sqlite":
        return type_coerce(col, Text)
    return cast(col, Text)


def _establishment_pages(session: Session, conds: list[Any], batch: int) -> list[Any]:
    """The first page's statement and the next pages' (``id > :after``)."""
    est = EstablishmentRow.__table__
    cols = [_json_text(session, est.c[c]) if j in _JSON_AT else est.c[c]
            for j, c in enumerate(ESTABLISHMENT_COLUMNS)]
    stmt = select(*cols).where(*conds).order_by(est.c.id).limit(batch)
    return [stmt, stmt.where(est.c.id > bindparam("after", type_=Text))]


def _item_statement() -> Any:
    """Inventory lines, by establishment and position."""
    inv = InventoryItemRow.__table__
    return select(*[inv.c[c] for c in ITEM_READ]).order_by(
        inv.c.establishment_id, inv.c.position, inv.c.id)


def _result_statement(session: Session, kind: str) -> Any:
    """Stored results of ``kind``: the establishment's id, the result's leading text and the
    rules version."""
    a = AssessmentRow.__table__
    return select(a.c.establishment_id, func.substr(_json_text(session, a.c.result), 1, _PREFIX),
                  a.c.method_version).where(a.c.kind == kind)


def _ranges(conds: list[Any], stmt: Any) -> list[Any]:
    """``stmt`` (on a table with an ``establishment_id`` column) for the ids up to ``:upto``
    and for those in (``:after``, ``:upto``], of the establishments matching ``conds``."""
    table = stmt.get_final_froms()[0]
    eid = table.c.establishment_id
    if conds:
        est = EstablishmentRow.__table__
        stmt = stmt.select_from(table.join(est, est.c.id == eid)).where(*conds)
    stmt = stmt.where(eid <= bindparam("upto", type_=Text))
    return [stmt, stmt.where(eid > bindparam("after", type_=Text))]


def json_value(text: str | None) -> Any:
    """A JSON column's text as SQLAlchemy's JSON type reads it (SQL NULL and JSON null: None;
    the usual empty values without parsing, a new object each time as json.loads gives)."""
    if text is None or text == "null":
        return None
    if text == "{}":
        return {}
    return [] if text == "[]" else json.loads(text)


_WANTED = ("seveso_tier", "convention_hazardous_activity", "annex_version")
_DECODE = json.JSONDecoder().raw_decode
_SPACE = " \t\n\r"
_STRING = r'"([^"\\]*(?:\\.[^"\\]*)*)"'  # a JSON string; group: its contents
# The leading members as the classification writes them (json.dumps of its result): matched
# at once; any other layout goes through the general parser (_members).
_USUAL = re.compile(
    r'\{"establishment_id": "[^"\\]*(?:\\.[^"\\]*)*", '
    rf'"seveso_tier": (?:{_STRING}|null), '
    r'"convention_hazardous_activity": (true|false|null), '
    rf'"annex_version": (?:{_STRING}|null)[,}}]'
)
_LITERALS = {"true": True, "false": False, "null": None}


def _string(text: str | None) -> str | None:
    """A JSON string's contents (between the quotes) as the string it stands for."""
    if text is None or "\\" not in text:
        return text
    return json.loads(f'"{text}"')


def _leading_members(text: str | None) -> tuple[str | None, bool | None, str | None] | None:
    """The seveso tier, Convention hazardous activity and Annex version of the leading part
    ``text`` of a stored identification (a JSON object), or None when they cannot be told from
    it: not all three among its leading members, or not of the types the classification
    writes (text or null, true/false or null, text or null). A member missing from an object
    that ends within ``text`` is null, as ``json_extract`` and ``json_to_record`` read it."""
    if text is None:
        return None
    if m := _USUAL.match(text):
        try:
            return _string(m[1]), _LITERALS[m[2]], _string(m[3])
        except ValueError:  # not a valid JSON string: the database decides
            return None
    found = _members(text)
    if found is None:
        return None
    tier, hazardous, annex = (found.get(k) for k in _WANTED)
    if not (isinstance(tier, str | None) and isinstance(hazardous, bool | None)
            and isinstance(annex, str | None)):
        return None
    return tier, hazardous, annex


def _members(text: str) -> dict[str, Any] | None:
    """The wanted members among the leading members of the JSON object ``text`` (all of them
    if it ends within ``text``), or None if ``text`` is cut off before they are all read."""
    if not text or text[0] != "{":
        return None
    found: dict[str, Any] = {}
    i, n = 1, len(text)
    try:
        while len(found) < 3:
            while i < n and text[i] in _SPACE:
                i += 1
            if i < n and text[i] == "}":
                break
            if i >= n or text[i] != '"':
                return None
            key, i = scanstring(text, i + 1)
            while i < n and text[i] in _SPACE:
                i += 1
            if i >= n or text[i] != ":":
                return None
            i += 1
            while i < n and text[i] in _SPACE:
                i += 1
            value, i = _DECODE(text, i)
            if key in _WANTED:
                if key in found:  # a repeated member: let the database decide
                    return None
                found[key] = value
            while i < n and text[i] in _SPACE:
                i += 1
            if i < n and text[i] == ",":
                i += 1
            elif not (i < n and text[i] == "}"):
                return None
    except ValueError:  # cut off inside a value (or not JSON): the whole document is read
        return None
    return found


def stored_classifications(
    session: Session, ids: Sequence[str], kind: str = "classification"
) -> dict[str, StoredClassification]:
    """The stored identification of ``ids`` (those that have one), reading only the four
    values an export shows from each result (the whole JSON document is parsed)."""
    a = AssessmentRow.__table__.c
    conn = session.connection()
    out: dict[str, StoredClassification] = {}
    if session.get_bind().dialect.name == "sqlite":
        # One json_extract with three paths parses each (large) result once and gives a JSON
        # array; separate calls would parse it three times (and give 1/0 for true/false).
        stmt = select(a.establishment_id, func.json_extract(
            a.result, "$.seveso_tier", "$.convention_hazardous_activity", "$.annex_version"
        ), a.method_version)
        loads = json.loads
        for where in _id_chunks(session, a.establishment_id, ids):
            for eid, values, version in conn.execute(stmt.where(a.kind == kind, where)).all():
                tier, hazardous, annex = loads(values)
                out[eid] = StoredClassification(tier, hazardous, annex, version)
        return out
    # PostgreSQL: json_to_record parses each (large, json-typed) result once; three ->>
    # would parse it three times.
    record = (
        func.json_to_record(a.result)
        .table_valued(
            column("seveso_tier", Text),
            column("convention_hazardous_activity", Boolean),
            column("annex_version", Text),
        )
        .render_derived(name="r", with_types=True)
    )
    stmt = select(
        a.establishment_id,
        record.c.seveso_tier,
        record.c.convention_hazardous_activity,
        record.c.annex_version,
        a.method_version,
    ).select_from(AssessmentRow.__table__.join(record, true()))
    for where in _id_chunks(session, a.establishment_id, ids):
        for eid, tier, hazardous, annex, version in conn.execute(
            stmt.where(a.kind == kind, where)
        ).all():
            out[eid] = StoredClassification(tier, hazardous, annex, version)
    return out


def unclassified_ids(
    session: Session,
    q: Query | None = None,
    *,
    after: str | None = None,
    limit: int = 1_000,
    kind: str = "classification",
) -> list[str]:
    """Up to ``limit`` ids (> ``after``, ordered) matching ``q``'s filters that have no stored
    result of ``kind``."""
    conds, within = filters(session, q) if q is not None else ([], None)
    stored = select(AssessmentRow.establishment_id).where(
        AssessmentRow.establishment_id == EstablishmentRow.id, AssessmentRow.kind == kind
    )
    out: list[str] = []
    while len(out) < limit:
        stmt = select(EstablishmentRow.id).where(*conds, ~stored.exists())
        if after is not None:
            stmt = stmt.where(EstablishmentRow.id > after)
        page = list(session.scalars(stmt.order_by(EstablishmentRow.id).limit(limit)))
        if not page:
            break
        after = page[-1]
        out.extend(i for i in page if within is None or i in within)
    return out[:limit]
