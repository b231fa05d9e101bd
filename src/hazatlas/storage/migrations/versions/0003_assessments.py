"""Derived results per establishment (identification, screening) and per-country settings.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "country_setting",
        sa.Column("iso3", sa.String(length=3), nullable=False),
        sa.Column("teia_annex_version", sa.String(length=10), nullable=True),
        sa.PrimaryKeyConstraint("iso3"),
    )
    op.create_table(
        "assessment",
        sa.Column("establishment_id", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("method_version", sa.String(length=300), nullable=False),
        sa.Column("parameters", sa.JSON(), nullable=False),
        sa.Column("result", sa.JSON(), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["establishment_id"], ["establishment.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("establishment_id", "kind"),
    )


def downgrade() -> None:
    op.drop_table("assessment")
    op.drop_table("country_setting")
