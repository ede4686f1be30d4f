"""worker_heartbeats: each worker host's last sign of life

A running item whose claimant's host stopped beating is handed back without waiting for the
item to go stale (the task time limit + 30 s).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 21:20:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "worker_heartbeats",
        sa.Column("host", sa.String(length=128), nullable=False),
        sa.Column("beat_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("host"),
    )


def downgrade() -> None:
    op.drop_table("worker_heartbeats")
