"""Screening results and accident-risk-spot ranking."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import FileResponse
from starlette.background import BackgroundTask

from hazatlas.api.deps import get_db, get_principal, get_settings
from hazatlas.domain.access import Principal
from hazatlas.services import ranking as svc
from hazatlas.services.settings import Settings
from hazatlas.services.store import Database

router = APIRouter(prefix="/api", tags=["screening"])

Db = Annotated[Database, Depends(get_db)]
User = Annotated[Principal, Depends(get_principal)]


@router.get("/establishments/{establishment_id}/screening",
            summary="Nearest border, downstream countries with travel times, WRI, THI")
def screening(establishment_id: str, db: Db, user: User,
              network: Annotated[str | None, Query(
                  max_length=100, description="a stored river network's name (hazatlas network "
                  "list); default: the bundled network (the stored screening)")] = None,
              ) -> dict[str, Any]:
    return svc.screening_for(db, user, establishment_id, network)


@router.get("/ranking", summary="Accident risk spots ranked per basin or per country")
def ranking(db: Db, user: User,
            group_by: Annotated[str, Query(pattern="^(basin|country)$")] = "basin",
            country: Annotated[str | None, Query(pattern=r"^[A-Z]{3}$")] = None,
            basin: str | None = None,
            format: Annotated[str, Query(pattern="^(json|csv|geojson)$")] = "json",
            layers: Annotated[str | None, Query(
                max_length=100, description="name of a layer manifest in the server's "
                "HAZATLAS_HAZARD_LAYERS_DIR: the THI takes its earthquake and flood inputs "
                "from it")] = None,
            settings: Settings = Depends(get_settings)):
    manifest = None
    if layers is not None:
        from hazatlas.services.natech_region import manifest_in

        manifest = manifest_in(settings.hazard_layers_dir, layers)
    rows = svc.ranking(db, user, group_by=group_by, country=country, basin=basin,
                       layers=manifest)
    if format == "json":
        return rows
    tmp = tempfile.TemporaryDirectory()
    path = Path(tmp.name) / f"hazatlas-ranking.{format}"
    svc.export_ranking(rows, path)
    return FileResponse(path, filename=path.name, background=BackgroundTask(tmp.cleanup))
