"""API: toxic gas threat zones (same JSON as ``hazatlas plume --json``).

Inputs are SI numbers whose names carry the unit. Every run is stored as a scenario
(``scenario_id`` in the answer), linked to ``establishment_id`` when one is given. An invalid
model input is answered with 422 problem+json naming the parameter, as for every scenario kind.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field

from hazatlas.api.deps import get_db, get_user
from hazatlas.api.routes.scenarios import LonLat, model_run
from hazatlas.domain.access import Principal
from hazatlas.services.store import Database

router = APIRouter(prefix="/api/scenarios", tags=["scenarios: air"])


Metres = Annotated[float, Field(ge=-1e6, le=1e6)]
MAX_POINTS = 10_000


class PlumeIn(BaseModel):
    """A toxic gas release: give exactly one of rate_kg_s, mass_kg, pool_area_m2, hole_diameter_m.

    Numbers must be finite and within physical bounds (e.g. 1 mg/s to 100 t/s, at most 100 kt,
    a 10 m hole, a mixing height of 10 m to 10 km); a value outside is refused with 422 naming
    it, never clamped."""

    model_config = ConfigDict(allow_inf_nan=False)
    establishment_id: str | None = Field(None, max_length=100)
    rate_kg_s: float | None = Field(None, ge=1e-6, le=1e5)
    mass_kg: float | None = Field(None, ge=1e-6, le=1e8)
    pool_area_m2: float | None = Field(None, ge=1e-4, le=1e7)
    hole_diameter_m: float | None = Field(None, ge=1e-4, le=10)
    pressure_pa: float | None = Field(None, ge=1, le=1e9)
    temperature_k: float = Field(293.15, ge=1, le=2000)
    wind_speed_m_s: float = Field(..., ge=0.1, le=100)
    wind_height_m: float | None = Field(None, ge=0.1, le=1000)
    stability: Literal["A", "B", "C", "D", "E", "F"]
    release_height_m: float = Field(0.0, ge=0, le=1000)
    sigmas: Literal["briggs-rural", "briggs-urban", "pasquill-gifford"] = "briggs-rural"
    substance: str | None = Field(None, max_length=200)
    levels: Literal["aegl", "erpg"] = "aegl"
    duration_s: float = Field(3600.0, ge=1, le=1e6)
    loc_mg_m3: float | None = Field(None, ge=1e-9, le=1e9)
    mixing_height_m: float | None = Field(None, ge=10, le=1e4)
    receptors: list[tuple[Metres, Metres, Annotated[float, Field(ge=0, le=1e4)]]] = Field(
        [], max_length=MAX_POINTS, description="(downwind m, crosswind m, height m)")
    at: LonLat | None = None
    wind_from_deg: float | None = Field(None, ge=0, le=360)
    places: list[tuple[Annotated[str, Field(min_length=1, max_length=200)],
                       Annotated[float, Field(ge=-180, le=180)], Annotated[float, Field(ge=-90, le=90)]]] = Field(
        default_factory=list, max_length=MAX_POINTS, description="populated places as (name, lon, lat)")


@router.post("/plume")
def plume_scenario(body: PlumeIn, db: Database = Depends(get_db),
                   user: Principal = Depends(get_user)) -> dict[str, Any]:
    """Receptor concentrations, threat zones (or concentration isopleths without a substance),
    the centreline, countries reached and validity warnings. With ``establishment_id`` the site
    fills ``substance``, the release (``mass_kg``, when no source is given) and ``at`` (with
    ``wind_from_deg``)."""
    from hazatlas.services import scenario_runs

    values = body.model_dump(mode="json", exclude={"establishment_id", "levels"})
    values["loc_kind"] = body.levels
    _, answer = model_run(lambda v: scenario_runs.plume(
        db, user, v, establishment_id=body.establishment_id,
        parameters=body.model_dump(mode="json")), values)
    return answer
