"""Request dependencies: the database, the settings and the current user."""

from __future__ import annotations

from fastapi import Depends, HTTPException, Request

from hazatlas.domain.access import ANONYMOUS, Principal
from hazatlas.services.settings import Settings
from hazatlas.services.store import Database
from hazatlas.services.users import TokenExpiredError, principal_for_token

BEARER = {"WWW-Authenticate": "Bearer"}


def get_db(request: Request) -> Database:
    return request.app.state.db


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def bearer_token(request: Request) -> str | None:
    """The token of the ``Authorization: Bearer TOKEN`` header, ``None`` without the header."""
    header = request.headers.get("authorization", "")
    if not header:
        return None
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        raise HTTPException(401, "Authorization header must be 'Bearer <token>'", headers=BEARER)
    return value.strip()


def get_principal(request: Request, db: Database = Depends(get_db)) -> Principal:
    """The user of the ``Authorization: Bearer TOKEN`` header; anonymous (public) without one.

    Reads only the headers, never the request body."""
    try:
        principal = principal_for_token(db, bearer_token(request))
    except TokenExpiredError as exc:
        raise HTTPException(401, str(exc), headers=BEARER) from exc
    if principal is None:
        raise HTTPException(401, "unknown or revoked API token", headers=BEARER)
    return principal


def get_user(principal: Principal = Depends(get_principal)) -> Principal:
    """An authenticated user: anonymous callers get 401 (for every route that writes)."""
    if principal is ANONYMOUS:
        raise HTTPException(401, "this action needs an API token (Authorization: Bearer TOKEN)",
                            headers=BEARER)
    return principal
