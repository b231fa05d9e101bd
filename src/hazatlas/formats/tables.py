"""Reading and writing flat tables (CSV, XLSX, GeoJSON, GeoPackage) as rows of strings.

Readers return :class:`RawTable`: the file name, the column names and the rows, each with the
row number a user sees (CSV/XLSX: header = row 1; GeoJSON/GeoPackage: first feature = row 1).
Geometry (GeoJSON, GeoPackage) becomes ``lon``/``lat`` columns for points and
``site_polygon_wkt`` for polygons.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import datetime as dt
import gc
import io
import json
import math
import operator
import re
import stat
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hazatlas.domain.errors import Problem, ValidationError
from hazatlas.formats.cells import unescape_row

FORMATS = {
    ".csv": "csv",
    ".xlsx": "xlsx",
    ".geojson": "geojson",
    ".json": "geojson",
    ".gpkg": "gpkg",
}


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while a large file is read or parsed.

    Reading allocates millions of long-lived, acyclic objects; each burst would otherwise
    trigger collections that walk all of them again. The previous state is restored afterwards.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


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


def display_name(path: Path) -> str:
    """The name of a file as messages show it: its own name, never its directory (which may be
    a server's temporary directory)."""
    return shown(Path(path).name or str(path))


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


def _cell(value: object) -> str:
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


class _Problems:
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
        return _read_csv(path, source)
    if kind == "xlsx":
        return _read_xlsx(path, source)
    if kind == "geojson":
        return _read_geojson(path, source)
    return _read_gpkg(path, layer, source)


def _text(path: Path, source: str, what: str) -> str:
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


def _read_csv(path: Path, source: str) -> RawTable:
    text = _text(path, source, "CSV file")
    # strict: a quoted field left open at the end of the file is an error, not a field that
    # swallows every line after it
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    del text
    n = 1
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise ValidationError([Problem(source, None, "", "the file is empty")]) from None
    except csv.Error as exc:
        raise _csv_problem(source, 1, exc) from None
    index = {h: i for i, h in enumerate(header)}
    if len(index) < len(header):
        twice = next(h for h in header if header.count(h) > 1)
        raise ValidationError(
            [Problem(source, 1, shown(twice), "the column name appears twice in the header row")]
        )
    width = len(header)
    strip = str.strip
    rows: list[tuple[int, Mapping[str, str]]] = []
    append = rows.append
    with gc_paused():
        try:
            for n, values in enumerate(reader, start=2):  # noqa: B007 - n names the row on error
                cells = unescape_row(tuple(map(strip, values)))  # undo the export's escape
                if not any(cells):
                    continue
                if len(cells) > width:
                    raise ValidationError(
                        [
                            Problem(
                                source,
                                n,
                                "",
                                f"{len(values)} cells but the header has {width} columns",
                            )
                        ]
                    )
                append((n, Row(index, cells)))
        except csv.Error as exc:
            raise _csv_problem(source, n + 1, exc) from None
    return RawTable(source, header, rows)


def _csv_problem(source: str, row: int, exc: csv.Error) -> ValidationError:
    why = str(exc)
    if "field larger than field limit" in why:
        why = f"a field is longer than {csv.field_size_limit():,} characters"
    elif "unexpected end of data" in why:
        why = "a quoted field is not closed before the end of the file (a missing '\"')"
    elif "expected after" in why:
        why = "a quoted field has text after its closing quote (a '\"' inside a field must be doubled)"
    return ValidationError([Problem(source, row, "", f"not readable as CSV: {why}")])


def _read_xlsx(path: Path, source: str) -> RawTable:
    from hazatlas.formats.xlsx_read import read_xlsx_rows

    header, cells = read_xlsx_rows(path, source)
    index = {h: i for i, h in enumerate(header)}
    return RawTable(source, header, [(n, Row(index, c)) for n, c in cells])


def _number_text(value: float | int) -> str | None:
    """A JSON or GeoPackage number as text; ``None`` if it is not finite."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    value = float(value)
    return repr(value) if math.isfinite(value) else None


def _property_text(value: object, problems: _Problems, row: int, name: str) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, (bool, int, float)):
        text = _number_text(value)
        if text is None:
            problems.add(row, name, "is not a finite number")
            return ""
        return text
    what = "an object" if isinstance(value, dict) else "a list"
    problems.add(row, name, f"is {what}: expected text or a number")
    return ""


def _position(value: object) -> tuple[float, float] | None:
    """(x, y) of a GeoJSON position [x, y] or [x, y, z] of finite numbers, else None."""
    if not isinstance(value, list) or len(value) not in (2, 3):
        return None
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value):
        return None
    x, y = float(value[0]), float(value[1])
    if not all(math.isfinite(float(v)) for v in value):
        return None
    return x, y


def _rings(value: object) -> list[list[tuple[float, float]]] | str:
    """The rings of GeoJSON Polygon coordinates, or what is wrong with them."""
    if not isinstance(value, list) or not value:
        return "a Polygon's coordinates must be a non-empty list of rings"
    rings = []
    for ring in value:
        if not isinstance(ring, list) or len(ring) < 4:
            return "each ring of a Polygon must be a list of at least 4 positions"
        points = [_position(p) for p in ring]
        if any(p is None for p in points):
            return "each position of a Polygon must be [lon, lat] (or [lon, lat, height]) of finite numbers"
        rings.append(points)
    return rings


def _geojson_geometry(geom: object, problems: _Problems, row: int) -> dict[str, str]:
    """Columns from a GeoJSON geometry (``lon``/``lat``, or ``site_polygon_wkt``)."""
    import shapely

    if geom is None:
        return {}
    if not isinstance(geom, dict):
        problems.add(row, "geometry", "is not an object: expected a GeoJSON geometry or null")
        return {}
    kind = geom.get("type")
    coords = geom.get("coordinates")
    if kind not in GEOMETRY_TYPES:
        problems.add(
            row,
            "geometry",
            f"geometry type '{shown(str(kind))}' is not supported: expected one of "
            + ", ".join(GEOMETRY_TYPES),
        )
        return {}
    if kind == "Point":
        point = _position(coords)
        if point is None:
            problems.add(
                row,
                "geometry",
                "a Point's coordinates must be [lon, lat] (or [lon, lat, height]) of finite numbers",
            )
            return {}
        return {"lon": repr(point[0]), "lat": repr(point[1])}
    polygons = [coords] if kind == "Polygon" else coords
    if not isinstance(polygons, list) or not polygons:
        problems.add(row, "geometry", "a MultiPolygon's coordinates must be a non-empty list of polygons")
        return {}
    shapes = []
    for polygon in polygons:
        rings = _rings(polygon)
        if isinstance(rings, str):
            problems.add(row, "geometry", rings)
            return {}
        shapes.append(shapely.Polygon(rings[0], rings[1:]))
    shape = shapes[0] if kind == "Polygon" else shapely.MultiPolygon(shapes)
    return _polygon_columns(shape)


def _polygon_columns(shape: Any) -> dict[str, str]:
    c = shape.representative_point()
    return {
        "site_polygon_wkt": shape.wkt,
        "_centroid_lon": repr(c.x),
        "_centroid_lat": repr(c.y),
    }


def _no_constant(name: str) -> float:
    raise ValueError(f"{name} is not a JSON number")


def _read_geojson(path: Path, source: str) -> RawTable:
    text = _text(path, source, "GeoJSON file")
    try:
        doc = json.loads(text, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        raise ValidationError(
            [Problem(source, None, "", f"not valid GeoJSON ({exc.msg}: line {exc.lineno} column {exc.colno})")]
        ) from None
    except RecursionError:
        raise ValidationError(
            [Problem(source, None, "", "not valid GeoJSON: nested too deeply")]
        ) from None
    except ValueError as exc:  # NaN/Infinity, an integer of more than 4300 digits
        raise ValidationError([Problem(source, None, "", f"not valid GeoJSON ({exc})")]) from None
    del text
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
        raise ValidationError([Problem(source, None, "", "expected a GeoJSON FeatureCollection")])
    features = doc.get("features")
    if not isinstance(features, list):
        raise ValidationError(
            [Problem(source, None, "features", "expected a list of features")]
        )
    problems = _Problems(source)
    rows: list[tuple[int, Mapping[str, str]]] = []
    columns: dict[str, None] = {}
    for n, feat in enumerate(features, start=1):
        if not isinstance(feat, dict) or feat.get("type", "Feature") != "Feature":
            problems.add(n, "", "is not a GeoJSON Feature object")
            continue
        props = feat.get("properties")
        if props is None:
            props = {}
        if not isinstance(props, dict):
            problems.add(n, "properties", "is not an object: expected an object or null")
            continue
        cells = {str(k).strip(): _property_text(v, problems, n, str(k)) for k, v in props.items()}
        cells.update(_geojson_geometry(feat.get("geometry"), problems, n))
        columns.update(dict.fromkeys(cells))
        rows.append((n, cells))
    problems.raise_any()
    return RawTable(source, list(columns), rows)


def _gpkg_message(exc: Exception, path: Path, source: str) -> str:
    """The reader's message with every spelling of the file's location replaced by its name."""
    message = str(exc)
    for spelled in {str(path), str(path.resolve()), path.as_posix(), str(path.absolute())}:
        message = message.replace(spelled, source)
    for parent in {str(path.parent), str(path.resolve().parent), str(path.absolute().parent)}:
        if parent not in ("", "."):
            message = message.replace(parent, "…")
    return shown(message, 300)


def _gpkg_cell(value: object, problems: _Problems, row: int, name: str) -> str:
    import numpy as np

    if value is None or value is np.ma.masked:
        return ""
    if isinstance(value, (bytes, bytearray, memoryview)):
        problems.add(row, name, "holds binary data: expected text or a number")
        return ""
    if isinstance(value, np.datetime64):
        return "" if np.isnat(value) else str(value)
    if isinstance(value, (bool, np.bool_)):
        return "true" if value else "false"
    if isinstance(value, (float, np.floating)):
        if math.isnan(value):
            return ""
        text = _number_text(float(value))
        if text is None:
            problems.add(row, name, "is not a finite number")
            return ""
        return text
    if isinstance(value, np.integer):
        return str(int(value))
    if isinstance(value, (dt.date, dt.datetime)):
        return _cell(value)
    return str(value).strip()


def _shape_columns(g: Any, problems: _Problems, row: int) -> dict[str, str]:
    import numpy as np
    import shapely

    kind = g.geom_type
    if kind not in GEOMETRY_TYPES:
        problems.add(
            row,
            "geometry",
            f"geometry type '{kind}' is not supported: expected one of " + ", ".join(GEOMETRY_TYPES),
        )
        return {}
    if g.is_empty:
        problems.add(row, "geometry", f"the {kind} is empty")
        return {}
    if not np.isfinite(shapely.get_coordinates(g)).all():
        problems.add(row, "geometry", f"the {kind} has coordinates that are not finite numbers")
        return {}
    if kind == "Point":
        return {"lon": repr(float(g.x)), "lat": repr(float(g.y))}
    return _polygon_columns(shapely.force_2d(g))


def _read_gpkg(path: Path, layer: str | None, source: str) -> RawTable:
    import warnings

    import pyogrio
    import shapely

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            meta, _fids, geometry, field_data = pyogrio.raw.read(path, layer=layer)
    except Exception as exc:  # GDAL raises many types for a broken file or a missing layer
        raise ValidationError(
            [Problem(source, None, "", f"not a readable GeoPackage ({_gpkg_message(exc, path, source)})")]
        ) from None
    fields = [str(f) for f in meta["fields"]]
    count = len(geometry) if geometry is not None else (len(field_data[0]) if fields else 0)
    problems = _Problems(source)
    rows: list[tuple[int, Mapping[str, str]]] = []
    for i in range(count):
        n = i + 1
        props = {f: _gpkg_cell(field_data[j][i], problems, n, f) for j, f in enumerate(fields)}
        wkb = geometry[i] if geometry is not None else None
        if wkb is not None:
            try:
                g = shapely.from_wkb(wkb)
            except (shapely.errors.GEOSException, ValueError, TypeError):
                problems.add(n, "geometry", "is not a readable geometry")
                g = None
            if g is not None:
                props.update(_shape_columns(g, problems, n))
        rows.append((n, props))
    problems.raise_any()
    return RawTable(source, fields + ["lon", "lat"], rows)


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
    return write_rows(path, cols, ([_cell(r.get(c)) for c in cols] for r in rows), fmt,
                      numeric=numeric)


GPKG_BATCH = 20_000  # GeoPackage features written per call (bounds the memory)


def write_rows(
    path: Path,
    columns: Sequence[str],
    rows: Iterable[Sequence[str]],
    fmt: str | None = None,
    *,
    numeric: Iterable[str] = (),
) -> int:
    """Write ``rows`` (cell texts in ``columns`` order) to ``path`` as they come, in constant
    memory; returns the number of rows written.

    The file is written under a temporary name next to ``path`` and renamed when complete:
    after an error nothing is left behind and an existing ``path`` is unchanged.

    Spreadsheet safety (docs/register-format.md, "Export"): CSV cells that a spreadsheet would
    evaluate as a formula are written with a leading ``'`` (:func:`cells.escape_cell`, undone
    by :func:`read_table`); XLSX writes text as string cells, never formulas, and the
    ``numeric`` columns' numbers as number cells. GeoJSON and GeoPackage hold the texts as they
    are. ``lon``/``lat`` become the point geometry in GeoJSON and GeoPackage.
    """
    path = Path(path)
    kind = format_of(path, fmt)
    cols = list(columns)
    tmp = path.with_name(f".{path.stem}.part{path.suffix}")
    try:
        if kind == "csv":
            n = _write_csv(tmp, cols, rows)
        elif kind == "xlsx":
            from hazatlas.formats.xlsx_writer import XlsxCellError, write_xlsx

            try:
                n = write_xlsx(tmp, cols, rows, numeric=numeric)
            except XlsxCellError as exc:
                raise ValidationError(
                    [Problem(path.name, exc.row, exc.column, str(exc))]
                ) from None
        elif kind == "geojson":
            n = _write_geojson(tmp, cols, rows)
        else:
            n = _write_gpkg(tmp, cols, rows)
        tmp.replace(path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return n


def _write_csv(path: Path, columns: list[str], rows: Iterable[Sequence[str]]) -> int:
    from hazatlas.formats.cells import FORMULA_TRIGGERS, escape_cell

    # Only rows with a cell starting with a quote or a formula character need a closer look.
    # (a literal first character lets the regex engine skip ahead: 5x faster than ^|\x00)
    suspect = re.compile("\x00['" + re.escape("".join(sorted(FORMULA_TRIGGERS))) + "]")
    n = 0
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(columns)
        writerow = w.writerow
        search = suspect.search
        for cells in rows:
            if search("\x00" + "\x00".join(cells)):
                cells = [escape_cell(c) for c in cells]
            writerow(cells)
            n += 1
    return n


def _write_geojson(path: Path, columns: list[str], rows: Iterable[Sequence[str]]) -> int:
    """A FeatureCollection written feature by feature: the same text as ``json.dumps`` of the
    whole collection (``ensure_ascii=False``), with each feature's text put together from its
    cells encoded by the json module's own string encoder instead of building a dict per row."""
    from json.encoder import encode_basestring  # what json.dumps(ensure_ascii=False) uses

    prop_idx = [j for j, c in enumerate(columns) if c not in ("lon", "lat")]
    keys = [json.dumps(columns[j], ensure_ascii=False) + ": " for j in prop_idx]
    ilon, ilat = columns.index("lon"), columns.index("lat")
    pick = operator.itemgetter(*prop_idx) if len(prop_idx) > 1 else (
        (lambda cells: (cells[prop_idx[0]],)) if prop_idx else (lambda cells: ()))
    dumps, add, join = json.dumps, operator.add, ", ".join
    head = '{"type": "Feature", "geometry": {"type": "Point", "coordinates": '
    n = 0
    with path.open("w", encoding="utf-8") as fh:
        write = fh.write
        write('{"type": "FeatureCollection", "features": [')
        for cells in rows:
            coords = dumps([float(cells[ilon]), float(cells[ilat])])
            props = join(map(add, keys, map(encode_basestring, pick(cells))))
            write(f"{', ' if n else ''}{head}{coords}}}, \"properties\": {{{props}}}}}")
            n += 1
        write("]}")
    return n


