"""API: tailings dam failure runout (same JSON as ``hazatlas runout --json``).

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

router = APIRouter(prefix="/api/scenarios", tags=["scenarios: tailings"])


class RunoutIn(BaseModel):
    """A tailings dam failure: impounded volume and dam height, optional released volume
    (finite, volumes from 1 m³ to 10 km³, dams from 0.1 to 1000 m; 422 naming the field
    beyond)."""

    model_config = ConfigDict(allow_inf_nan=False)
    establishment_id: str | None = Field(None, max_length=100)
    impounded_volume_m3: float | None = Field(None, ge=1, le=1e10, description=(
        "impounded volume; default: the establishment's stored volume"))
    dam_height_m: float | None = Field(None, ge=0.1, le=1000, description=(
        "dam height; default: the establishment's dam height"))
    released_volume_m3: float | None = Field(None, ge=1, le=1e10)
    method: Literal["rico2008", "larrauri2018"] = "larrauri2018"
    at: LonLat | None = None
    constituents_mg_kg: dict[Annotated[str, Field(min_length=1, max_length=200)],
                             Annotated[float, Field(ge=0, le=1e6)]] = Field({}, max_length=1000)


@router.post("/runout")
def runout_scenario(body: RunoutIn, db: Database = Depends(get_db),
                    user: Principal = Depends(get_user)) -> dict[str, Any]:
    """Released volume, runout with interval, path down the valley and countries reached. With
    ``establishment_id`` the site fills ``at``, the volume, the dam height and the
    constituents."""
    from hazatlas.services import scenario_runs

    values = body.model_dump(mode="json", exclude={"establishment_id"})
    _, answer = model_run(lambda v: scenario_runs.runout(
        db, user, v, establishment_id=body.establishment_id,
        parameters=body.model_dump(mode="json")), values)
    return answer
