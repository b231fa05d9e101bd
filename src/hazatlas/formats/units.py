"""Quantities typed by users ("100t", "12 h", "0.05mg/l", "3m/s", "12Mm3"), converted to SI with
pint. This is the only place where pint is used: inside hazatlas every number is SI and its name
says the unit (``mass_kg``, ``duration_s``).
"""

from __future__ import annotations

import functools
import math
import re

import pint

from hazatlas.domain.errors import HazatlasError


class UnitError(HazatlasError):
    """A quantity could not be read, or has the wrong dimension."""


@functools.cache
def registry() -> pint.UnitRegistry:
    ureg: pint.UnitRegistry = pint.UnitRegistry(autoconvert_offset_to_baseunit=True)
    # Short forms used in the field's spreadsheets and on the command line.
    ureg.define("Mm3 = 1e6 * meter ** 3")
    ureg.define("m3 = meter ** 3")
    ureg.define("hm3 = 1e6 * meter ** 3")
    ureg.define("km3 = 1e9 * meter ** 3")
    return ureg


# Units accepted for a mass on an inventory line (the register's import format).
MASS_UNITS = {"kg": 1.0, "t": 1000.0, "tonne": 1000.0, "tonnes": 1000.0, "g": 1e-3,
              "mg": 1e-6, "lb": 0.45359237, "kt": 1e6, "Mt": 1e9}


def mass_to_kg(value: float, unit: str) -> float:
    """Convert a mass in one of :data:`MASS_UNITS` to kilograms.

    >>> mass_to_kg(2.5, "t")
    2500.0
    >>> round(mass_to_kg(1000, "lb"), 3)
    453.592
    """
    key = unit.strip()
    if key not in MASS_UNITS:
        raise UnitError(
            f"unknown mass unit '{unit}': expected one of {', '.join(sorted(MASS_UNITS))}"
        )
    return float(value) * MASS_UNITS[key]


_NUM_UNIT = re.compile(r"^\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*(.*?)\s*$")


def parse_quantity(text: str, to_unit: str, *, name: str = "value",
                   default_unit: str | None = None) -> float:
    """Parse ``text`` ("100t", "12 h") and return its magnitude in ``to_unit``.

    ``name`` is the parameter name used in error messages. A bare number takes
    ``default_unit`` if one is given, else it is an error.

    >>> parse_quantity("100t", "kg")
    100000.0
    >>> parse_quantity("12h", "s")
    43200.0
    >>> parse_quantity("0.05mg/l", "mg/l"), parse_quantity("50 ug/l", "mg/l")
    (0.05, 0.05)
    """
    m = _NUM_UNIT.match(str(text))
    if not m:
        raise UnitError(f"{name}: '{text}' is not a number with a unit (for example '10 {to_unit}')")
    number, unit = float(m.group(1)), m.group(2)
    if not unit:
        if default_unit is None:
            raise UnitError(f"{name}: '{text}' has no unit; expected a quantity in {to_unit}")
        unit = default_unit
    ureg = registry()
    try:
        q = ureg.Quantity(number, ureg.parse_units(unit.replace("^", "**")))
        value = float(q.to(to_unit).magnitude)
    except (pint.errors.UndefinedUnitError, pint.errors.DimensionalityError,
            AttributeError, ValueError, TypeError) as exc:
        raise UnitError(
            f"{name}: cannot read '{text}' as a quantity convertible to {to_unit} ({exc})"
        ) from exc
    if not math.isfinite(value):
        raise UnitError(f"{name}: '{text}' is not a finite quantity")
    return value
