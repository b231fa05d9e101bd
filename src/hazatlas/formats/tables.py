"""Flat tables (CSV, XLSX, GeoJSON, GeoPackage) as rows of strings: the table, its rows, and
reading or writing one file in whichever of the formats its extension names.

Readers return :class:`RawTable`: the file name, the column names and the rows, each with the
row number a user sees (CSV/XLSX: header = row 1; GeoJSON/GeoPackage: first feature = row 1).
Geometry (GeoJSON, GeoPackage) becomes ``lon``/``lat`` columns for points and
``site_polygon_wkt`` for polygons. Each format has its module (:mod:`.csv_table`,
:mod:`.xlsx_read`/:mod:`.xlsx_writer`, :mod:`.geojson_table`, :mod:`.gpkg_table`), imported when
a file of that format is read or written.
"""

from __future__ import annotations

import codecs
import datetime as dt
import math
import re
import stat
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hazatlas.domain.errors import Problem, ValidationError

FORMATS = {
    ".csv": "csv",
    ".xlsx": "xlsx",
    ".geojson": "geojson",
    ".json": "geojson",
    ".gpkg": "gpkg",
}


class Row(Mapping[str, str]):
    """One data row: a read-only mapping from column name to (stripped) cell text.

    Rows of one table share the column index and keep their cells in a tuple, which takes a
    fraction of the memory of a dict per row. A column the row has no cell for reads as absent.
    """

    __slots__ = ("cells", "index")

    def __init__(self, index: dict[str, int], cells: tuple[str, ...]):
        self.index = index
        self.cells = cells

    def __getitem__(self, key: str) -> str:
        i = self.index[key]
        if i >= len(self.cells):
            raise KeyError(key)
        return self.cells[i]

    def get(self, key: str, default: Any = None) -> Any:
        i = self.index.get(key)
        if i is None or i >= len(self.cells):
            return default
        return self.cells[i]

    def __iter__(self) -> Iterator[str]:
        n = len(self.cells)
        return (k for k, i in self.index.items() if i < n)

    def __len__(self) -> int:
        n = len(self.cells)
        return sum(1 for i in self.index.values() if i < n)

    def __repr__(self) -> str:
        return f"Row({dict(self)!r})"


@dataclass
class RawTable:
    source: str
    columns: list[str]
    rows: list[tuple[int, Mapping[str, str]]]


MAX_NAME_SHOWN = 100
_UNSHOWABLE = re.compile(r"[\x00-\x1f\x7f\ud800-\udfff]")


