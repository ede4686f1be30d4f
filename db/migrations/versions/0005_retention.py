"""retention indexes

Finished work expires (db.retention): ``(batch_id, finished_at)`` finds a batch's last end and
the expired jobs of no batch (``batch_id IS NULL``); ``batches.created_at`` the batches old
enough to have expired.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 10:00:00
"""

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_jobs_batch_finished", "jobs", ["batch_id", "finished_at"])
    op.create_index("ix_batches_created", "batches", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_batches_created", table_name="batches")
    op.drop_index("ix_jobs_batch_finished", table_name="jobs")
