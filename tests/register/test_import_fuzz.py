"""A property-based fuzzer of register imports (CSV, GeoJSON, XLSX) through the real service.

Each example starts from valid register rows and mutates them: odd cell values (NUL, unpaired
surrogates, huge and non-finite numbers, long text, formulas), structural changes (columns
dropped or renamed, JSON nodes of the wrong type, stray XML elements) and damaged bytes
(truncated files, inserted or deleted bytes). Whatever the file, the import either succeeds and
stores only finite numbers, or raises :class:`ValidationError` whose problems name the file (or
a parameter) and can be shown (UTF-8), and nothing is written. Any other exception fails the
test. Budgets are small (SQLite: about 60 examples per format, PostGIS: 15) so the whole module
runs in well under a minute.
"""

from __future__ import annotations

import csv
import io
import json
import math
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from hazatlas.domain.access import SYSTEM
from hazatlas.domain.errors import ValidationError
from hazatlas.formats.register_columns import COLUMNS
from hazatlas.formats.tables import display_name
from hazatlas.services.register import RegisterService

HEADER = [*COLUMNS, "area_ha"]
# a failing example may hold a 140 kB field: show it anyway
pytestmark = pytest.mark.filterwarnings("ignore:Generating overly large repr")
BUDGET = {"sqlite": 60, "postgis": 15}

ODD_VALUES = [
    "", " ", "0", "-1", "1e308", "-1e308", "1e999", "nan", "inf", "-inf", "1e-320", "4.9e-324",
    "99999999999999999999999", "1" * 5000, "0x10", "1_000", "١٠٠", "12,5", "\x00", "a\x00b",
    "\ud800", "x\udfffy", "\x1b[31m", "\u202e", "=CMD(\"/c calc\")", "+1", "@SUM(A1)", "x" * 400,
    "20.5", "44.8", "H330", "H330;H999", "7664-41-7", "7664-41-8", "t", "kt", "lb", "bags",
    "tailings", "industrial", "public", "national", "SRB", "XXX", "srb",
    "POLYGON ((20 44, 21 44, 21 45, 20 44))", "POLYGON EMPTY", "POINT (1 2)", "POLYGON ((",
    "2000-13-45", "9999-12-31", "0001-01-01", "2020-02-30", "true", "maybe", "x=y", "=",
    "reach:1", "Cyanide:1 mg/kg", "Cyanide:1e999 mg/kg", "a:b:c:d", "48", "49", "1", "4",
    "'", '"', '""', "\n", "\r\n", ",", ";", "\t", "\ufeff", "<c>", "&amp;", "]]>",
]
values = st.one_of(st.sampled_from(ODD_VALUES), st.text(max_size=12))
names = st.sampled_from(["register", "Register ä", "r" * 200, "x.y", "-"])


def _sample(sample_rows: list[dict[str, str]]) -> list[dict[str, str]]:
    return [{h: r.get(h, "") for h in HEADER} for r in sample_rows]


@st.composite
def register_tables(draw, sample_rows):
    """Header and rows: some valid rows, some cells replaced, sometimes columns changed."""
    rows = draw(st.lists(st.sampled_from(_sample(sample_rows)), min_size=1, max_size=5))
    rows = [dict(r) for r in rows]
    for _ in range(draw(st.sampled_from([0, 0, 1, 1, 2, 4]))):
        if rows:
            i = draw(st.integers(0, len(rows) - 1))
            rows[i][draw(st.sampled_from(HEADER))] = draw(values)
    header = list(HEADER)
    change = draw(st.sampled_from(["none"] * 8 + ["drop", "rename", "duplicate", "add"]))
    if change != "none":
        i = draw(st.integers(0, len(header) - 1))
        if change == "drop":
            del header[i]
        elif change == "rename":
            header[i] = draw(values)
        elif change == "duplicate":
            header.append(header[i])
        else:
            header.append(draw(values))
    return header, rows


