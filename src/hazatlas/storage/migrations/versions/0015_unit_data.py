"""The storage unit's data of an inventory line: unit kind, anchorage, design fill, tank
diameter and shell height; a tailings dam's pond and crest levels and minimum freeboard
(docs/register-format.md, docs/natech.md).

Revision ID: 0015
Revises: 0014
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("establishment", schema=None) as batch_op:
        for name in ("pond_level_m", "crest_level_m", "min_freeboard_m"):
            batch_op.add_column(sa.Column(name, sa.Float(), nullable=True))
    with op.batch_alter_table("inventory_item", schema=None) as batch_op:
        batch_op.add_column(sa.Column("unit_kind", sa.String(length=30), nullable=True))
        batch_op.add_column(sa.Column("anchored", sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column("fill_fraction", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("tank_diameter_m", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("tank_height_m", sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("inventory_item", schema=None) as batch_op:
        for name in ("tank_height_m", "tank_diameter_m", "fill_fraction", "anchored",
                     "unit_kind"):
            batch_op.drop_column(name)
    with op.batch_alter_table("establishment", schema=None) as batch_op:
        for name in ("min_freeboard_m", "crest_level_m", "pond_level_m"):
            batch_op.drop_column(name)
