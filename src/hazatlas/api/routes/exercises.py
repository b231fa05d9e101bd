"""Table-top exercises: ``/api/exercises…`` (``hazatlas exercise …``; ``docs/exercises.md``).
An exercise is read by administrators, basin bodies, the national authorities of its Parties
and its staff (404 to anyone else); every write needs an API token and the role it names
(controller, evaluator, participant): 403 otherwise. Errors are problem+json: 404 unknown
exercise, 403 not your role, 409 an illegal state change, 422 bad input naming the field."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from hazatlas.api.deps import get_db, get_principal, get_settings, get_user
from hazatlas.domain.access import Principal
from hazatlas.services import exercises
from hazatlas.services.settings import Settings
from hazatlas.services.store import Database

router = APIRouter(prefix="/api", tags=["exercises"])

Db = Annotated[Database, Depends(get_db)]
Reader = Annotated[Principal, Depends(get_principal)]
Writer = Annotated[Principal, Depends(get_user)]
Config = Annotated[Settings, Depends(get_settings)]
Id = Annotated[str, Field(max_length=100)]
Short = Annotated[str, Field(max_length=2000)]
Text = Annotated[str, Field(max_length=20_000)]
Iso3 = Annotated[str, Field(max_length=3)]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class StaffIn(_In):
    user: Id
    role: Literal["controller", "evaluator", "observer"]


class ExerciseIn(_In):
    id: Id
    title: Annotated[str, Field(max_length=1000)]
    type: Literal["seminar", "workshop", "table_top", "game", "communication_test", "drill",
                  "functional", "full_scale"] = "table_top"
    parties: Annotated[list[Iso3], Field(max_length=50)]
    plan_id: Id | None = None
    scheduled_on: Annotated[str, Field(max_length=10)] | None = None
    scenario_id: Id | None = None
    accident: dict[str, Any] | None = None
    staff: Annotated[list[StaffIn], Field(max_length=100)] = []
    ack_window_s: Annotated[int, Field(ge=60, le=7 * 86_400)] = 3600


class ObjectiveIn(_In):
    id: Id
    text: Short
    area: Annotated[str, Field(max_length=40)]
    tasks: Annotated[list[Short], Field(max_length=50)] = []


class InjectIn(_In):
    id: Id
    offset_s: Annotated[float, Field(ge=0, le=30 * 86_400)]
    synopsis: Text
    from_party: Iso3
    to: Annotated[list[Id], Field(max_length=50)] = []
    expected_action: Short = ""
    objective: Id | None = None
    message: dict[str, Any] | None = None


class StartIn(_In):
    offset_s: Annotated[float, Field(ge=0, le=30 * 86_400)] = 0.0
    communication_test_window_s: Annotated[int, Field(ge=60, le=7 * 86_400)] | None = None


class ReleaseIn(_In):
    inject_id: Id | None = None


class LogIn(_In):
    kind: Literal["action", "note", "hotwash", "message"] = "action"
    text: Text = ""
    report_id: Annotated[str, Field(max_length=200)] | None = None


class RatingIn(_In):
    target: Annotated[str, Field(max_length=201)]
    rating: Literal["P", "S", "M", "U"]
    phase: Literal["quick", "detailed"] = "detailed"
    evidence: Annotated[list[int], Field(max_length=200)] = []
    note: Text = ""


class FeedbackIn(_In):
    answers: dict[Annotated[str, Field(max_length=40)], int | Text]


class ActionIn(_In):
    text: Text
    plan_id: Id
    section: Annotated[str, Field(max_length=40)]
    responsible: Iso3
    due: Annotated[str, Field(max_length=10)]
    area: Annotated[str, Field(max_length=40)] | None = None
    objective: Id | None = None


class ActionStatusIn(_In):
    status: Literal["open", "in_progress", "done", "cancelled"]


@router.get("/exercises", summary="Exercises the caller may read")
def list_exercises(db: Db, user: Reader) -> list[dict[str, Any]]:
    return exercises.list_exercises(db, user)


@router.get("/exercise-questions", summary="The questions of the participant feedback form")
def feedback_questions() -> list[dict[str, str]]:
    return [dict(q) for q in exercises.questions()]


@router.post("/exercises", status_code=201, summary="Create a planned exercise")
def create_exercise(body: ExerciseIn, db: Db, user: Writer) -> dict[str, Any]:
    return exercises.create(db, user, exercise_id=body.id, title=body.title, type=body.type,
                            parties=body.parties, plan_id=body.plan_id,
                            scheduled_on=body.scheduled_on, scenario_id=body.scenario_id,
                            accident=body.accident, staff=[(s.user, s.role) for s in body.staff],
                            ack_window_s=body.ack_window_s)


@router.get("/exercises/{exercise_id}", summary="An exercise with its journal")
def get_exercise(exercise_id: str, db: Db, user: Reader) -> dict[str, Any]:
    return exercises.get(db, user, exercise_id)


@router.post("/exercises/{exercise_id}/objectives", summary="Add an objective (controllers)")
def add_objective(exercise_id: str, body: ObjectiveIn, db: Db, user: Writer) -> dict[str, Any]:
    return exercises.add_objective(db, user, exercise_id, objective_id=body.id, text=body.text,
                                   area=body.area, tasks=body.tasks)


@router.post("/exercises/{exercise_id}/injects", summary="Add an inject to the master events list")
def add_inject(exercise_id: str, body: InjectIn, db: Db, user: Writer) -> dict[str, Any]:
    return exercises.add_inject(db, user, exercise_id, inject_id=body.id, offset_s=body.offset_s,
                                synopsis=body.synopsis, from_party=body.from_party, to=body.to,
                                expected_action=body.expected_action, objective=body.objective,
                                message=body.message)


@router.post("/exercises/{exercise_id}/start", summary="Start the scenario clock (controllers)")
def start(exercise_id: str, db: Db, user: Writer, settings: Config,
          body: StartIn | None = None) -> dict[str, Any]:
    body = body or StartIn()
    return exercises.start(db, user, settings, exercise_id, offset_s=body.offset_s,
                           communication_test_window_s=body.communication_test_window_s)


@router.post("/exercises/{exercise_id}/release",
             summary="Release an inject, or every inject due (controllers)")
def release(exercise_id: str, db: Db, user: Writer, settings: Config,
            body: ReleaseIn | None = None) -> dict[str, Any]:
    return exercises.release(db, user, settings, exercise_id, body.inject_id if body else None)


@router.post("/exercises/{exercise_id}/journal", status_code=201,
             summary="Log an action, a note, a hot-wash point or a message")
def log(exercise_id: str, body: LogIn, db: Db, user: Writer, settings: Config) -> dict[str, Any]:
    return exercises.log(db, user, settings, exercise_id, kind=body.kind, text=body.text,
                         report_id=body.report_id)


@router.post("/exercises/{exercise_id}/end", summary="End the exercise (controllers)")
def end(exercise_id: str, db: Db, user: Writer) -> dict[str, Any]:
    return exercises.end(db, user, exercise_id)


@router.post("/exercises/{exercise_id}/ratings", summary="Rate an objective or task (evaluators)")
def rate(exercise_id: str, body: RatingIn, db: Db, user: Writer) -> dict[str, Any]:
    return exercises.rate(db, user, exercise_id, target=body.target, rating=body.rating,
                          phase=body.phase, evidence=body.evidence, note=body.note)


@router.post("/exercises/{exercise_id}/feedback", summary="A participant feedback form")
def feedback(exercise_id: str, body: FeedbackIn, db: Db, user: Writer) -> dict[str, Any]:
    return exercises.feedback(db, user, exercise_id, dict(body.answers))


@router.post("/exercises/{exercise_id}/actions", summary="Add an improvement action")
def add_action(exercise_id: str, body: ActionIn, db: Db, user: Writer) -> dict[str, Any]:
    return exercises.add_action(db, user, exercise_id, text=body.text, plan_id=body.plan_id,
                                section=body.section, responsible=body.responsible, due=body.due,
                                area=body.area, objective=body.objective)


@router.put("/exercises/{exercise_id}/actions/{action_id}",
            summary="Move an improvement action on")
def action_status(exercise_id: str, action_id: str, body: ActionStatusIn, db: Db,
                  user: Writer) -> dict[str, Any]:
    return exercises.set_action_status(db, user, exercise_id, action_id, body.status)


@router.get("/exercises/{exercise_id}/report",
            summary="The after-action report as JSON or a self-contained HTML document")
def report(exercise_id: str, db: Db, user: Reader, settings: Config,
           format: Annotated[Literal["json", "html"], Query()] = "json") -> Response:  # noqa: A002
    text = exercises.report_text(db, user, settings, exercise_id, format)
    media = "text/html; charset=utf-8" if format == "html" else "application/json"
    return Response(text, media_type=media)


@router.get("/exercises/{exercise_id}/journal.xlsx", summary="The journal as a spreadsheet")
def journal_xlsx(exercise_id: str, db: Db, user: Reader) -> Response:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "journal.xlsx"
        exercises.journal_xlsx(db, user, exercise_id, path)
        data = path.read_bytes()
    return Response(data, media_type="application/vnd.openxmlformats-officedocument."
                    "spreadsheetml.sheet",
                    headers={"Content-Disposition": f'attachment; filename="{exercise_id}-journal.xlsx"'})
