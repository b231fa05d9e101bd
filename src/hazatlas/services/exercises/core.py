"""The exercise's life before and around play: create, objectives, the master events list,
reading and listing. Every write is one transaction that saves the exercise and appends to the
history (``record_change``, entity type ``exercise``).

Each use case that depends on the time takes ``clock`` (a function returning the current UTC
time; default: the system clock), so an exercise can be played on a controlled clock."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from hazatlas.domain.access import EntryScope, Principal
from hazatlas.domain.errors import ConflictError, NotFoundError, Problem, ValidationError
from hazatlas.domain.establishment import Disclosure
from hazatlas.domain.exercises import access
from hazatlas.domain.exercises.model import (
    Exercise,
    StaffRole,
    State,
    exercise_from_json,
    new_exercise,
    new_inject,
    new_objective,
)
from hazatlas.domain.reference import load_table
from hazatlas.domain.text import check_text
from hazatlas.storage import exercises as store
from hazatlas.storage import repositories as repo
from hazatlas.storage.db import Database

Clock = Callable[[], dt.datetime]
AREAS = "exercise_evaluation_areas"


def now(clock: Clock | None) -> dt.datetime:
    at = clock() if clock is not None else dt.datetime.now(dt.UTC)
    if at.tzinfo is None:
        raise ValidationError([Problem("parameter", None, "at", "a time needs its UTC offset")])
    return at.astimezone(dt.UTC)


def area_keys() -> frozenset[str]:
    return frozenset(r["area"] for r in load_table(AREAS))


def _scope(exercise: Exercise) -> EntryScope:
    return EntryScope(Disclosure.PARTIES, frozenset(exercise.parties), frozenset({None}))


def write(s: Any, principal: Principal, exercise: Exercise, action: str,
          changes: dict[str, Any]) -> None:
    """Save the exercise and record the change in the history (same transaction)."""
    document = exercise.to_json()
    check_text(document, "request")  # NUL characters and lone surrogates: no database stores them
    store.save(s, document, saved_by=principal.username)
    repo.record_change(s, entity_type="exercise", entity_id=exercise.id, action=action,
                       actor=principal.username, changes=changes, scope=_scope(exercise))


def load(s: Any, principal: Principal, exercise_id: str) -> Exercise:
    """The exercise, locked for this transaction, if ``principal`` may read it."""
    doc = store.lock(s, exercise_id)
    if doc is None:
        raise NotFoundError(f"exercise '{exercise_id}' not found")
    exercise = exercise_from_json(doc)
    if not access.can_read(principal, exercise):
        raise NotFoundError(f"exercise '{exercise_id}' not found")  # do not reveal it exists
    return exercise


def change(db: Database, principal: Principal, exercise_id: str, action: str,
           step: Callable[[Any, Exercise], tuple[Exercise, dict[str, Any]]]) -> dict[str, Any]:
    with db.transaction() as s:
        before = load(s, principal, exercise_id)
        after, changes = step(s, before)
        write(s, principal, after, action, changes)
    return get(db, principal, exercise_id)


def create(db: Database, principal: Principal, *, exercise_id: str, title: str, type: str,
           parties: list[str], plan_id: str | None = None, scheduled_on: str | None = None,
           scenario_id: str | None = None, accident: dict[str, Any] | None = None,
           staff: list[tuple[str, str]] | None = None, ack_window_s: int = 3600) -> dict[str, Any]:
    """A planned exercise; its creator is its first controller. ``staff``: (username, role)
    pairs (controller, evaluator, observer); ``plan_id`` must name a plan the creator reads;
    ``scenario_id`` a stored scenario it reads (its arrival times become the injects' facts)."""
    from hazatlas.services import users

    staff = [(principal.username, str(StaffRole.CONTROLLER)), *(staff or [])]
    exercise = new_exercise(exercise_id=exercise_id, title=title, type=type, parties=parties,
                            staff=staff, plan_id=plan_id, scheduled_on=scheduled_on,
                            scenario_id=scenario_id, accident=accident, ack_window_s=ack_window_s)
    access.check_create(principal, exercise.parties)
    for user, role in exercise.staff[1:]:
        try:
            member = users.principal_for_user(db, user)
        except NotFoundError:
            raise ValidationError([Problem("request", None, "staff",
                                           f"no user {user!r}")]) from None
        access.check_staff_member(member, role, exercise.parties)
    if plan_id is not None:
        from hazatlas.services import plans

        plans.get(db, principal, plan_id)  # NotFound unless the creator reads the plan
    if scenario_id is not None:
        from hazatlas.services import scenarios
        from hazatlas.services.exercises.scenario import arrival_facts

        run = scenarios.get(db, principal, scenario_id)
        exercise = replace(exercise, scenario_facts=tuple(arrival_facts(run)))
    with db.transaction() as s:
        if store.exists(s, exercise.id):
            raise ConflictError(f"exercise '{exercise.id}' already exists")
        write(s, principal, exercise, "create",
              {"title": [None, exercise.title], "parties": [None, list(exercise.parties)],
               "type": [None, str(exercise.type)]})
    return get(db, principal, exercise.id)


def _planned_or_running(exercise: Exercise) -> None:
    if exercise.state is State.ENDED:
        raise ConflictError(f"exercise '{exercise.id}' has ended")


def add_objective(db: Database, principal: Principal, exercise_id: str, *, objective_id: str,
                  text: str, area: str, tasks: list[str]) -> dict[str, Any]:
    """An objective with its critical tasks (numbered T1, T2, ...) in an evaluation area."""
    def step(s: Any, ex: Exercise) -> tuple[Exercise, dict[str, Any]]:
        access.check_role(principal, ex, StaffRole.CONTROLLER, "add objectives")
        _planned_or_running(ex)
        objective = new_objective(ex, objective_id=objective_id, text=text, area=area,
                                  tasks=tasks, areas=area_keys())
        return (replace(ex, objectives=(*ex.objectives, objective)),
                {"objective": [None, objective.id]})
    return change(db, principal, exercise_id, "add_objective", step)


def add_inject(db: Database, principal: Principal, exercise_id: str, *, inject_id: str,
               offset_s: float, synopsis: str, from_party: str, to: list[str] | None = None,
               expected_action: str = "", objective: str | None = None,
               message: dict[str, Any] | None = None) -> dict[str, Any]:
    """An event of the master events list at scenario time ``offset_s``."""
    def step(s: Any, ex: Exercise) -> tuple[Exercise, dict[str, Any]]:
        access.check_role(principal, ex, StaffRole.CONTROLLER, "edit the master events list")
        _planned_or_running(ex)
        inject = new_inject(ex, inject_id=inject_id, offset_s=offset_s, synopsis=synopsis,
                            from_party=from_party, to=to or [], expected_action=expected_action,
                            objective=objective, message=message)
        injects = tuple(sorted((*ex.injects, inject), key=lambda i: (i.offset_s, i.id)))
        return (replace(ex, injects=injects),
                {"inject": [None, inject.id], "offset_s": [None, inject.offset_s]})
    return change(db, principal, exercise_id, "add_inject", step)


def get(db: Database, principal: Principal, exercise_id: str) -> dict[str, Any]:
    """The exercise document with its journal."""
    with db.transaction() as s:
        doc = store.get(s, exercise_id)
        if doc is None or not access.can_read(principal, exercise_from_json(doc)):
            raise NotFoundError(f"exercise '{exercise_id}' not found")
        doc["journal"] = store.journal(s, exercise_id)
    return doc


def list_exercises(db: Database, principal: Principal) -> list[dict[str, Any]]:
    """The exercises ``principal`` may read: id, title, type, Parties, state, dates."""
    with db.transaction() as s:
        docs = store.listing(s)
    out = []
    for doc in docs:
        ex = exercise_from_json(doc)
        if access.can_read(principal, ex):
            out.append({"id": ex.id, "title": ex.title, "type": str(ex.type),
                        "parties": list(ex.parties), "state": str(ex.state),
                        "plan_id": ex.plan_id, "scheduled_on": ex.scheduled_on,
                        "started_at": ex.started_at, "ended_at": ex.ended_at})
    return out
