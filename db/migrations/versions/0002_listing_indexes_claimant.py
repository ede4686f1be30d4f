"""owner listing indexes; jobs.claimed_by

(owner, created_at) replaces (owner) for newest-first pages; ``claimed_by`` (host:pid) lets a
redelivered job whose process was killed be claimed again at once.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 09:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("batches", schema=None) as batch_op:
        batch_op.drop_index("ix_batches_owner")
        batch_op.create_index("ix_batches_owner_created", ["owner", "created_at"], unique=False)
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("claimed_by", sa.String(length=128), nullable=True))
        batch_op.drop_index("ix_jobs_owner")
        batch_op.create_index("ix_jobs_owner_created", ["owner", "created_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.drop_index("ix_jobs_owner_created")
        batch_op.create_index("ix_jobs_owner", ["owner"], unique=False)
        batch_op.drop_column("claimed_by")
    with op.batch_alter_table("batches", schema=None) as batch_op:
        batch_op.drop_index("ix_batches_owner_created")
        batch_op.create_index("ix_batches_owner", ["owner"], unique=False)
