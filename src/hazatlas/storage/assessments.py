"""Stored derived results (``assessment`` table) and per-country settings (with the
establishments a country's setting applies to)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import Table, insert, select
from sqlalchemy import delete as sqldelete
from sqlalchemy.orm import Session

from hazatlas.storage.tables import AssessmentRow, CountrySettingRow, EstablishmentRow, utcnow


def replace(session: Session, kind: str, method_version: str,
            results: Sequence[tuple[str, dict[str, Any], dict[str, Any]]]) -> None:
    """Store ``(establishment_id, parameters, result)`` for ``kind``, replacing older ones."""
    ids = [r[0] for r in results]
    for i in range(0, len(ids), 500):
        session.execute(sqldelete(AssessmentRow).where(
            AssessmentRow.kind == kind, AssessmentRow.establishment_id.in_(ids[i:i + 500])))
    now = utcnow()
    rows = [{"establishment_id": eid, "kind": kind, "method_version": method_version,
             "parameters": params, "result": result, "computed_at": now} for eid, params, result in results]
    conn = session.connection()
    for i in range(0, len(rows), 5000):
        conn.execute(insert(cast(Table, AssessmentRow.__table__)), rows[i:i + 5000])


def delete(session: Session, ids: Sequence[str], kind: str | None = None) -> None:
    """Drop stored results of ``ids`` (of one ``kind``, or all kinds)."""
    ids = list(ids)
    for i in range(0, len(ids), 500):
        stmt = sqldelete(AssessmentRow).where(AssessmentRow.establishment_id.in_(ids[i:i + 500]))
        if kind is not None:
            stmt = stmt.where(AssessmentRow.kind == kind)
        session.execute(stmt)


def get(session: Session, establishment_id: str, kind: str) -> AssessmentRow | None:
    return session.get(AssessmentRow, (establishment_id, kind))


def get_many(session: Session, ids: Sequence[str], kind: str) -> dict[str, AssessmentRow]:
    out: dict[str, AssessmentRow] = {}
    for i in range(0, len(ids), 500):
        for row in session.scalars(select(AssessmentRow).where(
                AssessmentRow.kind == kind, AssessmentRow.establishment_id.in_(ids[i:i + 500]))):
            out[row.establishment_id] = row
    return out


def annex_versions(session: Session) -> dict[str, str]:
    return {r.iso3: r.teia_annex_version for r in session.scalars(select(CountrySettingRow))
            if r.teia_annex_version}


def set_annex_version(session: Session, iso3: str, version: str | None) -> str | None:
    row = session.get(CountrySettingRow, iso3)
    old = row.teia_annex_version if row else None
    if row is None:
        session.add(CountrySettingRow(iso3=iso3, teia_annex_version=version))
    else:
        row.teia_annex_version = version
    return old


def establishments_of_country(session: Session, iso3: str) -> list[str]:
    """Ids of the establishments registered in ``iso3`` (those its settings apply to)."""
    return list(session.scalars(
        select(EstablishmentRow.id).where(EstablishmentRow.country_iso3 == iso3)))
