"""Damage events of register sites (``hazatlas damage``; ``docs/natech.md``, "Damage events"):
``/api/establishments/{id}/damage-events`` (read, record) and ``/api/damage-events`` (every
event the caller may see, or the unassessed ones; assess one). Reading follows the site's
confidentiality; writing needs an API token of a user who may write the site (assessing: its
country's authority or an administrator). Errors are problem+json: 404, 403, 422 naming the
field. ``/api/map/natech`` is the map's Natech layer (``services/map_natech.py``)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from hazatlas.api.deps import get_db, get_principal, get_settings, get_user
from hazatlas.domain.access import Principal
from hazatlas.services.damage import DamageService
from hazatlas.services.settings import Settings
from hazatlas.services.store import Database

router = APIRouter(prefix="/api", tags=["damage"])

Db = Annotated[Database, Depends(get_db)]
Reader = Annotated[Principal, Depends(get_principal)]
Writer = Annotated[Principal, Depends(get_user)]
Config = Annotated[Settings, Depends(get_settings)]
Short = Annotated[str, Field(max_length=200)]
Long = Annotated[str, Field(max_length=4000)]


class DamageIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    occurred_on: Annotated[str, Field(max_length=10, description="YYYY-MM-DD")]
    cause: Literal["armed_conflict", "natural_hazard", "accident", "other"]
    hazard_type: Short | None = None
    extent: Literal["none", "minor", "moderate", "severe", "destroyed"]
    affected_units: Annotated[list[Short], Field(max_length=500)] = []
    source: Long
    source_url: Long | None = None
    reliability: Literal["confirmed_authority", "confirmed_operator", "satellite_imagery",
                         "media", "unverified"]
    notes: Long | None = None
    confidential: bool = True


class AssessIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    extent: Literal["none", "minor", "moderate", "severe", "destroyed"] | None = None
    note: Long | None = None


@router.get("/establishments/{establishment_id}/damage-events",
            summary="A site's damage events the caller may see, newest first")
def site_events(establishment_id: str, db: Db, user: Reader) -> list[dict[str, Any]]:
    return DamageService(db, user).for_site(establishment_id)


@router.post("/establishments/{establishment_id}/damage-events", status_code=201,
             summary="Record a damage event of a site (audited)")
def add_event(establishment_id: str, body: DamageIn, db: Db, user: Writer) -> dict[str, Any]:
    return DamageService(db, user).add(establishment_id, body.model_dump())


@router.get("/damage-events", summary="Damage events the caller may see; unassessed=true: "
            "the sites with unassessed damage")
def events(db: Db, user: Reader, unassessed: bool = False,
           country: Annotated[str | None, Query(pattern=r"^[A-Z]{3}$")] = None,
           ) -> list[dict[str, Any]]:
    return DamageService(db, user).visible_events(unassessed=unassessed, country=country)


@router.post("/damage-events/{event_id}/assessment",
             summary="Mark a damage event assessed, with the assessed extent (audited)")
def assess(event_id: int, body: AssessIn, db: Db, user: Writer) -> dict[str, Any]:
    return DamageService(db, user).assess(event_id, extent=body.extent, note=body.note)


@router.get("/map/natech/layers", summary="The layer manifests the map's Natech layer may use "
            "(HAZATLAS_HAZARD_LAYERS_DIR)")
def natech_manifests(settings: Config) -> list[str]:
    from hazatlas.services.map_natech import manifests

    return manifests(settings.hazard_layers_dir)


@router.get("/map/natech", summary="The map's Natech layer: sites in view coloured by their "
            "Natech screening, damaged sites marked (GeoJSON)")
def natech_map(request: Request, db: Db, user: Reader, settings: Config,
               layers: Annotated[str | None, Query(max_length=100, description="a manifest of "
                                                  "/api/map/natech/layers")] = None,
               bbox: Annotated[str | None, Query(max_length=200, description="W,S,E,N")] = None,
               ) -> dict[str, Any]:
    from hazatlas.domain.register_query import BBox
    from hazatlas.services.map_natech import natech_layer
    from hazatlas.web.render import page_principal

    if "authorization" not in request.headers:
        user = page_principal(request)  # the map page's requests carry the session cookie
    box = BBox.parse(bbox) if bbox and bbox.strip() else None
    return natech_layer(db, user, folder=settings.hazard_layers_dir,
                        layers=layers.strip() if layers and layers.strip() else None, bbox=box)
