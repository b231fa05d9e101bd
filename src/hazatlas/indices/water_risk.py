"""Water Risk Index (WRI) of the ICPDR inventory of accident risk spots (ARS).

The ICPDR ranks potential accident risk spots in the Danube basin by a WRI computed from the
mass of water-hazardous substances on site expressed as "WRC 3-equivalents" (confirmed: UNDP/GEF
DRP report by IABG; ICPDR Map 8 groups sites into WRI classes 5-6, 6-7, 7-8 and 8-9).

**Unconfirmed** (``icpdr_water_risk_index.csv``, from memory, the 2001 report body was not read):
the class weights (WGK 3: 1, WGK 2: 0.1, WGK 1: 0.01), the formula
M_eq = sum_i m_i * w(WGK_i) and WRI = log10(M_eq in kg). Results carry this warning.

The water hazard class (WGK) of each inventory line is the one given in the register; else it
is derived from the line's hazard statements by the AwSV rules
(:func:`hazatlas.indices.water_hazard.derive_wgk`, no precautionary points); else the line is
deemed WGK 3 (AwSV 2017 Sec. 3 (4): unclassified substances are severely hazardous to water).

>>> from hazatlas.domain.inventory import InventoryItem
>>> r = water_risk_index([InventoryItem("sodium cyanide", 100_000.0, water_hazard_class=3)])
>>> r.value, r.map_class
(5.0, 'WRI 5-6')
"""

from __future__ import annotations

import functools
import itertools
import math
import operator
import re
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field

import numpy as np

from hazatlas.domain.errors import HazatlasError, Problem, ValidationError
from hazatlas.domain.inventory import InventoryItem
from hazatlas.domain.reference import load_table
from hazatlas.indices.water_hazard import WGK_NWG, WgkDerivation, derive_wgk, threshold

_TABLE = "icpdr_water_risk_index"

#: What the user must know about every WRI hazatlas computes.
UNCONFIRMED = (
    "The WGK weights (1, 0.1, 0.01) and WRI = log10(WRC3-equivalent mass in kg) are unconfirmed "
    "(from memory; the ICPDR 2001 ARS report body was not read): icpdr_water_risk_index.csv.",
    "A weight of 0 for substances not hazardous to water is a hazatlas assumption.",
)


@dataclass(frozen=True)
class WriLine:
    """One inventory line's contribution to the WRI.

    ``wgk_basis`` is ``given`` (register), ``derived`` (AwSV points from H-statements) or
    ``assumed`` (no class, no statements: WGK 3 by AwSV Sec. 3 (4)).
    """

    substance_name: str
    line_id: str | None
    mass_kg: float
    wgk: int
    wgk_basis: str
    weight: float
    equivalent_kg: float
    derivation: WgkDerivation | None = None

    def to_dict(self) -> dict[str, object]:
        """Plain JSON-ready dict."""
        return {
            "substance_name": self.substance_name,
            "line_id": self.line_id,
            "mass_kg": self.mass_kg,
            "wgk": self.wgk,
            "wgk_basis": self.wgk_basis,
            "weight": self.weight,
            "equivalent_kg": self.equivalent_kg,
            "derivation": None if self.derivation is None else self.derivation.to_dict(),
        }


@dataclass(frozen=True)
class WaterRiskResult:
    """The WRI of an inventory: ``value`` = log10(``equivalent_mass_kg``).

    ``map_class`` is the ICPDR Map 8 class the value falls in (or a sentence when outside 5-9);
    ``lines`` the contributions; ``unconfirmed`` the caveats that travel with every result.
    """

    value: float
    equivalent_mass_kg: float
    map_class: str
    lines: tuple[WriLine, ...]
    unconfirmed: tuple[str, ...] = UNCONFIRMED
    method: str = "ICPDR ARS Water Risk Index (weights unconfirmed)"

    def to_dict(self) -> dict[str, object]:
        """Plain JSON-ready dict."""
        return {
            "value": self.value,
            "equivalent_mass_kg": self.equivalent_mass_kg,
            "map_class": self.map_class,
            "method": self.method,
            "unconfirmed": list(self.unconfirmed),
            "lines": [line.to_dict() for line in self.lines],
        }


