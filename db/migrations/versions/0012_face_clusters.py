"""the unknown faces of an owner's jobs, clustered into proposed people

``face_clusters`` holds one row per cluster (owner, pipeline); a face points at its cluster
(``cluster_id``, set null when the cluster goes) and keeps the user's verdict (``review``:
``rejected`` or ``named``), which keeps it out of every later clustering.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05 12:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "face_clusters",
        sa.Column("id", sa.String(length=36), primary_key=True),
        sa.Column("owner", sa.String(length=64), nullable=False),
        sa.Column("pipeline", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_face_clusters_owner_pipeline", "face_clusters", ["owner", "pipeline"])
    with op.batch_alter_table("faces") as batch:
        batch.add_column(sa.Column("cluster_id", sa.String(length=36), nullable=True))
        batch.add_column(sa.Column("review", sa.String(length=16), nullable=True))
        batch.create_foreign_key(
            "fk_faces_cluster_id", "face_clusters", ["cluster_id"], ["id"], ondelete="SET NULL"
        )
        batch.create_index("ix_faces_cluster_id", ["cluster_id"])


def downgrade() -> None:
    with op.batch_alter_table("faces") as batch:
        batch.drop_index("ix_faces_cluster_id")
        batch.drop_constraint("fk_faces_cluster_id", type_="foreignkey")
        batch.drop_column("review")
        batch.drop_column("cluster_id")
    op.drop_index("ix_face_clusters_owner_pipeline", table_name="face_clusters")
    op.drop_table("face_clusters")
