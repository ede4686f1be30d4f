"""given-up counts

How many items of each kind of work were failed ``too_many_attempts``: a small table the API
reads at scrape time (metrics.given_up), written in the transaction that fails the items.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 09:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "given_up_counts",
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("count", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("kind"),
    )


def downgrade() -> None:
    op.drop_table("given_up_counts")
