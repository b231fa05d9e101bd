"""Self-assessments: create one per country and round (every indicator of the framework
unassessed, the figures pre-filled), set an indicator's level, evidence and comments, refresh
the pre-fill, read, list, history and the progress between two rounds. One transaction per
write; every write is a stored revision and an entry of the change log."""

from __future__ import annotations

import datetime as dt
from typing import Any

from hazatlas.domain.access import Principal
from hazatlas.domain.errors import ConflictError
from hazatlas.domain.selfassessment import access
from hazatlas.domain.selfassessment import assessment as model
from hazatlas.domain.selfassessment.framework import DEFAULT_VERSION, load_framework
from hazatlas.services.selfassessment import prefill
from hazatlas.services.selfassessment.common import (
    ASSESSMENT,
    date,
    listing,
    load,
    load_version,
    now_utc,
    revisions_of,
    write,
)
from hazatlas.storage import selfassessment as store
from hazatlas.storage.db import Database


def create(db: Database, principal: Principal, country: str, round_id: str,
           period_start: dt.date | str, period_end: dt.date | str, *,
           framework: str = DEFAULT_VERSION, now: dt.datetime | None = None) -> dict[str, Any]:
    """A new self-assessment of ``country`` for ``round_id``, with the figures pre-filled."""
    at = now_utc(now)
    start, end = date(period_start, "period_start"), date(period_end, "period_end")
    doc = model.new_assessment(load_framework(framework), country, round_id, start, end)
    access.check_write(principal, country)
    doc["prefill"] = prefill.compute(db, country, start, end, at)
    with db.transaction() as s:
        if store.current(s, ASSESSMENT, country, round_id) is not None:
            raise ConflictError(f"the self-assessment of {country} for round '{round_id}' "
                                "already exists")
        write(s, principal, ASSESSMENT, doc, "create",
              {"round": [None, round_id], "framework": [None, doc["framework_version"]]})
    return doc


def get(db: Database, principal: Principal, country: str, round_id: str, *,
        version: int | None = None) -> dict[str, Any]:
    return load_version(db, principal, ASSESSMENT, country, round_id, version)


def set_indicator(db: Database, principal: Principal, country: str, round_id: str,
                  indicator_id: str, *, level: int | None = None, evidence: str | None = None,
                  comments: str | None = None, now: dt.datetime | None = None) -> dict[str, Any]:
    at = now_utc(now)
    access.check_write(principal, country)
    with db.transaction() as s:
        before = load(s, principal, ASSESSMENT, country, round_id, for_update=True)
        framework = load_framework(before["framework_version"])
        after = model.set_indicator(before, framework, indicator_id, level=level,
                                    evidence=evidence, comments=comments,
                                    by=principal.username, at=at)
        old = model.levels_of(before)[indicator_id]
        write(s, principal, ASSESSMENT, after, "set_indicator",
              {"indicator": [None, indicator_id], "level": [old, model.levels_of(after)[indicator_id]],
               "evidence_changed": evidence is not None, "comments_changed": comments is not None})
    return after


def refresh(db: Database, principal: Principal, country: str, round_id: str, *,
            now: dt.datetime | None = None) -> dict[str, Any]:
    """Compute the pre-filled figures again (a new version)."""
    at = now_utc(now)
    access.check_write(principal, country)
    with db.transaction() as s:
        doc = load(s, principal, ASSESSMENT, country, round_id)
    figures = prefill.compute(db, country, date(doc["period"]["start"], "period_start"),
                              date(doc["period"]["end"], "period_end"), at)
    with db.transaction() as s:
        before = load(s, principal, ASSESSMENT, country, round_id, for_update=True)
        after = model.with_prefill(before, figures)
        write(s, principal, ASSESSMENT, after, "refresh", {"prefill": [None, at.isoformat()]})
    return after


def list_assessments(db: Database, principal: Principal,
                     country: str | None = None) -> list[dict[str, Any]]:
    return listing(db, principal, ASSESSMENT, country)


def revisions(db: Database, principal: Principal, country: str,
              round_id: str) -> list[dict[str, Any]]:
    return revisions_of(db, principal, ASSESSMENT, country, round_id)


def progress(db: Database, principal: Principal, country: str, from_round: str,
             to_round: str) -> dict[str, Any]:
    """The levels of two rounds of ``country`` and their change per indicator."""
    with db.transaction() as s:
        earlier = load(s, principal, ASSESSMENT, country, from_round)
        later = load(s, principal, ASSESSMENT, country, to_round)
    return model.progress(earlier, later)
