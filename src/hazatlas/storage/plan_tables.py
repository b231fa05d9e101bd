"""SQLAlchemy tables of joint contingency plans, on the register's ``Base`` (migration ``0010``).

* ``plan``: one row per plan with what a listing needs (title, area, form, Parties, whether
  it is public, its current version);
* ``plan_version``: every save of the plan as its whole JSON document
  (:meth:`hazatlas.domain.plans.model.Plan.to_json`), never updated: each save adds a row
  (``revision`` 1, 2, ...), whether it changes the content (a new content ``version``) or a
  Party's state (the same ``version``).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hazatlas.storage.tables import Base, utcnow


class PlanRow(Base):
    __tablename__ = "plan"
    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    title: Mapped[str] = mapped_column(Text)
    area_kind: Mapped[str] = mapped_column(String(20))
    area: Mapped[str] = mapped_column(String(300))
    form: Mapped[str] = mapped_column(String(40))
    parties: Mapped[list] = mapped_column(JSON)
    public: Mapped[bool] = mapped_column(Boolean, default=False)
    version: Mapped[int] = mapped_column(Integer)
    revision: Mapped[int] = mapped_column(Integer)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class PlanVersionRow(Base):
    __tablename__ = "plan_version"
    plan_id: Mapped[str] = mapped_column(ForeignKey("plan.id", ondelete="CASCADE"),
                                         primary_key=True)
    revision: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    version: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(30))
    saved_by: Mapped[str] = mapped_column(String(100))
    saved_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    document: Mapped[dict] = mapped_column(JSON)
