"""The repository of reports, the notices to their senders and the test campaigns."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hazatlas.storage.notification_tables import CampaignRow, DeliveryRow, NoticeRow, ReportRow

_CHUNK = 500


def reports_by_id(session: Session, report_id: str) -> list[ReportRow]:
    return list(session.scalars(select(ReportRow).where(ReportRow.report_id == report_id)))


def get_report(session: Session, sender: str, report_id: str) -> ReportRow | None:
    return session.scalar(
        select(ReportRow).where(ReportRow.sender == sender, ReportRow.report_id == report_id)
    )


def report_by_pk(session: Session, report_pk: int) -> ReportRow | None:
    return session.get(ReportRow, report_pk)


def list_reports(session: Session, limit: int = 100, offset: int = 0) -> list[ReportRow]:
    q = select(ReportRow).order_by(ReportRow.created_at.desc(), ReportRow.pk.desc())
    return list(session.scalars(q.limit(limit).offset(offset)))


def recipient_parties(session: Session, report_pks: Sequence[int]) -> dict[int, set[str]]:
    out: dict[int, set[str]] = {}
    for i in range(0, len(report_pks), _CHUNK):
        q = select(DeliveryRow.report_pk, DeliveryRow.party).where(
            DeliveryRow.report_pk.in_(report_pks[i : i + _CHUNK])
        )
        for pk, party in session.execute(q.distinct()):
            out.setdefault(pk, set()).add(party)
    return out


def add_report(session: Session, **columns: Any) -> ReportRow:
    """Insert a report (the column values of :class:`ReportRow`); its ``pk`` is set."""
    row = ReportRow(**columns)
    session.add(row)
    session.flush()
    return row


def mark_issued(row: ReportRow, data: dict[str, Any], at: dt.datetime) -> None:
    """A draft becomes issued at ``at``, with its canonical JSON ``data`` (time sent set)."""
    row.data, row.state, row.issued_at = data, "issued", at


def mark_closed(row: ReportRow, at: dt.datetime) -> None:
    """A report is closed (by an end of alert)."""
    row.state, row.closed_at = "closed", at


# --- notices and campaigns -----------------------------------------------------------------


def add_notice(session: Session, report_pk: int, country: str, kind: str, message: str) -> None:
    session.add(NoticeRow(report_pk=report_pk, country_iso3=country, kind=kind, message=message))


def notices(session: Session, country: str | None = None, limit: int = 200) -> list[NoticeRow]:
    q = select(NoticeRow).order_by(NoticeRow.id.desc()).limit(limit)
    if country is not None:
        q = q.where(NoticeRow.country_iso3 == country)
    return list(session.scalars(q))


def add_campaign(
    session: Session,
    *,
    name: str,
    window_s: int,
    parties: Sequence[str],
    created_by: str,
    started_at: dt.datetime,
) -> int:
    """Insert a campaign; return its id."""
    row = CampaignRow(
        name=name,
        window_s=window_s,
        parties=list(parties),
        created_by=created_by,
        started_at=started_at,
    )
    session.add(row)
    session.flush()
    return row.id


def get_campaign(session: Session, campaign_id: int) -> CampaignRow | None:
    return session.get(CampaignRow, campaign_id)


def campaign_reports(session: Session, campaign_id: int) -> list[ReportRow]:
    return list(session.scalars(select(ReportRow).where(ReportRow.campaign_id == campaign_id)))
