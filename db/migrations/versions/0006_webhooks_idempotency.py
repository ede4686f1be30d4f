"""webhooks and idempotency keys

Batches and standalone jobs say where their events go; each event is a delivery row with its
attempts; owners get a signing secret; POSTs with ``Idempotency-Key`` keep their first answer.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 08:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

WHEN = sa.DateTime(timezone=True)


def _subscribed(table: str) -> None:
    with op.batch_alter_table(table) as batch:
        batch.add_column(sa.Column("webhook_url", sa.Text(), nullable=True))
        batch.add_column(sa.Column("webhook_events", sa.String(length=64), nullable=True))
        batch.add_column(
            sa.Column("webhook_due", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.create_index(f"ix_{table}_webhook_due", ["webhook_due"])


def upgrade() -> None:
    _subscribed("batches")
    _subscribed("jobs")
    with op.batch_alter_table("batches") as batch:
        batch.add_column(sa.Column("progress_sent_at", WHEN, nullable=True))
    with op.batch_alter_table("owners") as batch:
        batch.add_column(sa.Column("webhook_secret", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("webhook_secret_at", WHEN, nullable=True))
    op.create_table(
        "webhook_deliveries",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("owner", sa.String(length=64), nullable=False),
        sa.Column("batch_id", sa.String(length=36), nullable=True),
        sa.Column("job_id", sa.String(length=36), nullable=True),
        sa.Column("event", sa.String(length=32), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("tries", sa.JSON(), nullable=False),
        sa.Column("next_attempt_at", WHEN, nullable=False),
        sa.Column("enqueued_at", WHEN, nullable=True),
        sa.Column("claimed_at", WHEN, nullable=True),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("finished_at", WHEN, nullable=True),
        sa.ForeignKeyConstraint(["batch_id"], ["batches.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["job_id"], ["jobs.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_deliveries_status_next", "webhook_deliveries", ["status", "next_attempt_at"]
    )
    op.create_index("ix_deliveries_batch", "webhook_deliveries", ["batch_id", "created_at"])
    op.create_index("ix_deliveries_job", "webhook_deliveries", ["job_id", "created_at"])
    op.create_table(
        "idempotency_keys",
        sa.Column("owner", sa.String(length=64), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("body", sa.Text(), nullable=True),
        sa.Column("headers", sa.JSON(), nullable=True),
        sa.Column("created_at", WHEN, nullable=False),
        sa.PrimaryKeyConstraint("owner", "key"),
    )
    op.create_index("ix_idempotency_created", "idempotency_keys", ["created_at"])


def downgrade() -> None:
    op.drop_table("idempotency_keys")
    op.drop_table("webhook_deliveries")
    with op.batch_alter_table("owners") as batch:
        batch.drop_column("webhook_secret_at")
        batch.drop_column("webhook_secret")
    with op.batch_alter_table("batches") as batch:
        batch.drop_column("progress_sent_at")
    for table in ("jobs", "batches"):
        with op.batch_alter_table(table) as batch:
            batch.drop_index(f"ix_{table}_webhook_due")
            batch.drop_column("webhook_due")
            batch.drop_column("webhook_events")
            batch.drop_column("webhook_url")
