"""Batches: many URLs or files at once, progress by counts, results paged or downloaded."""

import csv
import io
import json
from collections.abc import Iterator

from flask import Response, request, stream_with_context, url_for
from flask_smorest import Blueprint
from sqlalchemy import delete, select, update

from api.access import current_owner
from api.context import settings
from api.docs import accepts_json_or_upload
from api.errors import ApiError
from api.idempotency import bind_work, idempotent
from api.jobs import WEBHOOK_PARTS, read_json
from api.limits import submission_limit
from api.listing import newest_first
from api.schemas import (
    BatchCreateSchema,
    BatchListSchema,
    BatchUploadSchema,
    ErrorSchema,
    ItemsQuerySchema,
    JobPageSchema,
    JobSchema,
    ListQuerySchema,
)
from api.submit import submit_batch
from api.uploads import listed_urls, uploaded_files
from api.webhooks import Subscription, read_subscription
from bodies.schemas import BatchSchema
from bodies.serializers import batch_bodies, job_bodies
from db.items import Item
from db.models import Batch, Job, JobStatus, Payload, utcnow
from db.retention import live_batches
from db.session import unit_of_work
from inference.predictor import UNKNOWN

blp = Blueprint("batches", __name__, url_prefix="/api/v1", description="Batches of images")
EXPORT_PAGE = 1000


def _read_items() -> tuple[list[Item], Subscription | None]:
    if request.mimetype == "multipart/form-data":
        return uploaded_files(WEBHOOK_PARTS), read_subscription(request.form)
    if request.is_json:
        data = BatchCreateSchema().load(read_json())
        return listed_urls(data["urls"]), read_subscription(data)
    raise ApiError(
        415,
        "unsupported_media_type",
        "send JSON with 'urls', or multipart/form-data with several 'files'",
    )


def _own_batch(session, batch_id) -> Batch:
    """The caller's batch; 404 if it is someone else's, or expired (deleted or soon to be)."""
    batch = session.scalar(
        select(Batch).where(
            Batch.id == str(batch_id),
            Batch.owner == current_owner(),
            live_batches(settings().retention_s),
        )
    )
    if batch is None:
        raise ApiError(404, "not_found", f"no batch {batch_id}")
    return batch


def _body(session, batch: Batch) -> dict:
    return batch_bodies(session, [batch], settings().retention_s)[0]


def _bind_batch(session, batch_id: str) -> None:
    bind_work(session, url_for("batches.get_batch", batch_id=batch_id))


@blp.route("/batches", methods=["POST"])
@idempotent(blp)
@accepts_json_or_upload(blp, BatchCreateSchema, BatchUploadSchema, BatchSchema)
@submission_limit
def create_batch():
    """Classify many images; items that are unusable from the start are failed at once."""
    items, subscription = _read_items()
    batch, _ = submit_batch(settings(), current_owner(), items, subscription, _bind_batch)
    with unit_of_work(settings().database_url) as session:
        body = _body(session, batch)
    return body, 202, {"Location": url_for("batches.get_batch", batch_id=batch.id)}


@blp.route("/batches")
@blp.arguments(ListQuerySchema, location="query")
@blp.response(200, BatchListSchema)
def list_batches(query):
    """Your batches, newest first; follow ``next_cursor`` until null."""
    with unit_of_work(settings().database_url) as session:
        kept = settings().retention_s
        batches, cursor = newest_first(session, Batch, current_owner(), query, live_batches(kept))
        items = batch_bodies(session, batches, kept)
    return {"items": items, "next_cursor": cursor}


@blp.route("/batches/<uuid:batch_id>")
@blp.response(200, BatchSchema)
@blp.alt_response(404, schema=ErrorSchema)
def get_batch(batch_id):
    """Progress: a count per job status, computed from the items themselves."""
    with unit_of_work(settings().database_url) as session:
        return _body(session, _own_batch(session, batch_id))


def _page(session, batch_id: str, after: int, limit: int) -> tuple[list[dict], int | None]:
    rows = list(
        session.scalars(
            select(Job)
            .where(Job.batch_id == batch_id, Job.seq > after)
            .order_by(Job.seq)
            .limit(limit + 1)
        )
    )
    more = len(rows) > limit
    rows = rows[:limit]
    return job_bodies(session, rows, settings().retention_s), rows[-1].seq if more else None


