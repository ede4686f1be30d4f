"""a job's face records which rule named it

``model`` (the active model) or ``gallery`` (an example accepted since that model was trained,
inference.recent); null for a face answered unknown and for faces stored before.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04 13:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("faces", recreate="never") as batch:
        batch.add_column(sa.Column("rule", sa.String(length=16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("faces", recreate="never") as batch:
        batch.drop_column("rule")
