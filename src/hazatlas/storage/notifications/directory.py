"""The directory's repository: competent authorities and their points of contact."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hazatlas.storage.notification_tables import AuthorityRow, ContactRow

#: The columns of a contact that :func:`save_contact` writes.
CONTACT_FIELDS = (
    "authority_id",
    "party",
    "name",
    "role",
    "email",
    "webhook_url",
    "webhook_format",
    "webhook_secret_ref",
    "languages",
    "available_24_7",
    "escalation_order",
    "active",
)


def get_authority(session: Session, authority_id: str) -> AuthorityRow | None:
    return session.get(AuthorityRow, authority_id)


def get_contact(session: Session, contact_id: str) -> ContactRow | None:
    return session.get(ContactRow, contact_id)


def list_authorities(session: Session, party: str | None = None) -> list[AuthorityRow]:
    q = select(AuthorityRow).order_by(AuthorityRow.id)
    if party is not None:
        if party.startswith("basin:"):
            q = q.where(AuthorityRow.basin == party.removeprefix("basin:"))
        else:
            q = q.where(AuthorityRow.country_iso3 == party)
    return list(session.scalars(q))


def list_contacts(session: Session, party: str | None = None) -> list[ContactRow]:
    q = select(ContactRow).order_by(ContactRow.party, ContactRow.escalation_order, ContactRow.id)
    if party is not None:
        q = q.where(ContactRow.party == party)
    return list(session.scalars(q))


def escalation_order(session: Session, party: str) -> list[ContactRow]:
    """Active contacts of a country (or basin body) in escalation order."""
    return [c for c in list_contacts(session, party) if c.active]


def basins(session: Session) -> list[str]:
    q = select(AuthorityRow.basin).where(AuthorityRow.basin.is_not(None)).distinct()
    return [b for b in session.scalars(q) if b]


def save_authority(
    session: Session,
    authority_id: str,
    *,
    country: str | None,
    basin: str | None,
    name: str,
    kind: str,
    at: dt.datetime,
) -> AuthorityRow:
    """Create or update an authority."""
    row = get_authority(session, authority_id)
    if row is None:
        row = AuthorityRow(id=authority_id)
        session.add(row)
    row.country_iso3, row.basin, row.name, row.kind, row.updated_at = (
        country,
        basin,
        name,
        kind,
        at,
    )
    return row


def delete_authority(session: Session, row: AuthorityRow) -> None:
    """Delete an authority with its contacts."""
    for c in list_contacts(session):
        if c.authority_id == row.id:
            session.delete(c)
    session.delete(row)


def save_contact(
    session: Session, contact_id: str, values: Mapping[str, Any], at: dt.datetime
) -> ContactRow:
    """Create or update a contact with ``values`` (every name of :data:`CONTACT_FIELDS`)."""
    row = get_contact(session, contact_id)
    if row is None:
        row = ContactRow(id=contact_id)
        session.add(row)
    for name in CONTACT_FIELDS:
        setattr(row, name, values[name])
    row.updated_at = at
    return row


def delete_contact(session: Session, row: ContactRow) -> None:
    session.delete(row)
