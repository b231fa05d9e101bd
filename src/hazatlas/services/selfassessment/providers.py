"""Where the exercise figures of the pre-fill come from: the one place to plug in a provider.

A provider is a function ``(db, country_iso3, since, until) -> mapping`` returning the exercises
the country held in the period and its open improvement actions::

    {"exercises": [{"id", "title", "start"/"end" (or "dates"), "parties", "overall_rating",
                    "plan_id" (optional)}, ...],
     "improvement_actions": [{"id", "exercise_id", "text", "plan_id", "plan_section",
                              "responsible_party", "due", "status"}, ...]}

By default the provider is :func:`from_exercises`: ``hazatlas.services.exercises.facts`` (the
exercises of issue 16, ``docs/exercises.md``) with its records in the shape above; without the
exercises module the two figures say "not yet available" and carry no value. Tests and
deployments may set another provider with :func:`set_exercise_provider`.
"""

from __future__ import annotations

import datetime as dt
import importlib
import importlib.util
from collections.abc import Callable, Mapping
from typing import Any

from hazatlas.storage.db import Database

ExerciseFacts = Callable[[Database, str, dt.date, dt.date], Mapping[str, Any]]
EXERCISES_MODULE = "hazatlas.services.exercises"

_provider: ExerciseFacts | None = None
DISCOVER = True  # look for the exercises module when no provider is set


def set_exercise_provider(provider: ExerciseFacts | None) -> ExerciseFacts | None:
    """Use ``provider`` for the exercise figures (``None``: back to the default); returns the
    provider set before."""
    global _provider
    before, _provider = _provider, provider
    return before


def improvement_record(exercise_id: str, action: Mapping[str, Any]) -> dict[str, Any]:
    """An exercise's improvement action (as ``hazatlas.services.exercises`` stores it) as the
    record the action plan imports. Action ids are numbered per exercise (``A1``, ``A2``, ...),
    so the record's ``id`` is ``<exercise id>/<action id>``: unique across exercises."""
    return {"id": f"{exercise_id}/{action['id']}", "exercise_id": exercise_id,
            "text": action["text"], "plan_id": action.get("plan_id"),
            "plan_section": action.get("plan_section", action.get("section")),
            "responsible_party": action.get("responsible_party", action.get("responsible")),
            "due": action["due"], "status": action["status"]}


def from_exercises(db: Database, country_iso3: str, since: dt.date,
                   until: dt.date) -> Mapping[str, Any]:
    """The exercise figures from ``hazatlas.services.exercises.facts``: the exercises held and
    the open improvement actions of which ``country_iso3`` is the responsible Party (the
    exercises module lists every open action of the country's exercises, whoever must act)."""
    facts = importlib.import_module(EXERCISES_MODULE).facts
    got = facts(db, country_iso3, since, until)
    return {"exercises": list(got["exercises"]),
            "improvement_actions": [improvement_record(a["exercise_id"], a)
                                    for a in got["open_actions"]
                                    if a.get("responsible") == country_iso3]}


def exercise_provider() -> ExerciseFacts | None:
    """The provider in use: the one set, else :func:`from_exercises` when the exercises module
    is installed, else None."""
    if _provider is not None:
        return _provider
    if not DISCOVER or importlib.util.find_spec(EXERCISES_MODULE) is None:
        return None
    return from_exercises
