"""Self-assessments, action plans and implementation reports: ``/api/self-assessments…``,
``/api/action-plans…``, ``/api/implementation-reports…`` (``hazatlas implementation …``;
``docs/self-assessment.md``). Everything is the country's own: its national authority and
administrators read and write; anyone else gets 404. Writes need an API token; a report is
signed off by the country's national authority only (403 otherwise). Errors are problem+json:
404 unknown, 403 not allowed, 409 conflict (exists, already signed off, stale version), 422 bad
input naming the field."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from hazatlas.api.deps import get_db, get_user
from hazatlas.domain.access import Principal
from hazatlas.services.selfassessment import actions, assessments, reports
from hazatlas.services.store import Database

router = APIRouter(prefix="/api", tags=["implementation"])

Db = Annotated[Database, Depends(get_db)]
User = Annotated[Principal, Depends(get_user)]
Iso3 = Annotated[str, Field(min_length=3, max_length=3)]
Round = Annotated[str, Field(min_length=1, max_length=40)]
Day = Annotated[str, Field(max_length=10)]
Short = Annotated[str, Field(max_length=5000)]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RoundIn(_In):
    country: Iso3
    round: Round
    period_start: Day
    period_end: Day


class AssessmentIn(RoundIn):
    framework: Annotated[str, Field(max_length=40)] = "hazatlas-sa/1"


class ReportIn(RoundIn):
    languages: Annotated[list[Annotated[str, Field(max_length=3)]], Field(min_length=1,
                                                                          max_length=30)]


class IndicatorIn(_In):
    level: Annotated[int, Field(ge=0, le=100)] | None = None
    evidence: Annotated[str, Field(max_length=20_000)] | None = None
    comments: Annotated[str, Field(max_length=20_000)] | None = None


class ActionIn(_In):
    indicator_id: Annotated[str, Field(max_length=20)] | None = None
    title: Short | None = None
    responsible_authority: Annotated[str, Field(max_length=300)] | None = None
    start_on: Day | None = None
    due_on: Day | None = None
    resources: Short | None = None
    assistance_requested: Short | None = None
    status: Literal["planned", "in_progress", "done", "cancelled"] | None = None
    notes: Short | None = None


class ImprovementIn(BaseModel):
    model_config = ConfigDict(extra="ignore")
    id: Annotated[str, Field(max_length=200)]
    exercise_id: Annotated[str, Field(max_length=100)]
    text: Short
    plan_id: Annotated[str, Field(max_length=100)] | None = None
    plan_section: Annotated[str, Field(max_length=40)] | None = None
    responsible_party: Annotated[str, Field(max_length=300)] | None = None
    due: Day
    status: Annotated[str, Field(max_length=30)] | None = None


class TextIn(_In):
    language: Annotated[str, Field(max_length=3)]
    text: Annotated[str, Field(max_length=100_000)]


class SignOffIn(_In):
    version: Annotated[int, Field(ge=1)] | None = None


# -- self-assessments ------------------------------------------------------------------------

@router.get("/self-assessments", summary="Self-assessments the caller may read")
def list_assessments(db: Db, user: User,
                     country: Annotated[str | None, Query(max_length=3)] = None) -> list[dict[str, Any]]:
    return assessments.list_assessments(db, user, country)


@router.post("/self-assessments", status_code=201,
             summary="Create a self-assessment, figures pre-filled")
def create_assessment(body: AssessmentIn, db: Db, user: User) -> dict[str, Any]:
    return assessments.create(db, user, body.country, body.round, body.period_start,
                              body.period_end, framework=body.framework)


# declared before the round's path, which would take 'progress' as a round
@router.get("/self-assessments/{country}/progress", summary="Levels of two rounds and change")
def progress(country: str, db: Db, user: User,
             from_round: Annotated[str, Query(alias="from", max_length=40)],
             to_round: Annotated[str, Query(alias="to", max_length=40)]) -> dict[str, Any]:
    return assessments.progress(db, user, country, from_round, to_round)


@router.get("/self-assessments/{country}/{round_id}", summary="A self-assessment")
def get_assessment(country: str, round_id: str, db: Db, user: User,
                   version: Annotated[int | None, Query(ge=1)] = None) -> dict[str, Any]:
    return assessments.get(db, user, country, round_id, version=version)


@router.put("/self-assessments/{country}/{round_id}/indicators/{indicator}",
            summary="Set an indicator's level, evidence, comments")
def set_indicator(country: str, round_id: str, indicator: str, body: IndicatorIn, db: Db,
                  user: User) -> dict[str, Any]:
    return assessments.set_indicator(db, user, country, round_id, indicator, level=body.level,
                                     evidence=body.evidence, comments=body.comments)


@router.post("/self-assessments/{country}/{round_id}/refresh",
             summary="Compute the pre-filled figures again")
def refresh_assessment(country: str, round_id: str, db: Db, user: User) -> dict[str, Any]:
    return assessments.refresh(db, user, country, round_id)


@router.get("/self-assessments/{country}/{round_id}/revisions", summary="Every saved revision")
def assessment_revisions(country: str, round_id: str, db: Db, user: User) -> list[dict[str, Any]]:
    return assessments.revisions(db, user, country, round_id)


# -- action plans ----------------------------------------------------------------------------

@router.get("/action-plans/{country}", summary="The action plan, overdue actions flagged")
def list_actions(country: str, db: Db, user: User, overdue: bool = False) -> dict[str, Any]:
    return actions.list_actions(db, user, country, overdue_only=overdue)


@router.post("/action-plans/{country}/actions", status_code=201, summary="Add an action")
def add_action(country: str, body: ActionIn, db: Db, user: User) -> dict[str, Any]:
    return actions.add(db, user, country, body.model_dump(exclude_none=True))


@router.patch("/action-plans/{country}/actions/{action_id}", summary="Change an action")
def update_action(country: str, action_id: int, body: ActionIn, db: Db,
                  user: User) -> dict[str, Any]:
    return actions.update(db, user, country, action_id, body.model_dump(exclude_none=True))


@router.post("/action-plans/{country}/improvements",
             summary="Import an exercise's improvement actions (idempotent)")
def import_improvements(country: str,
                        body: Annotated[list[ImprovementIn], Field(max_length=2000)], db: Db,
                        user: User) -> dict[str, Any]:
    return actions.import_improvements(db, user, country, [r.model_dump() for r in body])


@router.post("/action-plans/{country}/exercises/{exercise_id}",
             summary="Import the improvement plan of a stored exercise (idempotent)")
def import_exercise(country: str, exercise_id: str, db: Db, user: User) -> dict[str, Any]:
    return actions.import_exercise(db, user, country, exercise_id)


# -- implementation reports ------------------------------------------------------------------

@router.get("/implementation-reports", summary="Implementation reports the caller may read")
def list_reports(db: Db, user: User,
                 country: Annotated[str | None, Query(max_length=3)] = None) -> list[dict[str, Any]]:
    return reports.list_reports(db, user, country)


@router.post("/implementation-reports", status_code=201,
             summary="Create a draft report, figures computed")
def create_report(body: ReportIn, db: Db, user: User) -> dict[str, Any]:
    return reports.create(db, user, body.country, body.round, body.period_start, body.period_end,
                          body.languages)


@router.get("/implementation-reports/{country}/{round_id}", summary="A report")
def get_report(country: str, round_id: str, db: Db, user: User,
               version: Annotated[int | None, Query(ge=1)] = None) -> dict[str, Any]:
    return reports.get(db, user, country, round_id, version=version)


@router.put("/implementation-reports/{country}/{round_id}/sections/{section}",
            summary="Set a section's text in one language")
def set_text(country: str, round_id: str, section: str, body: TextIn, db: Db,
             user: User) -> dict[str, Any]:
    return reports.set_text(db, user, country, round_id, section, body.language, body.text)


@router.post("/implementation-reports/{country}/{round_id}/refresh",
             summary="Compute the figures again")
def refresh_report(country: str, round_id: str, db: Db, user: User) -> dict[str, Any]:
    return reports.refresh(db, user, country, round_id)


@router.post("/implementation-reports/{country}/{round_id}/sign-off",
             summary="Sign off the current version (the country's authority)")
def sign_off(country: str, round_id: str, db: Db, user: User,
             body: SignOffIn | None = None) -> dict[str, Any]:
    return reports.sign_off(db, user, country, round_id, version=body.version if body else None)


@router.get("/implementation-reports/{country}/{round_id}/revisions",
            summary="Every saved revision")
def report_revisions(country: str, round_id: str, db: Db, user: User) -> list[dict[str, Any]]:
    return reports.revisions(db, user, country, round_id)


@router.get("/implementation-reports/{country}/{round_id}/export",
            summary="The report as JSON or a printable HTML document")
def export_report(country: str, round_id: str, db: Db, user: User,
                  format: Annotated[Literal["json", "html"], Query()] = "json",  # noqa: A002
                  language: Annotated[str | None, Query(max_length=3)] = None,
                  version: Annotated[int | None, Query(ge=1)] = None) -> Response:
    text = reports.export(db, user, country, round_id, format, language, version=version)
    media = "text/html; charset=utf-8" if format == "html" else "application/json"
    return Response(text, media_type=media)
