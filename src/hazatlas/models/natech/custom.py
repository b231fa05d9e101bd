"""Custom lognormal fragility curves from a CSV table (RAPID-N lets users define their own).

One row per damage state of a curve, the states of a curve in increasing order, with the columns
``curve, hazard, intensity_measure, unit, damage_state, loc_state, release_fraction, median,
beta, source``. The state below the first row is "no damage" (LOC ``None``, release 0). Every
curve must carry its source; medians and release fractions may not decrease from one state to
the next; hazard, intensity measure and unit are the same on every row of a curve. A bad table
raises one :class:`~hazatlas.domain.errors.ValidationError` naming the file, row (as a
spreadsheet counts it, header = 1) and column of every problem; nothing is loaded then.

>>> text = '''curve,hazard,intensity_measure,unit,damage_state,loc_state,release_fraction,median,beta,source
... pipe,flood,depth,m,DS2,Minor,0.1,1.0,0.5,Example et al. (2020) Table 3
... pipe,flood,depth,m,DS3,Catastrophic,1.0,2.0,0.5,Example et al. (2020) Table 3
... '''
>>> curves = parse_custom_curves(text, "my_curves.csv")
>>> c = curves["pipe"]
>>> c.intensity_name(), c.damage(depth_m=[1.0]).probabilities.round(3).tolist()
('depth_m', [[0.5, 0.417, 0.083]])
>>> parse_custom_curves(text.replace("0.5,Ex", "-1,Ex", 1), "my_curves.csv")
Traceback (most recent call last):
...
hazatlas.domain.errors.ValidationError: 1 problem in input; nothing was changed
  - my_curves.csv, row 2, column 'beta': -1: expected a finite number > 0
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar

from hazatlas.domain.errors import Problem, ValidationError
from hazatlas.models.natech.damage import Classification
from hazatlas.models.natech.fragility import LognormalFragility

COLUMNS = (
    "curve",
    "hazard",
    "intensity_measure",
    "unit",
    "damage_state",
    "loc_state",
    "release_fraction",
    "median",
    "beta",
    "source",
)
_SAME_PER_CURVE = ("hazard", "intensity_measure", "unit")


@dataclass(frozen=True)
class _Row:
    line: int
    cells: dict[str, str]
    median: float
    beta: float
    fraction: float


class CustomFragility(LognormalFragility):
    """A user's lognormal curve set, read by :func:`parse_custom_curves`."""

    name: ClassVar[str] = "custom-lognormal"
    source: ClassVar[str] = "user-supplied lognormal fragility curves (each names its source)"
    inputs: ClassVar[Mapping[str, str]] = {"intensity": "the unit column of the curve"}

    def __init__(self, curve: str, rows: tuple[_Row, ...]) -> None:
        first = rows[0].cells
        self.curve = curve
        self.hazard = first["hazard"]
        self.intensity_measure = first["intensity_measure"]
        self.unit = first["unit"]
        self.curve_source = first["source"]
        self._intensity = _slug(f"{first['intensity_measure']}_{first['unit']}")
        self._params = tuple((r.cells["damage_state"], r.median, r.beta) for r in rows)
        self._classification = Classification(
            f"custom:{curve}",
            ("none", *(p[0] for p in self._params)),
            ("no damage", *(r.cells["damage_state"] for r in rows)),
            ("None", *(r.cells["loc_state"] for r in rows)),
            (0.0, *(r.fraction for r in rows)),
        )

    def parameters(self) -> tuple[tuple[str, float, float], ...]:
        return self._params

    def label(self) -> str:
        return f"custom:{self.curve}"

    def intensity_name(self) -> str:
        return self._intensity

    def damage_classification(self) -> Classification:
        return self._classification


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.strip().lower()).strip("_")


def _number(
    cells: dict[str, str], column: str, where: tuple[str, int], low: float, high: float
) -> tuple[float, Problem | None]:
    raw = (cells.get(column) or "").strip()
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    lo_ok = value > low if low == 0.0 and column != "release_fraction" else value >= low
    if not (math.isfinite(value) and lo_ok and value <= high):
        expected = "a finite number > 0" if column != "release_fraction" else "a number from 0 to 1"
        return value, Problem(where[0], where[1], column, f"{raw or 'empty'}: expected {expected}")
    return value, None


def _read_rows(text: str, filename: str) -> tuple[list[_Row], list[Problem]]:
    reader = csv.DictReader(io.StringIO(text))
    header = reader.fieldnames or []
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        return [], [Problem(filename, 1, c, "missing column") for c in missing]
    rows: list[_Row] = []
    problems: list[Problem] = []
    for i, cells in enumerate(reader, start=2):
        where = (filename, i)
        for column in ("curve", "damage_state", "loc_state", "source", *_SAME_PER_CURVE):
            if not (cells.get(column) or "").strip():
                problems.append(Problem(filename, i, column, "empty: expected a value"))
        median, p1 = _number(cells, "median", where, 0.0, math.inf)
        beta, p2 = _number(cells, "beta", where, 0.0, math.inf)
        fraction, p3 = _number(cells, "release_fraction", where, 0.0, 1.0)
        problems += [p for p in (p1, p2, p3) if p is not None]
        rows.append(
            _Row(i, {k: (v or "").strip() for k, v in cells.items() if k}, median, beta, fraction)
        )
    if not rows and not problems:
        problems.append(Problem(filename, None, "", "no curves: the table has no data rows"))
    return rows, problems


def _check_curve(rows: list[_Row], filename: str) -> list[Problem]:
    problems = []
    first = rows[0]
    seen: set[str] = set()
    for prev, row in zip([None, *rows[:-1]], rows, strict=True):
        for column in _SAME_PER_CURVE:
            if row.cells[column] != first.cells[column]:
                problems.append(
                    Problem(
                        filename,
                        row.line,
                        column,
                        f"{row.cells[column]!r}: expected {first.cells[column]!r} as on row "
                        f"{first.line} (one {column} per curve)",
                    )
                )
        state = row.cells["damage_state"]
        if state in seen:
            problems.append(Problem(filename, row.line, "damage_state", f"{state!r} repeated"))
        seen.add(state)
        if prev is None:
            continue
        if row.median < prev.median:
            problems.append(
                Problem(
                    filename,
                    row.line,
                    "median",
                    f"{row.median:g} is below the median of the previous damage state "
                    f"({prev.median:g}, row {prev.line}): states must be in increasing order",
                )
            )
        if row.fraction < prev.fraction:
            problems.append(
                Problem(
                    filename,
                    row.line,
                    "release_fraction",
                    f"{row.fraction:g} is below that of the previous damage state "
                    f"({prev.fraction:g}, row {prev.line})",
                )
            )
    return problems


def parse_custom_curves(text: str, filename: str) -> dict[str, CustomFragility]:
    """The curves of a custom-curve table (its text; ``filename`` is named in errors)."""
    rows, problems = _read_rows(text, filename)
    by_curve: dict[str, list[_Row]] = {}
    for row in rows:
        by_curve.setdefault(row.cells["curve"], []).append(row)
    if not problems:
        for curve_rows in by_curve.values():
            problems += _check_curve(curve_rows, filename)
    if problems:
        raise ValidationError(problems)
    return {name: CustomFragility(name, tuple(rs)) for name, rs in by_curve.items()}
