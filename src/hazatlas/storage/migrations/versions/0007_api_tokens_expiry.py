"""API tokens expire: ``api_token.expires_at``.

Tokens issued before this revision get 90 days from the upgrade (the default of
``HAZATLAS_TOKEN_DAYS``), so an upgrade does not lock anyone out but no token lives forever.

Revision ID: 0007
Revises: 0006
"""

import datetime as dt

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("api_token", sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True))
    token = sa.table("api_token", sa.column("expires_at", sa.DateTime(timezone=True)))
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=90)
    op.execute(token.update().where(token.c.expires_at.is_(None)).values(expires_at=later))


def downgrade() -> None:
    with op.batch_alter_table("api_token") as batch:
        batch.drop_column("expires_at")
