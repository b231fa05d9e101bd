"""Notifications: directory of contacts, reports, outbox deliveries, hash-chained audit log,
notices to senders and communication-test campaigns.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "notify_authority",
        sa.Column("id", sa.String(length=100), nullable=False),
        sa.Column("country_iso3", sa.String(length=3), nullable=True),
        sa.Column("basin", sa.String(length=100), nullable=True),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_notify_authority_country_iso3", "notify_authority", ["country_iso3"])
    op.create_table(
        "notify_contact",
        sa.Column("id", sa.String(length=100), nullable=False),
        sa.Column("authority_id", sa.String(length=100), nullable=False),
        sa.Column("party", sa.String(length=110), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("role", sa.String(length=40), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("webhook_url", sa.String(length=2000), nullable=True),
        sa.Column("webhook_format", sa.String(length=10), nullable=False),
        sa.Column("webhook_secret_ref", sa.String(length=200), nullable=True),
        sa.Column("languages", sa.JSON(), nullable=False),
        sa.Column("available_24_7", sa.Boolean(), nullable=False),
        sa.Column("escalation_order", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
        sa.ForeignKeyConstraint(["authority_id"], ["notify_authority.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_notify_contact_authority_id", "notify_contact", ["authority_id"])
    op.create_index("ix_notify_contact_party", "notify_contact", ["party"])
    op.create_table(
        "notify_report",
        sa.Column("pk", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("report_id", sa.String(length=200), nullable=False),
        sa.Column("sender", sa.String(length=300), nullable=False),
        sa.Column("type", sa.String(length=30), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("sender_country_iso3", sa.String(length=3), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("disclosure", sa.String(length=20), nullable=False),
        sa.Column("incoming", sa.Boolean(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("ack_window_s", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("issued_at", TZ, nullable=True),
        sa.Column("closed_at", TZ, nullable=True),
        sa.PrimaryKeyConstraint("pk"),
        sa.UniqueConstraint("sender", "report_id", name="uq_notify_report_sender_id"),
    )
    op.create_index("ix_notify_report_report_id", "notify_report", ["report_id"])
    op.create_index(
        "ix_notify_report_sender_country_iso3", "notify_report", ["sender_country_iso3"]
    )
    op.create_table(
        "notify_delivery",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("report_pk", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.String(length=200), nullable=False),
        sa.Column("recipient_id", sa.String(length=120), nullable=False),
        sa.Column("contact_id", sa.String(length=100), nullable=False),
        sa.Column("party", sa.String(length=110), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("address", sa.String(length=2000), nullable=False),
        sa.Column("language", sa.String(length=20), nullable=False),
        sa.Column("webhook_format", sa.String(length=10), nullable=True),
        sa.Column("secret_ref", sa.String(length=200), nullable=True),
        sa.Column("idempotency_key", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", TZ, nullable=True),
        sa.Column("ack_deadline", TZ, nullable=True),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.Column("issued_at", TZ, nullable=True),
        sa.Column("updated_at", TZ, nullable=True),
        sa.Column("delivered_at", TZ, nullable=True),
        sa.Column("acknowledged_at", TZ, nullable=True),
        sa.Column("acknowledged_by", sa.String(length=100), nullable=True),
        sa.Column("escalated_at", TZ, nullable=True),
        sa.Column("closed_at", TZ, nullable=True),
        sa.Column("escalated_from", sa.Integer(), nullable=True),
        sa.Column("claim_token", sa.String(length=64), nullable=True),
        sa.Column("claimed_until", TZ, nullable=True),
        sa.ForeignKeyConstraint(["report_pk"], ["notify_report.pk"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["escalated_from"], ["notify_delivery.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("idempotency_key"),
        sa.UniqueConstraint("report_pk", "recipient_id", name="uq_notify_delivery_recipient"),
    )
    op.create_index("ix_notify_delivery_report_pk", "notify_delivery", ["report_pk"])
    op.create_index("ix_notify_delivery_contact_id", "notify_delivery", ["contact_id"])
    op.create_index("ix_notify_delivery_due", "notify_delivery", ["state", "next_attempt_at"])
    op.create_index("ix_notify_delivery_claim", "notify_delivery", ["claim_token"])
    op.create_table(
        "notify_audit",
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("at", TZ, nullable=False),
        sa.Column("kind", sa.String(length=60), nullable=False),
        sa.Column("report_id", sa.String(length=200), nullable=True),
        sa.Column("event", sa.JSON(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("seq"),
    )
    op.create_index("ix_notify_audit_report_id", "notify_audit", ["report_id"])
    op.create_table(
        "notify_audit_head",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.bulk_insert(
        sa.table(
            "notify_audit_head",
            sa.column("id", sa.Integer()),
            sa.column("seq", sa.Integer()),
            sa.column("hash", sa.String()),
        ),
        [{"id": 1, "seq": -1, "hash": "0" * 64}],
    )
    op.create_table(
        "notify_notice",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("report_pk", sa.Integer(), nullable=False),
        sa.Column("country_iso3", sa.String(length=3), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.ForeignKeyConstraint(["report_pk"], ["notify_report.pk"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_notify_notice_report_pk", "notify_notice", ["report_pk"])
    op.create_index("ix_notify_notice_country_iso3", "notify_notice", ["country_iso3"])
    op.create_table(
        "notify_campaign",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("window_s", sa.Integer(), nullable=False),
        sa.Column("parties", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("started_at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    for name in (
        "notify_campaign",
        "notify_notice",
        "notify_audit_head",
        "notify_audit",
        "notify_delivery",
        "notify_report",
        "notify_contact",
        "notify_authority",
    ):
        op.drop_table(name)
