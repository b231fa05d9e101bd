"""CSV register tables: reading (UTF-8, strict quoting, the export's formula escape undone)
and writing (the formula escape applied, see :mod:`hazatlas.formats.cells`)."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from hazatlas.domain.errors import Problem, ValidationError
from hazatlas.domain.gc_pause import gc_paused
from hazatlas.formats.cells import FORMULA_TRIGGERS, escape_cell, unescape_row
from hazatlas.formats.tables import RawTable, Row, read_text, shown


def read_csv(path: Path, source: str) -> RawTable:
    text = read_text(path, source, "CSV file")
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


def write_csv(path: Path, columns: list[str], rows: Iterable[Sequence[str]]) -> int:
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
