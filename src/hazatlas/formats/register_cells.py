"""One row of a register file while it is parsed: its cells in a fixed column order, the
problems found in it, and the readers of typed cells (numbers, dates, enumerations)."""

from __future__ import annotations

import datetime as dt
import math
from enum import Enum
from typing import Any

from hazatlas.domain.errors import Problem
from hazatlas.formats.register_columns import (
    COLUMNS,
    ESTABLISHMENT_FIELDS,
    MAX_LENGTHS,
    OPTIONAL_INPUT_COLUMNS,
    SHORT_TEXT,
)
from hazatlas.formats.tables import shown

FIELDS = COLUMNS + OPTIONAL_INPUT_COLUMNS  # the order of a row's cells while parsing
POS = {name: i for i, name in enumerate(FIELDS)}
N_EST = len(ESTABLISHMENT_FIELDS)
INV = N_EST  # first inventory cell
QTY = POS["quantity"]
LIMITS = tuple(MAX_LENGTHS.get(name, SHORT_TEXT) for name in FIELDS)
EST_LIMITS = LIMITS[:N_EST]


def quoted(text: str) -> str:
    """A cell value quoted in a message: escaped where it cannot be shown, cut to 80 characters."""
    return f"'{shown(text, 80)}'"


def length_problems(
    names: tuple[str, ...], cells: tuple[str, ...], limits: tuple[int, ...]
) -> list[tuple[str, str]]:
    """(column, message) for each cell longer than its column allows."""
    return [
        (name, f"is {len(text):,} characters long: expected at most {limit:,}")
        for name, text, limit in zip(names, cells, limits, strict=True)
        if len(text) > limit
    ]


class RowCtx:
    """One row while it is parsed: its cells in :data:`FIELDS` order and the problem list."""

    __slots__ = ("source", "row", "cells", "problems")

    def __init__(self, source: str, row: int, cells: tuple[str, ...], problems: list[Problem]):
        self.source, self.row, self.cells, self.problems = source, row, cells, problems

    def get(self, name: str) -> str:
        return self.cells[POS[name]]

    def bad(self, name: str, message: str) -> None:
        self.problems.append(Problem(self.source, self.row, name, message))

    def enum(self, name: str, enum: type[Enum], default: Any = None) -> Any:
        text = self.get(name)
        if not text:
            return default
        try:
            return enum(text.lower())
        except ValueError:
            self.bad(name, f"{quoted(text)} is not one of {', '.join(e.value for e in enum)}")
            return default

    def number(
        self,
        name: str,
        *,
        minimum: float | None = None,
        maximum: float | None = None,
        required: bool = False,
        unit: str = "",
    ) -> float | None:
        text = self.get(name)
        if not text:
            if required:
                self.bad(name, "is required: expected a number")
            return None
        if len(text) > SHORT_TEXT:
            self.bad(name, f"is {len(text):,} characters long: expected a number")
            return None
        try:
            value = (
                float(text.replace(",", "."))
                if text.count(",") == 1 and "." not in text
                else float(text)
            )
        except ValueError:
            self.bad(name, f"{quoted(text)} is not a number")
            return None
        if not math.isfinite(value):
            self.bad(name, f"{quoted(text)} is not a finite number")
            return None
        if minimum is not None and value < minimum:
            self.bad(name, f"{text} is negative: expected a number ≥ {minimum:g}")
            return None
        if maximum is not None and abs(value) > maximum:
            self.bad(name, f"{text} is out of range: expected at most {maximum:g}{unit}")
            return None
        return value

    def date(self, name: str) -> dt.date | None:
        text = self.get(name)
        if not text:
            return None
        try:
            return dt.date.fromisoformat(text[:10])
        except ValueError:
            self.bad(name, f"{quoted(text)} is not an ISO date (YYYY-MM-DD)")
            return None
