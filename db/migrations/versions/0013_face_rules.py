"""a job's face records which rule named it

``model`` (the active model) or ``gallery`` (an example accepted since that model was trained,
inference.recent); null for a face answered unknown and for faces stored before.

Revises 0011 on its branch; issue 23's clusters add 0012 in parallel: at the merge, point
``down_revision`` at "0012" (the two touch different tables and columns).

Revision ID: 0013
Revises: 0011
Create Date: 2026-12-05 12:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("faces", recreate="never") as batch:
        batch.add_column(sa.Column("rule", sa.String(length=16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("faces", recreate="never") as batch:
        batch.drop_column("rule")
