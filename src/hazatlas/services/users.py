"""Users, roles and API tokens. Passwords are hashed with Argon2id (argon2-cffi); API tokens are
random 32-byte strings shown once and stored as SHA-256 hashes, each with an expiry time
(``HAZATLAS_TOKEN_DAYS``, default 90 days) and a revocation flag."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from hazatlas.domain.access import ANONYMOUS, Principal, Role
from hazatlas.domain.errors import (
    ConflictError,
    HazatlasError,
    NotFoundError,
    Problem,
    ValidationError,
)
from hazatlas.services import geodata
from hazatlas.storage import repositories as repo
from hazatlas.storage import users as stored
from hazatlas.storage.db import Database, Session
from hazatlas.storage.users import StoredUser

_HASHER = PasswordHasher()
MAX_TOKEN_DAYS = 3650


class TokenExpiredError(HazatlasError):
    """The API token was valid but its lifetime is over."""


def _principal(session: Session, user: StoredUser) -> Principal:
    return Principal(
        username=user.username,
        role=Role(user.role),
        country_iso3=user.country_iso3,
        establishment_id=user.establishment_id,
        party=geodata.is_party(session, user.country_iso3),
    )


def create_user(
    db: Database,
    username: str,
    role: str,
    *,
    password: str | None = None,
    country: str | None = None,
    establishment_id: str | None = None,
    actor: str = "system",
) -> None:
    problems = []
    try:
        r = Role(role)
    except ValueError:
        problems.append(
            Problem(
                "parameter",
                None,
                "role",
                f"'{role}' is not one of {', '.join(x.value for x in Role)}",
            )
        )
        r = None
    if r is Role.NATIONAL and not country:
        problems.append(
            Problem("parameter", None, "country", "a national authority needs --country ISO3")
        )
    if r is Role.STAKEHOLDER and not country:
        problems.append(
            Problem("parameter", None, "country",
                    "a stakeholder needs --country ISO3 (the country whose consultations it joins)")
        )
    if r is Role.OPERATOR and not establishment_id:
        problems.append(
            Problem("parameter", None, "establishment", "an operator needs --establishment ID")
        )
    if country and country not in geodata.country_polygons():
        problems.append(
            Problem("parameter", None, "country", f"'{country}' is not a known ISO3 code")
        )
    if problems:
        raise ValidationError(problems)
    with db.transaction() as s:
        if stored.exists(s, username):
            raise ConflictError(f"user '{username}' already exists")
        stored.add(
            s,
            username=username,
            role=str(r),
            country_iso3=country,
            establishment_id=establishment_id,
            password_hash=_HASHER.hash(password) if password else None,
        )
        repo.record_change(
            s,
            entity_type="user",
            entity_id=username,
            action="create",
            actor=actor,
            changes={
                "role": [None, str(r)],
                "country": [None, country],
                "establishment_id": [None, establishment_id],
            },
        )


def issue_token(
    db: Database,
    username: str,
    *,
    label: str | None = None,
    actor: str = "system",
    days: int = 90,
) -> str:
    """A new API token for ``username``, valid for ``days`` days (1 to 3650)."""
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_TOKEN_DAYS:
        raise ValidationError([Problem("parameter", None, "days",
                                       f"'{days}' is not a whole number of days from 1 to {MAX_TOKEN_DAYS}")])
    token = secrets.token_urlsafe(32)
    expires = dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(days=days)
    with db.transaction() as s:
        user = stored.by_name(s, username)
        if user is None:
            raise NotFoundError(f"user '{username}' not found")
        stored.add_token(s, user.id, _sha(token), label=label, expires_at=expires)
        repo.record_change(
            s,
            entity_type="user",
            entity_id=username,
            action="token",
            actor=actor,
            changes={"token": [None, label or "(unlabelled)"], "expires_at": [None, expires.isoformat()]},
        )
    return token


def revoke_tokens(db: Database, username: str, *, actor: str = "system", token: str | None = None) -> int:
    """Revoke every live token of ``username`` (or only ``token``); returns how many."""
    with db.transaction() as s:
        user = stored.by_name(s, username)
        if user is None:
            raise NotFoundError(f"user '{username}' not found")
        n = stored.revoke_tokens(s, user.id, _sha(token) if token is not None else None)
        if n:
            repo.record_change(s, entity_type="user", entity_id=username, action="revoke", actor=actor,
                               changes={"tokens revoked": [None, n]})
        return n


def token_expiry(db: Database, token: str) -> dt.datetime | None:
    """When ``token`` expires (UTC); ``None`` if it is unknown."""
    with db.transaction() as s:
        t = stored.token_expiry(s, _sha(token))
        return _utc(t) if t is not None else None


def _utc(t: dt.datetime) -> dt.datetime:
    """SQLite gives back naive datetimes; hazatlas stores UTC."""
    return t if t.tzinfo is not None else t.replace(tzinfo=dt.UTC)


def _sha(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def principal_for_token(db: Database, token: str | None, *, now: dt.datetime | None = None) -> Principal | None:
    """The user of an API token; ``None`` if the token is unknown or revoked or its user is
    inactive. Raises :class:`TokenExpiredError` (with the expiry time) for an expired token."""
    if not token:
        return ANONYMOUS
    with db.transaction() as s:
        found = stored.user_of_token(s, _sha(token))
        if found is None:
            return None
        user, expires = found
        if expires is not None and _utc(expires) <= (now or dt.datetime.now(dt.UTC)):
            raise TokenExpiredError(
                f"API token expired at {_utc(expires).isoformat()}; ask for a new one "
                "(POST /api/tokens or 'hazatlas users token')")
        return _principal(s, user)


def authenticate(db: Database, username: str, password: str) -> Principal | None:
    with db.transaction() as s:
        user = stored.by_name(s, username, active_only=True)
        if user is None or not user.password_hash:
            return None
        try:
            _HASHER.verify(user.password_hash, password)
        except (VerificationError, InvalidHashError):
            return None
        return _principal(s, user)


MIN_PASSWORD_LENGTH = 12


def set_password(db: Database, username: str, password: str, *, actor: str = "system") -> None:
    """Set (or change) the password of ``username`` (Argon2id hash). Its browser sessions end,
    since a session carries :func:`password_tag` of the hash it was opened with."""
    if len(password) < MIN_PASSWORD_LENGTH or "\x00" in password:
        raise ValidationError([Problem("parameter", None, "password",
                                       f"a password needs at least {MIN_PASSWORD_LENGTH} characters "
                                       "(and no NUL character)")])
    with db.transaction() as s:
        user = stored.by_name(s, username)
        if user is None:
            raise NotFoundError(f"user '{username}' not found")
        stored.set_password_hash(s, user.id, _HASHER.hash(password))
        repo.record_change(s, entity_type="user", entity_id=username, action="password", actor=actor,
                           changes={"password": [None if user.password_hash is None else "(set)",
                                                 "(changed)"]})


def password_tag(password_hash: str | None) -> str:
    """A short fingerprint of a password hash, carried by browser sessions: changing the password
    (or removing it) invalidates every session opened with the old one."""
    return hashlib.sha256((password_hash or "").encode()).hexdigest()[:16]


def sign_in(db: Database, username: str, password: str) -> tuple[Principal, str] | None:
    """:func:`authenticate` for a browser session: the principal and the :func:`password_tag`."""
    principal = authenticate(db, username, password)
    if principal is None:
        return None
    with db.transaction() as s:
        user = stored.by_name(s, username, active_only=True)
        return (principal, password_tag(user.password_hash)) if user is not None else None


def principal_for_session(db: Database, username: str, tag: str) -> Principal | None:
    """The user of a browser session; ``None`` if the user is gone, inactive, or its password has
    changed since the session was opened."""
    with db.transaction() as s:
        user = stored.by_name(s, username, active_only=True)
        if user is None or not user.password_hash or password_tag(user.password_hash) != tag:
            return None
        return _principal(s, user)


def principal_for_user(db: Database, username: str) -> Principal:
    with db.transaction() as s:
        user = stored.by_name(s, username)
        if user is None:
            raise NotFoundError(f"user '{username}' not found")
        return _principal(s, user)


def list_users(db: Database) -> list[dict[str, object]]:
    with db.transaction() as s:
        return [
            {
                "username": u.username,
                "role": u.role,
                "country": u.country_iso3,
                "establishment_id": u.establishment_id,
                "active": u.active,
            }
            for u in stored.all_users(s)
        ]
