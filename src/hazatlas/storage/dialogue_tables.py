"""SQLAlchemy tables of the policy dialogue, the consultations, the pages of information to the
public and the published classification state (migration ``0014``), on the register's ``Base``.

* ``dialogue_body``: a steering committee or working group of one country, its members as JSON;
* ``dialogue_meeting``: a meeting of a body with its agenda, participants and decisions (JSON
  lists) and minutes;
* ``dialogue_action``: an action decided at a meeting: responsible, due date, status and
  ``action_plan_ref`` (the national action plan's action it belongs to, free text until the
  action plan is joined);
* ``consultation`` and ``consultation_comment``: a consultation on a document (a plan, a report
  or a linked document) with its period, the stakeholders' comments and the authority's answers;
* ``public_info_page``: the page of information to the public of one hazardous activity for the
  public of one country (its own or an affected neighbour), the draft and the published text;
* ``classification_state``: the public keys of each establishment's last identification, so that
  a change of tier or Annex I status is written to the history once (the open data feed).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Boolean, Date, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hazatlas.storage.tables import Base, utcnow


class DialogueBodyRow(Base):
    __tablename__ = "dialogue_body"
    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    country_iso3: Mapped[str] = mapped_column(String(3), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    name: Mapped[str] = mapped_column(Text)
    mandate: Mapped[str] = mapped_column(Text, default="")
    members: Mapped[list] = mapped_column(JSON, default=list)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class DialogueMeetingRow(Base):
    __tablename__ = "dialogue_meeting"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    body_id: Mapped[str] = mapped_column(ForeignKey("dialogue_body.id", ondelete="CASCADE"),
                                         index=True)
    held_on: Mapped[dt.date] = mapped_column(Date)
    title: Mapped[str] = mapped_column(Text)
    agenda: Mapped[list] = mapped_column(JSON, default=list)
    participants: Mapped[list] = mapped_column(JSON, default=list)
    decisions: Mapped[list] = mapped_column(JSON, default=list)
    minutes: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class DialogueActionRow(Base):
    __tablename__ = "dialogue_action"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("dialogue_meeting.id", ondelete="CASCADE"),
                                            index=True)
    title: Mapped[str] = mapped_column(Text)
    responsible: Mapped[str] = mapped_column(String(300))
    due_on: Mapped[dt.date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20))
    action_plan_ref: Mapped[str | None] = mapped_column(String(200))
    updated_by: Mapped[str] = mapped_column(String(100))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ConsultationRow(Base):
    __tablename__ = "consultation"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    country_iso3: Mapped[str] = mapped_column(String(3), index=True)
    title: Mapped[str] = mapped_column(Text)
    description: Mapped[str] = mapped_column(Text, default="")
    subject_kind: Mapped[str] = mapped_column(String(20))
    subject_ref: Mapped[str | None] = mapped_column(String(300))
    document_title: Mapped[str | None] = mapped_column(Text)
    document_url: Mapped[str | None] = mapped_column(String(2000))
    opens_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    closes_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ConsultationCommentRow(Base):
    __tablename__ = "consultation_comment"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    consultation_id: Mapped[int] = mapped_column(
        ForeignKey("consultation.id", ondelete="CASCADE"), index=True)
    author: Mapped[str] = mapped_column(String(100))
    organisation: Mapped[str] = mapped_column(String(300), default="")
    text: Mapped[str] = mapped_column(Text)
    private: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    answer: Mapped[str | None] = mapped_column(Text)
    answered_by: Mapped[str | None] = mapped_column(String(100))
    answered_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class PublicInfoPageRow(Base):
    __tablename__ = "public_info_page"
    establishment_id: Mapped[str] = mapped_column(
        ForeignKey("establishment.id", ondelete="CASCADE"), primary_key=True)
    audience_iso3: Mapped[str] = mapped_column(String(3), primary_key=True)
    language: Mapped[str] = mapped_column(String(10))
    draft: Mapped[dict] = mapped_column(JSON)
    draft_version: Mapped[int] = mapped_column(Integer)
    published: Mapped[dict | None] = mapped_column(JSON)
    published_version: Mapped[int | None] = mapped_column(Integer)
    published_by: Mapped[str | None] = mapped_column(String(100))
    published_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    updated_by: Mapped[str] = mapped_column(String(100))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ClassificationStateRow(Base):
    __tablename__ = "classification_state"
    establishment_id: Mapped[str] = mapped_column(
        ForeignKey("establishment.id", ondelete="CASCADE"), primary_key=True)
    seveso_tier: Mapped[str | None] = mapped_column(String(30))
    convention_hazardous_activity: Mapped[bool | None] = mapped_column(Boolean)
    annex_version: Mapped[str | None] = mapped_column(String(100))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
