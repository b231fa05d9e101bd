"""Spreadsheet formula injection in register exports (issue 10): CSV cells that a spreadsheet
would evaluate are escaped with a leading quote, which the CSV reader undoes exactly; XLSX
writes text as string cells, never formulas, and numbers as numbers."""

from __future__ import annotations

import csv
import zipfile

import openpyxl
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from hazatlas.domain.access import SYSTEM
from hazatlas.formats.cells import FORMULA_TRIGGERS, escape_cell, is_risky, unescape_cell
from hazatlas.formats.tables import read_table, write_table
from hazatlas.services.register import RegisterService
from hazatlas.storage.db import Database

HOSTILE = {
    "name": '=CMD("/c calc")',
    "operator": "@SUM(1+1)*cmd|' /C calc'!A0",
    "receiving_water": "+1+cmd|' /C notepad'!A0",
    "notes": "-2+3+cmd|' /C calc'!A0",
    "storage_unit": "\uff1dHYPERLINK(\"http://example.org\")",  # full-width equals sign
    "source": "'=already quoted",
}


def _hostile_rows(sample_rows):
    rows = [dict(r) for r in sample_rows if r["establishment_id"] == "UA-KALUSH-HCB"]
    for r in rows:  # as an export writes them: the reader undoes the escape
        r.update({k: escape_cell(v) for k, v in HOSTILE.items()})
    return rows


@pytest.fixture
def hostile(db, sample_rows, make_csv):
    RegisterService(db, SYSTEM).import_file(make_csv(_hostile_rows(sample_rows), "hostile.csv"))
    e, _ = RegisterService(db, SYSTEM).get("UA-KALUSH-HCB")
    assert (e.name, e.operator, e.receiving_water, e.notes, e.provenance.source,
            e.inventory[0].storage_unit) == (HOSTILE["name"], HOSTILE["operator"],
                                             HOSTILE["receiving_water"], HOSTILE["notes"],
                                             HOSTILE["source"], HOSTILE["storage_unit"])
    return e


def test_csv_export_escapes_formula_cells(db, hostile, tmp_path):
    out = tmp_path / "export.csv"
    RegisterService(db, SYSTEM).export_file(out)
    with out.open(encoding="utf-8", newline="") as fh:
        row = next(r for r in csv.DictReader(fh) if r["establishment_id"] == "UA-KALUSH-HCB")
    for column, value in HOSTILE.items():
        assert row[column] == "'" + value, column
    # numbers (and other cells) are left alone
    assert row["lon"] == "24.37" and row["quantity"] == "11500000.0"
    for cell in row.values():
        assert cell[:1] not in FORMULA_TRIGGERS


@pytest.mark.parametrize("ext", ["csv", "xlsx", "geojson", "gpkg"])
def test_export_reimports_the_exact_values(db, hostile, tmp_path, ext):
    out = tmp_path / f"export.{ext}"
    RegisterService(db, SYSTEM).export_file(out)
    target = Database(tmp_path / "copy.sqlite")
    target.migrate()
    try:
        RegisterService(target, SYSTEM).import_file(out)
        copy, _ = RegisterService(target, SYSTEM).get("UA-KALUSH-HCB")
    finally:
        target.dispose()
    assert copy == hostile


def test_xlsx_export_writes_text_cells_never_formulas(db, hostile, tmp_path):
    out = tmp_path / "export.xlsx"
    RegisterService(db, SYSTEM).export_file(out)
    with zipfile.ZipFile(out) as zf:
        sheet = zf.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet and "<f " not in sheet
    ws = openpyxl.load_workbook(out).worksheets[0]
    header = [c.value for c in ws[1]]
    row = next(r for r in ws.iter_rows(min_row=2) if r[0].value == "UA-KALUSH-HCB")
    cells = dict(zip(header, row, strict=True))
    for column, value in HOSTILE.items():
        assert cells[column].data_type == "s" and cells[column].value == value, column
        assert cells[column].quotePrefix, column  # stays text when edited in a spreadsheet
    assert cells["lon"].data_type == "n" and cells["lon"].value == 24.37
    assert cells["quantity"].data_type == "n" and cells["name"].data_type == "s"


def test_a_quote_the_export_did_not_write_is_kept(sqlite_db, sample_rows, make_csv):
    rows = [dict(r) for r in sample_rows if r["establishment_id"] == "UA-KALUSH-HCB"]
    rows[0].update(name="'Kalush' store", operator="'-5")
    RegisterService(sqlite_db, SYSTEM).import_file(make_csv(rows, "quotes.csv"))
    e, _ = RegisterService(sqlite_db, SYSTEM).get("UA-KALUSH-HCB")
    assert e.name == "'Kalush' store" and e.operator == "'-5"


@pytest.mark.parametrize(("text", "escaped"), [
    ("=1+2", "'=1+2"), ("+1", "+1"), ("-5", "-5"), ("-5.5e3", "-5.5e3"), ("-5 kg", "'-5 kg"),
    ("@x", "'@x"), ("\tx", "'\tx"), ("\rx", "'\rx"), ("\uff0b1", "'\uff0b1"), ("\uff20x", "'\uff20x"),
    ("'=x", "''=x"), ("'x", "'x"), ("", ""), ("a=b", "a=b"), ("-", "'-"), ("'", "'"),
])
def test_escape_cases(text, escaped):
    assert escape_cell(text) == escaped
    assert unescape_cell(escaped) == text


_text = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"))
_cellish = st.one_of(_text, st.builds(lambda a, b: a + b, st.sampled_from(
    ["=", "+", "-", "@", "\t", "\r", "'", "''", "'=", "\uff1d", "\uff0d", "-1", "+2.5"]), _text))


@settings(max_examples=200, deadline=None)
@given(_cellish)
def test_unescape_inverts_escape(text):
    escaped = escape_cell(text)
    assert unescape_cell(escaped) == text
    assert not is_risky(escaped) or escaped.startswith("'")
    assert escaped[:1] not in FORMULA_TRIGGERS or not is_risky(escaped)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(_cellish.map(str.strip), min_size=3, max_size=3), min_size=1, max_size=5))
@example([["=1", "a\rb", "x\r\ny"], ["'\rx", "-1", "@"]])  # carriage returns inside fields
def test_csv_write_then_read_round_trips(tmp_path_factory, rows):
    rows = [r for r in rows if any(r)]  # the reader skips empty rows
    path = tmp_path_factory.mktemp("csv") / "t.csv"
    write_table(path, ["a", "b", "c"], [dict(zip("abc", r, strict=True)) for r in rows])
    table = read_table(path)
    assert [[v.get(c, "") for c in "abc"] for _, v in table.rows] == rows
