"""Custom fragility curves in Natech screening and the flood chain (docs/natech.md, "Custom curves").

A user gives a curve table (``--curves FILE.csv``; :func:`hazatlas.models.natech.custom.parse_custom_curves`)
and picks a curve per tank with the inventory line's ``tank_model = custom:NAME`` (or for every
tank that names no model with ``--default-curve NAME``). The curve then takes the layers of its
hazard, intensity measure and unit; a layer of the same hazard with another measure is not
combined with it (listed in the warnings), and the other hazards keep the shipped models. Every
event computed with a custom curve names it and its stated source, and the document lists the
curves used with the file they came from (:func:`describe`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hazatlas.domain.errors import Problem, ValidationError
from hazatlas.domain.hazard_layer import HazardLayer
from hazatlas.models.natech.custom import CustomFragility, parse_custom_curves
from hazatlas.models.natech.screening import CUSTOM_PREFIX, TankUnit


@dataclass(frozen=True)
class CurveTable:
    """The curves of one table and the name of the file (or upload) they came from."""

    filename: str
    curves: Mapping[str, CustomFragility]

    def curve_of(self, unit: TankUnit) -> CustomFragility | None:
        """The custom curve a tank uses, if any."""
        if unit.custom_curve is None:
            return None
        return self.curves[unit.custom_curve[len(CUSTOM_PREFIX):]]

    def describe(self) -> dict[str, Any]:
        """The table for a result document: file and, per curve, what it takes and its source."""
        return {
            "file": self.filename,
            "curves": [
                {
                    "model": c.label(),
                    "curve": name,
                    "hazard": c.hazard,
                    "intensity_measure": c.intensity_measure,
                    "unit": c.unit,
                    "damage_states": list(c.damage_classification().states[1:]),
                    "source": c.curve_source,
                }
                for name, c in curves_sorted(self.curves)
            ],
        }


def curves_sorted(curves: Mapping[str, CustomFragility]) -> list[tuple[str, CustomFragility]]:
    """The curves by name."""
    return sorted(curves.items())


def from_text(text: str, filename: str, default_curve: str | None = None) -> CurveTable:
    """A curve table from its text (``filename`` is named in errors); ``default_curve`` must be
    one of its curves."""
    table = CurveTable(filename, parse_custom_curves(text, filename))
    check_default(table, default_curve)
    return table


def load(path: Path, default_curve: str | None = None) -> CurveTable:
    """A curve table from a CSV file (UTF-8)."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ValidationError([Problem(str(path), None, "", f"cannot read the curve table "
                                       f"({exc.__class__.__name__}: {exc}); expected a UTF-8 "
                                       "CSV file")]) from exc
    return from_text(text, Path(path).name, default_curve)


def check_default(table: CurveTable | None, default_curve: str | None) -> None:
    """Refuse a default curve that the table does not hold (or with no table)."""
    if default_curve is None:
        return
    if table is None:
        raise ValidationError([Problem("parameter", None, "default-curve", f"{default_curve!r}: "
                                       "no curve table was given (--curves)")])
    if default_curve not in table.curves:
        raise ValidationError([Problem("parameter", None, "default-curve", f"{default_curve!r}: "
                                       f"no such curve in {table.filename} (one of "
                                       f"{', '.join(sorted(table.curves))})")])


def takes(curve: CustomFragility, layer: HazardLayer) -> bool:
    """Whether the curve takes the layer (same hazard, measure and unit; measure case-blind)."""
    return (curve.hazard, curve.intensity_measure.lower(), curve.unit) == (
        layer.hazard, layer.intensity_measure.lower(), layer.unit)


def route(curve: CustomFragility | None, layer: HazardLayer, modelled: bool) -> str:
    """How a tank with ``curve`` (or none) treats ``layer``: ``"custom"`` (through the curve),
    ``"shipped"`` (through the shipped model, ``modelled`` saying whether there is one),
    ``"skip"`` (a layer of the curve's hazard in another measure) or ``"none"`` (no model)."""
    if curve is not None and takes(curve, layer):
        return "custom"
    if curve is not None and curve.hazard == layer.hazard:
        return "skip"
    return "shipped" if modelled else "none"


def flood_depth_curve(table: CurveTable | None, unit: TankUnit) -> CustomFragility | None:
    """The tank's custom curve when it takes flood depth in m (the flood chain's intensity)."""
    curve = table.curve_of(unit) if table is not None else None
    if curve is None or (curve.hazard, curve.intensity_measure.lower(), curve.unit) != (
            "flood", "depth", "m"):
        return None
    return curve
