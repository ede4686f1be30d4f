"""Every table: batches and jobs (one per image) with their faces, and the people a service
learns — people, their example photos, trained model versions and each owner's active model."""

import enum
import uuid
from datetime import UTC, datetime
from typing import ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, deferred, mapped_column, relationship


def utcnow() -> datetime:
    return datetime.now(UTC)


def new_id() -> str:
    """Unguessable ids: a job or batch id is all a client needs to read it."""
    return str(uuid.uuid4())


class JobStatus(enum.StrEnum):
    queued = "queued"
    running = "running"
    succeeded = "succeeded"
    failed = "failed"
    canceled = "canceled"


TERMINAL = (JobStatus.succeeded, JobStatus.failed, JobStatus.canceled)


class ExampleStatus(enum.StrEnum):
    queued = "queued"
    running = "running"
    accepted = "accepted"
    rejected = "rejected"


class RunStatus(enum.StrEnum):
    """A training run's stored status; ``active`` / ``retired`` are derived
    (api.learning.serializers)."""

    queued = "queued"
    training = "training"
    ready = "ready"
    failed = "failed"


class SourceKind(enum.StrEnum):
    upload = "upload"
    base64 = "base64"
    url = "url"
    shipped = "shipped"  # an example that came with the shipped model: a descriptor, no photo
    face = "face"  # a job's face, from a named cluster (db.clusters.face_photo)


