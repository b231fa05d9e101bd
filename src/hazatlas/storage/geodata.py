"""The reference geodata tables (``country``, ``river_reach``), in the caller's transaction."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from hazatlas.storage.tables import CountryRow, RiverReachRow


def replace_countries(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Replace every country with ``rows`` (column values of ``country``)."""
    session.execute(delete(CountryRow))
    session.execute(insert(CountryRow), list(rows))


def replace_river_reaches(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Replace every river reach with ``rows`` (column values of ``river_reach``)."""
    session.execute(delete(RiverReachRow))
    session.execute(insert(RiverReachRow), list(rows))


def country_names(session: Session) -> dict[str, str]:
    """ISO3 -> name of every loaded country (empty before the geodata is loaded)."""
    return {iso3: name for iso3, name in session.execute(select(CountryRow.iso3, CountryRow.name))}


def convention_party(session: Session, iso3: str) -> bool | None:
    """Whether the loaded country is a Party to the Convention; ``None`` if it is not loaded."""
    row = session.get(CountryRow, iso3)
    return bool(row.convention_party) if row is not None else None
