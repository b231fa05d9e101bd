"""Actions of a country's action plan (step 2 of the Strategic Approach's cycle: needs-driven
actions addressing the gaps of the self-assessment), and the records of an exercise's
improvement plan they can come from.

An action belongs to one indicator of the framework, names the responsible authority, its dates,
the resources it needs and the assistance requested (what the country asks of the Assistance
Programme), and has a status. It is overdue when its due date has passed and it is neither done
nor cancelled (:func:`is_overdue`, on a clock the caller gives).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from hazatlas.domain.errors import Problem, ValidationError

STATUSES = ("planned", "in_progress", "done", "cancelled")
CLOSED = ("done", "cancelled")
FIELDS = ("indicator_id", "title", "responsible_authority", "start_on", "due_on", "resources",
          "assistance_requested", "status", "notes")
# An improvement action's status as an exercise module may name it -> the action's status.
IMPROVEMENT_STATUS = {"open": "planned", "planned": "planned", "in_progress": "in_progress",
                      "in progress": "in_progress", "done": "done", "closed": "done",
                      "completed": "done", "complete": "done", "cancelled": "cancelled",
                      "canceled": "cancelled"}
# Which indicator an improvement action of a plan section addresses (hazatlas's assignment:
# joint plans are preparedness, Art. 8; alerting and communication are notification systems,
# Art. 10 and Annex IX; mutual assistance Art. 12; public information Art. 9).
SECTION_INDICATOR = {"alerting_notification": "RM1", "communication": "RM1",
                     "mutual_assistance": "RM3", "public_information": "PI1"}
DEFAULT_INDICATOR = "PP1"
IMPROVEMENT_KEYS = ("id", "exercise_id", "text", "plan_id", "plan_section",
                    "responsible_party", "due", "status")


def is_overdue(action: Mapping[str, Any], today: dt.date) -> bool:
    """True if the action's due date is before ``today`` and it is not done or cancelled.

    >>> is_overdue({"due_on": "2026-03-01", "status": "planned"}, dt.date(2026, 3, 2))
    True
    >>> is_overdue({"due_on": "2026-03-01", "status": "done"}, dt.date(2026, 3, 2))
    False
    """
    due = action.get("due_on")
    if not due or action.get("status") in CLOSED:
        return False
    return dt.date.fromisoformat(str(due)) < today


def parse_date(value: Any, field: str, source: str = "request", row: int | None = None) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise ValidationError([Problem(source, row, field, f"{value!r} is not a date "
                                       "(YYYY-MM-DD)")]) from None


def check_fields(fields: Mapping[str, Any], *, known_indicators: set[str],
                 creating: bool) -> dict[str, Any]:
    """The validated fields of an action (dates as ``date``), or ValidationError naming each
    field that is wrong."""
    problems = [Problem("request", None, k, f"unknown field; expected one of {', '.join(FIELDS)}")
                for k in fields if k not in FIELDS]
    out: dict[str, Any] = {}
    required = ("indicator_id", "title", "responsible_authority", "due_on") if creating else ()
    for name in required:
        if not fields.get(name):
            problems.append(Problem("request", None, name, "required"))
    for name, value in fields.items():
        if name not in FIELDS or value is None:
            continue
        if name in ("start_on", "due_on"):
            try:
                out[name] = parse_date(value, name)
            except ValidationError as exc:
                problems += exc.problems
        elif name == "status" and value not in STATUSES:
            problems.append(Problem("request", None, name,
                                    f"{value!r} is not one of {', '.join(STATUSES)}"))
        elif name == "indicator_id" and value not in known_indicators:
            problems.append(Problem("request", None, name, f"{value!r} is not an indicator of "
                                    f"the framework ({', '.join(sorted(known_indicators))})"))
        elif not isinstance(value, str) or len(value) > 5000:
            problems.append(Problem("request", None, name, "text of at most 5000 characters"))
        else:
            out[name] = value.strip()
    start, due = out.get("start_on"), out.get("due_on")
    if start and due and due < start:
        problems.append(Problem("request", None, "due_on",
                                f"the due date ({due}) is before the start ({start})"))
    if problems:
        raise ValidationError(problems)
    return out


def improvement_records(records: list[Mapping[str, Any]],
                        source: str = "improvement plan") -> list[dict[str, Any]]:
    """Validate improvement-action records of an exercise (keys :data:`IMPROVEMENT_KEYS`) and
    return them as action fields with their link (``source_ref``, ``exercise_id``, ``plan_id``,
    ``plan_section``). Every problem names the record (1-based) and the key."""
    problems: list[Problem] = []
    out = []
    seen: set[str] = set()
    for n, rec in enumerate(records, start=1):
        missing = [k for k in ("id", "exercise_id", "text", "due") if not rec.get(k)]
        problems += [Problem(source, n, k, "required") for k in missing]
        status = str(rec.get("status") or "open").strip().lower()
        if status not in IMPROVEMENT_STATUS:
            problems.append(Problem(source, n, "status", f"{rec.get('status')!r} is not one of "
                                    f"{', '.join(sorted(IMPROVEMENT_STATUS))}"))
        rid = str(rec.get("id") or "")
        if rid and rid in seen:
            problems.append(Problem(source, n, "id", f"{rid!r} appears twice"))
        seen.add(rid)
        due = None
        if rec.get("due"):
            try:
                due = parse_date(rec["due"], "due", source, n)
            except ValidationError as exc:
                problems += exc.problems
        if missing or due is None or status not in IMPROVEMENT_STATUS:
            continue
        section = str(rec.get("plan_section") or "") or None
        out.append({"source_ref": rid, "exercise_id": str(rec["exercise_id"]),
                    "plan_id": str(rec.get("plan_id") or "") or None, "plan_section": section,
                    "indicator_id": SECTION_INDICATOR.get(section or "", DEFAULT_INDICATOR),
                    "title": str(rec["text"]).strip()[:5000],
                    "responsible_authority": str(rec.get("responsible_party") or "").strip(),
                    "due_on": due, "status": IMPROVEMENT_STATUS[status]})
    if problems:
        raise ValidationError(problems)
    return out
