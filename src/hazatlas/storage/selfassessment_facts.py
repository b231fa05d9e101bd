"""The queries behind the figures pre-filled into self-assessments and implementation reports.
Each function returns the rows and the query it ran (:func:`describe`: the SQL as the database
received it and its parameters), so that every figure names the query it came from."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import and_, false, select
from sqlalchemy.orm import Session
from sqlalchemy.sql import Select

from hazatlas.storage.notification_tables import CampaignRow, DeliveryRow, ReportRow
from hazatlas.storage.plan_tables import PlanRow, PlanVersionRow
from hazatlas.storage.tables import AssessmentRow, EstablishmentRow

CLASSIFICATION = "classification"


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value


def describe(session: Session, stmt: Select[Any]) -> dict[str, Any]:
    """The statement's SQL in the session's dialect and its bound parameters."""
    compiled = stmt.compile(dialect=session.get_bind().dialect)
    return {"sql": " ".join(str(compiled).split()),
            "params": {k: _plain(v) for k, v in sorted(compiled.params.items())}}


def bounds(since: dt.date, until: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[since 00:00 UTC, the day after ``until`` 00:00 UTC): the period, both days included."""
    start = dt.datetime.combine(since, dt.time(), dt.UTC)
    return start, dt.datetime.combine(until + dt.timedelta(days=1), dt.time(), dt.UTC)


def country_establishment_ids(session: Session, country: str) -> list[str]:
    return list(session.scalars(select(EstablishmentRow.id)
                                .where(EstablishmentRow.country_iso3 == country)))


def classified(session: Session, country: str) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Every establishment of ``country`` with its stored classification (Annex I, Seveso
    tier, location criteria) and disclosure level."""
    stmt = (select(EstablishmentRow.id, EstablishmentRow.disclosure, AssessmentRow.result)
            .join(AssessmentRow, and_(AssessmentRow.establishment_id == EstablishmentRow.id,
                                      AssessmentRow.kind == CLASSIFICATION))
            .where(EstablishmentRow.country_iso3 == country)
            .order_by(EstablishmentRow.id))
    rows = [{"id": i, "disclosure": d, "result": dict(r)} for i, d, r in session.execute(stmt)]
    return rows, describe(session, stmt)


def current_plans(session: Session) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The current document of every joint contingency plan."""
    stmt = (select(PlanVersionRow.document)
            .join(PlanRow, and_(PlanRow.id == PlanVersionRow.plan_id,
                                PlanRow.revision == PlanVersionRow.revision))
            .order_by(PlanRow.id))
    return [dict(d) for d in session.scalars(stmt)], describe(session, stmt)


def sent_deliveries(session: Session, country: str, since: dt.date,
                    until: dt.date) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Messages of the reports ``country`` issued in the period (communication tests
    excepted), one row per recipient channel, with their acknowledgement."""
    start, end = bounds(since, until)
    stmt = (select(ReportRow.report_id, ReportRow.type, ReportRow.status, DeliveryRow.party,
                   DeliveryRow.issued_at, DeliveryRow.acknowledged_at)
            .join(DeliveryRow, DeliveryRow.report_pk == ReportRow.pk)
            .where(ReportRow.sender_country_iso3 == country, ReportRow.incoming == false(),
                   ReportRow.campaign_id.is_(None), ReportRow.issued_at >= start,
                   ReportRow.issued_at < end)
            .order_by(ReportRow.pk, DeliveryRow.id))
    rows = [{"report_id": r, "type": t, "status": s, "party": p, "issued_at": i,
             "acknowledged_at": a} for r, t, s, p, i, a in session.execute(stmt)]
    return rows, describe(session, stmt)


def test_deliveries(session: Session, country: str, since: dt.date,
                    until: dt.date) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Test messages of communication-test campaigns sent in the period to the contacts of
    ``country``, with their acknowledgement, the test report's issue time and the campaign's
    window."""
    start, end = bounds(since, until)
    stmt = (select(CampaignRow.id, DeliveryRow.contact_id, DeliveryRow.issued_at,
                   DeliveryRow.acknowledged_at, ReportRow.issued_at, CampaignRow.window_s)
            .join(ReportRow, ReportRow.campaign_id == CampaignRow.id)
            .join(DeliveryRow, DeliveryRow.report_pk == ReportRow.pk)
            .where(DeliveryRow.party == country, ReportRow.issued_at >= start,
                   ReportRow.issued_at < end)
            .order_by(CampaignRow.id, DeliveryRow.id))
    rows = [{"campaign_id": c, "contact_id": k, "issued_at": i, "acknowledged_at": a,
             "report_issued_at": r, "window_s": w} for c, k, i, a, r, w in session.execute(stmt)]
    return rows, describe(session, stmt)
