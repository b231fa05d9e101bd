"""An exercise as plain values, and its JSON document (what the ``exercise`` row stores; the
journal is kept apart, one row per entry: see ``storage/exercise_tables.py``).

Vocabulary (``docs/exercises.md``): the exercise types are HSEEP's seven plus the UNECE IAN
communication test (``data/reference/exercise_types.csv``); the master events list (MSEL) holds
injects, each with a scenario time (seconds after the accident, scenario time 0), a synopsis,
who it comes from and goes to, the expected player action and the objective it serves (HSEEP
MSEL contents, reference rows HS-M2, HS-M3); objectives carry critical tasks (HSEEP evaluation
chain, HS-E1); ratings are P/S/M/U (``exercise_ratings.csv``); the improvement plan's actions
name the plan section they change (a key of :data:`hazatlas.domain.plans.model.SECTION_KEYS`).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import asdict, dataclass, replace
from enum import StrEnum
from typing import Any

from hazatlas.domain.errors import Problem, ValidationError


class ExerciseType(StrEnum):
    SEMINAR = "seminar"
    WORKSHOP = "workshop"
    TABLE_TOP = "table_top"
    GAME = "game"
    COMMUNICATION_TEST = "communication_test"
    DRILL = "drill"
    FUNCTIONAL = "functional"
    FULL_SCALE = "full_scale"


class State(StrEnum):
    PLANNED = "planned"
    RUNNING = "running"
    ENDED = "ended"


class StaffRole(StrEnum):
    """Exercise roles given to users (HSEEP participant roles, reference row HS-R1): the
    controller plays the master events list, evaluators rate, observers take notes."""

    CONTROLLER = "controller"
    EVALUATOR = "evaluator"
    OBSERVER = "observer"


class ActionStatus(StrEnum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    CANCELLED = "cancelled"


#: Report types an inject may send (``hazatlas.domain.notification.ReportType`` but the Test
#: message, which a communication test sends).
MESSAGE_TYPES = ("early_warning", "information", "assistance_request", "assistance_response",
                 "end_of_alert")

OPEN_STATUSES = frozenset({ActionStatus.OPEN, ActionStatus.IN_PROGRESS})

_ISO3 = re.compile(r"^[A-Z]{3}$")
ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
#: A recipient of an exercise message: a country, a basin body or a contact id of the directory.
RECIPIENT = re.compile(r"^([A-Z]{3}|basin:[A-Za-z][A-Za-z .-]{0,90}|[A-Za-z0-9][A-Za-z0-9/._-]{0,99})$")


@dataclass(frozen=True)
class Task:
    id: str
    text: str


@dataclass(frozen=True)
class Objective:
    id: str
    text: str
    area: str  # key of data/reference/exercise_evaluation_areas.csv
    tasks: tuple[Task, ...] = ()


@dataclass(frozen=True)
class Inject:
    """One event of the master events list. ``message`` (optional) is a partial report
    (the keys of REPORT.json) sent through the notification chain when the inject is released,
    to ``to``; without it the inject is handed over in the room and only journalled."""

    id: str
    offset_s: float
    synopsis: str
    from_party: str
    to: tuple[str, ...] = ()
    expected_action: str = ""
    objective: str | None = None
    message: dict[str, Any] | None = None
    released_at: str | None = None  # wall time, ISO 8601 UTC
    released_s: float | None = None  # scenario time when released
    released_by: str | None = None
    report_id: str | None = None


@dataclass(frozen=True)
class Rating:
    target: str  # objective id, or "objective/task"
    phase: str  # "quick" (hot wash) or "detailed"
    rating: str  # P, S, M or U
    evidence: tuple[int, ...]  # journal entry numbers
    note: str
    by: str
    at: str


@dataclass(frozen=True)
class Feedback:
    by: str
    party: str | None
    answers: dict[str, Any]
    at: str


@dataclass(frozen=True)
class Action:
    """An action of the improvement plan: what changes in which section of which plan, who
    does it, by when."""

    id: str
    text: str
    plan_id: str
    section: str
    responsible: str  # ISO3 of the Party responsible
    due: str  # ISO date
    status: str = "open"
    area: str | None = None
    objective: str | None = None
    created_by: str = ""


@dataclass(frozen=True)
class Exercise:
    id: str
    title: str
    type: ExerciseType
    parties: tuple[str, ...]
    staff: tuple[tuple[str, str], ...]  # (username, StaffRole)
    plan_id: str | None = None
    scheduled_on: str | None = None  # ISO date
    scenario_id: str | None = None
    scenario_facts: tuple[dict[str, Any], ...] = ()
    accident: dict[str, Any] | None = None  # REPORT.json "accident" without occurred_at
    ack_window_s: int = 3600
    objectives: tuple[Objective, ...] = ()
    injects: tuple[Inject, ...] = ()
    state: State = State.PLANNED
    started_at: str | None = None
    start_offset_s: float = 0.0
    ended_at: str | None = None
    campaign_id: int | None = None
    ratings: tuple[Rating, ...] = ()
    feedback: tuple[Feedback, ...] = ()
    actions: tuple[Action, ...] = ()

    def has_role(self, username: str, role: StaffRole) -> bool:
        return (username, str(role)) in self.staff

    def objective(self, objective_id: str) -> Objective:
        for o in self.objectives:
            if o.id == objective_id:
                return o
        raise ValidationError([Problem("request", None, "objective",
                                       f"exercise '{self.id}' has no objective {objective_id!r}"
                                       f" (objectives: {', '.join(o.id for o in self.objectives) or 'none'})")])

    def inject(self, inject_id: str) -> Inject:
        for i in self.injects:
            if i.id == inject_id:
                return i
        raise ValidationError([Problem("request", None, "inject",
                                       f"exercise '{self.id}' has no inject {inject_id!r}")])

    def with_inject(self, inject: Inject) -> Exercise:
        return replace(self, injects=tuple(inject if i.id == inject.id else i for i in self.injects))

    def to_json(self) -> dict[str, Any]:
        doc = asdict(self)
        doc["type"], doc["state"] = str(self.type), str(self.state)
        doc["staff"] = [list(s) for s in self.staff]
        return doc


def exercise_from_json(doc: dict[str, Any]) -> Exercise:
    """The exercise of a stored document (written by :meth:`Exercise.to_json`)."""
    return Exercise(
        id=doc["id"], title=doc["title"], type=ExerciseType(doc["type"]),
        parties=tuple(doc["parties"]), staff=tuple((s[0], s[1]) for s in doc["staff"]),
        plan_id=doc.get("plan_id"), scheduled_on=doc.get("scheduled_on"),
        scenario_id=doc.get("scenario_id"), scenario_facts=tuple(doc.get("scenario_facts") or ()),
        accident=doc.get("accident"), ack_window_s=int(doc.get("ack_window_s") or 3600),
        objectives=tuple(Objective(o["id"], o["text"], o["area"],
                                   tuple(Task(t["id"], t["text"]) for t in o["tasks"]))
                         for o in doc["objectives"]),
        injects=tuple(Inject(i["id"], float(i["offset_s"]), i["synopsis"], i["from_party"],
                             tuple(i["to"]), i["expected_action"], i["objective"], i["message"],
                             i["released_at"], i["released_s"], i["released_by"], i["report_id"])
                      for i in doc["injects"]),
        state=State(doc["state"]), started_at=doc.get("started_at"),
        start_offset_s=float(doc.get("start_offset_s") or 0.0), ended_at=doc.get("ended_at"),
        campaign_id=doc.get("campaign_id"),
        ratings=tuple(Rating(r["target"], r["phase"], r["rating"], tuple(r["evidence"]),
                             r["note"], r["by"], r["at"]) for r in doc["ratings"]),
        feedback=tuple(Feedback(f["by"], f["party"], dict(f["answers"]), f["at"])
                       for f in doc["feedback"]),
        actions=tuple(Action(a["id"], a["text"], a["plan_id"], a["section"], a["responsible"],
                             a["due"], a["status"], a.get("area"), a.get("objective"),
                             a.get("created_by", "")) for a in doc["actions"]),
    )


def _choice(problems: list[Problem], name: str, value: str, choices: type[StrEnum]) -> None:
    if value not in {str(c) for c in choices}:
        problems.append(Problem("request", None, name, f"{value!r} is not one of "
                                f"{', '.join(str(c) for c in choices)}"))


def _date(problems: list[Problem], name: str, value: str | None) -> None:
    if value is None:
        return
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        problems.append(Problem("request", None, name, f"{value!r}: expected a date YYYY-MM-DD"))


def new_exercise(*, exercise_id: str, title: str, type: str, parties: list[str],
                 staff: list[tuple[str, str]], plan_id: str | None = None,
                 scheduled_on: str | None = None, scenario_id: str | None = None,
                 accident: dict[str, Any] | None = None, ack_window_s: int = 3600) -> Exercise:
    """A planned exercise; every problem of the input is reported at once."""
    problems: list[Problem] = []
    if not ID.match(exercise_id or ""):
        problems.append(Problem("request", None, "id", f"{exercise_id!r}: expected 1-100 letters, "
                                "digits, '.', '_' or '-', starting with a letter or digit"))
    if not title.strip():
        problems.append(Problem("request", None, "title", "must not be empty"))
    _choice(problems, "type", type, ExerciseType)
    bad = [p for p in parties if not _ISO3.match(p)]
    if not parties or bad or len(set(parties)) != len(parties):
        problems.append(Problem("request", None, "parties",
                                "expected one or more distinct ISO 3166-1 alpha-3 codes"
                                f"{' (not ' + ', '.join(map(repr, bad)) + ')' if bad else ''}"))
    for user, role in staff:
        _choice(problems, f"staff[{user}]", role, StaffRole)
    _date(problems, "scheduled_on", scheduled_on)
    if not 60 <= ack_window_s <= 7 * 86_400:
        problems.append(Problem("request", None, "ack_window_s",
                                f"{ack_window_s}: expected 60 s to 7 days"))
    if accident is not None and not isinstance(accident, dict):
        problems.append(Problem("request", None, "accident", "expected an object (REPORT.json "
                                "accident: type, place, substances, severity)"))
    if problems:
        raise ValidationError(problems)
    return Exercise(id=exercise_id, title=title.strip(), type=ExerciseType(type),
                    parties=tuple(parties), staff=tuple(dict.fromkeys(staff)), plan_id=plan_id,
                    scheduled_on=scheduled_on, scenario_id=scenario_id, accident=accident,
                    ack_window_s=ack_window_s)


def new_objective(exercise: Exercise, *, objective_id: str, text: str, area: str,
                  tasks: list[str], areas: frozenset[str]) -> Objective:
    problems: list[Problem] = []
    if not ID.match(objective_id or ""):
        problems.append(Problem("request", None, "id", f"{objective_id!r}: expected 1-100 "
                                "letters, digits, '.', '_' or '-'"))
    if any(o.id == objective_id for o in exercise.objectives):
        problems.append(Problem("request", None, "id", f"objective {objective_id!r} exists"))
    if not text.strip():
        problems.append(Problem("request", None, "text", "must not be empty"))
    if area not in areas:
        problems.append(Problem("request", None, "area", f"{area!r} is not an evaluation area "
                                f"({', '.join(sorted(areas))})"))
    if any(not t.strip() for t in tasks):
        problems.append(Problem("request", None, "tasks", "a critical task must not be empty"))
    if problems:
        raise ValidationError(problems)
    return Objective(objective_id, text.strip(), area,
                     tuple(Task(f"T{n}", t.strip()) for n, t in enumerate(tasks, 1)))


def new_inject(exercise: Exercise, *, inject_id: str, offset_s: float, synopsis: str,
               from_party: str, to: list[str], expected_action: str = "",
               objective: str | None = None, message: dict[str, Any] | None = None) -> Inject:
    problems: list[Problem] = []
    if not ID.match(inject_id or ""):
        problems.append(Problem("request", None, "id", f"{inject_id!r}: expected 1-100 letters, "
                                "digits, '.', '_' or '-'"))
    if any(i.id == inject_id for i in exercise.injects):
        problems.append(Problem("request", None, "id", f"inject {inject_id!r} exists"))
    if not offset_s >= 0:  # also refuses NaN
        problems.append(Problem("request", None, "offset_s",
                                f"{offset_s}: expected seconds after the accident, 0 or more"))
    if not synopsis.strip():
        problems.append(Problem("request", None, "synopsis", "must not be empty"))
    if from_party not in exercise.parties:
        problems.append(Problem("request", None, "from", f"{from_party!r} is not a Party of the "
                                f"exercise ({', '.join(exercise.parties)})"))
    problems += [Problem("request", None, f"to[{n}]", f"{r!r}: expected ISO3, basin:NAME or a "
                         "contact id") for n, r in enumerate(to) if not RECIPIENT.match(r)]
    if objective is not None and objective not in {o.id for o in exercise.objectives}:
        problems.append(Problem("request", None, "objective", f"exercise '{exercise.id}' has no "
                                f"objective {objective!r}"))
    if message is not None:
        if not isinstance(message, dict):
            problems.append(Problem("request", None, "message", "expected an object (REPORT.json keys)"))
        else:
            kind = message.get("type", "information")
            if kind not in MESSAGE_TYPES:
                problems.append(Problem("request", None, "message.type", f"{kind!r} is not one "
                                        f"of {', '.join(MESSAGE_TYPES)}"))
            if message.get("status", "exercise") != "exercise":
                problems.append(Problem("request", None, "message.status", "an exercise message "
                                        "has status 'exercise'"))
            if not to:
                problems.append(Problem("request", None, "to", "a message needs recipients"))
    if problems:
        raise ValidationError(problems)
    return Inject(inject_id, float(offset_s), synopsis.strip(), from_party, tuple(to),
                  expected_action.strip(), objective, message)


def new_action(exercise: Exercise, *, text: str, plan_id: str, section: str, responsible: str,
               due: str, sections: tuple[str, ...], area: str | None = None,
               objective: str | None = None, by: str = "") -> Action:
    problems: list[Problem] = []
    if not text.strip():
        problems.append(Problem("request", None, "text", "must not be empty"))
    if section not in sections:
        problems.append(Problem("request", None, "section", f"{section!r} is not a plan section "
                                f"({', '.join(sections)})"))
    if responsible not in exercise.parties:
        problems.append(Problem("request", None, "responsible", f"{responsible!r} is not a Party "
                                f"of the exercise ({', '.join(exercise.parties)})"))
    _date(problems, "due", due)
    if objective is not None and objective not in {o.id for o in exercise.objectives}:
        problems.append(Problem("request", None, "objective", f"no objective {objective!r}"))
    if problems:
        raise ValidationError(problems)
    return Action(f"A{len(exercise.actions) + 1}", text.strip(), plan_id, section, responsible,
                  due, str(ActionStatus.OPEN), area, objective, by)


def check_action_status(status: str) -> ActionStatus:
    problems: list[Problem] = []
    _choice(problems, "status", status, ActionStatus)
    if problems:
        raise ValidationError(problems)
    return ActionStatus(status)


__all__ = ["Action", "ActionStatus", "Exercise", "ExerciseType", "Feedback", "Inject",
           "Objective", "Rating", "StaffRole", "State", "Task", "exercise_from_json",
           "new_action", "new_exercise", "new_inject", "new_objective"]
