"""Model runs (scenarios) linked to establishments.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "scenario",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("establishment_id", sa.String(length=100), nullable=True),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("parameters", sa.JSON(), nullable=False),
        sa.Column("result", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["establishment_id"], ["establishment.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_scenario_kind", "scenario", ["kind"])
    op.create_index("ix_scenario_establishment_id", "scenario", ["establishment_id"])


def downgrade() -> None:
    op.drop_index("ix_scenario_establishment_id", table_name="scenario")
    op.drop_index("ix_scenario_kind", table_name="scenario")
    op.drop_table("scenario")