@functools.cache
def class_weights() -> dict[int, float]:
    """Weight of each WGK to WRC3-equivalents (UNCONFIRMED, ``icpdr_water_risk_index.csv``).

    Not hazardous to water (0) gets 0 (hazatlas assumption).

    >>> class_weights()
    {3: 1.0, 2: 0.1, 1: 0.01, 0: 0.0}
    """
    weights: dict[int, float] = {}
    for row in load_table(_TABLE):
        if row["item_type"] == "class_weight":
            m = re.search(r"WRC (\d)", row["item"])
            if m:
                weights[int(m.group(1))] = float(row["value"])
    weights[WGK_NWG] = 0.0
    return weights


@functools.cache
def _map_classes() -> tuple[tuple[float, float, str], ...]:
    out = []
    for row in load_table(_TABLE):
        if row["item_type"] == "map_class":
            low, high = re.findall(r"\d+(?:\.\d+)?", row["item"])
            out.append((float(low), float(high), row["item"]))
    return tuple(sorted(out))


def map_class(wri: float) -> str:
    """ICPDR Map 8 class (confirmed classes 5-6, 6-7, 7-8, 8-9) of a WRI value.

    Classes are half-open [low, high), the top class includes 9.

    >>> map_class(6.0), map_class(9.0), map_class(4.2)
    ('WRI 6-7', 'WRI 8-9', 'below WRI 5 (not on ICPDR Map 8)')
    """
    classes = _map_classes()
    for low, high, label in classes:
        if low <= wri < high or (high == classes[-1][1] and wri == high):
            return label
    if wri < classes[0][0]:
        return f"below WRI {classes[0][0]:g} (not on ICPDR Map 8)"
    return f"above WRI {classes[-1][1]:g} (beyond ICPDR Map 8 classes)"


def line_wgk(item: InventoryItem, row: int | None = None) -> tuple[int, str, WgkDerivation | None]:
    """WGK of an inventory line and its basis (``given``, ``derived`` or ``assumed``).

    >>> line_wgk(InventoryItem("diesel", 1.0, hazard_statements=("H304", "H411")))[:2]
    (2, 'derived')
    """
    if item.water_hazard_class is not None:
        if item.water_hazard_class not in (0, 1, 2, 3):
            raise ValidationError(
                [
                    Problem(
                        "inventory",
                        row,
                        "water_hazard_class",
                        f"{item.substance_name}: expected 1, 2 or 3 "
                        f"(0 = not hazardous to water), got "
                        f"{item.water_hazard_class}",
                    )
                ]
            )
        return item.water_hazard_class, "given", None
    if item.hazard_statements:
        d = derive_wgk(item.hazard_statements)
        return d.wgk, "derived", d
    return int(threshold("unclassified_default_wgk")), "assumed", None


def water_risk_index(inventory: Sequence[InventoryItem]) -> WaterRiskResult | None:
    """Water Risk Index of an establishment's inventory (ICPDR ARS method; weights UNCONFIRMED).

    M_eq = sum_i m_i * w(WGK_i) with m_i the line's maximum quantity in kg; WRI = log10(M_eq).
    Returns ``None`` when no line carries water-hazardous mass (empty inventory, zero
    quantities or only substances not hazardous to water), since log10(0) is undefined.

    >>> from hazatlas.domain.inventory import InventoryItem
    >>> water_risk_index([InventoryItem("x", 1e6, water_hazard_class=2)]).value   # 1e5 kg eq.
    5.0
    >>> water_risk_index([]) is None
    True
    """
    weights = class_weights()
    lines = []
    for i, item in enumerate(inventory):
        if not (item.max_quantity_kg >= 0.0 and math.isfinite(item.max_quantity_kg)):
            raise ValidationError(
                [
                    Problem(
                        "inventory",
                        i + 2,
                        "max_quantity_kg",
                        f"{item.substance_name}: expected a finite quantity "
                        f">= 0 kg, got {item.max_quantity_kg}",
                    )
                ]
            )
        wgk, basis, derivation = line_wgk(item, i + 2)
        w = weights[wgk]
        lines.append(
            WriLine(
                item.substance_name,
                item.line_id,
                item.max_quantity_kg,
                wgk,
                basis,
                w,
                item.max_quantity_kg * w,
                derivation,
            )
        )
    total = math.fsum(line.equivalent_kg for line in lines)
    if total <= 0.0:
        return None
    wri = math.log10(total)
    return WaterRiskResult(wri, total, map_class(wri), tuple(lines))


