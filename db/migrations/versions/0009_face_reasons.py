"""faces keep why they are unknown

A face's ``reason`` (inference.naming.REASONS) and ``quality`` (size, sharpness, turn as the
detector saw them) are stored with it, so the API, the CSV and the page can say why a face was
not named. Faces stored before keep null in both.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04 10:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("faces") as batch:
        batch.add_column(sa.Column("reason", sa.String(length=32), nullable=True))
        batch.add_column(sa.Column("quality", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("faces") as batch:
        batch.drop_column("quality")
        batch.drop_column("reason")
