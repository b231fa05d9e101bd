"""A streaming, defensive reader of one worksheet of an XLSX workbook, as rows of strings.

Why not openpyxl's reader: it trusts the sheet's ``<dimension>`` element (rows beyond it were
dropped, and a dimension such as ``A1:XFD1048576`` padded every row to 16,384 cells), and its XML
parsing of a hostile file ends in tracebacks. This reader:

- reads every ``<row>`` of the sheet whatever the ``<dimension>`` says, one row at a time, and
  keeps only the cells under named header columns (memory: the rows kept, not the sheet);
- refuses any XML with a document type declaration (DTD), before the parser sees it: spreadsheet
  parts never have one, and without one there are no entities to expand (billion laughs) and no
  external entities to fetch (XXE); lxml runs with ``resolve_entities=False``, ``no_network``
  and ``huge_tree=False`` besides;
- counts the bytes it decompresses and stops a zip bomb at :func:`uncompressed_limit`;
- turns every cell type into text: shared and inline strings, numbers (dates by the cell's
  number format), booleans as ``true``/``false``; a spreadsheet error (``#REF!``) or a formula
  without a computed value is a problem naming the row and column.
"""

from __future__ import annotations

import contextlib
import posixpath
import re
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from xml.parsers import expat

from lxml import etree  # type: ignore[import-untyped]

from hazatlas.domain.errors import Problem, ValidationError

MAX_UNCOMPRESSED_BYTES = 1 << 30
"""Never decompress more than this (1 GiB) from one workbook."""
MIN_ALLOWANCE_BYTES = 64 << 20
RATIO_ALLOWANCE = 100
MAX_CELL_PROBLEMS = 100
MAX_PARTS_ENTRIES = 100_000  # sheets, relationships, styles and number formats of a workbook
MAX_SHARED_STRINGS = 10_000_000
_CHUNK = 1 << 16  # the parser builds the elements of one chunk at a time: keep it small
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_STRICT = "http://purl.oclc.org/ooxml/spreadsheetml/main"
_REL_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
_STRICT_REL_ID = "{http://purl.oclc.org/ooxml/officeDocument/relationships}id"
_REF = re.compile(r"^([A-Z]{1,3})([1-9][0-9]{0,6})?$")


def uncompressed_limit(file_size: int) -> int:
    """How many bytes may be decompressed from an XLSX file of ``file_size`` bytes: 100 times
    its size, at least 64 MiB, never more than 1 GiB (documented in docs/register-format.md)."""
    return min(MAX_UNCOMPRESSED_BYTES, max(MIN_ALLOWANCE_BYTES, RATIO_ALLOWANCE * file_size))


class _Refused(Exception):
    """The workbook is refused; the message says why (shown to the user as it is)."""


class _Broken(Exception):
    """A part of the workbook is not well-formed XML."""


def _local(tag: object) -> str:
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def _drop(el: etree._Element) -> None:
    """Free an element once read, and the siblings read before it."""
    el.clear(keep_tail=True)
    parent = el.getparent()
    if parent is not None:
        while el.getprevious() is not None:
            del parent[0]


def _capped(items: Iterator[etree._Element], what: str, cap: int = MAX_PARTS_ENTRIES):
    for n, el in enumerate(items):
        if n >= cap:
            raise _Refused(f"it has more than {cap:,} {what}")
        yield el


class _Workbook:
    def __init__(self, zf: zipfile.ZipFile, limit: int):
        self.zf = zf
        self.remaining = limit
        self.limit = limit
        self.names = {i.filename.lstrip("/"): i.filename for i in zf.infolist()}

    def _chunks(self, member: str) -> Iterator[bytes]:
        name = self.names.get(member)
        if name is None:
            raise _Refused(f"the part '{member}' is missing")
        with self.zf.open(name) as fh:
            while chunk := fh.read(_CHUNK):
                self.remaining -= len(chunk)
                if self.remaining < 0:
                    raise _Refused(
                        f"it decompresses to more than {self.limit // (1 << 20)} MiB "
                        "(a zip bomb?); the limit is 100 times the file's size, at least 64 MiB, "
                        "at most 1 GiB"
                    )
                yield chunk

    def events(self, member: str, *tags: str) -> Iterator[etree._Element]:
        """The elements of a part named one of ``tags``, each when it ends."""
        parser = etree.XMLPullParser(
            events=("end",),
            tag=["{*}" + t for t in tags],
            resolve_entities=False,
            no_network=True,
            huge_tree=False,
            load_dtd=False,
            remove_comments=True,
            remove_pis=True,
        )
        guard = _PrologGuard(member)
        for chunk in self._chunks(member):
            guard.feed(chunk)
            parser.feed(chunk)
            yield from (el for _, el in parser.read_events())
        parser.close()
        yield from (el for _, el in parser.read_events())

    def has(self, member: str) -> bool:
        return member in self.names


