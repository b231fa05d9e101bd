"""Request dependencies: the database, the settings and the current user."""

from __future__ import annotations

from fastapi import Depends, HTTPException, Request

from hazatlas.domain.access import Principal
from hazatlas.services.settings import Settings
from hazatlas.services.users import principal_for_token
from hazatlas.storage.db import Database


def get_db(request: Request) -> Database:
    return request.app.state.db


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_principal(request: Request, db: Database = Depends(get_db)) -> Principal:
    """The user of the ``Authorization: Bearer TOKEN`` header; anonymous (public) without one."""
    header = request.headers.get("authorization", "")
    token = None
    if header:
        scheme, _, value = header.partition(" ")
        if scheme.lower() != "bearer" or not value.strip():
            raise HTTPException(401, "Authorization header must be 'Bearer <token>'")
        token = value.strip()
    principal = principal_for_token(db, token)
    if principal is None:
        raise HTTPException(401, "unknown or revoked API token")
    return principal
