"""descriptors per pipeline, and the face's context to describe it again

An example's descriptors move to ``example_descriptors`` (one row per pipeline: a descriptor,
or why that pipeline could not describe it), so a new pipeline can describe every example
again while the old one's model still answers; examples gain ``face_source`` (twice the face
box around its centre, JPEG <= 256 px: what a later detector needs to find the face again).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04 11:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "example_descriptors",
        sa.Column("example_id", sa.String(length=36), nullable=False),
        sa.Column("pipeline", sa.String(length=32), nullable=False),
        sa.Column("descriptor", sa.LargeBinary(), nullable=True),
        sa.Column("error_code", sa.String(length=64), nullable=True),
        sa.Column("error_message", sa.Text(), nullable=True),
        sa.Column("created_at", WHEN, nullable=False),
        sa.ForeignKeyConstraint(["example_id"], ["examples.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("example_id", "pipeline"),
    )
    op.execute(
        "INSERT INTO example_descriptors (example_id, pipeline, descriptor, created_at) "
        "SELECT id, pipeline, descriptor, COALESCE(finished_at, updated_at) FROM examples "
        "WHERE status = 'accepted' AND pipeline IS NOT NULL AND descriptor IS NOT NULL"
    )
    # ALTER in place, never SQLite's copy-and-drop: dropping ``examples`` would cascade to
    # every row that refers to it (these descriptors, queued examples' payloads).
    with op.batch_alter_table("examples", recreate="never") as batch:
        batch.add_column(sa.Column("face_source", sa.LargeBinary(), nullable=True))
        batch.drop_column("descriptor")
        batch.drop_column("pipeline")


def downgrade() -> None:
    """Each example keeps the descriptor it was described with first."""
    with op.batch_alter_table("examples", recreate="never") as batch:
        batch.add_column(sa.Column("pipeline", sa.String(length=32), nullable=True))
        batch.add_column(sa.Column("descriptor", sa.LargeBinary(), nullable=True))
        batch.drop_column("face_source")
    first = (
        "SELECT {column} FROM example_descriptors d WHERE d.example_id = examples.id "
        "AND d.descriptor IS NOT NULL ORDER BY d.created_at LIMIT 1"
    )
    op.execute(
        f"UPDATE examples SET pipeline = ({first.format(column='d.pipeline')}), "
        f"descriptor = ({first.format(column='d.descriptor')})"
    )
    op.drop_table("example_descriptors")
