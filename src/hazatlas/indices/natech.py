"""Natech exposure flags: is a site exposed to a natural hazard that can trigger an accident?

A Natech accident is a technological accident triggered by a natural hazard. This module only
flags exposure from hazard values the caller gives (it downloads nothing):

- earthquake: the peak ground acceleration (PGA, in g) with a 475-year return period at the
  site, banded into low / moderate / high;
- flood: the flood zone of the site in the scenarios of the EU Floods Directive 2007/60/EC
  Art. 6(3): ``high_probability``, ``medium_probability`` (likely return period >= 100 years),
  ``low_probability`` (or extreme event) or ``outside``.

The PGA bands and the levels are a **hazatlas design** for screening (``hazatlas_natech_flags.csv``),
not a published natech method.

>>> natech_exposure(pga_g=0.25, flood_zone="outside").flagged_hazards
('earthquake',)
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

from hazatlas.domain.errors import Problem, ValidationError
from hazatlas.domain.reference import load_table

_TABLE = "hazatlas_natech_flags"


@dataclass(frozen=True)
class NatechFlag:
    """Exposure to one natural hazard: ``level`` (none/low/moderate/high) and whether flagged."""

    hazard: str
    level: str
    flagged: bool
    reason: str


@dataclass(frozen=True)
class NatechExposure:
    """Natech exposure of a site from the given hazard inputs (hazatlas design)."""

    flags: tuple[NatechFlag, ...]
    method: str = "hazatlas natech screening flags (hazatlas_natech_flags.csv; hazatlas design)"

    @property
    def flagged_hazards(self) -> tuple[str, ...]:
        """The hazards whose flag is raised."""
        return tuple(f.hazard for f in self.flags if f.flagged)

    def to_dict(self) -> dict[str, object]:
        """Plain JSON-ready dict."""
        return {
            "method": self.method,
            "flagged_hazards": list(self.flagged_hazards),
            "flags": [f.__dict__.copy() for f in self.flags],
        }


@functools.cache
def _rows() -> tuple[dict[str, str], ...]:
    return load_table(_TABLE)


def flood_zones() -> tuple[str, ...]:
    """Accepted flood zone names.

    >>> flood_zones()
    ('high_probability', 'medium_probability', 'low_probability', 'outside')
    """
    return tuple(r["case"] for r in _rows() if r["hazard"] == "flood")


def _earthquake(pga_g: float) -> NatechFlag:
    for r in _rows():
        if r["hazard"] != "earthquake":
            continue
        low = float(r["lower"]) if r["lower"] else -math.inf
        high = float(r["upper"]) if r["upper"] else math.inf
        if low <= pga_g < high:
            return NatechFlag(
                "earthquake", r["level"], r["flagged"] == "true", f"PGA {pga_g:g} g: {r['remark']}"
            )
    raise KeyError(f"PGA {pga_g} g is in no band of {_TABLE}.csv")


def natech_exposure(
    *, pga_g: float | None = None, flood_zone: str | None = None
) -> NatechExposure | None:
    """Natech exposure flags from a PGA (g, 475-year) and a Floods Directive zone.

    Returns ``None`` when neither input is given.

    >>> [(f.hazard, f.level) for f in natech_exposure(pga_g=0.05,
    ...                                               flood_zone="medium_probability").flags]
    [('earthquake', 'low'), ('flood', 'moderate')]
    """
    problems = []
    if pga_g is not None and not (math.isfinite(pga_g) and pga_g >= 0):
        problems.append(Problem("parameter", None, "pga_g", f"expected a PGA >= 0 g, got {pga_g}"))
    if flood_zone is not None and flood_zone not in flood_zones():
        problems.append(
            Problem(
                "parameter",
                None,
                "flood_zone",
                f"expected one of {', '.join(flood_zones())}, got '{flood_zone}'",
            )
        )
    if problems:
        raise ValidationError(problems)
    flags = []
    if pga_g is not None:
        flags.append(_earthquake(pga_g))
    if flood_zone is not None:
        r = next(r for r in _rows() if r["hazard"] == "flood" and r["case"] == flood_zone)
        flags.append(NatechFlag("flood", r["level"], r["flagged"] == "true", r["remark"]))
    return NatechExposure(tuple(flags)) if flags else None
