"""Evaluation: P/S/M/U ratings per objective and critical task with evidence from the journal, a
quick evaluation (the hot wash after play) and a detailed one, participant feedback forms
against the questions of ``data/reference/exercise_feedback_questions.csv``, and the overall
rating.

The ratings are HSEEP's (``data/reference/exercise_ratings.csv``, partially confirmed through
HSEEP-aligned open-source tools). HSEEP rates each objective and does not define one rating of
a whole exercise; hazatlas's ``overall`` is its own choice, stated here and in the report: the
lowest rating of the objectives (their detailed rating, else their quick one), because an
exercise in which one objective could not be performed has not tested the plan.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from hazatlas.domain.errors import ConflictError, Problem, ValidationError
from hazatlas.domain.exercises.model import Exercise, Feedback, Rating

PHASES = ("quick", "detailed")


def check_target(exercise: Exercise, target: str) -> None:
    objective_id, _, task_id = target.partition("/")
    objective = exercise.objective(objective_id)
    if task_id and task_id not in {t.id for t in objective.tasks}:
        raise ValidationError([Problem("request", None, "target", f"objective {objective_id!r} "
                                       f"has no critical task {task_id!r} (tasks: "
                                       f"{', '.join(t.id for t in objective.tasks) or 'none'})")])


def rate(exercise: Exercise, rating: Rating, ranks: Mapping[str, int],
         journal_numbers: set[int]) -> Exercise:
    """Add ``rating`` (a later rating of the same target and phase replaces the earlier one in
    every summary; all are kept)."""
    problems: list[Problem] = []
    if rating.rating not in ranks:
        problems.append(Problem("request", None, "rating", f"{rating.rating!r} is not one of "
                                f"{', '.join(ranks)}"))
    if rating.phase not in PHASES:
        problems.append(Problem("request", None, "phase", f"{rating.phase!r}: expected quick "
                                "(hot wash) or detailed"))
    missing = [n for n in rating.evidence if n not in journal_numbers]
    if missing:
        problems.append(Problem("request", None, "evidence", "no journal entry "
                                f"{', '.join(map(str, missing))} in exercise '{exercise.id}'"))
    if not rating.evidence and rating.rating != "P" and not rating.note.strip():
        problems.append(Problem("request", None, "evidence", "a rating below P needs evidence "
                                "(journal entries) or a note saying what was observed"))
    if problems:
        raise ValidationError(problems)
    check_target(exercise, rating.target)
    if exercise.state.value == "planned":
        raise ConflictError(f"exercise '{exercise.id}' has not been played yet")
    return replace(exercise, ratings=(*exercise.ratings, rating))


def current_ratings(exercise: Exercise) -> dict[str, dict[str, Rating]]:
    """target -> phase -> the latest rating."""
    out: dict[str, dict[str, Rating]] = {}
    for r in exercise.ratings:
        out.setdefault(r.target, {})[r.phase] = r
    return out


def final_rating(per_phase: Mapping[str, Rating] | None) -> Rating | None:
    if not per_phase:
        return None
    return per_phase.get("detailed") or per_phase.get("quick")


def overall(exercise: Exercise, ranks: Mapping[str, int]) -> str | None:
    """The lowest final rating of the objectives; ``None`` until every objective is rated."""
    table = current_ratings(exercise)
    finals = [final_rating(table.get(o.id)) for o in exercise.objectives]
    if not finals or any(f is None for f in finals):
        return None
    return min((f.rating for f in finals if f is not None), key=lambda r: ranks[r])


def check_answers(answers: Mapping[str, Any],
                  questions: Sequence[Mapping[str, str]]) -> dict[str, Any]:
    """The answers of a feedback form, checked against the questions (a scale question takes an
    integer 1 to 5, a text question text); unknown questions are refused."""
    kinds = {q["question"]: q["kind"] for q in questions}
    problems: list[Problem] = []
    out: dict[str, Any] = {}
    for key, value in answers.items():
        kind = kinds.get(key)
        if kind is None:
            problems.append(Problem("request", None, f"answers.{key}", "not a question of the "
                                    f"form (questions: {', '.join(kinds)})"))
        elif kind == "scale_1_5":
            if isinstance(value, str) and value.strip().isdigit():
                value = int(value)
            if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5:
                problems.append(Problem("request", None, f"answers.{key}",
                                        f"{value!r}: expected an integer 1 to 5"))
            else:
                out[key] = value
        elif not isinstance(value, str):
            problems.append(Problem("request", None, f"answers.{key}", "expected text"))
        elif value.strip():
            out[key] = value.strip()
    if not out and not problems:
        problems.append(Problem("request", None, "answers", "the form is empty"))
    if problems:
        raise ValidationError(problems)
    return out


def add_feedback(exercise: Exercise, form: Feedback) -> Exercise:
    if any(f.by == form.by for f in exercise.feedback):
        raise ConflictError(f"user '{form.by}' has already given feedback on exercise "
                            f"'{exercise.id}'")
    return replace(exercise, feedback=(*exercise.feedback, form))


def feedback_summary(exercise: Exercise,
                     questions: Sequence[Mapping[str, str]]) -> list[dict[str, Any]]:
    """Per question: the number of answers, and the mean (scale) or the answers (text)."""
    out = []
    for q in questions:
        got = [f.answers[q["question"]] for f in exercise.feedback if q["question"] in f.answers]
        row: dict[str, Any] = {"question": q["question"], "kind": q["kind"], "text": q["text"],
                               "answers": len(got)}
        if q["kind"] == "scale_1_5":
            row["mean"] = round(sum(got) / len(got), 2) if got else None
        else:
            row["texts"] = list(got)
        out.append(row)
    return out