class _PrologGuard:
    """Parses a part only up to its root element and refuses a document type declaration."""

    def __init__(self, member: str):
        self.member = member
        self.started = False
        self.parser = expat.ParserCreate()
        self.parser.StartDoctypeDeclHandler = self._doctype
        self.parser.EntityDeclHandler = self._doctype
        self.parser.StartElementHandler = self._start

    def _doctype(self, *_: object) -> None:
        raise _Refused(
            f"'{self.member}' has a document type declaration (DTD); spreadsheets have none, "
            "and entity declarations (billion laughs, external entities) are refused"
        )

    def _start(self, *_: object) -> None:
        self.started = True

    def feed(self, chunk: bytes) -> None:
        if not self.started:
            try:
                self.parser.Parse(chunk, False)
            except expat.ExpatError as exc:
                raise _Broken(f"in '{self.member}': {expat.ErrorString(exc.code)}, line {exc.lineno} "
                              f"column {exc.offset}") from None


def _resolve(base: str, target: str) -> str:
    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join(posixpath.dirname(base), target))


def _rels(wb: _Workbook, part: str) -> dict[str, str]:
    rels_part = posixpath.join(posixpath.dirname(part), "_rels", posixpath.basename(part) + ".rels")
    if not wb.has(rels_part):
        return {}
    out = {}
    for el in _capped(wb.events(rels_part, "Relationship"), "relationships"):
        rid, target = el.get("Id"), el.get("Target")
        if rid and target and el.get("TargetMode") != "External":
            out[rid] = _resolve(part, target)
        _drop(el)
    return out


def _workbook_part(wb: _Workbook) -> str:
    for el in _capped(wb.events("_rels/.rels", "Relationship"), "relationships"):
        if el.get("Type", "").endswith("/officeDocument") and el.get("Target"):
            return _resolve("", el.get("Target"))
        _drop(el)
    return "xl/workbook.xml"


def _sheet_part(wb: _Workbook, book: str) -> tuple[str, bool]:
    """The part of the sheet named ``register`` (else the first sheet) and the 1904 date flag."""
    sheets: list[tuple[str, str]] = []
    date1904 = False
    for el in _capped(wb.events(book, "sheet", "workbookPr"), "sheets"):
        if _local(el.tag) == "sheet":
            rid = el.get(_REL_ID) or el.get(_STRICT_REL_ID) or ""
            sheets.append((el.get("name") or "", rid))
        else:
            date1904 = (el.get("date1904") or "").lower() in ("1", "true")
        _drop(el)
    if not sheets:
        raise _Refused("the workbook has no sheet")
    rels = _rels(wb, book)
    name, rid = next((s for s in sheets if s[0] == "register"), sheets[0])
    part = rels.get(rid)
    if part is None:
        raise _Refused(f"the sheet '{name}' has no part in the workbook")
    return part, date1904


def _text_of(el: etree._Element) -> str:
    """The text of a shared or inline string: its ``<t>`` and rich-text runs, without phonetic
    runs (``<rPh>``)."""
    parts = []
    for child in el:
        name = _local(child.tag)
        if name == "t":
            parts.append(child.text or "")
        elif name == "r":
            parts.extend(t.text or "" for t in child if _local(t.tag) == "t")
    return "".join(parts)


def _shared_strings(wb: _Workbook, book: str) -> list[str]:
    rels = _rels(wb, book)
    part = next((p for p in rels.values() if p.endswith("sharedStrings.xml")), None)
    if part is None or not wb.has(part):
        return []
    out = []
    for el in _capped(wb.events(part, "si"), "shared strings", MAX_SHARED_STRINGS):
        out.append(_text_of(el))
        _drop(el)
    return out


def _date_styles(wb: _Workbook, book: str) -> set[int]:
    """Indexes of the cell styles whose number format shows a date or a time."""
    from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format  # type: ignore[import-untyped]

    rels = _rels(wb, book)
    part = next((p for p in rels.values() if p.endswith("styles.xml")), None)
    if part is None or not wb.has(part):
        return set()
    custom: dict[int, str] = {}
    xf_formats: list[int] = []
    for el in _capped(wb.events(part, "numFmt", "xf"), "styles"):
        name = _local(el.tag)
        parent = el.getparent()
        if name == "numFmt":
            with contextlib.suppress(ValueError):
                custom[int(el.get("numFmtId", ""))] = el.get("formatCode") or ""
        elif parent is not None and _local(parent.tag) == "cellXfs":
            number = el.get("numFmtId") or "0"
            xf_formats.append(int(number) if number.isdigit() else 0)
        _drop(el)
    dates = set()
    for i, fmt_id in enumerate(xf_formats):
        code = custom.get(fmt_id, BUILTIN_FORMATS.get(fmt_id, ""))
        if code and is_date_format(code):
            dates.add(i)
    return dates


