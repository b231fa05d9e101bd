"""API: river spill alarm run (same JSON as ``hazatlas spill --json``).

``POST /api/scenarios/river`` computes the run on the bundled river network. Inputs are SI
numbers whose names carry the unit; ``establishment_id`` is echoed back so that the caller (the
scenario storage) can link the result to the establishment it started from. Bad input (a point
off the path, a negative mass, an unknown substance) is answered with 422 problem+json by the
application's error handlers.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field

router = APIRouter(prefix="/api/scenarios", tags=["scenarios: river"])


class PlaceIn(BaseModel):
    """A place downstream (water intake, city, gauge)."""

    name: str = Field(..., min_length=1)
    lon: float = Field(..., ge=-180, le=180)
    lat: float = Field(..., ge=-90, le=90)


class RiverSpillIn(BaseModel):
    """A spill into a river: instantaneous (``duration_s`` 0) or over a duration."""

    establishment_id: str | None = None
    at: tuple[float, float] = Field(..., description="release point (lon, lat)")
    mass_kg: float = Field(..., gt=0)
    start: datetime
    duration_s: float = Field(0.0, ge=0)
    substance: str | None = None
    decay_per_day: float | None = Field(None, ge=0)
    flow: Literal["low", "mean", "high"] | float = "mean"
    threshold_mg_l: float | None = Field(None, gt=0)
    points: list[PlaceIn] = []
    days: float = Field(30.0, gt=0, le=366)


@router.post("/river", summary="River spill: arrival, peak and duration downstream")
def river_scenario(body: RiverSpillIn) -> dict[str, Any]:
    """Arrival, peak and trailing edge at the points, first arrival per country, the peak
    profile along the river and the low/mean/high flow band (see ``docs/models/river.md``)."""
    from hazatlas.services.spill import NamedPoint, SpillRequest, run_spill

    request = SpillRequest(
        lon=body.at[0],
        lat=body.at[1],
        mass_kg=body.mass_kg,
        start=body.start,
        duration_s=body.duration_s,
        substance=body.substance,
        decay_per_day=body.decay_per_day,
        flow=body.flow,
        threshold_mg_l=body.threshold_mg_l,
        points=tuple(NamedPoint(p.name, p.lon, p.lat) for p in body.points),
        days=body.days,
    )
    return {**run_spill(request).to_dict(), "establishment_id": body.establishment_id}
