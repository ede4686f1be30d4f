"""previous webhook secret

A rotated secret keeps signing next to the new one for an overlap, so a receiver can switch
secrets without refusing events: owners keep the replaced secret and when it stops.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05 09:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("owners") as batch:
        batch.add_column(sa.Column("webhook_previous_secret", sa.String(length=64), nullable=True))
        batch.add_column(
            sa.Column("webhook_previous_until", sa.DateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("owners") as batch:
        batch.drop_column("webhook_previous_until")
        batch.drop_column("webhook_previous_secret")