def shown(text: str, limit: int = MAX_NAME_SHOWN) -> str:
    """``text`` as it may be shown in a message: control characters, NUL and unpaired surrogates
    escaped (``\\x00``, ``\\ud800``), cut to ``limit`` characters with "…".

    >>> shown("a\\x00b" + "c" * 200, 7)
    'a\\\\x00b…'
    """
    if _UNSHOWABLE.search(text):
        text = _UNSHOWABLE.sub(lambda m: ascii(m.group())[1:-1], text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def display_name(path: str | Path | None) -> str:
    r"""The name of a file as messages show it: its own name (after the last ``/`` or ``\``),
    never its directory (which may be a server's temporary directory, or a client's path), made
    showable by :func:`shown`. Also for the name a client gives an upload (never used as a path).

    >>> display_name("..\\..\\r.csv"), display_name(Path("/tmp/x/a.csv")), display_name(None)
    ('r.csv', 'a.csv', '')
    """
    text = str(path) if path is not None else ""
    return shown(re.split(r"[/\\]", text)[-1] or text)


def format_of(path: Path, explicit: str | None = None, *, source: str | None = None) -> str:
    if explicit:
        if explicit not in set(FORMATS.values()):
            raise ValidationError(
                [
                    Problem(
                        "parameter",
                        None,
                        "format",
                        f"'{shown(explicit)}' is not one of csv, xlsx, geojson, gpkg",
                    )
                ]
            )
        return explicit
    suffix = Path(path).suffix
    fmt = FORMATS.get(suffix.lower())
    if fmt is None:
        what = f"unknown file type '{shown(suffix)}'" if suffix else "no file type (extension)"
        raise ValidationError(
            [
                Problem(
                    display_name(path) if source is None else source,
                    None,
                    "",
                    f"{what}: expected .csv, .xlsx, .geojson/.json or .gpkg",
                )
            ]
        )
    return fmt


def cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        return repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


MAX_READ_PROBLEMS = 1000
"""A reader stops listing problems after this many (the file is refused either way)."""
GEOMETRY_TYPES = ("Point", "Polygon", "MultiPolygon")


class ReadProblems:
    """Problems found while reading one file; raised together at the end."""

    def __init__(self, source: str):
        self.source = source
        self.items: list[Problem] = []

    def add(self, row: int | None, field: str, message: str) -> None:
        if len(self.items) < MAX_READ_PROBLEMS:
            self.items.append(Problem(self.source, row, shown(field), message))

    def raise_any(self) -> None:
        if self.items:
            raise ValidationError(self.items)


def read_table(path: Path, fmt: str | None = None, *, layer: str | None = None,
               source: str | None = None) -> RawTable:
    """Read a register table; a file that cannot be read is a :class:`ValidationError` naming the
    file by its own name (never its directory), or ``source`` (e.g. an uploaded file's name on
    the client), and, where one applies, the row and column."""
    path = Path(path)
    source = display_name(path) if source is None else source
    kind = format_of(path, fmt, source=source)
    try:
        st = path.stat()
    except FileNotFoundError:
        raise ValidationError([Problem(source, None, "", "file not found")]) from None
    except (OSError, ValueError) as exc:  # ValueError: a NUL in the name
        why = getattr(exc, "strerror", None) or str(exc)
        raise ValidationError([Problem(source, None, "", f"cannot be read ({why})")]) from None
    if not stat.S_ISREG(st.st_mode):
        raise ValidationError([Problem(source, None, "", "is not a file")])
    if kind == "csv":
        from hazatlas.formats.csv_table import read_csv

        return read_csv(path, source)
    if kind == "xlsx":
        return _read_xlsx(path, source)
    if kind == "geojson":
        from hazatlas.formats.geojson_table import read_geojson

        return read_geojson(path, source)
    from hazatlas.formats.gpkg_table import read_gpkg

    return read_gpkg(path, layer, source)


def _read_xlsx(path: Path, source: str) -> RawTable:
    from hazatlas.formats.xlsx_read import read_xlsx_rows

    header, cells = read_xlsx_rows(path, source)
    index = {h: i for i, h in enumerate(header)}
    return RawTable(source, header, [(n, Row(index, c)) for n, c in cells])


def read_text(path: Path, source: str, what: str) -> str:
    """The file's text: UTF-8, with or without a byte order mark; anything else is refused with
    the byte where it stops being UTF-8."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ValidationError(
            [Problem(source, None, "", f"cannot be read ({exc.strerror or exc})")]
        ) from None
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF32_LE)):
        raise ValidationError(
            [Problem(source, None, "", f"is UTF-16 or UTF-32 text: save the {what} as UTF-8")]
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValidationError(
            [
                Problem(
                    source,
                    None,
                    "",
                    f"not UTF-8 text ({exc.reason} at byte {exc.start}): save the {what} as UTF-8",
                )
            ]
        ) from None


def number_text(value: float | int) -> str | None:
    """A JSON or GeoPackage number as text; ``None`` if it is not finite."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    value = float(value)
    return repr(value) if math.isfinite(value) else None


def polygon_columns(shape: Any) -> dict[str, str]:
    c = shape.representative_point()
    return {
        "site_polygon_wkt": shape.wkt,
        "_centroid_lon": repr(c.x),
        "_centroid_lat": repr(c.y),
    }


def write_table(
    path: Path,
    columns: Sequence[str],
    rows: Iterable[Mapping[str, object]],
    fmt: str | None = None,
    *,
    numeric: Iterable[str] = (),
) -> int:
    """Write rows (mappings keyed by column) to ``path``; the format follows the extension.

    Rows are consumed one at a time (see :func:`write_rows`); returns the number written.
    """
    cols = list(columns)
    return write_rows(path, cols, ([cell_text(r.get(c)) for c in cols] for r in rows), fmt,
                      numeric=numeric)


def write_rows(
    path: Path,
    columns: Sequence[str],
    rows: Iterable[Sequence[str]],
    fmt: str | None = None,
    *,
    numeric: Iterable[str] = (),
    members: Mapping[str, object] | None = None,
) -> int:
    """Write ``rows`` (cell texts in ``columns`` order) to ``path`` as they come, in constant
    memory; returns the number of rows written.

    The file is written under a temporary name next to ``path`` and renamed when complete:
    after an error nothing is left behind and an existing ``path`` is unchanged.

    Spreadsheet safety (docs/register-format.md, "Export"): CSV cells that a spreadsheet would
    evaluate as a formula are written with a leading ``'`` (:func:`cells.escape_cell`, undone
    by :func:`read_table`); XLSX writes text as string cells, never formulas, and the
    ``numeric`` columns' numbers as number cells. GeoJSON and GeoPackage hold the texts as they
    are. ``lon``/``lat`` become the point geometry in GeoJSON and GeoPackage. ``members``
    (GeoJSON only) are written as foreign members of the FeatureCollection.
    """
    path = Path(path)
    kind = format_of(path, fmt)
    cols = list(columns)
    tmp = path.with_name(f".{path.stem}.part{path.suffix}")
    try:
        if kind == "csv":
            from hazatlas.formats.csv_table import write_csv

            n = write_csv(tmp, cols, rows)
        elif kind == "xlsx":
            from hazatlas.formats.xlsx_writer import XlsxCellError, write_xlsx

            try:
                n = write_xlsx(tmp, cols, rows, numeric=numeric)
            except XlsxCellError as exc:
                raise ValidationError(
                    [Problem(path.name, exc.row, exc.column, str(exc))]
                ) from None
        elif kind == "geojson":
            from hazatlas.formats.geojson_table import write_geojson

            n = write_geojson(tmp, cols, rows, members)
        else:
            from hazatlas.formats.gpkg_table import write_gpkg

            n = write_gpkg(tmp, cols, rows)
        tmp.replace(path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return n
