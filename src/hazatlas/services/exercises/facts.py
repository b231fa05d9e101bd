"""What a country's exercises say for its self-assessment (pre-fill): the exercises it held and
the improvement actions still open. A function for other services, not an entry point: it
applies no access rule (its caller decides who may see a country's self-assessment)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from hazatlas.domain.exercises import evaluation as rules
from hazatlas.domain.exercises.model import OPEN_STATUSES, exercise_from_json
from hazatlas.storage import exercises as store


def _day(doc: dict[str, Any]) -> dt.date | None:
    when = doc.get("started_at") or doc.get("scheduled_on")
    if not when:
        return None
    return dt.datetime.fromisoformat(when).date() if "T" in when else dt.date.fromisoformat(when)


def _collect(s: Any, country_iso3: str, since: dt.date, until: dt.date) -> dict[str, Any]:
    from hazatlas.services.exercises.evaluation import ranks

    held, actions = [], []
    for doc in store.listing(s, country_iso3):
        ex = exercise_from_json(doc)
        day = _day(doc)
        if ex.started_at is not None and day is not None and since <= day <= until:
            held.append({"id": ex.id, "title": ex.title, "type": str(ex.type),
                         "started_at": ex.started_at, "ended_at": ex.ended_at,
                         "parties": list(ex.parties), "overall_rating": rules.overall(ex, ranks())})
        actions += [{"id": a.id, "exercise_id": ex.id, "text": a.text, "plan_id": a.plan_id,
                     "plan_section": a.section, "responsible": a.responsible, "due": a.due,
                     "status": a.status}
                    for a in ex.actions if a.status in OPEN_STATUSES]
    return {"exercises": held, "open_actions": actions}


def facts(session_or_store: Any, country_iso3: str, since: dt.date,
          until: dt.date) -> dict[str, Any]:
    """``{"exercises": [...], "open_actions": [...]}`` for ``country_iso3``.

    ``session_or_store``: a :class:`hazatlas.storage.db.Database` (a transaction is opened) or
    a session already in the caller's transaction. ``exercises``: those of which the country is
    a Party and whose clock started between ``since`` and ``until`` (dates, inclusive): ``id``,
    ``title``, ``type``, ``started_at``, ``ended_at``, ``parties``, ``overall_rating`` (P/S/M/U,
    ``None`` until every objective is rated). ``open_actions``: the improvement actions of the
    country's exercises (whatever their date) that are ``open`` or ``in_progress``: ``id``,
    ``exercise_id``, ``text``, ``plan_id``, ``plan_section``, ``responsible``, ``due``,
    ``status``.
    """
    if hasattr(session_or_store, "transaction"):
        with session_or_store.transaction() as s:
            return _collect(s, country_iso3, since, until)
    return _collect(session_or_store, country_iso3, since, until)
