"""Times of the notification tables: stored in UTC; SQLite gives them back without a time
zone, and :func:`aware` puts UTC back on them."""

from __future__ import annotations

import datetime as dt


def aware(value: dt.datetime | None) -> dt.datetime | None:
    """``value`` with UTC attached if the database returned it without a time zone."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=dt.UTC)


def utc(value: dt.datetime | None) -> dt.datetime | None:
    """``value`` converted to UTC, for storage (string comparisons on SQLite stay right)."""
    return None if value is None else value.astimezone(dt.UTC)
