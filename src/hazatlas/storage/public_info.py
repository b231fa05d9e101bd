"""Queries of the pages of information to the public (``public_info_page``); the use cases,
access rules and audit are :mod:`hazatlas.services.public_info`'s."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hazatlas.storage.dialogue_tables import PublicInfoPageRow
from hazatlas.storage.tables import EstablishmentRow, utcnow


def _iso(value: dt.datetime | None) -> str | None:
    if value is None:
        return None
    return (value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value).isoformat()


def page_dict(row: PublicInfoPageRow) -> dict[str, Any]:
    return {"establishment_id": row.establishment_id, "audience_iso3": row.audience_iso3,
            "language": row.language, "draft": dict(row.draft),
            "draft_version": row.draft_version,
            "published": dict(row.published) if row.published is not None else None,
            "published_version": row.published_version, "published_by": row.published_by,
            "published_at": _iso(row.published_at), "updated_by": row.updated_by,
            "updated_at": _iso(row.updated_at)}


def get(session: Session, establishment_id: str, audience_iso3: str) -> PublicInfoPageRow | None:
    return session.get(PublicInfoPageRow, (establishment_id, audience_iso3))


def save_draft(session: Session, establishment_id: str, audience_iso3: str, language: str,
               draft: dict[str, Any], by: str) -> PublicInfoPageRow:
    """Store ``draft`` as the page's next draft version (the page is created if new)."""
    row = get(session, establishment_id, audience_iso3)
    if row is None:
        row = PublicInfoPageRow(establishment_id=establishment_id, audience_iso3=audience_iso3,
                                draft_version=0)
        session.add(row)
    row.language, row.draft = language, draft
    row.draft_version = (row.draft_version or 0) + 1
    row.updated_by, row.updated_at = by, utcnow()
    session.flush()
    return row


def publish(row: PublicInfoPageRow, by: str) -> None:
    """Copy the draft to the published page, without the generated text kept beside it (what
    the authority rewrote or removed is not published)."""
    row.published = {k: v for k, v in row.draft.items() if k != "generated"}
    row.published_version = row.draft_version
    row.published_by, row.published_at = by, utcnow()


def withdraw(row: PublicInfoPageRow) -> None:
    row.published = row.published_version = row.published_by = row.published_at = None


def pages_of(session: Session, establishment_id: str) -> list[PublicInfoPageRow]:
    return list(session.scalars(select(PublicInfoPageRow)
                                .where(PublicInfoPageRow.establishment_id == establishment_id)
                                .order_by(PublicInfoPageRow.audience_iso3)))


def published_index(session: Session, *, country: str | None = None,
                    audience: str | None = None) -> list[dict[str, Any]]:
    """The published pages with their site's name and country, by site and audience."""
    e = EstablishmentRow.__table__.c
    p = PublicInfoPageRow
    stmt = (select(p.establishment_id, p.audience_iso3, p.language, p.published_at, e.name,
                   e.country_iso3)
            .join(EstablishmentRow, EstablishmentRow.id == p.establishment_id)
            .where(p.published_version.is_not(None))
            .order_by(e.country_iso3, e.name, p.establishment_id, p.audience_iso3))
    if country:
        stmt = stmt.where(e.country_iso3 == country)
    if audience:
        stmt = stmt.where(p.audience_iso3 == audience)
    return [{"establishment_id": r[0], "audience_iso3": r[1], "language": r[2],
             "published_at": _iso(r[3]), "name": r[4], "country_iso3": r[5]}
            for r in session.execute(stmt)]
