"""What the dialogue's use cases share: the clock and the scope of their history entries."""

from __future__ import annotations

import datetime as dt

from hazatlas.domain.access import EntryScope
from hazatlas.domain.errors import Problem, ValidationError
from hazatlas.domain.establishment import Disclosure


def now_utc(now: dt.datetime | None) -> dt.datetime:
    if now is None:
        return dt.datetime.now(dt.UTC)
    if now.tzinfo is None:
        raise ValidationError([Problem("parameter", None, "at", "a time needs its UTC offset")])
    return now


def scope(country_iso3: str) -> EntryScope:
    """History entries of a country's dialogue: confidential to that country (its national
    authority and administrators read their values)."""
    return EntryScope(Disclosure.NATIONAL, frozenset({country_iso3}), frozenset({None}))
