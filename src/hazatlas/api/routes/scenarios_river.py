"""API: river spill alarm run (same JSON as ``hazatlas spill --json``).

``POST /api/scenarios/river`` computes the run on the bundled river network, or on a stored
network named by ``network`` (``hazatlas network build``; never a file of the server). Inputs are SI
numbers whose names carry the unit; every run is stored as a scenario (``scenario_id`` in the
answer), linked to ``establishment_id`` when one is given, whose site fills the inputs left out
(``hazatlas.services.site_scenarios``). Anonymous callers are refused (401): every run is
stored, and the public may not write. Bad input (a point
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


class ObservationIn(BaseModel):
    """A concentration measured during the event: at a station (a point of the run or a gauge
    of ``river_gauges.csv``) or at ``lon``/``lat``; ``time`` with its zone."""

    model_config = ConfigDict(allow_inf_nan=False)
    station: str | None = Field(None, min_length=1, max_length=200)
    lon: float | None = Field(None, ge=-180, le=180)
    lat: float | None = Field(None, ge=-90, le=90)
    time: datetime
    concentration_mg_l: float = Field(..., ge=0, le=1e6)
    phase: Literal["", "peak", "rising", "falling"] | None = Field(None, description=(
        "where on the cloud's passage the value was taken, when known: peak (the highest "
        "value at the station), rising (before the peak), falling (after it)"))


class RiverSpillIn(BaseModel):
    """A spill into a river: instantaneous (``duration_s`` 0) or over a duration. Numbers must
    be finite and within physical bounds (1 mg to 100 kt, a year, 0.001 to 10^6 m³/s); a value outside
    is refused with 422 naming it, never clamped."""

    model_config = ConfigDict(allow_inf_nan=False)
    establishment_id: str | None = Field(None, max_length=100)
    at: tuple[Annotated[float, Field(ge=-180, le=180)], Annotated[float, Field(ge=-90, le=90)]] | None = Field(
        None, description="release point (lon, lat); default: the establishment's location")
    mass_kg: float | None = Field(None, ge=1e-6, le=1e8, description=(
        "released mass; default: the maximum quantity of the establishment's inventory line"))
    start: datetime
    duration_s: float = Field(0.0, ge=0, le=366 * 86400)
    substance: str | None = Field(None, max_length=200)
    decay_per_day: float | None = Field(None, ge=0, le=1000)
    flow: Literal["low", "mean", "high"] | Annotated[float, Field(ge=1e-3, le=1e6)] = "mean"
    threshold_mg_l: float | None = Field(None, ge=1e-9, le=1e6)
    points: list[PlaceIn] = Field([], max_length=10_000)
    days: float = Field(30.0, ge=0.01, le=366)
    water_temp_c: float | None = Field(None, ge=0, le=40, description=(
        "water temperature (°C) for the substance's decay rate; default: the monthly "
        "climatology of the river (river_water_temperature.csv) for `month` or the month of "
        "`start`, else the rate at its reference temperature"))
    month: int | None = Field(None, ge=1, le=12, description=(
        "month (1-12) of the water-temperature climatology when `water_temp_c` is not given; "
        "default: the month of `start`"))
    observations: list[ObservationIn] | None = Field(None, max_length=10_000, description=(
        "measured concentrations: the run is fitted to them and the answer adds `forecast`"))
    network: str | None = Field(None, max_length=100, description=(
        "a stored river network's name (hazatlas network list); default: the bundled network"))


@router.post("/river", summary="River spill: arrival, peak and duration downstream")
def river_scenario(body: RiverSpillIn, db: Database = Depends(get_db),
                   user: Principal = Depends(get_user)) -> dict[str, Any]:
    """Arrival, peak and trailing edge at the points, first arrival per country, the peak
    profile along the river and the low/mean/high flow band (see ``docs/models/river.md``).
    With ``establishment_id`` the site fills ``at``, ``substance`` and ``mass_kg`` when they are
    left out (``filled_from_establishment`` says which). With ``observations`` (measured
    concentrations) the run is fitted to them and the answer adds ``forecast``: prior and fitted
    parameters, residuals, and the forecast at the points and borders with its band."""
    from hazatlas.services import scenario_runs

    unused = set() if body.observations is not None else {"observations"}
    values = body.model_dump(mode="json", exclude={"establishment_id", "network"} | unused)
    # the stored request as before when no network is named
    parameters = body.model_dump(
        mode="json", exclude=unused if body.network else unused | {"network"})
    _, answer = model_run(lambda v: scenario_runs.river(
        db, user, v, establishment_id=body.establishment_id, network_name=body.network,
        parameters=parameters), values)
    return answer
