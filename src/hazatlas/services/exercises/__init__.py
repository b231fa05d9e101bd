"""Table-top exercises and their evaluation (``docs/exercises.md``): :mod:`.core` (create,
objectives, the master events list, read, list), :mod:`.play` (start the clock, release
injects through the notification chain, log, end), :mod:`.evaluation` (ratings, feedback, the
improvement plan, the after-action report), :mod:`.export` (HTML report, XLSX journal) and
:func:`facts` (a country's exercises and open improvement actions, for its self-assessment)."""

from hazatlas.services.exercises.core import (
    add_inject,
    add_objective,
    create,
    get,
    list_exercises,
)
from hazatlas.services.exercises.evaluation import (
    add_action,
    feedback,
    questions,
    rate,
    report,
    set_action_status,
)
from hazatlas.services.exercises.export import journal_xlsx, report_text
from hazatlas.services.exercises.facts import facts
from hazatlas.services.exercises.play import end, log, release, start

__all__ = ["add_action", "add_inject", "add_objective", "create", "end", "facts", "feedback",
           "get", "journal_xlsx", "list_exercises", "log", "questions", "rate", "release",
           "report", "report_text", "set_action_status", "start"]
