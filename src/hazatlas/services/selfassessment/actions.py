"""The action plan of a country: actions per indicator (add, change, list with the overdue ones
flagged on a clock the caller may set), and :func:`import_improvements`, the entry point for the
improvement plan of an exercise: each improvement action becomes one action linked to its
exercise and plan section, however often it is imported (``(country, 'exercise', id)`` is
unique); a second import updates what changed. Every write is an entry of the change log
(entity type ``action``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from hazatlas.domain.access import Principal
from hazatlas.domain.errors import NotFoundError, Problem, ValidationError
from hazatlas.domain.selfassessment import access
from hazatlas.domain.selfassessment import actions as rules
from hazatlas.domain.selfassessment.assessment import check_round
from hazatlas.domain.selfassessment.framework import DEFAULT_VERSION, load_framework
from hazatlas.domain.text import check_text
from hazatlas.services.selfassessment.common import audit, now_utc
from hazatlas.storage import selfassessment as store
from hazatlas.storage.db import Database

EXERCISE = "exercise"
MANUAL = "manual"


def _indicators(framework: str = DEFAULT_VERSION) -> set[str]:
    return {i.id for i in load_framework(framework).indicators}


def _flag(action: dict[str, Any], today: dt.date) -> dict[str, Any]:
    return {**action, "overdue": rules.is_overdue(action, today)}


def _changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, Any]:
    return {k: [before.get(k), after[k]] for k in rules.FIELDS
            if k in after and before.get(k) != after[k]}


def add(db: Database, principal: Principal, country: str, fields: Mapping[str, Any], *,
        now: dt.datetime | None = None) -> dict[str, Any]:
    """A new action of ``country``'s action plan (``fields``: :data:`rules.FIELDS`)."""
    check_round(country, "x")
    access.check_write(principal, country)
    check_text(dict(fields), "request")
    values = rules.check_fields(fields, known_indicators=_indicators(), creating=True)
    with db.transaction() as s:
        got = store.add_action(s, country, values, source=MANUAL, source_ref=None,
                               created_by=principal.username)
        audit(s, principal, "action", str(got["id"]), "create",
              {k: [None, got[k]] for k in rules.FIELDS if got.get(k)}, country)
    return _flag(got, now_utc(now).date())


def update(db: Database, principal: Principal, country: str, action_id: int,
           fields: Mapping[str, Any], *, now: dt.datetime | None = None) -> dict[str, Any]:
    access.check_write(principal, country)
    check_text(dict(fields), "request")
    values = rules.check_fields(fields, known_indicators=_indicators(), creating=False)
    with db.transaction() as s:
        row = store.action_row(s, action_id, lock=True)
        if row is None or row.country_iso3 != country:
            raise NotFoundError(f"action {action_id} of {country} not found")
        before = store.action_json(row)
        after = store.update_action(s, row, values)
        audit(s, principal, "action", str(action_id), "update", _changes(before, after), country)
    return _flag(after, now_utc(now).date())


def list_actions(db: Database, principal: Principal, country: str, *,
                 overdue_only: bool = False, now: dt.datetime | None = None) -> dict[str, Any]:
    """The action plan: every action with ``overdue`` set, the count of overdue ones and the
    actions' ids per indicator."""
    access.check_read(principal, country, f"action plan of {country}")
    today = now_utc(now).date()
    with db.transaction() as s:
        rows = [_flag(a, today) for a in store.actions(s, country)]
    overdue = [a for a in rows if a["overdue"]]
    shown = overdue if overdue_only else rows
    by_indicator: dict[str, list[int]] = {}
    for a in shown:
        by_indicator.setdefault(a["indicator_id"], []).append(a["id"])
    return {"country": country, "as_of": today.isoformat(), "overdue": len(overdue),
            "actions": shown, "by_indicator": by_indicator}


def import_improvements(db: Database, principal: Principal, country: str,
                        records: list[Mapping[str, Any]], *,
                        now: dt.datetime | None = None) -> dict[str, Any]:
    """Create (or bring up to date) one action per improvement-action record of an exercise.

    ``records``: mappings with ``id``, ``exercise_id``, ``text``, ``plan_id``, ``plan_section``,
    ``responsible_party``, ``due`` and ``status`` (as ``hazatlas.services.exercises.facts``
    returns them). All or nothing: a bad record names its position and key, and nothing is
    written. Returns the actions and how many were created, updated and unchanged."""
    access.check_write(principal, country)
    check_text([dict(r) for r in records], "request")
    items = rules.improvement_records(list(records))
    created = updated = unchanged = 0
    out = []
    with db.transaction() as s:
        for item in items:
            link = {k: item.pop(k) for k in ("source_ref", "exercise_id", "plan_id",
                                             "plan_section")}
            row = store.action_by_source(s, country, EXERCISE, link["source_ref"])
            if row is None:
                got = store.add_action(s, country, {**item, **{k: v for k, v in link.items()
                                                               if k != "source_ref"}},
                                       source=EXERCISE, source_ref=link["source_ref"],
                                       created_by=principal.username)
                audit(s, principal, "action", str(got["id"]), "import",
                      {"exercise_id": [None, link["exercise_id"]],
                       "improvement_action": [None, link["source_ref"]],
                       "plan": [None, f"{link['plan_id']}#{link['plan_section']}"]}, country)
                created += 1
            else:
                before = store.action_json(row)
                wanted = {k: v for k, v in item.items()
                          if before.get(k) != (v.isoformat() if isinstance(v, dt.date) else v)}
                if not wanted:
                    unchanged += 1
                    out.append(before)
                    continue
                got = store.update_action(s, row, wanted)
                audit(s, principal, "action", str(got["id"]), "import_update",
                      _changes(before, got), country)
                updated += 1
            out.append(got)
    today = now_utc(now).date()
    return {"created": created, "updated": updated, "unchanged": unchanged,
            "actions": [_flag(a, today) for a in out]}


def import_exercise(db: Database, principal: Principal, country: str, exercise_id: str, *,
                    now: dt.datetime | None = None) -> dict[str, Any]:
    """Import the improvement plan of exercise ``exercise_id`` into ``country``'s action plan:
    its actions of which ``country`` is the responsible Party, whatever their status (a done or
    cancelled one closes the linked action), through :func:`import_improvements` (idempotent,
    audited). The user must be able to read the exercise (else it is not found) and write the
    country's action plan."""
    from hazatlas.services import exercises
    from hazatlas.services.selfassessment.providers import improvement_record

    access.check_write(principal, country)
    doc = exercises.get(db, principal, exercise_id)
    records: list[Mapping[str, Any]] = [improvement_record(exercise_id, a)
                                        for a in doc.get("actions", ())
                                        if a.get("responsible") == country]
    if not records:
        raise ValidationError([Problem("exercise", None, "actions",
                                       f"exercise '{exercise_id}' has no improvement action for "
                                       f"which {country} is responsible")])
    return import_improvements(db, principal, country, records, now=now)
