"""A streaming XLSX writer for one sheet of text and number cells.

openpyxl's write-only mode needs about 0.4 ms per row of 42 cells, which makes a 300,000-row
export take two minutes; this writer builds the sheet's XML directly (the same SpreadsheetML
that openpyxl reads back), row by row, in constant memory.

Every text cell is an inline string cell (``t="inlineStr"``): never a formula and never an
error value, whatever it starts with. Text cells that a spreadsheet would take for a formula if
typed (see :mod:`hazatlas.formats.cells`) also get the ``quotePrefix`` style, so that editing the
cell in Excel or LibreOffice keeps it text. Cells of the ``numeric`` columns holding a plain
decimal number are number cells; anything else in them is text.

The sheet's ``<dimension>`` must precede its rows, so the rows go to a temporary file first and
are copied into the archive when their number is known.
"""

from __future__ import annotations

import re
import shutil
import tempfile
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path

from hazatlas.formats.cells import FORMULA_TRIGGERS, is_risky

_MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_XML_DECL = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'

_CONTENT_TYPES = (
    _XML_DECL
    + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/styles.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
    "</Types>"
)
_ROOT_RELS = (
    _XML_DECL + f'<Relationships xmlns="{_PKG_REL_NS}">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>'
)
_WORKBOOK_RELS = (
    _XML_DECL + f'<Relationships xmlns="{_PKG_REL_NS}">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    'Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" '
    'Target="styles.xml"/></Relationships>'
)
# Style 0: normal; style 1: quotePrefix (the cell is text even when edited).
_STYLES = (
    _XML_DECL + f'<styleSheet xmlns="{_MAIN_NS}">'
    '<fonts count="1"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" quotePrefix="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)

# A plain decimal number, as Python's repr() writes finite floats and ints.
_XLSX_NUMBER = re.compile(r"-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
# Characters XML 1.0 cannot hold at all (tab, newline and carriage return are allowed).
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# What in a row of text needs a closer look: markup characters, a carriage return (XML parsers
# turn it into a newline unless written as a character reference) and characters XML cannot
# hold; a cell starting with whitespace (it needs xml:space="preserve"), a quote or a formula
# character; a cell ending with whitespace. The row's cells are scanned joined by _SEP, which
# is itself illegal in XML, so never in a value. Three simple patterns with a fixed first
# character or class are several times faster than one alternation.
_SEP = "\x00"
_MARKUP = re.compile("[&<>\r\x01-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_START = re.compile("\x00[\\s'" + re.escape("".join(sorted(FORMULA_TRIGGERS))) + "]")
_END = re.compile("\\s\x00")

MAX_ROWS = 1_048_576  # rows in one worksheet (header included)


class XlsxCellError(ValueError):
    """A value that XLSX cannot hold; ``column`` and ``row`` (1 = header) say where."""

    def __init__(self, row: int, column: str, message: str):
        super().__init__(message)
        self.row, self.column = row, column


def column_letters(index: int) -> str:
    """Spreadsheet column name of a 0-based column index.

    >>> column_letters(0), column_letters(25), column_letters(26), column_letters(41)
    ('A', 'Z', 'AA', 'AP')
    """
    name = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        name = chr(65 + rem) + name
    return name


def _escape_text(text: str) -> str:
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")
    )


def write_xlsx(
    path: Path,
    columns: Sequence[str],
    rows: Iterable[Sequence[str]],
    *,
    numeric: Iterable[str] = (),
    sheet: str = "register",
) -> int:
    """Write a header and ``rows`` (cell texts in ``columns`` order) to ``path``.

    Returns the number of data rows. Raises :class:`XlsxCellError` for a value XLSX cannot
    hold (control characters) or when the rows do not fit in one sheet.
    """
    ncols = len(columns)
    letters = [column_letters(j) for j in range(ncols)]
    is_numeric = [c in set(numeric) for c in columns]
    n = 1
    with tempfile.TemporaryFile("w+", encoding="utf-8", dir=Path(path).parent) as body:
        write = body.write
        write(_row_xml(1, list(columns), letters, [False] * ncols, columns))
        for cells in rows:
            n += 1
            if n > MAX_ROWS:
                raise XlsxCellError(n, "", f"more than {MAX_ROWS - 1:,} rows: XLSX sheets hold "
                                           f"at most {MAX_ROWS:,} rows; export as CSV or GeoPackage")
            write(_row_xml(n, cells, letters, is_numeric, columns))
        body.seek(0)
        last = f"{letters[-1]}{n}" if ncols else "A1"
        with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
            zf.writestr("[Content_Types].xml", _CONTENT_TYPES)
            zf.writestr("_rels/.rels", _ROOT_RELS)
            zf.writestr("xl/workbook.xml", _workbook_xml(sheet))
            zf.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
            zf.writestr("xl/styles.xml", _STYLES)
            with zf.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as raw:
                raw.write(
                    (
                        _XML_DECL + f'<worksheet xmlns="{_MAIN_NS}" xmlns:r="{_REL_NS}">'
                        f'<dimension ref="A1:{last}"/><sheetData>'
                    ).encode()
                )
                shutil.copyfileobj(_Encoder(body), raw, 1 << 20)
                raw.write(b"</sheetData></worksheet>")
    return n - 1


def _workbook_xml(sheet: str) -> str:
    return (
        _XML_DECL + f'<workbook xmlns="{_MAIN_NS}" xmlns:r="{_REL_NS}"><sheets>'
        f'<sheet name="{_escape_text(sheet)}" sheetId="1" r:id="rId1"/></sheets></workbook>'
    )


class _Encoder:
    """Reads a text file as UTF-8 bytes (for :func:`shutil.copyfileobj`)."""

    def __init__(self, fh):
        self.fh = fh

    def read(self, size: int = -1) -> bytes:
        return self.fh.read(size).encode("utf-8")


def _row_xml(
    n: int,
    cells: Sequence[str],
    letters: list[str],
    is_numeric: list[bool],
    columns: Sequence[str],
) -> str:
    joined = _SEP.join(cells)
    scan = _SEP + joined + _SEP
    plain = not (_MARKUP.search(joined) or _START.search(scan) or _END.search(scan)
                 or joined.count(_SEP) != len(cells) - 1)  # a NUL inside a value
    if not plain:
        for j, c in enumerate(cells):
            if m := _ILLEGAL.search(c):
                raise XlsxCellError(
                    n, columns[j], f"contains the character U+{ord(m.group()):04X}, which an "
                    "XLSX file cannot hold; export as CSV, GeoJSON or GeoPackage")
        cells = _escape_text(joined).split(_SEP)
    parts = [f'<row r="{n}">']
    append = parts.append
    for j, v in enumerate(cells):
        if not v:
            continue
        if is_numeric[j] and _XLSX_NUMBER.fullmatch(v):
            append(f'<c r="{letters[j]}{n}"><v>{v}</v></c>')
            continue
        style = ""
        space = ""
        if not plain:
            raw = v.replace("&#13;", "\r")
            if raw[0].isspace() or raw[-1].isspace():
                space = ' xml:space="preserve"'
            if is_risky(_unescape_xml(v)):
                style = ' s="1"'
        append(f'<c r="{letters[j]}{n}"{style} t="inlineStr"><is><t{space}>{v}</t></is></c>')
    append("</row>")
    return "".join(parts)


def _unescape_xml(v: str) -> str:
    return v.replace("&#13;", "\r").replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")