def _tags(name: str) -> frozenset[str]:
    return frozenset((f"{{{_MAIN}}}{name}", f"{{{_STRICT}}}{name}"))


_C, _V, _F, _IS, _T = _tags("c"), _tags("v"), _tags("f"), _tags("is"), _tags("t")


class _Cells:
    """Turns ``<c>`` elements into text, collecting problems (error values, missing results)."""

    def __init__(self, source: str, strings: list[str], dates: set[int], date1904: bool):
        self.source, self.strings, self.dates, self.date1904 = source, strings, dates, date1904
        self.problems: list[Problem] = []
        self.header: list[str] = []

    def bad(self, row: int, col: int, message: str) -> None:
        """A problem in the cell of ``row`` (as numbered in the sheet) and 0-based ``col``,
        named by its header when there is one."""
        if len(self.problems) < MAX_CELL_PROBLEMS:
            name = self.header[col] if col < len(self.header) else ""
            ref = f"{_column_letters(col)}{row}"
            self.problems.append(Problem(self.source, row, name or _column_letters(col),
                                         f"cell {ref} {message}"))

    def text(self, c: etree._Element, row: int, col: int) -> str:
        kind = c.get("t")
        value = formula = inline = None
        for child in c:
            tag = child.tag
            if tag in _V:
                value = child.text or ""
            elif tag in _IS:
                inline = child
            elif tag in _F:
                formula = child.text or ""
        if kind == "inlineStr":
            return _inline_text(inline)
        if value is None:
            if formula is not None:
                self.bad(row, col, f"has the formula '={formula[:50]}' without a computed value: "
                         "open and save the file in a spreadsheet program, or enter the value")
            return ""
        if kind is None or kind == "n":
            value = value.strip()
            if value and self.dates and self._is_date_style(c.get("s")):
                return self._date(value, row, col)
            return value
        return self._typed(kind, value, row, col)

    def _is_date_style(self, style: str | None) -> bool:
        """Whether the cell style ``s`` shows a number as a date or a time."""
        return style is not None and style.isdigit() and int(style) in self.dates

    def _typed(self, kind: str, value: str, row: int, col: int) -> str:
        """A cell whose ``t`` is not a number nor an inline string: a shared string, an error
        value, a boolean, a formula's string result or an ISO 8601 date."""
        if kind == "s":
            try:
                return self.strings[int(value)].strip()
            except (ValueError, IndexError):
                self.bad(row, col, f"refers to shared string '{value[:20]}', which does not exist")
                return ""
        if kind == "e":
            self.bad(row, col, f"holds the spreadsheet error {value[:20]}: expected a value")
            return ""
        if kind == "b":
            return "true" if value.strip() in ("1", "true") else "false"
        if kind in ("str", "d"):
            return value.strip()
        self.bad(row, col, f"has the unknown cell type '{kind[:20]}'")
        return ""

    def _date(self, value: str, row: int, col: int) -> str:
        import datetime as dt

        from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900, from_excel  # type: ignore[import-untyped]

        try:
            when = from_excel(float(value), CALENDAR_MAC_1904 if self.date1904 else CALENDAR_WINDOWS_1900)
        except (ValueError, OverflowError, TypeError):
            self.bad(row, col, f"holds '{value[:30]}', which is not a date serial number")
            return ""
        if isinstance(when, dt.datetime):
            return when.date().isoformat() if when.time() == dt.time() else when.isoformat()
        if isinstance(when, (dt.date, dt.time)):
            return when.isoformat()
        return str(when)


def _inline_text(inline: etree._Element | None) -> str:
    """The text of an inline string (``<is>``), stripped."""
    if inline is None:
        return ""
    if len(inline) == 1 and inline[0].tag in _T:  # the usual <is><t>text</t></is>
        return (inline[0].text or "").strip()
    return _text_of(inline).strip()


def _column_index(ref: str, letters_cache: dict[str, int]) -> int:
    """0-based column of a cell reference such as ``AB12`` (remembered in ``letters_cache``)."""
    if not _REF.match(ref):
        raise _Refused(f"'{ref[:20]}' is not a cell reference")
    letters = ref.rstrip("0123456789")
    index = 0
    for ch in letters:
        index = index * 26 + (ord(ch) - 64)
    index -= 1
    if index >= 16384:
        raise _Refused(f"the cell reference '{ref[:20]}' is beyond column XFD")
    letters_cache[letters] = index
    return index


