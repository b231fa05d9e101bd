"""Service metadata: health, countries, the current user."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, HTTPException

from hazatlas import __version__
from hazatlas.api.deps import get_db, get_principal
from hazatlas.domain.access import Principal
from hazatlas.services import geodata, users
from hazatlas.storage.db import Database

router = APIRouter(prefix="/api", tags=["meta"])


@router.get("/health")
def health(db: Annotated[Database, Depends(get_db)]) -> dict[str, Any]:
    return {"status": "ok", "version": __version__, "database": db.dialect,
            "schema": db.current_revision()}


@router.get("/me")
def me(user: Annotated[Principal, Depends(get_principal)]) -> dict[str, Any]:
    return {"username": user.username, "role": str(user.role), "country": user.country_iso3,
            "establishment_id": user.establishment_id, "party": user.party}


@router.post("/tokens", status_code=201, summary="Exchange a user name and password for an API token")
def token(db: Annotated[Database, Depends(get_db)],
          username: Annotated[str, Form()], password: Annotated[str, Form()]) -> dict[str, Any]:
    principal = users.authenticate(db, username, password)
    if principal is None:
        raise HTTPException(401, "unknown user or wrong password")
    return {"token": users.issue_token(db, username, label="api login", actor=username),
            "token_type": "bearer", "username": username, "role": str(principal.role)}


@router.get("/countries")
def countries(db: Annotated[Database, Depends(get_db)]) -> list[dict[str, str]]:
    with db.transaction() as s:
        names = geodata.country_names(s)
    return [{"iso3": k, "name": v} for k, v in sorted(names.items())]
