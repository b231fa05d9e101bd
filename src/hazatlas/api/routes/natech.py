"""Natech screening of register sites against a layer manifest of the server (docs/natech.md)."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import FileResponse
from starlette.background import BackgroundTask

from hazatlas.api.deps import get_db, get_principal, get_settings
from hazatlas.domain.access import Principal
from hazatlas.services import natech, natech_region
from hazatlas.services.settings import Settings
from hazatlas.services.store import Database

router = APIRouter(prefix="/api/natech", tags=["natech"])

Db = Annotated[Database, Depends(get_db)]
User = Annotated[Principal, Depends(get_principal)]
Config = Annotated[Settings, Depends(get_settings)]


@router.get("/screen", summary="Natech screening: hazard per site, damage and release, ranking, "
            "one event's footprint")
def screen(db: Db, user: User, settings: Config,
           layers: Annotated[str, Query(max_length=100, description="name of a layer manifest "
                                        "in the server's HAZATLAS_HAZARD_LAYERS_DIR")],
           establishment: Annotated[list[str] | None, Query(max_length=100)] = None,
           country: Annotated[str | None, Query(pattern=r"^[A-Z]{3}$")] = None,
           event: Annotated[str | None, Query(max_length=200)] = None,
           format: Annotated[str, Query(pattern="^(json|csv|geojson)$")] = "json"):
    path = natech_region.manifest_in(settings.hazard_layers_dir, layers)
    doc: dict[str, Any] = natech.screen(db, user, path, establishment_ids=establishment or (),
                                        country=country, event_layer=event)
    if format == "json":
        return doc
    tmp = tempfile.TemporaryDirectory()
    out = Path(tmp.name) / f"hazatlas-natech-ranking.{format}"
    natech_region.export(doc["ranking"], out)
    return FileResponse(out, filename=out.name, background=BackgroundTask(tmp.cleanup))