def _column_letters(index: int) -> str:
    out = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        out = chr(65 + rem) + out
    return out


def read_xlsx_rows(path: Path, source: str) -> tuple[list[str], list[tuple[int, tuple[str, ...]]]]:
    """The header (the first row with a value) and the data rows of the sheet named
    ``register`` (else the first sheet): each row's number as the spreadsheet shows it and its
    cells under the header's columns, stripped. Empty rows are left out.

    Raises :class:`ValidationError` naming ``source`` (and the row and column where one applies).
    """
    try:
        size = path.stat().st_size
        with zipfile.ZipFile(path) as zf:
            wb = _Workbook(zf, uncompressed_limit(size))
            return _read(wb, source)
    except ValidationError:
        raise
    except _Refused as exc:
        raise ValidationError([Problem(source, None, "", f"refused as XLSX: {exc}")]) from None
    except (etree.XMLSyntaxError, _Broken) as exc:
        why = exc.msg if isinstance(exc, etree.XMLSyntaxError) else str(exc)
        raise ValidationError(
            [Problem(source, None, "", f"not a readable XLSX file (broken XML {why})")]
        ) from None
    except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
        raise ValidationError(
            [Problem(source, None, "", f"not a readable XLSX file (broken ZIP archive: {exc}); "
                     "note that .xls and password-protected workbooks cannot be read")]
        ) from None
    except (NotImplementedError, RuntimeError, ValueError, OSError) as exc:
        raise ValidationError(
            [Problem(source, None, "", f"not a readable XLSX file ({exc.__class__.__name__}: {exc})")]
        ) from None


def _read(wb: _Workbook, source: str) -> tuple[list[str], list[tuple[int, tuple[str, ...]]]]:
    book = _workbook_part(wb)
    sheet, date1904 = _sheet_part(wb, book)
    cells = _Cells(source, _shared_strings(wb, book), _date_styles(wb, book), date1904)
    header: list[str] | None = None
    names: list[str] = []
    keep: list[int] = []  # sheet column -> position in the row's cells, -1 = nameless column
    rows: list[tuple[int, tuple[str, ...]]] = []
    letters_cache: dict[str, int] = {}
    row_number = 0
    for row in wb.events(sheet, "row"):
        r = row.get("r")
        if r is None:
            row_number += 1
        elif r.isdigit() and 0 < int(r) <= 1_048_576:
            row_number = int(r)
        else:
            raise _Refused(f"'{r[:20]}' is not a row number")
        values = _row_values(row, row_number, cells, letters_cache)
        _drop(row)
        if not values:
            continue
        if header is None:
            header = [values.get(i, "") for i in range(max(values) + 1)]
            cells.header = header
            names, keep = _columns(header, source, row_number)
            continue
        out = [""] * len(names)
        for i, text in values.items():
            pos = keep[i] if i < len(keep) else -1
            if pos < 0:
                cells.bad(row_number, i,
                          f"holds '{text[:40]}' but its column has no name in the header row")
            else:
                out[pos] = text
        rows.append((row_number, tuple(out)))
    if cells.problems:
        raise ValidationError(cells.problems)
    if header is None:
        raise ValidationError([Problem(source, None, "", "the sheet is empty")])
    return names, rows


def _row_values(
    row: etree._Element, row_number: int, cells: _Cells, letters_cache: dict[str, int]
) -> dict[int, str]:
    """The non-empty cells of a ``<row>`` by 0-based sheet column."""
    values: dict[int, str] = {}
    col = -1
    for c in row:
        if c.tag not in _C:
            continue
        ref = c.get("r")
        if ref is None:
            col += 1
        else:
            col = letters_cache.get(ref.rstrip("0123456789"), -1)
            if col < 0:
                col = _column_index(ref, letters_cache)
        text = cells.text(c, row_number, col)
        if text:
            values[col] = text
    return values


def _columns(header: list[str], source: str, row_number: int) -> tuple[list[str], list[int]]:
    """The column names of the header row, and for each sheet column its position among the
    names (-1 for a column without a name). A name given twice is refused."""
    names = [h for h in header if h]
    if len(set(names)) < len(names):
        twice = next(h for h in names if names.count(h) > 1)
        raise ValidationError([Problem(source, row_number, twice,
                                       "the column name appears twice in the header row")])
    position = {h: i for i, h in enumerate(names)}
    return names, [position[h] if h else -1 for h in header]
