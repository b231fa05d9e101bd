"""The national policy dialogue: ``/api/dialogue/…`` (``hazatlas dialogue …``;
``docs/dialogue.md``): bodies (steering committees, working groups) with their members,
meetings with agenda, participants, decisions and minutes, and the actions decided there. Read
and written by the national authority of the body's country and administrators; everyone else
gets 404 (a body of another country is not listed). Errors are problem+json: 404 unknown, 403 not
yours, 409 a duplicate id, 422 bad input naming the field."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict, Field

from hazatlas.api.deps import get_db, get_user
from hazatlas.domain.access import Principal
from hazatlas.services.dialogue import bodies
from hazatlas.services.store import Database

router = APIRouter(prefix="/api/dialogue", tags=["dialogue"])

Db = Annotated[Database, Depends(get_db)]
User = Annotated[Principal, Depends(get_user)]
Short = Annotated[str, Field(max_length=300)]
Long = Annotated[str, Field(max_length=100_000)]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class MemberIn(_In):
    name: Short
    organisation: Short = ""
    role: Literal["chair", "vice_chair", "secretary", "member", "observer"] = "member"
    sector: Literal["authority", "operator", "civil_society", "academia", "international",
                    "other"] = "other"


class BodyIn(_In):
    id: Annotated[str, Field(max_length=100)]
    country_iso3: Annotated[str, Field(pattern="^[A-Z]{3}$")]
    kind: Literal["steering_committee", "working_group", "other"]
    name: Annotated[str, Field(min_length=1, max_length=1000)]
    mandate: Long = ""
    members: Annotated[list[MemberIn], Field(max_length=500)] = []


class MembersIn(_In):
    members: Annotated[list[MemberIn], Field(max_length=500)]


class ActionIn(_In):
    title: Annotated[str, Field(min_length=1, max_length=5000)]
    responsible: Annotated[str, Field(min_length=1, max_length=300)]
    due_on: dt.date | None = None
    status: Literal["open", "in_progress", "done", "cancelled"] = "open"
    action_plan_ref: Annotated[str, Field(max_length=200)] | None = None


class ActionPatch(_In):
    title: Annotated[str, Field(min_length=1, max_length=5000)] | None = None
    responsible: Annotated[str, Field(min_length=1, max_length=300)] | None = None
    due_on: dt.date | None = None
    status: Literal["open", "in_progress", "done", "cancelled"] | None = None
    action_plan_ref: Annotated[str, Field(max_length=200)] | None = None


class MeetingIn(_In):
    held_on: dt.date
    title: Annotated[str, Field(min_length=1, max_length=1000)]
    agenda: Annotated[list[Annotated[str, Field(max_length=5000)]], Field(max_length=200)] = []
    participants: Annotated[list[Short], Field(max_length=1000)] = []
    decisions: Annotated[list[Annotated[str, Field(max_length=5000)]], Field(max_length=200)] = []
    minutes: Long = ""
    actions: Annotated[list[ActionIn], Field(max_length=200)] = []


@router.get("/bodies", summary="The dialogue bodies the caller may read")
def list_bodies(db: Db, user: User) -> list[dict[str, Any]]:
    return bodies.list_bodies(db, user)


@router.post("/bodies", status_code=201, summary="Create a steering committee or working group")
def create_body(body: BodyIn, db: Db, user: User) -> dict[str, Any]:
    return bodies.create_body(db, user, body_id=body.id, country_iso3=body.country_iso3,
                              kind=body.kind, name=body.name, mandate=body.mandate,
                              members=[m.model_dump() for m in body.members])


@router.get("/bodies/{body_id}", summary="A body with its meetings and their actions")
def get_body(body_id: str, db: Db, user: User) -> dict[str, Any]:
    return bodies.get_body(db, user, body_id)


@router.put("/bodies/{body_id}/members", summary="Replace the members of a body")
def set_members(body_id: str, body: MembersIn, db: Db, user: User) -> dict[str, Any]:
    return bodies.set_members(db, user, body_id, [m.model_dump() for m in body.members])


@router.post("/bodies/{body_id}/meetings", status_code=201,
             summary="Record a meeting with its agenda, participants, decisions and actions")
def add_meeting(body_id: str, body: MeetingIn, db: Db, user: User) -> dict[str, Any]:
    return bodies.add_meeting(db, user, body_id, held_on=body.held_on, title=body.title,
                              agenda=body.agenda, participants=body.participants,
                              decisions=body.decisions, minutes=body.minutes,
                              actions=[a.model_dump() for a in body.actions])


@router.get("/meetings/{meeting_id}", summary="A meeting with its actions")
def get_meeting(meeting_id: int, db: Db, user: User) -> dict[str, Any]:
    return bodies.meeting(db, user, meeting_id)


@router.post("/meetings/{meeting_id}/actions", status_code=201,
             summary="Add an action decided at the meeting")
def add_action(meeting_id: int, body: ActionIn, db: Db, user: User) -> dict[str, Any]:
    return bodies.add_action(db, user, meeting_id, body.model_dump())


@router.patch("/actions/{action_id}", summary="Change an action's status, due date, ...")
def update_action(action_id: int, body: ActionPatch, db: Db, user: User) -> dict[str, Any]:
    return bodies.update_action(db, user, action_id, body.model_dump(exclude_unset=True))


@router.get("/actions", summary="The actions the caller may read, overdue ones flagged")
def list_actions(db: Db, user: User,
                 country: Annotated[str | None, Query(pattern="^[A-Z]{3}$")] = None,
                 overdue: bool = False) -> list[dict[str, Any]]:
    return bodies.list_actions(db, user, country=country, overdue_only=overdue)
