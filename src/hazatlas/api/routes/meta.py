"""Service metadata: health, countries, the current user."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, HTTPException, Request, Response

from hazatlas import __version__
from hazatlas.api.deps import BEARER, bearer_token, get_db, get_principal, get_settings, get_user
from hazatlas.domain.access import Principal
from hazatlas.services import geodata, users
from hazatlas.services.settings import Settings
from hazatlas.services.store import Database

router = APIRouter(prefix="/api", tags=["meta"])


@router.get("/health")
def health(db: Annotated[Database, Depends(get_db)]) -> dict[str, Any]:
    return {"status": "ok", "version": __version__, "database": db.dialect,
            "schema": db.current_revision()}


@router.get("/me")
def me(user: Annotated[Principal, Depends(get_principal)]) -> dict[str, Any]:
    return {"username": user.username, "role": str(user.role), "country": user.country_iso3,
            "establishment_id": user.establishment_id, "party": user.party}


@router.post("/tokens", status_code=201, summary="Exchange a user name and password for an API token",
             responses={429: {"description": "too many failed logins; see Retry-After"}})
def token(request: Request, db: Annotated[Database, Depends(get_db)],
          settings: Annotated[Settings, Depends(get_settings)],
          username: Annotated[str, Form(min_length=1, max_length=100, pattern=r"^[^\x00]+$")],
          password: Annotated[str, Form(min_length=1, max_length=1000)]) -> dict[str, Any]:
    """The token expires after ``HAZATLAS_TOKEN_DAYS`` days (``expires_at``). Failed logins are
    throttled per user name and per client address (429 with ``Retry-After``)."""
    throttle = request.app.state.login_throttle
    address = request.client.host if request.client else "unknown"
    wait = throttle.retry_after(username, address)
    if wait is not None:
        raise HTTPException(429, f"too many failed logins; try again in {wait} s",
                            headers={"Retry-After": str(wait)})
    principal = users.authenticate(db, username, password)
    if principal is None:
        throttle.failed(username, address)
        raise HTTPException(401, "unknown user or wrong password", headers=BEARER)
    throttle.succeeded(username)
    value = users.issue_token(db, username, label="api login", actor=username, days=settings.token_days)
    expires = users.token_expiry(db, value)  # always set for a token just issued
    return {"token": value, "token_type": "bearer", "username": username, "role": str(principal.role),
            "expires_at": expires.isoformat() if expires else None}


@router.delete("/tokens/current", status_code=204, summary="Revoke the token of this request")
def revoke_current(request: Request, db: Annotated[Database, Depends(get_db)],
                   user: Annotated[Principal, Depends(get_user)]) -> Response:
    users.revoke_tokens(db, user.username, actor=user.username, token=bearer_token(request))
    return Response(status_code=204)


@router.get("/countries")
def countries(db: Annotated[Database, Depends(get_db)]) -> list[dict[str, str]]:
    names = geodata.country_names(db)
    return [{"iso3": k, "name": v} for k, v in sorted(names.items())]
