"""Reading typed values (texts, numbers, quantities with units, choices, times with a time
zone) out of nested JSON, collecting every problem with its JSON path (``accident.place.lon``)
instead of stopping at the first."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from enum import StrEnum
from typing import Any, TypeVar

from hazatlas.domain.errors import Problem
from hazatlas.formats.units import UnitError, parse_quantity

_E = TypeVar("_E", bound=StrEnum)
_T = TypeVar("_T")


class JsonReader:
    """Reads typed values out of nested JSON, collecting problems with their JSON path."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.problems: list[Problem] = []

    def bad(self, path: str, message: str) -> None:
        self.problems.append(Problem(self.source, None, path, message))

    def obj(self, data: Any, path: str, keys: str = "") -> Mapping[str, Any]:
        """``data`` as a JSON object; ``keys`` (space-separated) are the keys allowed in it."""
        if data is None:
            return {}
        if not isinstance(data, Mapping):
            self.bad(path, "expected a JSON object")
            return {}
        allowed = keys.split()
        for key in data:
            if allowed and key not in allowed:
                where = f"{path}.{key}" if path != "(top level)" else str(key)
                self.bad(where, f"unknown key; expected one of {', '.join(allowed)}")
        return data

    def items(self, data: Any, path: str) -> list[Any]:
        if data is None:
            return []
        if not isinstance(data, list):
            self.bad(path, "expected a JSON list")
            return []
        return data

    def text(
        self,
        data: Mapping[str, Any],
        key: str,
        path: str,
        required: bool = False,
        default: str = "",
    ) -> str:
        value = data.get(key)
        if value is None:
            if required:
                self.bad(path + key, "missing; expected a text")
            return default
        if not isinstance(value, str):
            self.bad(path + key, f"expected a text, got {type(value).__name__}")
            return default
        return value

    def opt_text(self, data: Mapping[str, Any], key: str, path: str) -> str | None:
        value = self.text(data, key, path)
        return value or None

    def number(self, data: Mapping[str, Any], key: str, path: str) -> float | None:
        value = data.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.bad(path + key, "expected a number")
            return None
        return float(value)

    def quantity(
        self, data: Mapping[str, Any], key: str, si_key: str, unit: str, path: str
    ) -> float | None:
        """``key`` as text with a unit ("100 t"), or ``si_key`` as a number in ``unit``."""
        if data.get(key) is not None:
            try:
                return parse_quantity(str(data[key]), unit, name=path + key)
            except UnitError as exc:
                self.bad(path + key, str(exc).split(": ", 1)[-1])
                return None
        return self.number(data, si_key, path)

    def choice(
        self,
        data: Mapping[str, Any],
        key: str,
        enum: type[_E],
        path: str,
        default: _E | None = None,
    ) -> _E | None:
        value = data.get(key)
        if value is None:
            if default is None:
                self.bad(path + key, "missing; expected one of " + _names(enum))
            return default
        try:
            return enum(str(value).strip().lower())
        except ValueError:
            self.bad(path + key, f"unknown value {value!r}; expected one of {_names(enum)}")
            return default

    def time(
        self, data: Mapping[str, Any], key: str, path: str, required: bool = False
    ) -> dt.datetime | None:
        value = data.get(key)
        if value is None:
            if required:
                self.bad(
                    path + key,
                    "missing; expected a date and time with a time zone, "
                    "e.g. 2026-03-01T14:05:00+02:00",
                )
            return None
        return self.parse_time(value, path + key)

    def parse_time(self, value: Any, path: str) -> dt.datetime | None:
        try:
            parsed = dt.datetime.fromisoformat(str(value))
        except ValueError:
            self.bad(path, f"cannot read {value!r} as an ISO 8601 date and time")
            return None
        if parsed.tzinfo is None:
            self.bad(path, f"{value!r} has no time zone; give an offset such as +02:00 or Z")
            return None
        return parsed

    def each(self, data: Any, path: str, read: Callable[[Any, str], _T | None]) -> tuple[_T, ...]:
        out = (read(item, f"{path}[{i}]") for i, item in enumerate(self.items(data, path)))
        return tuple(x for x in out if x is not None)


def _names(enum: type[StrEnum]) -> str:
    return ", ".join(repr(m.value) for m in enum)
