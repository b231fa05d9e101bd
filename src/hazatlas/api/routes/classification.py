"""``/api/establishments/{id}/classification``: the stored identification of one establishment."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from hazatlas.api.deps import get_db, get_principal
from hazatlas.domain.access import Principal
from hazatlas.services import assessments
from hazatlas.services.store import Database

router = APIRouter(prefix="/api", tags=["identification"])


@router.get("/establishments/{establishment_id}/classification",
            summary="Seveso III tier, Convention Annex I and location criteria, with reasons")
def classification(establishment_id: str, db: Annotated[Database, Depends(get_db)],
                   user: Annotated[Principal, Depends(get_principal)]) -> dict[str, Any]:
    return assessments.classification_for(db, user, establishment_id)


@router.get("/classifications", summary="Identification of the whole register")
def classifications(db: Annotated[Database, Depends(get_db)],
                    user: Annotated[Principal, Depends(get_principal)],
                    country: Annotated[str | None, Query(pattern=r"^[A-Z]{3}$")] = None) -> list[dict[str, Any]]:
    return assessments.classify_register(db, user, country=country)
