"""Policy dialogue (bodies, meetings, actions), consultations and their comments, pages of
information to the public, and the published classification state of each establishment.

Revision ID: 0014
Revises: 0010
"""

import datetime as dt

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "dialogue_body",
        sa.Column("id", sa.String(length=100), nullable=False),
        sa.Column("country_iso3", sa.String(length=3), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("mandate", sa.Text(), nullable=False),
        sa.Column("members", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_dialogue_body_country_iso3", "dialogue_body", ["country_iso3"])
    op.create_table(
        "dialogue_meeting",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("body_id", sa.String(length=100), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("agenda", sa.JSON(), nullable=False),
        sa.Column("participants", sa.JSON(), nullable=False),
        sa.Column("decisions", sa.JSON(), nullable=False),
        sa.Column("minutes", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.ForeignKeyConstraint(["body_id"], ["dialogue_body.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_dialogue_meeting_body_id", "dialogue_meeting", ["body_id"])
    op.create_table(
        "dialogue_action",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("responsible", sa.String(length=300), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("action_plan_ref", sa.String(length=200), nullable=True),
        sa.Column("updated_by", sa.String(length=100), nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
        sa.ForeignKeyConstraint(["meeting_id"], ["dialogue_meeting.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_dialogue_action_meeting_id", "dialogue_action", ["meeting_id"])
    op.create_table(
        "consultation",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("country_iso3", sa.String(length=3), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("subject_kind", sa.String(length=20), nullable=False),
        sa.Column("subject_ref", sa.String(length=300), nullable=True),
        sa.Column("document_title", sa.Text(), nullable=True),
        sa.Column("document_url", sa.String(length=2000), nullable=True),
        sa.Column("opens_at", _TS, nullable=False),
        sa.Column("closes_at", _TS, nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_consultation_country_iso3", "consultation", ["country_iso3"])
    op.create_table(
        "consultation_comment",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("consultation_id", sa.Integer(), nullable=False),
        sa.Column("author", sa.String(length=100), nullable=False),
        sa.Column("organisation", sa.String(length=300), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("private", sa.Boolean(), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("answered_by", sa.String(length=100), nullable=True),
        sa.Column("answered_at", _TS, nullable=True),
        sa.ForeignKeyConstraint(["consultation_id"], ["consultation.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_consultation_comment_consultation_id", "consultation_comment",
                    ["consultation_id"])
    op.create_table(
        "public_info_page",
        sa.Column("establishment_id", sa.String(length=100), nullable=False),
        sa.Column("audience_iso3", sa.String(length=3), nullable=False),
        sa.Column("language", sa.String(length=10), nullable=False),
        sa.Column("draft", sa.JSON(), nullable=False),
        sa.Column("draft_version", sa.Integer(), nullable=False),
        sa.Column("published", sa.JSON(), nullable=True),
        sa.Column("published_version", sa.Integer(), nullable=True),
        sa.Column("published_by", sa.String(length=100), nullable=True),
        sa.Column("published_at", _TS, nullable=True),
        sa.Column("updated_by", sa.String(length=100), nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
        sa.ForeignKeyConstraint(["establishment_id"], ["establishment.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("establishment_id", "audience_iso3"),
    )
    op.create_table(
        "classification_state",
        sa.Column("establishment_id", sa.String(length=100), nullable=False),
        sa.Column("seveso_tier", sa.String(length=30), nullable=True),
        sa.Column("convention_hazardous_activity", sa.Boolean(), nullable=True),
        sa.Column("annex_version", sa.String(length=100), nullable=True),
        sa.Column("updated_at", _TS, nullable=False),
        sa.ForeignKeyConstraint(["establishment_id"], ["establishment.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("establishment_id"),
    )
    _backfill_classification_state()


def _backfill_classification_state() -> None:
    """The identifications stored before this revision are the published state, so that the
    first recomputation after the upgrade writes only real changes to the history."""
    assessment = sa.table("assessment", sa.column("establishment_id", sa.String()),
                          sa.column("kind", sa.String()), sa.column("result", sa.JSON()))
    state = sa.table("classification_state", sa.column("establishment_id", sa.String()),
                     sa.column("seveso_tier", sa.String()),
                     sa.column("convention_hazardous_activity", sa.Boolean()),
                     sa.column("annex_version", sa.String()), sa.column("updated_at", _TS))
    bind = op.get_bind()
    rows = []
    for eid, result in bind.execute(sa.select(assessment.c.establishment_id, assessment.c.result)
                                    .where(assessment.c.kind == "classification")):
        result = result or {}
        rows.append({"establishment_id": eid, "seveso_tier": result.get("seveso_tier"),
                     "convention_hazardous_activity": result.get("convention_hazardous_activity"),
                     "annex_version": result.get("annex_version")})
    if rows:
        stamp = dt.datetime.now(dt.UTC)
        bind.execute(state.insert(), [{**r, "updated_at": stamp} for r in rows])


def downgrade() -> None:
    op.drop_table("classification_state")
    op.drop_table("public_info_page")
    op.drop_index("ix_consultation_comment_consultation_id", table_name="consultation_comment")
    op.drop_table("consultation_comment")
    op.drop_index("ix_consultation_country_iso3", table_name="consultation")
    op.drop_table("consultation")
    op.drop_index("ix_dialogue_action_meeting_id", table_name="dialogue_action")
    op.drop_table("dialogue_action")
    op.drop_index("ix_dialogue_meeting_body_id", table_name="dialogue_meeting")
    op.drop_table("dialogue_meeting")
    op.drop_index("ix_dialogue_body_country_iso3", table_name="dialogue_body")
    op.drop_table("dialogue_body")