class UTCDateTime(TypeDecorator):
    """Timestamps are UTC everywhere; SQLite drops the offset, so it is put back on load."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_result_value(self, value: datetime | None, _dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


class Base(DeclarativeBase):
    type_annotation_map: ClassVar = {datetime: UTCDateTime}


class QueuedWork:
    """The columns of anything a worker claims: see db.work for the life they record."""

    status: Mapped[str] = mapped_column(String(16), default="queued")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claimed_by: Mapped[str | None] = mapped_column(String(128), default=None)  # host:pid
    error_code: Mapped[str | None] = mapped_column(String(64), default=None)
    error_message: Mapped[str | None] = mapped_column(Text, default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    enqueued_at: Mapped[datetime | None] = mapped_column(default=None)
    started_at: Mapped[datetime | None] = mapped_column(default=None)
    finished_at: Mapped[datetime | None] = mapped_column(default=None)


class Subscribed:
    """Where a batch's or standalone job's events go (api.webhook_fields), and whether its final
    event is still to be written (the sweeper writes it if a worker died first)."""

    webhook_url: Mapped[str | None] = mapped_column(Text, default=None)
    webhook_events: Mapped[str | None] = mapped_column(String(64), default=None)  # "a,b"
    webhook_due: Mapped[bool] = mapped_column(Boolean, default=False, index=True)


class Batch(Subscribed, Base):
    __tablename__ = "batches"
    __table_args__ = (
        Index("ix_batches_owner_created", "owner", "created_at"),
        Index("ix_batches_created", "created_at"),  # db.retention: candidates to expire
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    owner: Mapped[str] = mapped_column(String(64))
    total: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    canceled_at: Mapped[datetime | None] = mapped_column(default=None)
    progress_sent_at: Mapped[datetime | None] = mapped_column(default=None)  # last progress event


class Job(QueuedWork, Subscribed, Base):
    __tablename__ = "jobs"
    __table_args__ = (
        Index("ix_jobs_batch_seq", "batch_id", "seq"),
        Index("ix_jobs_batch_status", "batch_id", "status"),
        Index("ix_jobs_status_updated", "status", "updated_at"),
        Index("ix_jobs_owner_created", "owner", "created_at"),
        Index("ix_jobs_batch_finished", "batch_id", "finished_at"),  # db.retention
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    batch_id: Mapped[str | None] = mapped_column(ForeignKey("batches.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer, default=0)
    owner: Mapped[str] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(16))
    url: Mapped[str | None] = mapped_column(Text, default=None)
    filename: Mapped[str | None] = mapped_column(String(255), default=None)
    model_version: Mapped[str | None] = mapped_column(String(64), default=None)


class Payload(Base):
    """Uploaded bytes, in the database so a worker on another machine can read them.

    Deleted in the same transaction that ends the job.
    """

    __tablename__ = "payloads"

    job_id: Mapped[str] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"), primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class Face(Base):
    __tablename__ = "faces"
    __table_args__ = (
        UniqueConstraint("job_id", "idx", name="uq_faces_job_idx"),
        Index("ix_faces_person_job", "person_id", "job_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    job_id: Mapped[str] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"))
    idx: Mapped[int] = mapped_column(Integer)
    x: Mapped[int] = mapped_column(Integer)
    y: Mapped[int] = mapped_column(Integer)
    w: Mapped[int] = mapped_column(Integer)
    h: Mapped[int] = mapped_column(Integer)
    label: Mapped[str] = mapped_column(String(128))
    score: Mapped[float] = mapped_column(Float)
    probabilities: Mapped[dict] = mapped_column(JSON)
    # who the face was named as (None: unknown, or the person was deleted since)
    person_id: Mapped[str | None] = mapped_column(
        ForeignKey("people.id", ondelete="SET NULL"), default=None
    )
    distance: Mapped[float | None] = mapped_column(Float, default=None)  # to the nearest example
    # why an unknown face was not named (inference.naming.REASONS); None when named, and for
    # faces stored before reasons were kept
    reason: Mapped[str | None] = mapped_column(String(32), default=None)
    quality: Mapped[dict | None] = mapped_column(JSON, default=None)  # as the detector saw it
    # which rule named it: model or gallery (inference.naming.RULES); None when unknown
    rule: Mapped[str | None] = mapped_column(String(16), default=None)
    # kept as long as the job: search by face and the clusters of unnamed faces read them
    pipeline: Mapped[str | None] = mapped_column(String(32), default=None)
    descriptor: Mapped[bytes | None] = deferred(mapped_column(LargeBinary, default=None))
    crop: Mapped[bytes | None] = deferred(mapped_column(LargeBinary, default=None))  # JPEG
    # the unnamed people (db.clusters): the cluster an unknown face is in, and the user's
    # verdict that takes it out of clustering for good (``rejected`` or ``named``)
    cluster_id: Mapped[str | None] = mapped_column(
        ForeignKey("face_clusters.id", ondelete="SET NULL"), default=None, index=True
    )
    review: Mapped[str | None] = mapped_column(String(16), default=None)


class FaceCluster(Base):
    """Unknown faces of one owner and pipeline that look like one person (db.clusters); its
    size is counted from its living faces, so faces that expire with their jobs leave it."""

    __tablename__ = "face_clusters"
    __table_args__ = (Index("ix_face_clusters_owner_pipeline", "owner", "pipeline"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    owner: Mapped[str] = mapped_column(String(64))
    pipeline: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class Person(Base):
    __tablename__ = "people"
    __table_args__ = (
        UniqueConstraint("owner", "name", name="uq_people_owner_name"),
        Index("ix_people_owner_created", "owner", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    owner: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(128))
    shipped_name: Mapped[str | None] = mapped_column(String(128), default=None)  # class name
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class Example(QueuedWork, Base):
    """One photo a person is learned from: its one face's box, a small crop, and the face's
    context (featurize.redescribe) to describe it again; its descriptors, one per pipeline,
    are ExampleDescriptor rows."""

    __tablename__ = "examples"
    __table_args__ = (
        UniqueConstraint("owner", "sha256", name="uq_examples_owner_sha256"),
        Index("ix_examples_person_created", "person_id", "created_at"),
        Index("ix_examples_status_updated", "status", "updated_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    person_id: Mapped[str] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    owner: Mapped[str] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(16))
    url: Mapped[str | None] = mapped_column(Text, default=None)
    filename: Mapped[str | None] = mapped_column(String(255), default=None)
    # the photo's SHA-256 while it is being enrolled or accepted (unique per owner: duplicates)
    sha256: Mapped[str | None] = mapped_column(String(64), default=None)
    x: Mapped[int | None] = mapped_column(Integer, default=None)
    y: Mapped[int | None] = mapped_column(Integer, default=None)
    w: Mapped[int | None] = mapped_column(Integer, default=None)
    h: Mapped[int | None] = mapped_column(Integer, default=None)
    crop: Mapped[bytes | None] = deferred(mapped_column(LargeBinary, default=None))  # JPEG
    # JPEG, <= 256 px: twice the box around its centre (None before migration 0008)
    face_source: Mapped[bytes | None] = deferred(mapped_column(LargeBinary, default=None))
    descriptors: Mapped[list["ExampleDescriptor"]] = relationship(
        lazy="selectin",
        order_by="ExampleDescriptor.created_at",
        cascade="all, delete-orphan",  # they go with it (the loaded ones would be blanked)
        passive_deletes=True,
    )


class ExampleDescriptor(Base):
    """An accepted example's face described by one pipeline, or why that pipeline could not
    describe it (``descriptor`` None, ``error_code`` set): training reads these by pipeline."""

    __tablename__ = "example_descriptors"

    example_id: Mapped[str] = mapped_column(
        ForeignKey("examples.id", ondelete="CASCADE"), primary_key=True
    )
    pipeline: Mapped[str] = mapped_column(String(32), primary_key=True)
    descriptor: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)  # float32
    error_code: Mapped[str | None] = mapped_column(String(64), default=None)
    error_message: Mapped[str | None] = mapped_column(Text, default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ExamplePayload(Base):
    """An example's uploaded bytes until a worker has enrolled it (as Payload for jobs)."""

    __tablename__ = "example_payloads"

    example_id: Mapped[str] = mapped_column(
        ForeignKey("examples.id", ondelete="CASCADE"), primary_key=True
    )
    data: Mapped[bytes] = mapped_column(LargeBinary)


