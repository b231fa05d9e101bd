"""Damage events of register sites: ``damage_event`` (docs/natech.md, "Damage events").

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "damage_event",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("establishment_id", sa.String(length=100), nullable=False),
        sa.Column("occurred_on", sa.Date(), nullable=False),
        sa.Column("cause", sa.String(length=30), nullable=False),
        sa.Column("hazard_type", sa.String(length=30), nullable=True),
        sa.Column("extent", sa.String(length=20), nullable=False),
        sa.Column("extent_reported", sa.String(length=20), nullable=False),
        sa.Column("affected_units", sa.JSON(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("source_url", sa.Text(), nullable=True),
        sa.Column("reliability", sa.String(length=30), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("confidential", sa.Boolean(), nullable=False),
        sa.Column("assessed", sa.Boolean(), nullable=False),
        sa.Column("recorded_by", sa.String(length=100), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("assessed_by", sa.String(length=100), nullable=True),
        sa.Column("assessed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("assessment_note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["establishment_id"], ["establishment.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_damage_event_establishment_id", "damage_event", ["establishment_id"])
    op.create_index("ix_damage_event_assessed", "damage_event", ["assessed", "establishment_id"])


def downgrade() -> None:
    op.drop_index("ix_damage_event_assessed", table_name="damage_event")
    op.drop_index("ix_damage_event_establishment_id", table_name="damage_event")
    op.drop_table("damage_event")
