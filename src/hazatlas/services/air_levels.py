"""Levels drawn by a plume run (``hazatlas.services.air``): the levels of concern of the
substance (AEGL or ERPG) or the user's, else concentration isopleths; and the centreline table.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from hazatlas.models.air.zones import LevelOfConcern, find_substance, levels_of_concern
from hazatlas.models.base import invalid_input

if TYPE_CHECKING:
    from hazatlas.services.air import PlumeRequest


#: Concentration levels (mg/m³) drawn when no level of concern is known (no substance, or one
#: without AEGL/ERPG values, and no ``loc_mg_m3``). They are decades chosen to span the range in
#: which the AEGL-1 to AEGL-3 values of common industrial gases lie (about 1 to 1000 mg/m³, see
#: ``aegl_values.csv``), not thresholds of harm: they say how far given concentrations reach.
ISOPLETHS_MG_M3 = (1.0, 10.0, 100.0)
ISOPLETH_STATUS = "concentration level, not a toxicological threshold"


def _isopleths(reason: str) -> tuple[list[LevelOfConcern], list[str]]:
    levels = [
        LevelOfConcern(f"{c:g} mg/m3", c, status=ISOPLETH_STATUS, source="hazatlas isopleth")
        for c in sorted(ISOPLETHS_MG_M3, reverse=True)
    ]
    shown = ", ".join(f"{c:g}" for c in ISOPLETHS_MG_M3)
    return levels, [
        f"{reason}: the zones are the concentration isopleths {shown} mg/m3 (and 'centreline' "
        "gives the concentration along the plume axis); they are not levels of harm: give a "
        "substance with AEGL/ERPG values (substance, --substance) or a level of concern "
        "(loc_mg_m3, --loc) for threat zones"
    ]


def levels_for(req: PlumeRequest) -> tuple[list[LevelOfConcern], list[str]]:
    if req.loc_mg_m3 is not None:
        if not req.loc_mg_m3 > 0:
            raise invalid_input("loc_mg_m3", "the level of concern (loc_mg_m3, --loc) must be > 0 mg/m3")
        return [LevelOfConcern("user", float(req.loc_mg_m3))], []
    if not req.substance:
        return _isopleths("no substance and no level of concern given")
    if find_substance(req.substance) is None:
        return _isopleths(f"no AEGL/ERPG values for '{req.substance}' in the reference tables")
    levels = levels_of_concern(req.substance, kind=req.loc_kind, duration_s=req.duration_s)
    notes = []
    if req.loc_kind == "aegl" and req.duration_s > 28_800:
        notes.append("exposure longer than 8 h: the 8 h AEGL values are used")
    if len(levels) < 3:
        notes.append("some levels are not recommended (NR/NA) for this substance and are skipped")
    return levels, notes


#: Downwind distances (m) of the centreline table.
CENTRELINE_M = (100.0, 200.0, 500.0, 1_000.0, 2_000.0, 5_000.0, 10_000.0, 20_000.0, 50_000.0,
                100_000.0)


def centreline_table(ground: Callable[[np.ndarray], np.ndarray]) -> list[dict[str, float]]:
    """Ground-level concentration on the plume axis (the puff's peak as it passes) at
    :data:`CENTRELINE_M`."""
    x = np.asarray(CENTRELINE_M)
    conc = np.asarray(ground(x[None, :]), dtype=float).reshape(-1) * 1e6
    return [
        {"distance_m": float(d), "concentration_mg_m3": float(f"{c:.4g}")}
        for d, c in zip(x, conc, strict=True)
    ]