class ModelVersion(QueuedWork, Base):
    """A training run and, once ready, the model it made: bytes and manifest, in the database
    so that a worker on any machine can load it."""

    __tablename__ = "model_versions"
    __table_args__ = (
        UniqueConstraint("owner", "version", name="uq_model_versions_owner_version"),
        Index("ix_model_versions_owner_created", "owner", "created_at"),
        Index("ix_model_versions_status_updated", "status", "updated_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    owner: Mapped[str] = mapped_column(String(64))
    version: Mapped[str] = mapped_column(String(64))
    trigger: Mapped[str] = mapped_column(String(16))  # manual, auto or shipped
    activate_when_ready: Mapped[bool] = mapped_column(Boolean, default=True)
    snapshot_at: Mapped[datetime | None] = mapped_column(default=None)  # examples read at
    people: Mapped[list | None] = mapped_column(JSON, default=None)  # classes, index order
    report: Mapped[dict | None] = mapped_column(JSON, default=None)
    manifest: Mapped[dict | None] = mapped_column(JSON, default=None)
    model_sha256: Mapped[str | None] = mapped_column(String(64), default=None)
    model_bytes: Mapped[bytes | None] = deferred(mapped_column(LargeBinary, default=None))
    activated_at: Mapped[datetime | None] = mapped_column(default=None)  # first activation
    note: Mapped[str | None] = mapped_column(Text, default=None)  # e.g. why not activated


class Owner(Base):
    """Per API-key owner: which model answers their jobs, and when their people last changed."""

    __tablename__ = "owners"

    owner: Mapped[str] = mapped_column(String(64), primary_key=True)
    active_model_id: Mapped[str | None] = mapped_column(
        ForeignKey("model_versions.id", ondelete="SET NULL"), default=None
    )
    activated_at: Mapped[datetime | None] = mapped_column(default=None)  # last activation
    changed_at: Mapped[datetime | None] = mapped_column(default=None)  # people or examples
    people_epoch: Mapped[int] = mapped_column(Integer, default=0)  # +1 when a person goes
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # signs webhooks; kept in clear because signing needs it (shown once when created)
    webhook_secret: Mapped[str | None] = mapped_column(String(64), default=None)
    webhook_secret_at: Mapped[datetime | None] = mapped_column(default=None)
    # the secret a rotation replaced: it signs too, next to the new one, until ..._until
    webhook_previous_secret: Mapped[str | None] = mapped_column(String(64), default=None)
    webhook_previous_until: Mapped[datetime | None] = mapped_column(default=None)


class WorkerHeartbeat(Base):
    """A worker host's last sign of life (tasks.heartbeat): db.work hands back the work of a host
    that stopped beating, instead of waiting for the work itself to go stale."""

    __tablename__ = "worker_heartbeats"

    host: Mapped[str] = mapped_column(String(128), primary_key=True)
    beat_at: Mapped[datetime] = mapped_column(default=utcnow)


class GivenUpCount(Base):
    """How many items of one kind of work were failed ``too_many_attempts``, ever: kept with the
    work (db.given_up adds to it in the transaction that fails them), so it survives restarts,
    replicas and retention, and any API process can serve it (metrics.given_up)."""

    __tablename__ = "given_up_counts"

    kind: Mapped[str] = mapped_column(String(32), primary_key=True)  # job, example, training_run
    count: Mapped[int] = mapped_column(BigInteger, default=0)


class DeliveryStatus(enum.StrEnum):
    pending = "pending"  # waiting for its next attempt (next_attempt_at)
    sending = "sending"  # an attempt is under way
    succeeded = "succeeded"  # the receiver answered 2xx
    failed = "failed"  # every attempt failed: given up
    skipped = "skipped"  # a progress event not sent: its batch's or job's final one exists


class WebhookDelivery(Base):
    """One event for a receiver: its body is fixed when the event happens, its id is the
    ``webhook-id`` every attempt carries, so a receiver can drop a repeat."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        Index("ix_deliveries_status_next", "status", "next_attempt_at"),
        Index("ix_deliveries_batch", "batch_id", "created_at"),
        Index("ix_deliveries_job", "job_id", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)  # msg_<32 hex>
    owner: Mapped[str] = mapped_column(String(64))
    batch_id: Mapped[str | None] = mapped_column(
        ForeignKey("batches.id", ondelete="CASCADE"), default=None
    )
    job_id: Mapped[str | None] = mapped_column(
        ForeignKey("jobs.id", ondelete="CASCADE"), default=None
    )
    event: Mapped[str] = mapped_column(String(32))  # e.g. batch.completed
    url: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default=DeliveryStatus.pending)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    tries: Mapped[list] = mapped_column(JSON, default=list)  # one dict per attempt
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    enqueued_at: Mapped[datetime | None] = mapped_column(default=None)
    claimed_at: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(default=None)


class IdempotencyKey(Base):
    """The first answer to a POST carrying ``Idempotency-Key``, replayed to its retries.

    ``status_code`` is None while the first request is still being answered."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (Index("ix_idempotency_created", "created_at"),)

    owner: Mapped[str] = mapped_column(String(64), primary_key=True)
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int | None] = mapped_column(Integer, default=None)
    body: Mapped[str | None] = mapped_column(Text, default=None)
    headers: Mapped[dict | None] = mapped_column(JSON, default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
