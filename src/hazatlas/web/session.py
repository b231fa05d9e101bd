"""Browser sessions: a server-signed cookie, and the CSRF token every form carries.

The cookie ``hazatlas_session`` holds ``base64url(JSON) "." base64url(HMAC-SHA256)``, signed with
``HAZATLAS_SECRET_KEY`` (:class:`~hazatlas.services.settings.Settings.secret_key`; without it a
random key per process, so sessions end when the server restarts). The JSON carries the user
name (or none for a visitor), the CSRF token, the :func:`~hazatlas.services.users.password_tag`
of the password the session was opened with (changing the password ends every session), and the
expiry time (:data:`SESSION_SECONDS`), checked on every request in addition to the cookie's
``Max-Age``. Nothing else is stored, on the server or in the cookie.

The cookie is ``HttpOnly`` (no script reads it), ``SameSite=Lax`` (not sent with cross-site
POSTs) and ``Secure`` when the request came over HTTPS. Behind a TLS proxy, uvicorn takes the
scheme from ``X-Forwarded-Proto`` when the proxy's address is in ``FORWARDED_ALLOW_IPS``
(default ``127.0.0.1``, a proxy on the same host), so ``request.url.scheme`` is ``https`` there.

CSRF: the token is bound to the session (a new one at every sign-in and sign-out) and every
form POSTs it as ``csrf_token``; :func:`require_csrf` refuses a POST without the session's token
with 403. SameSite=Lax is a second line, not the only one.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass, replace

from fastapi import HTTPException, Request, Response

COOKIE = "hazatlas_session"
#: a session lasts 8 hours (one working shift), then the user signs in again
SESSION_SECONDS = 8 * 3600
CSRF_FIELD = "csrf_token"


@dataclass(frozen=True)
class WebSession:
    username: str | None
    csrf: str
    password_tag: str
    expires: int

    @classmethod
    def new(cls, username: str | None = None, password_tag: str = "") -> WebSession:
        return cls(username, secrets.token_urlsafe(32), password_tag,
                   int(time.time()) + SESSION_SECONDS)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(secret: str, body: str) -> str:
    return _b64(hmac.new(secret.encode(), b"hazatlas-session:" + body.encode(), hashlib.sha256).digest())


def encode(secret: str, session: WebSession) -> str:
    body = _b64(json.dumps({"u": session.username, "c": session.csrf, "p": session.password_tag,
                            "e": session.expires}, separators=(",", ":")).encode())
    return f"{body}.{_mac(secret, body)}"


def decode(secret: str, value: str, *, now: float | None = None) -> WebSession | None:
    """The session of a cookie value; ``None`` if it is malformed, forged or expired.

    >>> s = WebSession.new("rs", "tag")
    >>> decode("k", encode("k", s)) == s, decode("other", encode("k", s))
    (True, None)
    """
    body, _, mac = value.partition(".")
    if not body or not hmac.compare_digest(mac.encode(), _mac(secret, body).encode()):
        return None
    try:
        data = json.loads(_unb64(body))
        session = WebSession(data["u"], str(data["c"]), str(data["p"]), int(data["e"]))
    except (ValueError, KeyError, TypeError):
        return None
    if session.expires <= (now if now is not None else time.time()):
        return None
    return session


def _secret(request: Request) -> str:
    return request.app.state.settings.secret_key


def current(request: Request) -> WebSession | None:
    """The request's valid session, if any (cached on the request)."""
    if not hasattr(request.state, "web_session"):
        raw = request.cookies.get(COOKIE)
        request.state.web_session = decode(_secret(request), raw) if raw else None
    return request.state.web_session


def ensure(request: Request) -> WebSession:
    """The request's session, or a new visitor session (sent with :func:`store`)."""
    session = current(request)
    if session is None:
        session = WebSession.new()
        request.state.web_session = session
        request.state.web_session_new = True
    return session


def store(request: Request, response: Response, session: WebSession | None = None) -> None:
    """Send ``session`` (default: the request's, if it is new) as the cookie."""
    if session is None:
        if not getattr(request.state, "web_session_new", False):
            return
        session = request.state.web_session
    assert session is not None
    response.set_cookie(COOKIE, encode(_secret(request), session),
                        max_age=max(0, session.expires - int(time.time())), path="/",
                        httponly=True, samesite="lax", secure=request.url.scheme == "https")


def signed_out(session: WebSession) -> WebSession:
    """A visitor session replacing ``session``: no user, a new CSRF token."""
    return replace(WebSession.new(), expires=session.expires)


async def require_csrf(request: Request) -> None:
    """Dependency of every form POST: 403 unless the form's ``csrf_token`` is the session's."""
    session = current(request)
    form = await request.form()
    sent = form.get(CSRF_FIELD)
    if session is None or not isinstance(sent, str) or not hmac.compare_digest(
            sent.encode(), session.csrf.encode()):
        raise HTTPException(403, "missing or wrong CSRF token: reload the page and try again")