def _write_gpkg(path: Path, columns: list[str], rows: Iterable[Sequence[str]]) -> int:
    """A GeoPackage (OGC 12-128r18, version 1.4 as GDAL writes it) with one point layer
    ``register``, written directly with :mod:`sqlite3`: the tables, triggers and R-tree index
    GDAL's GPKG driver creates, each feature's geometry a GeoPackage binary (the ``GP`` header
    with SRS 4326 and no envelope, then the WKB point). Writing 300,000 rows of 42 columns took
    pyogrio 11.9 s; this takes 3.9 s. Rows are inserted as they come, :data:`GPKG_BATCH` at a
    time (only their points are kept, for the R-tree, 16 bytes each). Texts are stored as they
    are, ``lon``/``lat`` as the point."""
    import sqlite3
    import struct
    from array import array
    from itertools import islice

    ilon, ilat = columns.index("lon"), columns.index("lat")
    keep = [j for j, c in enumerate(columns) if c not in ("lon", "lat")]
    fields = [_quote_ident(columns[j]) for j in keep]
    if path.exists():
        path.unlink()
    header = b"GP\x00\x01" + struct.pack("<i", 4326) + b"\x01\x01\x00\x00\x00"
    pack = struct.Struct("<dd").pack
    pick = operator.itemgetter(*keep) if len(keep) > 1 else (
        (lambda cells: (cells[keep[0]],)) if keep else (lambda cells: ()))
    n = 0
    xs, ys = array("d"), array("d")  # the points, for the R-tree built at the end
    con = sqlite3.connect(path, isolation_level=None)
    try:
        con.execute(f"PRAGMA application_id = {_GPKG_APPLICATION_ID}")
        con.execute(f"PRAGMA user_version = {_GPKG_USER_VERSION}")
        con.execute("PRAGMA journal_mode = OFF")
        con.execute("PRAGMA synchronous = OFF")
        con.execute("BEGIN")
        for sql in _GPKG_SCHEMA:
            con.execute(sql)
        con.executemany("INSERT INTO gpkg_spatial_ref_sys VALUES (?, ?, ?, ?, ?, ?)", _GPKG_SRS)
        con.execute(
            'CREATE TABLE "register" ( "fid" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, '
            '"geom" POINT' + "".join(f", {f} TEXT" for f in fields) + ")"
        )
        con.execute('CREATE VIRTUAL TABLE "rtree_register_geom" USING '
                    "rtree(id, minx, maxx, miny, maxy)")
        # the column names are quoted identifiers (_quote_ident), the values bound
        insert = (f'INSERT INTO "register" ("fid", "geom"{"".join(", " + f for f in fields)}) '  # noqa: S608
                  f"VALUES (?, ?{', ?' * len(fields)})")
        it = iter(rows)
        while batch := list(islice(it, GPKG_BATCH)):
            feats = []
            for cells in batch:
                n += 1
                x, y = float(cells[ilon]), float(cells[ilat])
                feats.append((n, header + pack(x, y), *pick(cells)))
                xs.append(x)
                ys.append(y)
            con.executemany(insert, feats)
        box = _pack_rtree(con, "rtree_register_geom", xs, ys)
        con.execute(
            "INSERT INTO gpkg_contents (table_name, data_type, identifier, description, "
            "min_x, min_y, max_x, max_y, srs_id) "
            "VALUES ('register', 'features', 'register', '', ?, ?, ?, ?, 4326)", box)
        con.execute("INSERT INTO gpkg_geometry_columns VALUES ('register', 'geom', 'POINT', 4326, 0, 0)")
        con.execute("INSERT INTO gpkg_extensions VALUES ('register', 'geom', 'gpkg_rtree_index', "
                    "'http://www.geopackage.org/spec120/#extension_rtree', 'write-only')")
        con.execute("INSERT INTO gpkg_ogr_contents VALUES ('register', ?)", (n,))
        for sql in _GPKG_LAYER_TRIGGERS:
            con.execute(sql)
        con.execute("COMMIT")
    finally:
        con.close()
    return n


