"""User accounts and API tokens (``user_account``, ``api_token``), in the caller's transaction.

Tokens are looked up by their SHA-256 hash; the token itself is never stored.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from hazatlas.storage.tables import ApiTokenRow, UserRow


@dataclass(frozen=True)
class StoredUser:
    """One user account as stored (``password_hash`` is an Argon2 hash or ``None``)."""

    id: int
    username: str
    role: str
    country_iso3: str | None
    establishment_id: str | None
    active: bool
    password_hash: str | None


def _user(row: UserRow) -> StoredUser:
    return StoredUser(row.id, row.username, row.role, row.country_iso3, row.establishment_id,
                      bool(row.active), row.password_hash)


def exists(session: Session, username: str) -> bool:
    return session.scalar(select(UserRow.id).where(UserRow.username == username)) is not None


def add(session: Session, *, username: str, role: str, country_iso3: str | None,
        establishment_id: str | None, password_hash: str | None) -> None:
    session.add(UserRow(username=username, role=role, country_iso3=country_iso3,
                        establishment_id=establishment_id, password_hash=password_hash))


def set_password_hash(session: Session, user_id: int, password_hash: str | None) -> None:
    row = session.get(UserRow, user_id)
    assert row is not None
    row.password_hash = password_hash


def by_name(session: Session, username: str, *, active_only: bool = False) -> StoredUser | None:
    stmt = select(UserRow).where(UserRow.username == username)
    if active_only:
        stmt = stmt.where(UserRow.active.is_(True))
    row = session.scalar(stmt)
    return _user(row) if row is not None else None


def all_users(session: Session) -> list[StoredUser]:
    """Every account, by user name."""
    return [_user(u) for u in session.scalars(select(UserRow).order_by(UserRow.username))]


def add_token(session: Session, user_id: int, token_sha256: str, *, label: str | None,
              expires_at: dt.datetime) -> None:
    session.add(ApiTokenRow(user_id=user_id, token_sha256=token_sha256, label=label,
                            expires_at=expires_at))


def revoke_tokens(session: Session, user_id: int, token_sha256: str | None = None) -> int:
    """Revoke the live tokens of a user (or only the one with ``token_sha256``); how many."""
    stmt = select(ApiTokenRow).where(ApiTokenRow.user_id == user_id,
                                     ApiTokenRow.revoked.is_(False))
    if token_sha256 is not None:
        stmt = stmt.where(ApiTokenRow.token_sha256 == token_sha256)
    rows = list(session.scalars(stmt))
    for row in rows:
        row.revoked = True
    return len(rows)


def token_expiry(session: Session, token_sha256: str) -> dt.datetime | None:
    """When the token expires, as stored (SQLite gives naive UTC); ``None`` if unknown."""
    return session.scalar(
        select(ApiTokenRow.expires_at).where(ApiTokenRow.token_sha256 == token_sha256))


def user_of_token(session: Session,
                  token_sha256: str) -> tuple[StoredUser, dt.datetime | None] | None:
    """The active user of an unrevoked token and the token's expiry; ``None`` otherwise."""
    found = session.execute(
        select(UserRow, ApiTokenRow.expires_at)
        .join(ApiTokenRow, ApiTokenRow.user_id == UserRow.id)
        .where(
            ApiTokenRow.token_sha256 == token_sha256,
            ApiTokenRow.revoked.is_(False),
            UserRow.active.is_(True),
        )
    ).one_or_none()
    if found is None:
        return None
    user, expires = found
    return _user(user), expires
