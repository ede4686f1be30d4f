"""Single-image jobs: submit one image (upload, base64 or URL), then poll its result."""

from flask import request, url_for
from flask_smorest import Blueprint
from sqlalchemy import select
from werkzeug.exceptions import BadRequest

from api.access import current_owner
from api.context import settings
from api.docs import accepts_json_or_upload
from api.errors import ApiError
from api.idempotency import bind_work, idempotent
from api.intake import Item, bytes_item, decode_base64, require_ok, url_item
from api.limits import submission_limit
from api.listing import newest_first
from api.schemas import (
    JOB_CREATE_DOC,
    ErrorSchema,
    JobCreatedSchema,
    JobCreateSchema,
    JobPageSchema,
    ListQuerySchema,
    UploadSchema,
)
from api.submit import submit_job
from api.webhooks import Subscription, read_subscription
from bodies.schemas import JobSchema
from bodies.serializers import job_bodies
from db.models import Job
from db.retention import live_jobs
from db.session import unit_of_work

blp = Blueprint("jobs", __name__, url_prefix="/api/v1", description="Single-image jobs")


def read_json() -> object:
    """The request's JSON body; 400 ``invalid_json`` when it does not parse."""
    try:
        return request.get_json()
    except BadRequest as exc:
        raise ApiError(400, "invalid_json", "the body is not valid JSON") from exc


def upload_filename(name: str | None) -> str | None:
    """The client's file name for display only (never used as a path)."""
    return name.replace("\\", "/").rsplit("/", 1)[-1][:255] or None if name else None


def reject_unknown_parts(known: set[str]) -> None:
    """Multipart bodies are as strict as JSON ones: a part we do not read is an error."""
    unknown = sorted((set(request.files) | set(request.form)) - known)
    if unknown:
        raise ApiError(422, "invalid_request", f"unknown field(s): {', '.join(unknown)}")


WEBHOOK_PARTS = {"webhook", "webhook_events"}


def _read_item() -> tuple[Item, Subscription | None]:
    if request.mimetype == "multipart/form-data":
        reject_unknown_parts({"file", *WEBHOOK_PARTS})
        upload = request.files.get("file")
        if upload is None:
            raise ApiError(400, "missing_file", "a multipart request needs a 'file' field")
        item = bytes_item("upload", upload.read(), upload_filename(upload.filename))
        return item, read_subscription(request.form)
    if request.is_json:
        data = JobCreateSchema().load(read_json())
        if "url" in data:
            return url_item(data["url"]), read_subscription(data)
        return bytes_item("base64", decode_base64(data["image_base64"])), read_subscription(data)
    raise ApiError(
        415,
        "unsupported_media_type",
        "send multipart/form-data with 'file', or JSON with 'image_base64' or 'url'",
    )


def _bind_job(session, job_id: str) -> None:
    bind_work(session, url_for("jobs.get_job", job_id=job_id))


@blp.route("/jobs", methods=["POST"])
@idempotent(blp)
@accepts_json_or_upload(blp, JOB_CREATE_DOC, UploadSchema, JobCreatedSchema)
@submission_limit
def create_job():
    """Classify one image. Answers 202 with the job's id; poll its Location for the result."""
    item, subscription = _read_item()
    job = submit_job(settings(), current_owner(), require_ok(item), subscription, _bind_job)
    return (
        {"id": job.id, "status": job.status},
        202,
        {"Location": url_for("jobs.get_job", job_id=job.id)},
    )


@blp.route("/jobs")
@blp.arguments(ListQuerySchema, location="query")
@blp.response(200, JobPageSchema)
def list_jobs(query):
    """Your single-image jobs (not batch items), newest first; follow ``next_cursor``."""
    kept = settings().retention_s
    with unit_of_work(settings().database_url) as session:
        jobs, cursor = newest_first(
            session, Job, current_owner(), query, Job.batch_id.is_(None), live_jobs(kept)
        )
        items = job_bodies(session, jobs, kept)
    return {"items": items, "next_cursor": cursor}


@blp.route("/jobs/<uuid:job_id>")
@blp.response(200, JobSchema)
@blp.alt_response(404, schema=ErrorSchema)
def get_job(job_id):
    """A job's status and, once it has succeeded, every face found with its label."""
    kept = settings().retention_s
    with unit_of_work(settings().database_url) as session:
        job = session.scalar(
            select(Job).where(Job.id == str(job_id), Job.owner == current_owner(), live_jobs(kept))
        )
        if job is None:  # never yours, or expired (deleted or soon to be)
            raise ApiError(404, "not_found", f"no job {job_id}")
        return job_bodies(session, [job], kept)[0]
