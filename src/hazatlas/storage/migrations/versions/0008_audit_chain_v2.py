"""Audit chain, hash rule version 2: each entry records the rule it was hashed with
(``hash_version``; existing entries keep rule 1), and the head row records the first entry of
the new rule (``cutover_seq``) and whether it was ever rebuilt (``rebuilt_at``).

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "notify_audit",
        sa.Column("hash_version", sa.SmallInteger(), nullable=False, server_default="1"),
    )
    op.add_column("notify_audit_head", sa.Column("cutover_seq", sa.Integer(), nullable=True))
    op.add_column(
        "notify_audit_head", sa.Column("rebuilt_at", sa.DateTime(timezone=True), nullable=True)
    )


def downgrade() -> None:
    # entries of rule 2 no longer verify under rule 1 once the column is gone
    with op.batch_alter_table("notify_audit_head") as batch:
        batch.drop_column("rebuilt_at")
        batch.drop_column("cutover_seq")
    with op.batch_alter_table("notify_audit") as batch:
        batch.drop_column("hash_version")
