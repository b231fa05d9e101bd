"""Signing in and out of the web pages (``/login``, ``/logout``).

The user name and password are those of ``POST /api/tokens`` (Argon2id hash set with
``hazatlas users add --password-env`` or ``hazatlas users password``), checked by
:func:`hazatlas.services.users.sign_in`. Failed attempts go through the same
:class:`~hazatlas.api.throttle.LoginThrottle` as the API (per user name and per address; 429
with ``Retry-After`` once exceeded), so the browser is no way around it. A successful sign-in
replaces the session (a new CSRF token: no session fixation); sign-out replaces it with a visitor
session. Both are POST forms carrying the CSRF token.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from hazatlas.services import users
from hazatlas.web import session
from hazatlas.web.i18n import safe_next
from hazatlas.web.render import page_principal, render

router = APIRouter(include_in_schema=False)


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request,
               next_: Annotated[str | None, Query(alias="next", max_length=2000)] = None) -> Response:
    return render(request, "login.html", next=safe_next(next_), error=None, username="")


@router.post("/login", dependencies=[Depends(session.require_csrf)])
def login(request: Request,
          username: Annotated[str, Form(max_length=100)] = "",
          password: Annotated[str, Form(max_length=1000)] = "",
          next_: Annotated[str, Form(alias="next", max_length=2000)] = "/") -> Response:
    throttle = request.app.state.login_throttle
    address = request.client.host if request.client else "unknown"
    wait = throttle.retry_after(username, address)
    if wait is not None:
        response = render(request, "login.html", status_code=429, next=safe_next(next_),
                          error="throttled", wait=wait, username=username)
        response.headers["Retry-After"] = str(wait)
        return response
    found = users.sign_in(request.app.state.db, username, password) if username and password else None
    if found is None:
        throttle.failed(username, address)
        return render(request, "login.html", status_code=401, next=safe_next(next_),
                      error="wrong", username=username)
    throttle.succeeded(username)
    principal, tag = found
    redirect = RedirectResponse(safe_next(next_), status_code=303)
    session.store(request, redirect, session.WebSession.new(principal.username, tag))
    return redirect


@router.post("/logout", dependencies=[Depends(session.require_csrf)])
def logout(request: Request,
           next_: Annotated[str, Form(alias="next", max_length=2000)] = "/") -> Response:
    current = session.current(request)
    redirect = RedirectResponse(safe_next(next_), status_code=303)
    if current is not None:
        session.store(request, redirect, session.signed_out(current))
    return redirect


__all__ = ["router", "page_principal"]
