"""Information to the public about hazardous activities: ``/api/public-info/…``
(``hazatlas public-info …``; ``docs/public-information.md``). Anyone reads the published pages
(no token); the national authority of the site's country (and administrators) generate the
draft from the register, edit it, publish and withdraw it. Errors are problem+json: 404 unknown
or unpublished, 403 not the site's authority, 422 bad input naming the field (a required
section still empty on publishing)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from hazatlas.api.deps import get_db, get_user
from hazatlas.domain.access import Principal
from hazatlas.services import public_info
from hazatlas.services.store import Database

router = APIRouter(prefix="/api/public-info", tags=["public information"])

Db = Annotated[Database, Depends(get_db)]
User = Annotated[Principal, Depends(get_user)]
Iso3 = Annotated[str | None, Query(pattern="^[A-Z]{3}$")]


class GenerateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    audience: Annotated[str, Field(pattern="^[A-Z]{3}$")] | None = None
    language: Annotated[str, Field(max_length=10)] | None = None
    keep_edits: bool = True


class EditIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    sections: dict[Annotated[str, Field(max_length=40)], Annotated[str, Field(max_length=20_000)]]


@router.get("", summary="The published pages (no token needed)")
def index(db: Db, country: Iso3 = None, audience: Iso3 = None) -> list[dict[str, Any]]:
    return public_info.published_index(db, country=country, audience=audience)


@router.get("/{establishment_id}", summary="The published page of a site (no token needed)")
def published(establishment_id: str, db: Db, audience: Iso3 = None) -> dict[str, Any]:
    return public_info.published(db, establishment_id, audience)


@router.get("/{establishment_id}/drafts", summary="Every page of the site with its draft")
def drafts(establishment_id: str, db: Db, user: User) -> list[dict[str, Any]]:
    return public_info.pages(db, user, establishment_id)


@router.post("/{establishment_id}/generate",
             summary="Generate the draft from the register, the screening and the plans")
def generate(establishment_id: str, request: Request, db: Db, user: User,
             body: GenerateIn | None = None) -> dict[str, Any]:
    body = body or GenerateIn()
    return public_info.generate(db, user, establishment_id, audience=body.audience,
                                language=body.language, keep_edits=body.keep_edits,
                                base_url=request.app.state.settings.public_url)


@router.put("/{establishment_id}/{audience}/sections", summary="Rewrite sections of the draft")
def edit(establishment_id: str, audience: str, body: EditIn, db: Db, user: User) -> dict[str, Any]:
    return public_info.edit(db, user, establishment_id, audience, body.sections)


@router.post("/{establishment_id}/{audience}/publish", summary="Publish the draft")
def publish(establishment_id: str, audience: str, db: Db, user: User) -> dict[str, Any]:
    return public_info.publish(db, user, establishment_id, audience)


@router.post("/{establishment_id}/{audience}/withdraw", summary="Take the page off the public site")
def withdraw(establishment_id: str, audience: str, db: Db, user: User) -> dict[str, Any]:
    return public_info.withdraw(db, user, establishment_id, audience)
