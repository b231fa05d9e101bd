"""Shared by the use cases of self-assessments, action plans and reports: the clock, the
stored documents and the change log (every write is an entry of ``change_log``, entity types
``self_assessment``, ``implementation_report`` and ``action``, scoped to the country's
national level: its values are shown to the country's authority and administrators only)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from hazatlas.domain.access import EntryScope, Principal
from hazatlas.domain.errors import NotFoundError, Problem, ValidationError
from hazatlas.domain.establishment import Disclosure
from hazatlas.domain.selfassessment import access
from hazatlas.domain.text import check_text
from hazatlas.storage import repositories as repo
from hazatlas.storage import selfassessment as store

ASSESSMENT, REPORT = "self_assessment", "implementation_report"
LABEL = {ASSESSMENT: "self-assessment", REPORT: "implementation report"}


def now_utc(now: dt.datetime | None) -> dt.datetime:
    if now is None:
        return dt.datetime.now(dt.UTC)
    if now.tzinfo is None:
        raise ValidationError([Problem("parameter", None, "at", "a time needs its UTC offset")])
    return now


def scope(country: str) -> EntryScope:
    return EntryScope(Disclosure.NATIONAL, frozenset({country}), frozenset({None}))


def audit(s: Any, principal: Principal, entity_type: str, entity_id: str, action: str,
          changes: dict[str, Any], country: str, context: str | None = None) -> None:
    repo.record_change(s, entity_type=entity_type, entity_id=entity_id, action=action,
                       actor=principal.username, changes=changes, context=context,
                       scope=scope(country))


def write(s: Any, principal: Principal, kind: str, doc: dict[str, Any], action: str,
          changes: dict[str, Any]) -> int:
    """Store ``doc`` as a new revision and log the change in the same transaction."""
    check_text(doc, "request")  # NUL characters and lone surrogates: no database stores them
    revision = store.save(s, kind, doc, action=action, saved_by=principal.username)
    audit(s, principal, kind, f"{doc['country']}/{doc['round']}", action,
          {**changes, "version": doc["version"]}, doc["country"], f"revision {revision}")
    return revision


def load(s: Any, principal: Principal, kind: str, country: str, round_id: str, *,
         for_update: bool = False) -> dict[str, Any]:
    what = f"{LABEL[kind]} of {country} for round '{round_id}'"
    access.check_read(principal, country, what)
    if for_update and not store.lock(s, kind, country, round_id):
        raise NotFoundError(f"{what} not found")
    doc = store.current(s, kind, country, round_id)
    if doc is None:
        raise NotFoundError(f"{what} not found")
    return doc


def load_version(db: Any, principal: Principal, kind: str, country: str, round_id: str,
                 version: int | None = None) -> dict[str, Any]:
    """The current document of ``kind``, or its revision ``version`` (read under the same rule);
    an unknown version is NotFoundError naming the versions there are."""
    with db.transaction() as s:
        doc = load(s, principal, kind, country, round_id)
        if version is None or version == doc["version"]:
            return doc
        old = store.of_version(s, kind, country, round_id, version)
    if old is None:
        raise NotFoundError(f"the {LABEL[kind]} of {country} for round '{round_id}' has no "
                            f"version {version} (1 to {doc['version']})")
    return old


def listing(db: Any, principal: Principal, kind: str,
            country: str | None = None) -> list[dict[str, Any]]:
    """The documents of ``kind`` (of ``country``) that ``principal`` may read."""
    with db.transaction() as s:
        rows = store.listing(s, kind, country)
    return [r for r in rows if access.can_read(principal, r["country"])]


def revisions_of(db: Any, principal: Principal, kind: str, country: str,
                 round_id: str) -> list[dict[str, Any]]:
    """Every saved revision of a document of ``kind``, oldest first."""
    with db.transaction() as s:
        load(s, principal, kind, country, round_id)
        return store.revisions(s, kind, country, round_id)


def date(value: dt.date | str, name: str) -> dt.date:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ValidationError([Problem("request", None, name,
                                       f"{value!r} is not a date (YYYY-MM-DD)")]) from None
