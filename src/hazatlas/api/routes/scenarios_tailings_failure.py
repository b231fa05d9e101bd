"""API: a tailings dam failure as one scenario (same JSON as ``hazatlas scenario
tailings-failure --json``): runout, river entry, a river spill per constituent and the combined
list of countries downstream (:mod:`hazatlas.services.tailings_failure`).

Running stores the run, so it needs an authenticated user (401 otherwise). The establishment is
read as the caller may see it: a caller not entitled to its tailings details must give the
stored volume, dam height and constituents, or is answered 422 naming the missing input. An
unknown establishment is 404; an invalid input is 422 problem+json naming the parameter.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field

from hazatlas.api.deps import get_db, get_user
from hazatlas.domain.access import Principal
from hazatlas.services.store import Database

router = APIRouter(prefix="/api/scenarios", tags=["scenarios: tailings"])


class TailingsFailureIn(BaseModel):
    """A failure of the tailings dam of a register establishment. Inputs left out come from the
    register; numbers must be finite and within physical bounds (422 naming the field beyond)."""

    model_config = ConfigDict(allow_inf_nan=False)
    establishment_id: str = Field(..., min_length=1, max_length=100)
    start: datetime
    released_fraction: float | None = Field(None, description="fraction of the stored volume "
                                            "released, in (0, 1]; default: the regression")
    stored_volume_m3: float | None = Field(None, ge=1, le=1e10)
    dam_height_m: float | None = Field(None, ge=0.1, le=1000)
    constituents_mg_kg: dict[Annotated[str, Field(min_length=1, max_length=200)],
                             Annotated[float, Field(ge=0, le=1e6)]] | None = Field(
        None, max_length=1000)
    method: Literal["rico2008", "larrauri2018"] = "larrauri2018"
    flow: Literal["low", "mean", "high"] | Annotated[float, Field(ge=1e-3, le=1e6)] = "mean"
    duration_s: float = Field(0.0, ge=0, le=366 * 86400)
    days: float = Field(30.0, ge=0.01, le=366)
    water_temp_c: float | None = Field(None, ge=0, le=40, description=(
        "water temperature (°C) for the constituents' decay; default: the river's monthly "
        "climatology, else the rates at their reference temperature"))
    month: int | None = Field(None, ge=1, le=12, description=(
        "month of the water-temperature climatology when water_temp_c is not given; default: "
        "the month of start"))


@router.post("/tailings-failure",
             summary="Tailings dam failure: runout, river entry, river spill, countries")
def tailings_failure_scenario(body: TailingsFailureIn, db: Database = Depends(get_db),
                              user: Principal = Depends(get_user)) -> dict[str, Any]:
    """The runout part, the river entry, one river spill per constituent and the countries
    downstream with first arrival, peak time and peak (see ``docs/models/tailings.md``)."""
    from hazatlas.services.tailings_failure import TailingsFailureRequest, run_and_store

    req = TailingsFailureRequest(**body.model_dump())
    return run_and_store(db, user, req, body.model_dump(mode="json"))
