"""Stored model runs: ``/api/scenarios`` (list), ``/api/scenarios/{id}`` and the runs of one
establishment; and what the
routes that run a model share (:func:`model_run`, :data:`LonLat`): every kind (river, plume,
runout) answers an invalid input the same way and is stored with ``scenarios.store``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Literal, TypeVar

from fastapi import APIRouter, Depends, HTTPException, Query
from pydantic import Field

from hazatlas.api.deps import get_db, get_principal
from hazatlas.domain.access import Principal
from hazatlas.domain.errors import (
    HazatlasError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from hazatlas.services import scenarios
from hazatlas.services.store import Database

router = APIRouter(prefix="/api", tags=["scenarios"])

Db = Annotated[Database, Depends(get_db)]
User = Annotated[Principal, Depends(get_principal)]
LonLat = tuple[Annotated[float, Field(ge=-180, le=180)], Annotated[float, Field(ge=-90, le=90)]]
R = TypeVar("R")
T = TypeVar("T")


@router.get("/scenarios", summary="Stored model runs the caller may read, newest first")
def list_scenarios(db: Db, user: User,
                   establishment_id: Annotated[str | None, Query(max_length=100)] = None,
                   kind: Annotated[Literal["river", "plume", "runout", "tailings-failure"] | None, Query()] = None,
                   limit: Annotated[int, Query(ge=1, le=1000)] = 100,
                   offset: Annotated[int, Query(ge=0)] = 0) -> list[dict[str, Any]]:
    """Each run without its result (``GET /api/scenarios/{id}`` gives it): id, kind,
    establishment, who ran it and when, the inputs, the countries reached and the inputs the
    site filled. Runs of a confidential site are listed only to those who may read the site's
    confidential fields."""
    return scenarios.list_runs(db, user, establishment_id=establishment_id, kind=kind,
                               limit=limit, offset=offset)


@router.get("/scenarios/{scenario_id}", summary="A stored model run with its inputs and result")
def get_scenario(scenario_id: str, db: Db, user: User) -> dict[str, Any]:
    return scenarios.get(db, user, scenario_id)


@router.get("/establishments/{establishment_id}/scenarios", summary="Model runs of an establishment")
def establishment_scenarios(establishment_id: str, db: Db, user: User) -> list[dict[str, Any]]:
    return scenarios.list_for(db, user, establishment_id)


def model_run(run: Callable[[R], T], request: R) -> T:
    """Run a model use case: an invalid input (ValidationError) is answered by the app's
    handler (422 naming the parameter), an unknown or unreadable establishment by its handlers
    (404, 403); another model error is a 422 with its text."""
    try:
        return run(request)
    except (ValidationError, NotFoundError, PermissionDeniedError):
        raise
    except HazatlasError as exc:
        raise HTTPException(status_code=422, detail=str(exc)) from exc
