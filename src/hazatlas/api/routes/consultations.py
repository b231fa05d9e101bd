"""Consultations on a document: ``/api/consultations/…`` (``hazatlas consultation …``;
``docs/dialogue.md``). The national authority opens them and answers; the registered
stakeholders of its country see them once open and comment while they are open; comments
marked private are read by the authority and their author only. Errors are problem+json: 404
unknown or not visible, 403 not allowed now (e.g. closed), 422 bad input naming the field."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from hazatlas.api.deps import get_db, get_user
from hazatlas.domain.access import Principal
from hazatlas.services.dialogue import consultations
from hazatlas.services.store import Database

router = APIRouter(prefix="/api/consultations", tags=["dialogue"])

Db = Annotated[Database, Depends(get_db)]
User = Annotated[Principal, Depends(get_user)]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ConsultationIn(_In):
    country_iso3: Annotated[str, Field(pattern="^[A-Z]{3}$")]
    title: Annotated[str, Field(min_length=1, max_length=1000)]
    description: Annotated[str, Field(max_length=100_000)] = ""
    subject_kind: Literal["plan", "report", "document"]
    subject_ref: Annotated[str, Field(max_length=300)] | None = None
    document_title: Annotated[str, Field(max_length=1000)] | None = None
    document_url: Annotated[str, Field(max_length=2000)] | None = None
    opens_at: AwareDatetime
    closes_at: AwareDatetime


class CommentIn(_In):
    text: Annotated[str, Field(min_length=1, max_length=20_000)]
    organisation: Annotated[str, Field(max_length=300)] = ""
    private: bool = False


class AnswerIn(_In):
    answer: Annotated[str, Field(min_length=1, max_length=20_000)]


@router.get("", summary="The consultations the caller may see")
def list_consultations(db: Db, user: User) -> list[dict[str, Any]]:
    return consultations.list_consultations(db, user)


@router.post("", status_code=201, summary="Open a consultation on a plan, report or document")
def create(body: ConsultationIn, db: Db, user: User) -> dict[str, Any]:
    return consultations.create(db, user, **body.model_dump())


@router.get("/{consultation_id}", summary="A consultation with the comments the caller may read")
def get(consultation_id: int, db: Db, user: User) -> dict[str, Any]:
    return consultations.get(db, user, consultation_id)


@router.post("/{consultation_id}/comments", status_code=201,
             summary="A registered stakeholder's comment while the consultation is open")
def comment(consultation_id: int, body: CommentIn, db: Db, user: User) -> dict[str, Any]:
    return consultations.comment(db, user, consultation_id, body.text,
                                 organisation=body.organisation, private=body.private)


@router.put("/comments/{comment_id}/answer", summary="The authority's answer to a comment")
def answer(comment_id: int, body: AnswerIn, db: Db, user: User) -> dict[str, Any]:
    return consultations.answer(db, user, comment_id, body.answer)