def _pack_rtree(con: Any, name: str, xs: Any, ys: Any) -> list[float | None]:
    """Fill the (empty) SQLite R-tree ``name`` with the points ``xs``/``ys`` (ids 1, 2, ...),
    bulk-loaded: the nodes are packed in Sort-Tile-Recursive order and written straight into
    the R-tree's shadow tables (``_node``, ``_rowid``, ``_parent``) in the R-tree module's own
    layout, as GDAL does, instead of inserting the points one by one (3 s for 300,000).
    Returns the bounds (min x, min y, max x, max y) of the finite points, or Nones.

    Node layout (sqlite ext/rtree/rtree.c): a blob of the root's size; a big-endian 16-bit
    depth of the tree (root only, else 0) and cell count, then per cell a 64-bit id and, per
    column, a 32-bit float: a minimum rounded down, a maximum rounded up."""
    import math
    import struct

    import numpy as np

    x, y = np.frombuffer(xs, dtype=float), np.frombuffer(ys, dtype=float)
    ids = np.arange(1, len(x) + 1, dtype=np.int64)
    ok = np.isfinite(x) & np.isfinite(y)  # GDAL indexes no empty geometry
    x, y, ids = x[ok], y[ok], ids[ok]
    n = len(ids)
    if not n:
        return [None] * 4
    node_size = con.execute(
        f'SELECT length(data) FROM "{name}_node" WHERE nodeno = 1').fetchone()[0]  # noqa: S608
    cap = (node_size - 4) // 24
    # Sort-Tile-Recursive: vertical slices of about sqrt(leaves) leaves each, sorted by y
    leaves = -(-n // cap)
    per_slice = math.ceil(math.sqrt(leaves)) * cap
    order = np.argsort(x, kind="stable")
    order = order[np.lexsort((y[order], np.arange(n) // per_slice))]
    x, y, ids = x[order], y[order], ids[order]

    def down(v: np.ndarray) -> np.ndarray:
        f = v.astype(np.float32)
        return np.where(f.astype(float) > v, np.nextafter(f, np.float32(-np.inf)), f)

    def up(v: np.ndarray) -> np.ndarray:
        f = v.astype(np.float32)
        return np.where(f.astype(float) < v, np.nextafter(f, np.float32(np.inf)), f)

    # the levels, leaves first: per entry its id (a feature's or a child node's) and box
    box = np.stack([down(x), up(x), down(y), up(y)], axis=1).astype(np.float32)
    counts = [-(-n // cap)]
    while counts[-1] > 1:
        counts.append(-(-counts[-1] // cap))
    depth = len(counts) - 1
    # node numbers: the root is 1, then each level below it in turn, the leaves last
    first = [0] * len(counts)
    next_no = 1
    for level in range(depth, -1, -1):
        first[level] = next_no
        next_no += counts[level]
    cell = np.dtype([("id", ">i8"), ("box", ">f4", (4,))])
    nodes, parents, rowids = [], [], []
    entry_ids = ids
    for level in range(depth + 1):
        m = len(entry_ids)
        starts = np.arange(0, m, cap)
        node_nos = first[level] + np.arange(len(starts))
        cells = np.empty(m, dtype=cell)
        cells["id"] = entry_ids
        cells["box"] = box
        raw = cells.tobytes()
        for k, start in enumerate(starts.tolist()):
            count = min(cap, m - start)
            head = struct.pack(">HH", depth if level == depth else 0, count)
            blob = head + raw[start * 24:(start + count) * 24]
            nodes.append((int(node_nos[k]), blob + bytes(node_size - len(blob))))
        owner = np.repeat(node_nos, np.diff(np.append(starts, m)))
        if level == 0:
            rowids = list(zip(entry_ids.tolist(), owner.tolist(), strict=True))
        else:
            parents.extend(zip(entry_ids.tolist(), owner.tolist(), strict=True))
        # the next level's entries: these nodes and their boxes
        box = np.stack([np.minimum.reduceat(box[:, 0], starts), np.maximum.reduceat(box[:, 1], starts),
                        np.minimum.reduceat(box[:, 2], starts), np.maximum.reduceat(box[:, 3], starts)],
                       axis=1)
        entry_ids = node_nos
    root = nodes.pop(next(i for i, (no, _) in enumerate(nodes) if no == 1))
    con.execute(f'UPDATE "{name}_node" SET data = ? WHERE nodeno = 1', (root[1],))  # noqa: S608
    con.executemany(f'INSERT INTO "{name}_node" VALUES (?, ?)', nodes)  # noqa: S608
    con.executemany(f'INSERT INTO "{name}_rowid" VALUES (?, ?)', rowids)  # noqa: S608
    con.executemany(f'INSERT INTO "{name}_parent" VALUES (?, ?)', parents)  # noqa: S608
    return [float(x.min()), float(y.min()), float(x.max()), float(y.max())]


def _quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


_GPKG_APPLICATION_ID = 0x47504B47  # "GPKG"
_GPKG_USER_VERSION = 10400  # GeoPackage 1.4.0, as GDAL 3.12 writes
_WGS84_WKT = (
    'GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563,'
    'AUTHORITY["EPSG","7030"]],AUTHORITY["EPSG","6326"]],PRIMEM["Greenwich",0,'
    'AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],'
    'AXIS["Latitude",NORTH],AXIS["Longitude",EAST],AUTHORITY["EPSG","4326"]]'
)
_GPKG_SRS = (  # the rows GDAL writes
    ("Undefined Cartesian SRS", -1, "NONE", -1, "undefined",
     "undefined Cartesian coordinate reference system"),
    ("Undefined geographic SRS", 0, "NONE", 0, "undefined",
     "undefined geographic coordinate reference system"),
    ("WGS 84 geodetic", 4326, "EPSG", 4326, _WGS84_WKT,
     "longitude/latitude coordinates in decimal degrees on the WGS 84 spheroid"),
)
_GPKG_SCHEMA = (
    "CREATE TABLE gpkg_spatial_ref_sys (srs_name TEXT NOT NULL,srs_id INTEGER NOT NULL PRIMARY "
    "KEY,organization TEXT NOT NULL,organization_coordsys_id INTEGER NOT NULL,definition  TEXT "
    "NOT NULL,description TEXT)",
    "CREATE TABLE gpkg_contents (table_name TEXT NOT NULL PRIMARY KEY,data_type TEXT NOT NULL,"
    "identifier TEXT UNIQUE,description TEXT DEFAULT '',last_change DATETIME NOT NULL DEFAULT "
    "(strftime('%Y-%m-%dT%H:%M:%fZ','now')),min_x DOUBLE, min_y DOUBLE,max_x DOUBLE, max_y "
    "DOUBLE,srs_id INTEGER,CONSTRAINT fk_gc_r_srs_id FOREIGN KEY (srs_id) REFERENCES "
    "gpkg_spatial_ref_sys(srs_id))",
    "CREATE TABLE gpkg_ogr_contents(table_name TEXT NOT NULL PRIMARY KEY,feature_count INTEGER "
    "DEFAULT NULL)",
    "CREATE TABLE gpkg_geometry_columns (table_name TEXT NOT NULL,column_name TEXT NOT NULL,"
    "geometry_type_name TEXT NOT NULL,srs_id INTEGER NOT NULL,z TINYINT NOT NULL,m TINYINT NOT "
    "NULL,CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name),CONSTRAINT "
    "uk_gc_table_name UNIQUE (table_name),CONSTRAINT fk_gc_tn FOREIGN KEY (table_name) "
    "REFERENCES gpkg_contents(table_name),CONSTRAINT fk_gc_srs FOREIGN KEY (srs_id) REFERENCES "
    "gpkg_spatial_ref_sys (srs_id))",
    "CREATE TABLE gpkg_extensions (table_name TEXT,column_name TEXT,extension_name TEXT NOT "
    "NULL,definition TEXT NOT NULL,scope TEXT NOT NULL,CONSTRAINT ge_tce UNIQUE (table_name, "
    "column_name, extension_name))",
)
# GDAL's triggers keeping the R-tree and the feature count in step when the file is edited
# later (the ST_* functions are GDAL's); created after the bulk insert, which fills both itself.
_GPKG_LAYER_TRIGGERS = (
    'CREATE TRIGGER "rtree_register_geom_insert" AFTER INSERT ON "register" WHEN (new."geom" '
    'NOT NULL AND NOT ST_IsEmpty(NEW."geom")) BEGIN INSERT OR REPLACE INTO '
    '"rtree_register_geom" VALUES (NEW."fid",ST_MinX(NEW."geom"), ST_MaxX(NEW."geom"),'
    'ST_MinY(NEW."geom"), ST_MaxY(NEW."geom")); END',
    'CREATE TRIGGER "rtree_register_geom_update6" AFTER UPDATE OF "geom" ON "register" WHEN '
    'OLD."fid" = NEW."fid" AND (NEW."geom" NOTNULL AND NOT ST_IsEmpty(NEW."geom")) AND '
    '(OLD."geom" NOTNULL AND NOT ST_IsEmpty(OLD."geom")) BEGIN UPDATE "rtree_register_geom" SET '
    'minx = ST_MinX(NEW."geom"), maxx = ST_MaxX(NEW."geom"),miny = ST_MinY(NEW."geom"), maxy = '
    'ST_MaxY(NEW."geom") WHERE id = NEW."fid";END',
    'CREATE TRIGGER "rtree_register_geom_update7" AFTER UPDATE OF "geom" ON "register" WHEN '
    'OLD."fid" = NEW."fid" AND (NEW."geom" NOTNULL AND NOT ST_IsEmpty(NEW."geom")) AND '
    '(OLD."geom" ISNULL OR ST_IsEmpty(OLD."geom")) BEGIN INSERT INTO "rtree_register_geom" '
    'VALUES (NEW."fid",ST_MinX(NEW."geom"), ST_MaxX(NEW."geom"),ST_MinY(NEW."geom"), '
    'ST_MaxY(NEW."geom")); END',
    'CREATE TRIGGER "rtree_register_geom_update2" AFTER UPDATE OF "geom" ON "register" WHEN '
    'OLD."fid" = NEW."fid" AND (NEW."geom" ISNULL OR ST_IsEmpty(NEW."geom")) BEGIN DELETE FROM '
    '"rtree_register_geom" WHERE id = OLD."fid"; END',
    'CREATE TRIGGER "rtree_register_geom_update5" AFTER UPDATE ON "register" WHEN OLD."fid" != '
    'NEW."fid" AND (NEW."geom" NOTNULL AND NOT ST_IsEmpty(NEW."geom")) BEGIN DELETE FROM '
    '"rtree_register_geom" WHERE id = OLD."fid"; INSERT OR REPLACE INTO "rtree_register_geom" '
    'VALUES (NEW."fid",ST_MinX(NEW."geom"), ST_MaxX(NEW."geom"),ST_MinY(NEW."geom"), '
    'ST_MaxY(NEW."geom")); END',
    'CREATE TRIGGER "rtree_register_geom_update4" AFTER UPDATE ON "register" WHEN OLD."fid" != '
    'NEW."fid" AND (NEW."geom" ISNULL OR ST_IsEmpty(NEW."geom")) BEGIN DELETE FROM '
    '"rtree_register_geom" WHERE id IN (OLD."fid", NEW."fid"); END',
    'CREATE TRIGGER "rtree_register_geom_delete" AFTER DELETE ON "register" WHEN old."geom" NOT '
    'NULL BEGIN DELETE FROM "rtree_register_geom" WHERE id = OLD."fid"; END',
    'CREATE TRIGGER "trigger_insert_feature_count_register" AFTER INSERT ON "register" BEGIN '
    "UPDATE gpkg_ogr_contents SET feature_count = feature_count + 1 WHERE lower(table_name) = "
    "lower('register'); END",
    'CREATE TRIGGER "trigger_delete_feature_count_register" AFTER DELETE ON "register" BEGIN '
    "UPDATE gpkg_ogr_contents SET feature_count = feature_count - 1 WHERE lower(table_name) = "
    "lower('register'); END",
)