@dataclass(frozen=True)
class WriBatch:
    """The WRI of many inventories at once (:func:`water_risk_indices`).

    ``value`` and ``equivalent_mass_kg`` hold, per inventory, exactly what
    :func:`water_risk_index` gives (``value`` nan where it returns ``None`` or raises);
    ``errors`` maps the position of each inventory it rejects to its error.
    """

    value: np.ndarray
    equivalent_mass_kg: np.ndarray
    errors: dict[int, HazatlasError] = field(default_factory=dict)


def water_risk_indices(inventories: Sequence[Sequence[InventoryItem]]) -> WriBatch:
    """Water Risk Index of many inventories at once (same rule and values as
    :func:`water_risk_index`, weights UNCONFIRMED).

    The WGK weight of every line is looked up once per distinct (given class, hazard
    statements) pair; the masses are weighted with numpy over all lines and summed per
    inventory (``math.fsum`` for three lines or more, so sums are bit-identical). Inventories
    with an invalid line are passed to :func:`water_risk_index` for the exact error.

    >>> from hazatlas.domain.inventory import InventoryItem
    >>> b = water_risk_indices([[InventoryItem("x", 1e6, water_hazard_class=2)], []])
    >>> b.value.tolist()[0], bool(np.isnan(b.value[1])), b.errors
    (5.0, True, {})
    """
    n = len(inventories)
    counts = np.fromiter(map(len, inventories), dtype=np.int64, count=n)
    items = list(itertools.chain.from_iterable(inventories))
    fields = operator.attrgetter("max_quantity_kg", "water_hazard_class", "hazard_statements")
    masses, classes, statements = zip(*map(fields, items), strict=True) if items else ((), (), ())
    mass = np.array(masses, dtype=float)
    weight = np.array(_line_weights(classes, statements), dtype=float)
    start = np.cumsum(counts) - counts
    with np.errstate(invalid="ignore"):
        bad_line = ~(np.isfinite(mass) & (mass >= 0.0) & np.isfinite(weight))
        eq = mass * weight
    bad = np.zeros(n, dtype=bool)
    if bad_line.any():
        owner = np.repeat(np.arange(n), counts)
        bad[owner[bad_line]] = True
    total = np.zeros(n)
    has = (counts >= 1) & ~bad
    total[has] = eq[start[has]]
    two = (counts == 2) & ~bad
    total[two] = total[two] + eq[start[two] + 1]  # one rounding, as math.fsum of two terms
    for i in np.flatnonzero((counts > 2) & ~bad).tolist():
        total[i] = math.fsum(eq[start[i] : start[i] + counts[i]].tolist())
    bad |= np.isinf(total)  # an overflowing sum: let water_risk_index report it
    total[bad] = 0.0
    value = np.full(n, np.nan)
    equivalent = np.full(n, np.nan)
    pos = np.flatnonzero(total > 0.0)
    value[pos] = list(map(math.log10, total[pos].tolist()))
    equivalent[pos] = total[pos]
    errors: dict[int, HazatlasError] = {}
    for i in np.flatnonzero(bad).tolist():
        try:
            one = water_risk_index(inventories[i])
        except HazatlasError as exc:
            errors[i] = exc
            continue
        if one is not None:  # pragma: no cover - a line the fast path could not weigh
            value[i], equivalent[i] = one.value, one.equivalent_mass_kg
    return WriBatch(value, equivalent, errors)


def _line_weights(classes: Sequence[object], statements: Sequence[Sequence[str]]) -> list[float]:
    """WRC3-equivalent weight of each line from its given class and hazard statements (nan
    where :func:`line_wgk` would reject the class)."""
    weights = class_weights()
    given: dict[object, float] = {c: weights[c] for c in (0, 1, 2, 3)}
    given[None] = -1.0  # marker: no class given, see below
    try:
        out = list(map(given.get, classes, itertools.repeat(math.nan)))
    except TypeError:  # an unhashable class: nan, so that line_wgk reports it
        out = [given.get(c, math.nan) if isinstance(c, Hashable) else math.nan for c in classes]
    derived: dict[tuple[str, ...], float] = {}
    assumed = weights[int(threshold("unclassified_default_wgk"))]
    for i in [i for i, w in enumerate(out) if w == -1.0]:
        if not statements[i]:
            out[i] = assumed
            continue
        key = tuple(statements[i])
        w = derived.get(key)
        if w is None:  # once per distinct set of hazard statements
            w = derived[key] = weights[derive_wgk(key).wgk]
        out[i] = w
    return out
