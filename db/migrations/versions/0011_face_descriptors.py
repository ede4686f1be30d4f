"""a job's faces keep their descriptor and a small crop

Search by face and the clusters of unnamed faces compare the faces of an owner's jobs; the
descriptor (float32, with the pipeline that made it: faces compare only within one) and a
96 px JPEG are kept with each face, and go with it when its job expires. Faces stored before
keep nulls: they are not searched or clustered.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04 12:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("faces", recreate="never") as batch:
        batch.add_column(sa.Column("pipeline", sa.String(length=32), nullable=True))
        batch.add_column(sa.Column("descriptor", sa.LargeBinary(), nullable=True))
        batch.add_column(sa.Column("crop", sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("faces", recreate="never") as batch:
        batch.drop_column("crop")
        batch.drop_column("descriptor")
        batch.drop_column("pipeline")
