"""Playing an exercise: the scenario clock, the state changes (planned → running → ended), the
injects due, the journal's entry kinds and the measured times.

The scenario clock runs at the pace of the wall clock: scenario time 0 is the accident, the
controller starts the clock at scenario time ``start_offset_s`` (0 unless the exercise begins
later in the story), so a wall time ``t`` is scenario time
``start_offset_s + (t - started_at)``. The same mapping turns the times of the notification
records (when a message was issued, when each recipient acknowledged) into scenario times, so
the measured times come from the records themselves, not from what someone wrote down.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

from hazatlas.domain.errors import ConflictError, Problem, ValidationError
from hazatlas.domain.exercises.model import Exercise, Inject, State


class EntryKind(StrEnum):
    """What a journal entry records."""

    STATE = "state"  # the clock started, the exercise ended
    INJECT = "inject"  # an inject released by the controller
    MESSAGE = "message"  # a notification of the exercise (sent on release or linked later)
    ACTION = "action"  # what a participant did or decided
    NOTE = "note"  # an observer's or evaluator's note
    HOTWASH = "hotwash"  # a point of the quick evaluation after play


#: What participants and staff may write with ``log`` (the others are written by the service).
LOGGABLE = (EntryKind.ACTION, EntryKind.NOTE, EntryKind.HOTWASH, EntryKind.MESSAGE)


def aware(value: dt.datetime, name: str = "at") -> dt.datetime:
    if value.tzinfo is None:
        raise ValidationError([Problem("parameter", None, name, "a time needs its UTC offset")])
    return value.astimezone(dt.UTC)


def scenario_s(exercise: Exercise, at: dt.datetime) -> float:
    """Scenario time (seconds after the accident) of wall time ``at``."""
    if exercise.started_at is None:
        raise ConflictError(f"exercise '{exercise.id}' has not started")
    started = dt.datetime.fromisoformat(exercise.started_at)
    return exercise.start_offset_s + (aware(at) - started).total_seconds()


def accident_at(exercise: Exercise) -> dt.datetime:
    """The wall time of scenario time 0 (the accident) once the clock runs."""
    if exercise.started_at is None:
        raise ConflictError(f"exercise '{exercise.id}' has not started")
    started = dt.datetime.fromisoformat(exercise.started_at)
    return started - dt.timedelta(seconds=exercise.start_offset_s)


def start(exercise: Exercise, at: dt.datetime, offset_s: float = 0.0) -> Exercise:
    if exercise.state is not State.PLANNED:
        raise ConflictError(f"exercise '{exercise.id}' is {exercise.state}, not planned")
    if not offset_s >= 0:
        raise ValidationError([Problem("parameter", None, "offset",
                                       f"{offset_s}: expected 0 or more seconds")])
    return replace(exercise, state=State.RUNNING, started_at=aware(at).isoformat(),
                   start_offset_s=float(offset_s))


def end(exercise: Exercise, at: dt.datetime) -> Exercise:
    if exercise.state is not State.RUNNING:
        raise ConflictError(f"exercise '{exercise.id}' is {exercise.state}, not running")
    return replace(exercise, state=State.ENDED, ended_at=aware(at).isoformat())


def due(exercise: Exercise, at: dt.datetime) -> list[Inject]:
    """Injects not yet released whose scenario time has come, in MSEL order."""
    now_s = scenario_s(exercise, at)
    return sorted((i for i in exercise.injects if i.released_at is None and i.offset_s <= now_s),
                  key=lambda i: (i.offset_s, i.id))


def release(exercise: Exercise, inject_id: str, at: dt.datetime, by: str,
            report_id: str | None = None) -> Exercise:
    if exercise.state is not State.RUNNING:
        raise ConflictError(f"exercise '{exercise.id}' is {exercise.state}: injects are released "
                            "while it runs")
    inject = exercise.inject(inject_id)
    if inject.released_at is not None:
        raise ConflictError(f"inject '{inject_id}' was released at {inject.released_at}")
    return exercise.with_inject(replace(inject, released_at=aware(at).isoformat(),
                                        released_s=scenario_s(exercise, at), released_by=by,
                                        report_id=report_id))


@dataclass(frozen=True)
class Acknowledged:
    party: str
    contact_id: str
    at: dt.datetime


@dataclass(frozen=True)
class MessageRecord:
    """What the notification records say of one message of the exercise."""

    report_id: str
    type: str
    issued_at: dt.datetime | None
    response_kind: str | None = None
    acknowledgements: tuple[Acknowledged, ...] = ()


def _first(exercise: Exercise, records: list[MessageRecord],
           wanted: set[str], kinds: set[str] | None = None) -> dict[str, Any] | None:
    hits = sorted((r for r in records if r.type in wanted and r.issued_at is not None
                   and (kinds is None or r.response_kind in kinds)),
                  key=lambda r: r.issued_at or dt.datetime.max.replace(tzinfo=dt.UTC))
    if not hits or hits[0].issued_at is None:
        return None
    return {"report_id": hits[0].report_id, "scenario_s": scenario_s(exercise, hits[0].issued_at)}


def measured_times(exercise: Exercise, records: list[MessageRecord]) -> dict[str, Any]:
    """Accident (scenario time 0) → first early warning issued, → each acknowledgement of
    receipt, → first request for assistance, → first offer of assistance (an answer offering
    help, with or without terms: Art. 12(1), Annex X). Seconds of scenario time; ``None`` when
    it did not happen."""
    if exercise.started_at is None:
        return {"first_warning": None, "acknowledgements": [], "assistance_request": None,
                "assistance_offer": None, "messages": []}
    acks = []
    for r in records:
        for a in sorted(r.acknowledgements, key=lambda a: (a.at, a.contact_id)):
            acks.append({"report_id": r.report_id, "type": r.type, "party": a.party,
                         "contact_id": a.contact_id, "scenario_s": scenario_s(exercise, a.at),
                         "after_issue_s": (a.at - r.issued_at).total_seconds()
                         if r.issued_at else None})
    acks.sort(key=lambda a: (a["scenario_s"], a["contact_id"]))
    return {
        "first_warning": _first(exercise, records, {"early_warning"}),
        "acknowledgements": acks,
        "assistance_request": _first(exercise, records, {"assistance_request"}),
        "assistance_offer": _first(exercise, records, {"assistance_response"},
                                   {"offer", "terms"}),
        "messages": [{"report_id": r.report_id, "type": r.type,
                      "scenario_s": scenario_s(exercise, r.issued_at) if r.issued_at else None}
                     for r in records],
    }


def clock_text(seconds: float | None) -> str:
    """``T+01:25:00`` for a scenario time (``-`` when there is none).

    >>> clock_text(5100), clock_text(None), clock_text(-60)
    ('T+01:25:00', '-', 'T-00:01:00')
    """
    if seconds is None:
        return "-"
    sign = "+" if seconds >= 0 else "-"
    s = int(round(abs(seconds)))
    return f"T{sign}{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}"
