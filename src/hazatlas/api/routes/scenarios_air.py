"""API: toxic gas threat zones and tailings runout (same JSON as ``hazatlas plume/runout --json``).

Inputs are SI numbers whose names carry the unit. Every run is stored as a scenario
(``scenario_id`` in the answer), linked to ``establishment_id`` when one is given.
"""

from __future__ import annotations

import math
from typing import Any, Literal

from fastapi import APIRouter, Depends, HTTPException
from pydantic import BaseModel, Field

from hazatlas.api.deps import get_db, get_user
from hazatlas.domain.access import Principal
from hazatlas.domain.errors import HazatlasError
from hazatlas.storage.db import Database

router = APIRouter(prefix="/api/scenarios", tags=["scenarios: air and tailings"])


class PlumeIn(BaseModel):
    """A toxic gas release: give exactly one of rate_kg_s, mass_kg, pool_area_m2, hole_diameter_m."""

    establishment_id: str | None = None
    rate_kg_s: float | None = Field(None, gt=0)
    mass_kg: float | None = Field(None, gt=0)
    pool_area_m2: float | None = Field(None, gt=0)
    hole_diameter_m: float | None = Field(None, gt=0)
    pressure_pa: float | None = Field(None, gt=0)
    temperature_k: float = Field(293.15, gt=0)
    wind_speed_m_s: float = Field(..., gt=0)
    wind_height_m: float | None = Field(None, gt=0)
    stability: Literal["A", "B", "C", "D", "E", "F"]
    release_height_m: float = Field(0.0, ge=0)
    sigmas: Literal["briggs-rural", "briggs-urban", "pasquill-gifford"] = "briggs-rural"
    substance: str | None = None
    levels: Literal["aegl", "erpg"] = "aegl"
    duration_s: float = Field(3600.0, gt=0)
    loc_mg_m3: float | None = Field(None, gt=0)
    mixing_height_m: float | None = Field(None, gt=0)
    receptors: list[tuple[float, float, float]] = []
    at: tuple[float, float] | None = None
    wind_from_deg: float | None = None
    places: list[tuple[str, float, float]] = Field(
        default_factory=list, description="populated places as (name, lon, lat)")


class RunoutIn(BaseModel):
    """A tailings dam failure: impounded volume and dam height, optional released volume."""

    establishment_id: str | None = None
    impounded_volume_m3: float = Field(..., gt=0)
    dam_height_m: float = Field(..., gt=0)
    released_volume_m3: float | None = Field(None, gt=0)
    method: Literal["rico2008", "larrauri2018"] = "larrauri2018"
    at: tuple[float, float] | None = None
    constituents_mg_kg: dict[str, float] = {}


@router.post("/plume")
def plume_scenario(body: PlumeIn, db: Database = Depends(get_db),
                   user: Principal = Depends(get_user)) -> dict[str, Any]:
    """Receptor concentrations, threat zones, countries reached and validity warnings."""
    from hazatlas.services.air import PlumeRequest, run_plume

    fields = body.model_dump(exclude={"establishment_id", "levels", "mixing_height_m"})
    req = PlumeRequest(
        **fields, loc_kind=body.levels, mixing_height_m=body.mixing_height_m or math.inf
    )
    try:
        result = run_plume(req)
    except HazatlasError as exc:
        raise HTTPException(status_code=422, detail=str(exc)) from exc
    from hazatlas.services import scenarios

    data = result.to_json()
    sid = scenarios.save(db, user, "plume", body.model_dump(mode="json"), data, body.establishment_id)
    return {**data, "establishment_id": body.establishment_id, "scenario_id": sid}


@router.post("/runout")
def runout_scenario(body: RunoutIn, db: Database = Depends(get_db),
                    user: Principal = Depends(get_user)) -> dict[str, Any]:
    """Released volume, runout with interval, path down the valley and countries reached."""
    from hazatlas.domain.tailings import Constituent
    from hazatlas.services.tailings import RunoutRequest, run_runout

    req = RunoutRequest(
        **body.model_dump(exclude={"establishment_id", "constituents_mg_kg"}),
        constituents=[Constituent(k, v) for k, v in body.constituents_mg_kg.items()],
    )
    try:
        outcome = run_runout(req)
    except HazatlasError as exc:
        raise HTTPException(status_code=422, detail=str(exc)) from exc
    from hazatlas.services import scenarios

    data = outcome.to_json()
    sid = scenarios.save(db, user, "runout", body.model_dump(mode="json"), data, body.establishment_id)
    return {**data, "establishment_id": body.establishment_id, "scenario_id": sid}
