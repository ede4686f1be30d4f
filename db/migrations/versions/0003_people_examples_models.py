"""people, their examples, trained model versions, owners; faces.person_id and .distance

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 20:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def _queued_work() -> list[sa.Column]:
    """The columns of db.models.QueuedWork, for each table a worker claims rows of."""
    return [
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("claimed_by", sa.String(length=128), nullable=True),
        sa.Column("error_code", sa.String(length=64), nullable=True),
        sa.Column("error_message", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("enqueued_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
    ]


def upgrade() -> None:
    op.create_table(
        "people",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("owner", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("shipped_name", sa.String(length=128), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("owner", "name", name="uq_people_owner_name"),
    )
    op.create_index("ix_people_owner_created", "people", ["owner", "created_at"])

    op.create_table(
        "examples",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("person_id", sa.String(length=36), nullable=False),
        sa.Column("owner", sa.String(length=64), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("filename", sa.String(length=255), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("x", sa.Integer(), nullable=True),
        sa.Column("y", sa.Integer(), nullable=True),
        sa.Column("w", sa.Integer(), nullable=True),
        sa.Column("h", sa.Integer(), nullable=True),
        sa.Column("pipeline", sa.String(length=32), nullable=True),
        sa.Column("descriptor", sa.LargeBinary(), nullable=True),
        sa.Column("crop", sa.LargeBinary(), nullable=True),
        *_queued_work(),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("owner", "sha256", name="uq_examples_owner_sha256"),
    )
    op.create_index("ix_examples_person_created", "examples", ["person_id", "created_at"])
    op.create_index("ix_examples_status_updated", "examples", ["status", "updated_at"])

    op.create_table(
        "example_payloads",
        sa.Column("example_id", sa.String(length=36), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["example_id"], ["examples.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("example_id"),
    )

    op.create_table(
        "model_versions",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("owner", sa.String(length=64), nullable=False),
        sa.Column("version", sa.String(length=64), nullable=False),
        sa.Column("trigger", sa.String(length=16), nullable=False),
        sa.Column("activate_when_ready", sa.Boolean(), nullable=False),
        sa.Column("snapshot_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("people", sa.JSON(), nullable=True),
        sa.Column("report", sa.JSON(), nullable=True),
        sa.Column("manifest", sa.JSON(), nullable=True),
        sa.Column("model_sha256", sa.String(length=64), nullable=True),
        sa.Column("model_bytes", sa.LargeBinary(), nullable=True),
        sa.Column("activated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        *_queued_work(),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("owner", "version", name="uq_model_versions_owner_version"),
    )
    op.create_index("ix_model_versions_owner_created", "model_versions", ["owner", "created_at"])
    op.create_index("ix_model_versions_status_updated", "model_versions", ["status", "updated_at"])

    op.create_table(
        "owners",
        sa.Column("owner", sa.String(length=64), nullable=False),
        sa.Column("active_model_id", sa.String(length=36), nullable=True),
        sa.Column("activated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("people_epoch", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["active_model_id"], ["model_versions.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("owner"),
    )

    with op.batch_alter_table("faces", schema=None) as batch_op:
        batch_op.add_column(sa.Column("person_id", sa.String(length=36), nullable=True))
        batch_op.add_column(sa.Column("distance", sa.Float(), nullable=True))
        batch_op.create_foreign_key(
            "fk_faces_person_id_people", "people", ["person_id"], ["id"], ondelete="SET NULL"
        )
        batch_op.create_index("ix_faces_person_job", ["person_id", "job_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("faces", schema=None) as batch_op:
        batch_op.drop_index("ix_faces_person_job")
        batch_op.drop_constraint("fk_faces_person_id_people", type_="foreignkey")
        batch_op.drop_column("distance")
        batch_op.drop_column("person_id")
    op.drop_table("owners")
    op.drop_table("model_versions")
    op.drop_table("example_payloads")
    op.drop_table("examples")
    op.drop_table("people")