@st.composite
def byte_damage(draw, data: bytes) -> bytes:
    """``data`` unchanged, truncated, or with bytes inserted, deleted or replaced."""
    how = draw(st.sampled_from(["none"] * 6 + ["truncate", "insert", "delete", "replace"]))
    if how == "none" or not data:
        return data
    at = draw(st.integers(0, len(data) - 1))
    if how == "truncate":
        return data[:at]
    if how == "insert":
        return data[:at] + draw(st.binary(min_size=1, max_size=8)) + data[at:]
    if how == "delete":
        return data[:at] + data[at + draw(st.integers(1, 64)) :]
    return data[:at] + draw(st.binary(min_size=1, max_size=1)) + data[at + 1 :]


def _csv_bytes(header: list[str], rows: list[dict[str, str]]) -> bytes:
    buf = io.StringIO(newline="")
    w = csv.writer(buf)
    w.writerow(header)
    for r in rows:
        w.writerow([r.get(h, "") for h in header])
    return buf.getvalue().encode("utf-8", "surrogatepass")


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=6),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3),
    max_leaves=6,
)


def _feature(r: dict[str, str]) -> dict:
    def number(v: str) -> object:
        try:
            return float(v)
        except ValueError:
            return v

    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [number(r.get("lon", "")), number(r.get("lat", ""))]},
        "properties": {k: v for k, v in r.items() if k not in ("lon", "lat") and v != ""},
    }


@st.composite
def geojson_bytes(draw, sample_rows):
    header, rows = draw(register_tables(sample_rows))
    doc = {"type": "FeatureCollection",
           "features": [_feature({h: r.get(h, "") for h in header}) for r in rows]}
    for _ in range(draw(st.sampled_from([0, 0, 0, 1, 2]))):
        target = draw(st.sampled_from(
            ["doc", "features", "feature", "geometry", "properties", "coordinates", "type", "property"]))
        new = draw(JSON_VALUES)
        feats = doc["features"] if isinstance(doc, dict) and isinstance(doc.get("features"), list) else []
        feat = feats[draw(st.integers(0, len(feats) - 1))] if feats else None
        if target == "doc":
            doc = new if draw(st.booleans()) else {"type": "FeatureCollection", "features": new}
        elif target == "features" and isinstance(doc, dict):
            doc["features"] = new
        elif target == "feature" and feats:
            feats[draw(st.integers(0, len(feats) - 1))] = new
        elif isinstance(feat, dict):
            geom = feat.get("geometry")
            if target in ("geometry", "properties"):
                feat[target] = new
            elif target in ("coordinates", "type") and isinstance(geom, dict):
                geom[target] = new if target == "coordinates" or draw(st.booleans()) else draw(
                    st.sampled_from(["Circle", "LineString", "Polygon", "MultiPolygon", "point", ""]))
            elif target == "property" and isinstance(feat.get("properties"), dict):
                feat["properties"][draw(st.sampled_from(HEADER))] = new
    data = json.dumps(doc, ensure_ascii=draw(st.booleans())).encode("utf-8", "surrogatepass")
    if draw(st.sampled_from(range(20))) == 19:
        data = b"[" * 100_000 + data
    return draw(byte_damage(data))


MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
CONTENT_TYPES = (
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.worksheet+xml"/></Types>'
)
STRAY_XML = [
    '<row r="0"/>', '<row r="x">', '<c r="ZZZZ9"/>', '<c r="B2" t="s"><v>99</v></c>',
    '<c t="e"><v>#N/A</v></c>', "<!DOCTYPE x>", "&lol;", "<c><f>A1</f></c>", "</sheetData>",
    '<row r="1048577"><c r="A1048577" t="inlineStr"><is><t>x</t></is></c></row>', "\x00", "<",
    '<c r="A3" t="d"><v>2020-01-01</v></c>', '<c r="A3" s="7"><v>1e999</v></c>',
]


