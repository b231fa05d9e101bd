"""Self-assessments, implementation reports (``sa_document``, ``sa_document_version``) and
action plans (``sa_action``).

Revision ID: 0013
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sa_document",
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("country_iso3", sa.String(length=3), nullable=False),
        sa.Column("round_id", sa.String(length=40), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("kind", "country_iso3", "round_id"),
    )
    op.create_table(
        "sa_document_version",
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("country_iso3", sa.String(length=3), nullable=False),
        sa.Column("round_id", sa.String(length=40), nullable=False),
        sa.Column("revision", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("action", sa.String(length=30), nullable=False),
        sa.Column("saved_by", sa.String(length=100), nullable=False),
        sa.Column("saved_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["kind", "country_iso3", "round_id"],
                                ["sa_document.kind", "sa_document.country_iso3",
                                 "sa_document.round_id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("kind", "country_iso3", "round_id", "revision"),
    )
    op.create_table(
        "sa_action",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("country_iso3", sa.String(length=3), nullable=False),
        sa.Column("indicator_id", sa.String(length=20), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("responsible_authority", sa.String(length=300), nullable=False),
        sa.Column("start_on", sa.Date(), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("resources", sa.Text(), nullable=False),
        sa.Column("assistance_requested", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("source_ref", sa.String(length=200), nullable=False),
        sa.Column("exercise_id", sa.String(length=100), nullable=True),
        sa.Column("plan_id", sa.String(length=100), nullable=True),
        sa.Column("plan_section", sa.String(length=40), nullable=True),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("country_iso3", "source", "source_ref", name="uq_sa_action_source"),
    )
    op.create_index("ix_sa_action_country_iso3", "sa_action", ["country_iso3"])


def downgrade() -> None:
    op.drop_index("ix_sa_action_country_iso3", table_name="sa_action")
    op.drop_table("sa_action")
    op.drop_table("sa_document_version")
    op.drop_table("sa_document")
