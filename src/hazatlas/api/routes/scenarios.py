"""Stored model runs: ``/api/scenarios/{id}`` and the runs of one establishment."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends

from hazatlas.api.deps import get_db, get_principal
from hazatlas.domain.access import Principal
from hazatlas.services import scenarios
from hazatlas.storage.db import Database

router = APIRouter(prefix="/api", tags=["scenarios"])

Db = Annotated[Database, Depends(get_db)]
User = Annotated[Principal, Depends(get_principal)]


@router.get("/scenarios/{scenario_id}", summary="A stored model run with its inputs and result")
def get_scenario(scenario_id: str, db: Db, user: User) -> dict[str, Any]:
    return scenarios.get(db, user, scenario_id)


@router.get("/establishments/{establishment_id}/scenarios", summary="Model runs of an establishment")
def establishment_scenarios(establishment_id: str, db: Db, user: User) -> list[dict[str, Any]]:
    return scenarios.list_for(db, user, establishment_id)
