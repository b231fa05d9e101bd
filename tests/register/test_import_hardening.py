"""Malformed and hostile register files: each is refused with a problem naming the file (and the
row and column where one applies), nothing is written, and nothing else is raised.

The cases come from an independent probe (issue 10) and from the same classes of defect found
around them: XLSX rows beyond ``<dimension>``, DTDs and zip bombs in XLSX, spreadsheet errors
and formulas, structural errors in GeoJSON, unreadable CSV, values a database cannot store
(NUL, unpaired surrogates, text longer than the column, numbers out of range), file names.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path

import pytest

from hazatlas.domain.access import SYSTEM
from hazatlas.domain.errors import ValidationError
from hazatlas.formats import xlsx_read
from hazatlas.formats.tables import read_table
from hazatlas.services.register import RegisterService
from hazatlas.storage.repositories import Query


def svc(db):
    return RegisterService(db, SYSTEM)


def count(db) -> int:
    return svc(db).list(Query())[1]


def refused(db, path: Path, **kwargs) -> list[str]:
    """Import ``path``: it must fail with a ValidationError and write nothing."""
    before = count(db)
    with pytest.raises(ValidationError) as info:
        svc(db).import_file(path, **kwargs)
    assert count(db) == before
    return [str(p) for p in info.value.problems]


def one_matches(problems: list[str], pattern: str) -> None:
    assert any(re.search(pattern, p) for p in problems), problems


@pytest.fixture
def good(sample_rows):
    """One valid establishment with one inventory line (Pančevo)."""
    return dict(sample_rows[2])


# -- XLSX -------------------------------------------------------------------------------------

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG = "http://schemas.openxmlformats.org/package/2006/relationships"


def _col(i: int) -> str:
    out = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        out = chr(65 + r) + out
    return out


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def sheet_rows(rows: list[list[str]], start: int = 1) -> str:
    out = []
    for n, row in enumerate(rows, start=start):
        cells = "".join(
            f'<c r="{_col(i)}{n}" t="inlineStr"><is><t>{_esc(v)}</t></is></c>'
            for i, v in enumerate(row)
            if v != ""
        )
        out.append(f'<row r="{n}">{cells}</row>')
    return "".join(out)


def make_xlsx(
    path: Path,
    sheet_data: str,
    *,
    prolog: str = "",
    dimension: str = "A1:A1",
    styles: str | None = None,
    shared: list[str] | None = None,
) -> Path:
    """A minimal workbook with one sheet named ``register`` whose ``<sheetData>`` is given."""
    sheet = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>{prolog}'
        f'<worksheet xmlns="{MAIN}"><dimension ref="{dimension}"/><sheetData>{sheet_data}'
        "</sheetData></worksheet>"
    )
    rels = [f'<Relationship Id="rId1" Type="{REL}/worksheet" Target="worksheets/sheet1.xml"/>']
    types = [
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
        'officedocument.spreadsheetml.sheet.main+xml"/>',
        '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxml'
        'formats-officedocument.spreadsheetml.worksheet+xml"/>',
    ]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        if styles is not None:
            z.writestr("xl/styles.xml", f'<styleSheet xmlns="{MAIN}">{styles}</styleSheet>')
            rels.append(f'<Relationship Id="rId2" Type="{REL}/styles" Target="styles.xml"/>')
            types.append('<Override PartName="/xl/styles.xml" ContentType="application/vnd.'
                         'openxmlformats-officedocument.spreadsheetml.styles+xml"/>')
        if shared is not None:
            si = "".join(f"<si><t>{_esc(s)}</t></si>" for s in shared)
            z.writestr("xl/sharedStrings.xml", f'<sst xmlns="{MAIN}">{si}</sst>')
            rels.append(
                f'<Relationship Id="rId3" Type="{REL}/sharedStrings" Target="sharedStrings.xml"/>'
            )
            types.append('<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
                         'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>')
        z.writestr(
            "[Content_Types].xml",
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
            + "".join(types) + "</Types>",
        )
        z.writestr(
            "_rels/.rels",
            f'<Relationships xmlns="{PKG}"><Relationship Id="rId1" Type="{REL}/officeDocument" '
            'Target="xl/workbook.xml"/></Relationships>',
        )
        z.writestr(
            "xl/workbook.xml",
            f'<workbook xmlns="{MAIN}" xmlns:r="{REL}"><sheets>'
            '<sheet name="register" sheetId="1" r:id="rId1"/></sheets></workbook>',
        )
        z.writestr("xl/_rels/workbook.xml.rels", f'<Relationships xmlns="{PKG}">{"".join(rels)}</Relationships>')
        z.writestr("xl/worksheets/sheet1.xml", sheet)
    return path


def header_of(rows: list[dict[str, str]]) -> list[str]:
    return list(dict.fromkeys(k for r in rows for k in r))


def register_rows(rows: list[dict[str, str]], header: list[str]) -> list[list[str]]:
    return [header] + [[r.get(h, "") for h in header] for r in rows]


def test_xlsx_rows_beyond_the_dimension_element_are_read(sqlite_db, sample_rows, tmp_path):
    header = header_of(sample_rows)
    path = make_xlsx(tmp_path / "short-dimension.xlsx",
                     sheet_rows(register_rows(sample_rows, header)), dimension="A1:B2")
    report = svc(sqlite_db).import_file(path)
    assert report.rows == len(sample_rows)
    assert report.establishments == 4


def test_xlsx_written_by_openpyxl_with_a_wrong_dimension(sqlite_db, sample_rows, tmp_path):
    import openpyxl

    header = header_of(sample_rows)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "register"
    for r in register_rows(sample_rows, header):
        ws.append(r)
    path = tmp_path / "patched.xlsx"
    wb.save(path)
    patched = tmp_path / "register.xlsx"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(patched, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                data, n = re.subn(rb'<dimension ref="[^"]*"/>', b'<dimension ref="A1:C3"/>', data)
                assert n == 1
            dst.writestr(info, data)
    report = svc(sqlite_db).import_file(patched)
    assert report.rows == 5 and report.establishments == 4


BILLION_LAUGHS = (
    '<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
    '<!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">'
    '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">'
    '<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">'
    '<!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">'
    '<!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">'
    '<!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">]>'
)


@pytest.mark.parametrize(
    ("prolog", "entity"),
    [
        (BILLION_LAUGHS, "&lol7;"),
        ('<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>', "&xxe;"),
        ('<!DOCTYPE x [<!ENTITY % p SYSTEM "http://127.0.0.1:9/x.dtd"> %p;]>', "x"),
        ('<!DOCTYPE worksheet SYSTEM "file:///etc/passwd">', "x"),
    ],
    ids=["billion-laughs", "xxe-entity", "parameter-entity", "external-dtd"],
)
def test_xlsx_with_a_dtd_is_refused_without_expansion(sqlite_db, tmp_path, prolog, entity):
    data = sheet_rows([["establishment_id", "name"], ["A-1", "x"]]).replace(">x<", f">{entity}<")
    path = make_xlsx(tmp_path / "hostile.xlsx", data, prolog=prolog)
    problems = refused(sqlite_db, path)
    assert problems == [
        "hostile.xlsx: refused as XLSX: 'xl/worksheets/sheet1.xml' has a document type "
        "declaration (DTD); spreadsheets have none, and entity declarations (billion laughs, "
        "external entities) are refused"
    ]
    assert not any("root:" in p for p in problems)


def test_xlsx_zip_bomb_is_stopped_at_the_limit(sqlite_db, tmp_path, monkeypatch):
    monkeypatch.setattr(xlsx_read, "MAX_UNCOMPRESSED_BYTES", 2 << 20)
    padding = "<row/>" * 1_000_000  # 6 MB of XML, about 10 kB compressed
    path = make_xlsx(tmp_path / "bomb.xlsx", sheet_rows([["establishment_id"]]) + padding)
    assert path.stat().st_size < 50_000
    problems = refused(sqlite_db, path)
    one_matches(problems, r"^bomb\.xlsx: refused as XLSX: it decompresses to more than 2 MiB")


def test_uncompressed_limit_follows_the_file_size():
    assert xlsx_read.uncompressed_limit(1000) == 64 << 20
    assert xlsx_read.uncompressed_limit(5 << 20) == 500 << 20
    assert xlsx_read.uncompressed_limit(1 << 30) == 1 << 30


def test_xlsx_spreadsheet_errors_and_formulas_without_values(sqlite_db, tmp_path):
    data = (
        sheet_rows([["establishment_id", "name", "operator", "quantity"]])
        + '<row r="2"><c r="A2" t="inlineStr"><is><t>RS-1</t></is></c>'
        '<c r="B2" t="inlineStr"><is><t>Depot</t></is></c>'
        '<c r="C2" t="e"><f>VLOOKUP(A2,X!A:B,2,0)</f><v>#REF!</v></c>'
        '<c r="D2"><f>B7*2</f></c></row>'
    )
    problems = refused(sqlite_db, make_xlsx(tmp_path / "formulas.xlsx", data))
    assert problems == [
        "formulas.xlsx, row 2, column 'operator': cell C2 holds the spreadsheet error #REF!: "
        "expected a value",
        "formulas.xlsx, row 2, column 'quantity': cell D2 has the formula '=B7*2' without a "
        "computed value: open and save the file in a spreadsheet program, or enter the value",
    ]


def test_xlsx_value_under_a_nameless_column_is_an_error(sqlite_db, tmp_path):
    data = sheet_rows([["establishment_id", "", "name"], ["RS-1", "stray", "Depot"]])
    problems = refused(sqlite_db, make_xlsx(tmp_path / "stray.xlsx", data))
    assert problems == [
        "stray.xlsx, row 2, column 'B': cell B2 holds 'stray' but its column has no name in the "
        "header row"
    ]


def test_xlsx_cell_types_become_register_text(tmp_path):
    styles = ('<numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy\\-mm\\-dd"/></numFmts>'
              '<cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="164"/></cellXfs>')
    data = (
        sheet_rows([["establishment_id", "source_date", "cannot_initiate", "quantity", "name"]])
        + '<row r="5"><c r="A5" t="s"><v>0</v></c><c r="B5" s="1"><v>36586</v></c>'
        '<c r="C5" t="b"><v>1</v></c><c r="D5"><v>2.5</v></c>'
        '<c r="E5" t="str"><f>"Dep"&amp;"ot"</f><v>Depot</v></c></row>'
    )
    table = read_table(make_xlsx(tmp_path / "types.xlsx", data, styles=styles, shared=["RS-1"]))
    assert [(n, dict(r)) for n, r in table.rows] == [
        (5, {"establishment_id": "RS-1", "source_date": "2000-03-01", "cannot_initiate": "true",
             "quantity": "2.5", "name": "Depot"})
    ]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"not a zip", r"not a readable XLSX file \(broken ZIP archive"),
        (b"PK\x03\x04" + b"\x00" * 60, r"not a readable XLSX file"),
    ],
)
def test_xlsx_not_a_workbook(sqlite_db, tmp_path, content, message):
    path = tmp_path / "broken.xlsx"
    path.write_bytes(content)
    one_matches(refused(sqlite_db, path), "^broken.xlsx: " + message)


def test_xlsx_with_broken_sheet_xml(sqlite_db, tmp_path):
    path = make_xlsx(tmp_path / "broken.xlsx", '<row r="1"><c r="A1" t="inlineStr"><is><t>x</is>')
    one_matches(refused(sqlite_db, path), r"^broken\.xlsx: not a readable XLSX file \(broken XML in 'xl/worksheets/sheet1.xml': "
                r"mismatched tag, line 1 column \d+\)$")


# -- CSV --------------------------------------------------------------------------------------


def test_csv_field_longer_than_the_csv_limit(sqlite_db, good, make_csv):
    path = make_csv([good, dict(good, establishment_id="RS-2", notes="x" * 200_000)])
    assert refused(sqlite_db, path) == [
        "bad.csv, row 3: not readable as CSV: a field is longer than 131,072 characters"
    ]


def test_csv_ending_inside_a_quoted_field(sqlite_db, good, make_csv):
    path = make_csv([good, dict(good, establishment_id="RS-2")])
    text = path.read_text(encoding="utf-8")
    path.write_text(text + 'RS-3,"Unfinished depot,SRB\n', encoding="utf-8")
    assert refused(sqlite_db, path) == [
        "bad.csv, row 4: not readable as CSV: a quoted field is not closed before the end of "
        "the file (a missing '\"')"
    ]


@pytest.mark.parametrize(
    ("tail", "message"),
    [
        ('RS-3,"Depot" two,SRB\n', "row 3: not readable as CSV: a quoted field has text after its closing quote"),
        ("RS-3,D\xe9p\xf4t,SRB\n", "not UTF-8 text (invalid continuation byte at byte"),
    ],
)
def test_csv_damage_is_named(sqlite_db, good, make_csv, tail, message):
    path = make_csv([good])
    path.write_bytes(path.read_bytes() + tail.encode("latin-1"))
    one_matches(refused(sqlite_db, path), "^bad.csv, " + re.escape(message) if "row" in message
                else "^bad.csv: " + re.escape(message))


def test_xlsx_column_named_twice(sqlite_db, tmp_path):
    data = sheet_rows([["establishment_id", "name", "name"], ["RS-1", "a", "b"]])
    assert refused(sqlite_db, make_xlsx(tmp_path / "twice.xlsx", data)) == [
        "twice.xlsx, row 1, column 'name': the column name appears twice in the header row"
    ]


def test_csv_column_named_twice(sqlite_db, good, make_csv):
    path = make_csv([good])
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text(lines[0] + ",name\n" + lines[1] + ",Another name\n", encoding="utf-8")
    assert refused(sqlite_db, path) == [
        "bad.csv, row 1, column 'name': the column name appears twice in the header row"
    ]


def test_csv_in_utf16_is_named(sqlite_db, good, make_csv):
    path = make_csv([good])
    path.write_bytes(path.read_text(encoding="utf-8").encode("utf-16"))
    assert refused(sqlite_db, path) == [
        "bad.csv: is UTF-16 or UTF-32 text: save the CSV file as UTF-8"
    ]


# -- values the database cannot store ---------------------------------------------------------


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("name", "Depot\x00one", r"row 2, column 'name': contains a NUL character \(U\+0000\) at position 6"),
        ("notes", "\x00", r"row 2, column 'notes': contains a NUL character"),
        ("name", "D" * 301, r"row 2, column 'name': is 301 characters long: expected at most 300"),
        ("nace_code", "2" * 21, r"row 2, column 'nace_code': is 21 characters long: expected at most 20"),
        ("storage_unit", "t" * 201, r"row 2, column 'storage_unit': is 201 characters long"),
        ("quantity", "1e308", r"row 2, column 'quantity': 1e308 t is out of range: expected at most 1000 Mt"),
        ("quantity", "1e300", r"row 2, column 'quantity': 1e300 t is out of range"),
        ("quantity", "1e999", r"row 2, column 'quantity': '1e999' is not a finite number"),
        ("lon", "1e308", r"row 2, column 'lon': 1e308 is out of range"),
    ],
)
def test_values_that_cannot_be_stored_are_rejected_on_both_backends(db, good, make_csv, column, value, message):
    one_matches(refused(db, make_csv([dict(good, **{column: value})])), "^bad.csv, " + message)


def test_quantity_1e308_kt_is_rejected_on_both_backends(db, good, make_csv):
    path = make_csv([dict(good, quantity="1e308", unit="kt")])
    one_matches(refused(db, path), r"column 'quantity': 1e308 kt is out of range: expected at most "
                                   r"1000 Mt \(1e\+12 kg\) on one inventory line")


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"stored_volume": "1e306", "stored_volume_unit": "km3"}, r"column 'stored_volume': 1e306 km3 is out of range"),
        ({"dam_height_m": "5000"}, r"column 'dam_height_m': 5000 is out of range: expected at most 1000 m"),
        ({"area_ha": "1e305"}, r"column 'area_ha': 1e305 is out of range"),
        ({"area_m2": "1e300"}, r"column 'area_m2': 1e300 is out of range"),
        ({"constituents": "Cyanide:1e999 mg/kg"}, r"column 'constituents': 'Cyanide:1e999 mg/kg': a concentration must be between 0 and 100 %"),
        ({"constituents": "Cyanide:-5 mg/kg"}, r"column 'constituents': 'Cyanide:-5 mg/kg': a concentration"),
        ({"constituents": "Copper:150 %"}, r"column 'constituents': 'Copper:150 %': a concentration"),
        ({"site_polygon_wkt": "POLYGON ((72 41, 72.1 41, 72.1 nan, 72 41))"}, r"column 'site_polygon_wkt': has coordinates that are not finite"),
        ({"site_polygon_wkt": "POLYGON ((720 41, 720.1 41, 720.1 41.1, 720 41))"}, r"column 'site_polygon_wkt': has points outside"),
        ({"site_polygon_wkt": "POLYGON EMPTY"}, r"column 'site_polygon_wkt': expected a valid WKT Polygon"),
    ],
)
def test_tailings_numbers_out_of_range(db, sample_rows, make_csv, values, message):
    one_matches(refused(db, make_csv([dict(sample_rows[4], **values)])), "^bad.csv, row 2, " + message)


def test_rejects_file_escapes_what_it_cannot_write(sqlite_db, good, tmp_path, sample_rows):
    doc = {"type": "FeatureCollection", "features": [
        _feature(dict(good, name="Bad \ud800 name")),
        _feature(dict(sample_rows[3])),
    ]}
    path = tmp_path / "surrogate.geojson"
    path.write_text(json.dumps(doc), encoding="utf-8")  # "\ud800" escaped in the JSON text
    rejects = tmp_path / "rejects.csv"
    report = svc(sqlite_db).import_file(path, skip_invalid=True, rejects=rejects)
    assert report.summary.created == ["UA-KALUSH-HCB"]
    assert [str(p) for p in report.problems] == [
        "surrogate.geojson, row 1, column 'name': contains a unpaired surrogate (U+D800), which is "
        "not a character at position 5: it cannot be stored"
    ]
    assert "Bad \\ud800 name" in rejects.read_text(encoding="utf-8")


def test_lone_surrogate_is_rejected_on_both_backends(db, good, tmp_path):
    path = tmp_path / "s.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection",
                                "features": [_feature(dict(good, operator="\udfff"))]}), encoding="utf-8")
    one_matches(refused(db, path), r"^s\.geojson, row 1, column 'operator': contains a unpaired surrogate")


# -- GeoJSON ----------------------------------------------------------------------------------


def _feature(row: dict[str, str]) -> dict:
    props = {k: v for k, v in row.items() if k not in ("lon", "lat") and v != ""}
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": [float(row["lon"]), float(row["lat"])]},
            "properties": props}


def _geojson(tmp_path: Path, doc: object, name: str = "bad.geojson") -> Path:
    path = tmp_path / name
    path.write_text(doc if isinstance(doc, str) else json.dumps(doc), encoding="utf-8")
    return path


GEOJSON_CASES = [
    ({"type": "FeatureCollection", "features": {"a": 1}}, "bad.geojson, column 'features': expected a list of features"),
    ({"type": "FeatureCollection", "features": "abc"}, "bad.geojson, column 'features': expected a list of features"),
    ({"type": "FeatureCollection"}, "bad.geojson, column 'features': expected a list of features"),
    ({"type": "FeatureCollection", "features": ["x"]}, "bad.geojson, row 1: is not a GeoJSON Feature object"),
    ({"type": "FeatureCollection", "features": [7]}, "bad.geojson, row 1: is not a GeoJSON Feature object"),
    ("geometry:[1, 2]", "bad.geojson, row 1, column 'geometry': is not an object: expected a GeoJSON geometry or null"),
    ("geometry:\"POINT (1 2)\"", "bad.geojson, row 1, column 'geometry': is not an object"),
    ("properties:[1, 2]", "bad.geojson, row 1, column 'properties': is not an object: expected an object or null"),
    ("properties:\"name=x\"", "bad.geojson, row 1, column 'properties': is not an object"),
    ("coordinates:[]", "bad.geojson, row 1, column 'geometry': a Point's coordinates must be [lon, lat]"),
    ("coordinates:[20.69, 44.837, 70, 1]", "bad.geojson, row 1, column 'geometry': a Point's coordinates must be [lon, lat]"),
    ("coordinates:[\"20.69\", \"44.837\"]", "bad.geojson, row 1, column 'geometry': a Point's coordinates must be [lon, lat]"),
    ("coordinates:[1e999, 44.837]", "bad.geojson, row 1, column 'geometry': a Point's coordinates must be [lon, lat]"),
    ("coordinates:[true, false]", "bad.geojson, row 1, column 'geometry': a Point's coordinates must be [lon, lat]"),
    ("coordinates:20.69", "bad.geojson, row 1, column 'geometry': a Point's coordinates must be [lon, lat]"),
    ("type:\"Circle\"", "bad.geojson, row 1, column 'geometry': geometry type 'Circle' is not supported: expected one of Point, Polygon, MultiPolygon"),
    ("type:\"LineString\"", "bad.geojson, row 1, column 'geometry': geometry type 'LineString' is not supported"),
    ("type:[\"Point\"]", "bad.geojson, row 1, column 'geometry': geometry type '['Point']' is not supported"),
    ("geometry:{\"type\": \"Polygon\", \"coordinates\": [[[1, 2], [3, 4]]]}", "bad.geojson, row 1, column 'geometry': each ring of a Polygon must be a list of at least 4 positions"),
    ("geometry:{\"type\": \"Polygon\", \"coordinates\": 5}", "bad.geojson, row 1, column 'geometry': a Polygon's coordinates must be a non-empty list of rings"),
    ("geometry:{\"type\": \"MultiPolygon\", \"coordinates\": [5]}", "bad.geojson, row 1, column 'geometry': a Polygon's coordinates must be a non-empty list of rings"),
    ("name:{\"en\": \"x\"}", "bad.geojson, row 1, column 'name': is an object: expected text or a number"),
    ("name:[1]", "bad.geojson, row 1, column 'name': is a list: expected text or a number"),
    ("dam_height_m:1e999", "bad.geojson, row 1, column 'dam_height_m': is not a finite number"),
    ("text:NaN", "bad.geojson: not valid GeoJSON (NaN is not a JSON number)"),
    ("text:" + "[" * 200_000 + "]" * 200_000, "bad.geojson: not valid GeoJSON: nested too deeply"),
    ("text:{\"type\": \"FeatureCollection\", \"features\": [", "bad.geojson: not valid GeoJSON (Expecting value: line 1 column 44)"),
    ("text:{\"type\": \"FeatureCollection\", \"features\": [], \"n\": " + "9" * 5000 + "}", "bad.geojson: not valid GeoJSON (Exceeds the limit (4300 digits)"),
    ("text:[1, 2]", "bad.geojson: expected a GeoJSON FeatureCollection"),
]


def _mutated(good: dict[str, str], case: object) -> object:
    """The GeoJSON text of a case: a document, ``text:...`` as it is, or ``key:json`` set in the
    feature (``geometry``, ``properties``), its geometry (``coordinates``, ``type``) or its
    properties (any other key). ``1e999`` reads as infinity."""
    if not isinstance(case, str):
        return case
    what, _, value = case.partition(":")
    if what == "text":
        return value
    feat = _feature(good)
    if what in ("geometry", "properties"):
        feat[what] = json.loads(value)
    elif what in ("coordinates", "type"):
        feat["geometry"][what] = json.loads(value)
    else:
        feat["properties"][what] = json.loads(value)
    return json.dumps({"type": "FeatureCollection", "features": [feat]}).replace("Infinity", "1e999")


@pytest.mark.parametrize(("case", "message"), GEOJSON_CASES, ids=[str(c[0])[:40] for c in GEOJSON_CASES])
def test_malformed_geojson_is_a_problem_not_a_traceback(sqlite_db, good, tmp_path, case, message):
    problems = refused(sqlite_db, _geojson(tmp_path, _mutated(good, case)))
    assert any(p.startswith(message) for p in problems), problems


def test_geojson_polygon_and_bom_are_read(sqlite_db, sample_rows, tmp_path):
    feat = _feature(sample_rows[4])
    feat["properties"]["lon"], feat["properties"]["lat"] = sample_rows[4]["lon"], sample_rows[4]["lat"]
    feat["geometry"] = {"type": "Polygon", "coordinates": [[[72.4, 41.2], [72.5, 41.2], [72.5, 41.3], [72.4, 41.2]]]}
    path = tmp_path / "poly.geojson"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps({"type": "FeatureCollection", "features": [feat]}).encode())
    svc(sqlite_db).import_file(path)
    e, _ = svc(sqlite_db).get("KG-MAILUU-TP3")
    assert e.site_polygon_wkt == "POLYGON ((72.4 41.2, 72.5 41.2, 72.5 41.3, 72.4 41.2))"


# -- GeoPackage -------------------------------------------------------------------------------


def test_geopackage_error_names_the_file_not_the_server_path(sqlite_db, tmp_path):
    path = tmp_path / "upload-dir" / "sites.gpkg"
    path.parent.mkdir()
    path.write_bytes(b"SQLite format 3\x00" + b"\x00" * 100)
    problems = refused(sqlite_db, path)
    one_matches(problems, r"^sites\.gpkg: not a readable GeoPackage")
    assert not any(str(tmp_path) in p for p in problems), problems


def test_geopackage_missing_layer_names_the_file_not_the_server_path(sqlite_db, tmp_path, sample_csv):
    svc(sqlite_db).import_file(sample_csv)
    path = tmp_path / "export.gpkg"
    svc(sqlite_db).export_file(path)
    problems = refused(sqlite_db, path, layer="nope")
    one_matches(problems, r"^export\.gpkg: not a readable GeoPackage")
    assert not any(str(tmp_path) in p for p in problems), problems


@pytest.mark.parametrize(
    ("wkt", "message"),
    [
        ("POINT EMPTY", "the Point is empty"),
        ("LINESTRING (20 44, 21 45)", "geometry type 'LineString' is not supported"),
        ("POINT (20 nan)", "the Point has coordinates that are not finite numbers"),
    ],
)
def test_geopackage_unsupported_or_empty_geometry(sqlite_db, tmp_path, good, wkt, message):
    import numpy as np
    import pyogrio
    import shapely

    path = tmp_path / "g.gpkg"
    fields = ["establishment_id", "name", "country", "source"]
    pyogrio.raw.write(
        path, geometry=np.array([shapely.to_wkb(shapely.from_wkt(wkt))], dtype=object),
        field_data=[np.array([good[f]], dtype=object) for f in fields], fields=fields,
        geometry_type="Unknown", crs="EPSG:4326", driver="GPKG", layer="register")
    one_matches(refused(sqlite_db, path), "^g.gpkg, row 1, column 'geometry': " + re.escape(message))


# -- file names and parameters ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "message"),
    [
        (".", r": no file type \(extension\): expected \.csv"),
        ("..", r"^\.\.: no file type \(extension\): expected \.csv"),
        ("a" * 300 + ".csv", r"^a{99}…: cannot be read \(File name too long\)"),
        ("dir.csv", r"^dir\.csv: is not a file"),
        ("missing.csv", r"^missing\.csv: file not found"),
        ("x\x00y.csv", r"^x\\x00y\.csv: cannot be read"),
    ],
)
def test_any_file_name_gives_a_clear_error(sqlite_db, tmp_path, name, message):
    (tmp_path / "dir.csv").mkdir()
    path = tmp_path / name
    problems = refused(sqlite_db, path)
    one_matches(problems, message)
    assert not any(str(tmp_path) in p for p in problems), problems


@pytest.mark.parametrize(
    ("crs", "message"),
    [
        ("EPSG:5714", "is not a horizontal (geographic or projected) coordinate reference system"),
        ("EPSG:4978", "is not a horizontal"),
        ("IAU_2015:30100", "cannot be transformed to WGS 84"),
        ("\x00", "is not a known coordinate reference system"),
    ],
)
def test_unusable_crs_is_a_parameter_problem(sqlite_db, sample_csv, crs, message):
    one_matches(refused(sqlite_db, sample_csv, crs=crs), "^parameter, column 'crs': .*" + re.escape(message))


def test_rejects_file_that_cannot_be_written_stops_the_import(sqlite_db, sample_rows, make_csv, tmp_path):
    path = make_csv([sample_rows[3], dict(sample_rows[2], unit="bags")])
    problems = refused(sqlite_db, path, skip_invalid=True, rejects=tmp_path / "no-such-dir" / "r.csv")
    one_matches(problems, r"^parameter, column 'rejects': cannot write the rejected rows to 'r\.csv'")


def test_default_rejects_name_fits_the_file_system(sqlite_db, sample_rows, make_csv):
    path = make_csv([sample_rows[3], dict(sample_rows[2], unit="bags")], name="r" * 250 + ".csv")
    report = svc(sqlite_db).import_file(path, skip_invalid=True)
    assert report.summary.created == ["UA-KALUSH-HCB"]
    assert len(Path(report.rejects_file).name.encode()) <= 255 and Path(report.rejects_file).exists()


# -- through the API: 422, never 500 ------------------------------------------------------------


@pytest.fixture
def api(db):
    from fastapi.testclient import TestClient

    from hazatlas.api.app import create_app
    from hazatlas.services import users
    from hazatlas.services.settings import Settings

    users.create_user(db, "admin", "administrator")
    token = users.issue_token(db, "admin")
    with TestClient(create_app(Settings(database_url=db.url), db)) as client:
        client.headers["Authorization"] = f"Bearer {token}"
        yield client


API_CASES = {
    "features.geojson": b'{"type": "FeatureCollection", "features": {"a": 1}}',
    "nested.geojson": b"[" * 200_000 + b"]" * 200_000,
    "circle.geojson": b'{"type": "FeatureCollection", "features": [{"type": "Feature", '
    b'"geometry": {"type": "Circle", "coordinates": [20.69, 44.84]}, "properties": {}}]}',
    "surrogate.geojson": b'{"type": "FeatureCollection", "features": [{"type": "Feature", '
    b'"geometry": {"type": "Point", "coordinates": [20.69, 44.837]}, "properties": '
    b'{"establishment_id": "RS-1", "name": "\\ud800", "country": "SRB", "source": "x"}}]}',
    "long.csv": b"establishment_id,name\nRS-1," + b"x" * 140_000 + b"\n",
    "nul.csv": b"establishment_id,name,country,lon,lat,source\nRS-1,a\x00b,SRB,20.69,44.837,x\n",
}


@pytest.mark.parametrize("name", list(API_CASES))
def test_api_import_of_a_malformed_file_is_422(api, db, name):
    r = api.post("/api/import", files={"file": (name, io.BytesIO(API_CASES[name]), "application/octet-stream")})
    assert r.status_code == 422, r.text
    assert all(e["source"] == name for e in r.json()["errors"])
    assert count(db) == 0


def test_api_import_of_a_hostile_xlsx_is_422(api, db, tmp_path):
    path = make_xlsx(tmp_path / "lol.xlsx", sheet_rows([["establishment_id"], ["&lol7;"]]).replace("&amp;", "&"),
                     prolog=BILLION_LAUGHS)
    r = api.post("/api/import", files={"file": ("lol.xlsx", io.BytesIO(path.read_bytes()), "application/octet-stream")})
    assert r.status_code == 422 and "document type declaration" in r.json()["detail"]


def test_no_rejects_file_is_left_when_the_import_itself_fails(
    sqlite_db, sample_rows, make_csv, tmp_path, monkeypatch
):
    """The rejects file is written before the transaction; if the transaction then fails,
    nothing was imported and the rejects file is removed again."""
    from hazatlas.services import register as register_service

    def broken(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(register_service.repo, "upsert_many", broken)
    path = make_csv([sample_rows[3], dict(sample_rows[2], unit="bags")])
    rejects = tmp_path / "r.csv"
    with pytest.raises(RuntimeError, match="database went away"):
        svc(sqlite_db).import_file(path, skip_invalid=True, rejects=rejects)
    assert not rejects.exists()