def _esc(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


@st.composite
def xlsx_bytes(draw, sample_rows):
    header, rows = draw(register_tables(sample_rows))
    cells = []
    for n, values_ in enumerate([header] + [[r.get(h, "") for h in header] for r in rows], start=1):
        cs = "".join(f'<c t="inlineStr"><is><t>{_esc(v)}</t></is></c>' for v in values_)
        cells.append(f'<row r="{n}">{cs}</row>')
    sheet = "".join(cells)
    for _ in range(draw(st.sampled_from([0, 0, 0, 1, 2]))):
        at = draw(st.integers(0, len(sheet)))
        sheet = sheet[:at] + draw(st.sampled_from(STRAY_XML)) + sheet[at:]
    xml = (f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN}">'
           f'<dimension ref="A1:B2"/><sheetData>{sheet}</sheetData></worksheet>')
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", CONTENT_TYPES)
        z.writestr("_rels/.rels", f'<Relationships xmlns="{PKG}"><Relationship Id="rId1" '
                   f'Type="{REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>')
        z.writestr("xl/workbook.xml", f'<workbook xmlns="{MAIN}" xmlns:r="{REL}"><sheets><sheet '
                   'name="register" sheetId="1" r:id="rId1"/></sheets></workbook>')
        z.writestr("xl/_rels/workbook.xml.rels", f'<Relationships xmlns="{PKG}"><Relationship '
                   f'Id="rId1" Type="{REL}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>')
        z.writestr("xl/worksheets/sheet1.xml", xml.encode("utf-8", "surrogatepass"))
    return draw(byte_damage(buf.getvalue()))


def _counts(db) -> tuple[int, int, int]:
    with db.transaction() as s:
        return tuple(
            s.execute(text(f"SELECT count(*) FROM {t}")).scalar_one()  # noqa: S608 - fixed names
            for t in ("establishment", "inventory_item", "change_log")
        )


def check_import(db, path: Path) -> None:
    """The property: success storing finite numbers, or a clean ValidationError and no write."""
    before = _counts(db)
    try:
        report = RegisterService(db, SYSTEM).import_file(path)
    except ValidationError as exc:
        event("refused", exc.problems[0].message[:30] if exc.problems else "")
        assert exc.problems
        for p in exc.problems:
            assert p.source in (display_name(path), "parameter"), p
            str(p).encode("utf-8")  # every message can be shown
        assert _counts(db) == before
        return
    event("imported", f"{report.establishments} establishments")
    assert report.establishments == len(report.summary.created) + len(report.summary.updated) + len(
        report.summary.unchanged)
    for e, _ in RegisterService(db, SYSTEM).all():
        numbers = [e.lon, e.lat, *(i.max_quantity_kg for i in e.inventory)]
        if e.tailings is not None:
            t = e.tailings
            numbers += [t.stored_volume_m3 or 0, t.dam_height_m or 0, t.area_m2 or 0]
            numbers += [c.concentration_mg_kg for c in t.constituents]
        assert all(math.isfinite(x) for x in numbers), e


def _settings(db) -> settings:
    return settings(
        max_examples=BUDGET["postgis" if db.url.startswith("postgresql") else "sqlite"],
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                               HealthCheck.data_too_large, HealthCheck.large_base_example],
    )


def _run(db, tmp_path, sample_rows, strategy, suffix):
    @_settings(db)
    @given(data=strategy(sample_rows), name=names)
    def fuzz(data: bytes, name: str) -> None:
        path = tmp_path / f"{name}{suffix}"
        path.write_bytes(data)
        try:
            check_import(db, path)
        finally:
            path.unlink()

    fuzz()


@st.composite
def csv_bytes(draw, sample_rows):
    header, rows = draw(register_tables(sample_rows))
    data = _csv_bytes(header, rows)
    tail = draw(st.sampled_from([b""] * 8 + [b'X,"unterminated', b'X,"' + b"y" * 140_000]))
    data += tail
    return draw(byte_damage(data))


@pytest.mark.parametrize(("strategy", "suffix"), [(csv_bytes, ".csv"), (geojson_bytes, ".geojson"),
                                                  (xlsx_bytes, ".xlsx")], ids=["csv", "geojson", "xlsx"])
def test_import_never_fails_except_with_a_clean_validation_error(db, tmp_path, sample_rows, strategy, suffix):
    _run(db, tmp_path, sample_rows, strategy, suffix)