@blp.route("/batches/<uuid:batch_id>/items")
@blp.arguments(ItemsQuerySchema, location="query")
@blp.response(200, JobPageSchema)
@blp.alt_response(404, schema=ErrorSchema)
def list_items(query, batch_id):
    """Items in submission order, ``limit`` at a time; follow ``next_cursor`` until null."""
    with unit_of_work(settings().database_url) as session:
        batch = _own_batch(session, batch_id)
        items, last = _page(session, batch.id, query["cursor"], query["limit"])
    return {"items": items, "next_cursor": None if last is None else str(last)}


@blp.route("/batches/<uuid:batch_id>/cancel", methods=["POST"])
@blp.response(200, BatchSchema)
@blp.alt_response(404, schema=ErrorSchema)
def cancel_batch(batch_id):
    """Cancel every item not started yet; running items finish."""
    now = utcnow()
    with unit_of_work(settings().database_url) as session:
        batch = _own_batch(session, batch_id)
        batch.canceled_at = batch.canceled_at or now
        canceled = select(Job.id).where(Job.batch_id == batch.id, Job.status == JobStatus.queued)
        session.execute(delete(Payload).where(Payload.job_id.in_(canceled)))
        session.execute(
            update(Job)
            .where(Job.batch_id == batch.id, Job.status == JobStatus.queued)
            .values(status=JobStatus.canceled, finished_at=now, updated_at=now)
        )
        session.flush()
        body = _body(session, batch)
    if batch.webhook_url:
        from tasks.events import batch_changed

        batch_changed(settings(), batch.id)
    return body


def _export(batch_id: str, render) -> Iterator[str]:
    after = -1
    while after is not None:
        with unit_of_work(settings().database_url) as session:
            items, after = _page(session, batch_id, after, EXPORT_PAGE)
        yield from render(items)


def _jsonl(items: list[dict]) -> Iterator[str]:
    """Each item as /items answers it (the same schema: ISO 8601 timestamps)."""
    schema = JobSchema()
    for item in items:
        yield json.dumps(schema.dump(item)) + "\n"


CSV_COLUMNS = [
    "item_id",
    "url",
    "filename",
    "status",
    "error_code",
    "error_message",
    "face",
    "label",
    "score",
    "x",
    "y",
    "w",
    "h",
    "answer",
    "distance",
    "reason",
]  # columns added since the first release go last, so readers by position keep working


def _face_cells(face: dict) -> tuple[list, list]:
    """face, label, score, x, y, w, h, then distance and reason; an unknown face's score is
    left empty: the refused person's probability is no confidence in this face."""
    score = None if face["label"] == UNKNOWN else face["score"]
    return [face["label"], score, *face["box"].values()], [face["distance"], face["reason"]]


def _csv(items: list[dict]) -> Iterator[str]:
    """One row per face; an item without faces still gets one row."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for item in items:
        error = item["error"] or {}
        head = [
            item["id"],
            item["url"],
            item["filename"],
            item["status"],
            error.get("code"),
            error.get("message"),
        ]
        if not item["faces"]:
            writer.writerow([*head, *[None] * 7, item["answer"], None, None])
        for index, face in enumerate(item["faces"]):
            cells, why = _face_cells(face)
            writer.writerow([*head, index, *cells, item["answer"], *why])
    yield buffer.getvalue()


def _download(batch_id, render, mimetype: str, extension: str, header: str = "") -> Response:
    with unit_of_work(settings().database_url) as session:
        batch = _own_batch(session, batch_id)
    body = stream_with_context(_chain(header, _export(batch.id, render)))
    return Response(
        body,
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="batch-{batch.id}.{extension}"'},
    )


def _chain(first: str, rest: Iterator[str]) -> Iterator[str]:
    if first:
        yield first
    yield from rest


@blp.route("/batches/<uuid:batch_id>/results.jsonl")
@blp.doc(
    responses={
        "200": {
            "description": "one JSON object per item, as in /items",
            "content": {"application/x-ndjson": {}},
        }
    }
)
def download_jsonl(batch_id):
    """Every item's result as JSON Lines."""
    return _download(batch_id, _jsonl, "application/x-ndjson", "jsonl")


@blp.route("/batches/<uuid:batch_id>/results.csv")
@blp.doc(responses={"200": {"description": "one row per face", "content": {"text/csv": {}}}})
def download_csv(batch_id):
    """Every item's result as CSV, one row per face."""
    return _download(batch_id, _csv, "text/csv", "csv", ",".join(CSV_COLUMNS) + "\r\n")
