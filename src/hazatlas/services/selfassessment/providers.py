"""Where the exercise figures of the pre-fill come from: the one place to plug in a provider.

A provider is a function ``(db, country_iso3, since, until) -> mapping`` returning the exercises
the country held in the period and its open improvement actions::

    {"exercises": [{"id", "title", "start"/"end" (or "dates"), "parties", "overall_rating",
                    "plan_id" (optional)}, ...],
     "improvement_actions": [{"id", "exercise_id", "text", "plan_id", "plan_section",
                              "responsible_party", "due", "status"}, ...]}

By default the provider is ``hazatlas.services.exercises.facts`` when that module is installed
(the exercises of issue 16), called as ``facts(db, country_iso3, since, until)``; without it the
two figures say "not yet available" and carry no value. Tests and deployments set another
provider with :func:`set_exercise_provider`.
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


def exercise_provider() -> ExerciseFacts | None:
    """The provider in use: the one set, else the exercises module's ``facts``, else None."""
    if _provider is not None:
        return _provider
    if not DISCOVER or importlib.util.find_spec(EXERCISES_MODULE) is None:
        return None
    facts = getattr(importlib.import_module(EXERCISES_MODULE), "facts", None)
    return facts if callable(facts) else None
