"""API: river spill alarm run (same JSON as ``hazatlas spill --json``).

``POST /api/scenarios/river`` computes the run on the bundled river network. Inputs are SI
numbers whose names carry the unit; every run is stored as a scenario (``scenario_id`` in the
answer), linked to ``establishment_id`` when one is given. Bad input (a point
off the path, a negative mass, an unknown substance) is answered with 422 problem+json by the
application's error handlers.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field

from hazatlas.api.deps import get_db, get_user
from hazatlas.api.routes.scenarios import model_run
from hazatlas.domain.access import Principal
from hazatlas.services.store import Database

router = APIRouter(prefix="/api/scenarios", tags=["scenarios: river"])


class PlaceIn(BaseModel):
    """A place downstream (water intake, city, gauge)."""

    model_config = ConfigDict(allow_inf_nan=False)
    name: str = Field(..., min_length=1, max_length=200)
    lon: float = Field(..., ge=-180, le=180)
    lat: float = Field(..., ge=-90, le=90)


class RiverSpillIn(BaseModel):
    """A spill into a river: instantaneous (``duration_s`` 0) or over a duration. Numbers must
    be finite and within physical bounds (1 mg to 100 kt, a year, 0.001 to 10^6 m³/s); a value outside
    is refused with 422 naming it, never clamped."""

    model_config = ConfigDict(allow_inf_nan=False)
    establishment_id: str | None = Field(None, max_length=100)
    at: tuple[Annotated[float, Field(ge=-180, le=180)], Annotated[float, Field(ge=-90, le=90)]] = Field(
        ..., description="release point (lon, lat)")
    mass_kg: float = Field(..., ge=1e-6, le=1e8)
    start: datetime
    duration_s: float = Field(0.0, ge=0, le=366 * 86400)
    substance: str | None = Field(None, max_length=200)
    decay_per_day: float | None = Field(None, ge=0, le=1000)
    flow: Literal["low", "mean", "high"] | Annotated[float, Field(ge=1e-3, le=1e6)] = "mean"
    threshold_mg_l: float | None = Field(None, ge=1e-9, le=1e6)
    points: list[PlaceIn] = Field([], max_length=10_000)
    days: float = Field(30.0, ge=0.01, le=366)


@router.post("/river", summary="River spill: arrival, peak and duration downstream")
def river_scenario(body: RiverSpillIn, db: Database = Depends(get_db),
                   user: Principal = Depends(get_user)) -> dict[str, Any]:
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
    from hazatlas.services import scenarios

    run = model_run(run_spill, request)
    data = run.to_json()
    sid = scenarios.store(db, user, run, body.model_dump(mode="json"), body.establishment_id, data)
    return {**data, "establishment_id": body.establishment_id, "scenario_id": sid}
