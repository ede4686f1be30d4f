"""Webhooks: the owner's signing secret, the ``webhook`` fields of a submit, and each event's
delivery attempts."""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta

from flask_smorest import Blueprint
from sqlalchemy import update

from api.access import current_owner
from api.context import settings
from api.errors import ApiError
from api.learning.context import owner as seeded_owner
from api.schemas import (
    DeliveryListSchema,
    DeliveryQuerySchema,
    ErrorSchema,
    WebhookSecretSchema,
)
from db import deliveries
from db.deliveries import EVENTS, FINAL_EVENTS
from db.models import Batch, Job, Owner, WebhookDelivery, utcnow
from db.session import unit_of_work
from fetch.client import FetchError, checked_address
from webhooks.signing import new_secret

blp = Blueprint("webhooks", __name__, url_prefix="/api/v1", description="Webhooks")
DEFAULT_EVENTS = ("completed", "failed")


@dataclass(frozen=True)
class Subscription:
    """Where a batch's or job's events go and which: stored on its row at submit."""

    url: str
    events: tuple[str, ...]

    def columns(self) -> dict:
        return {
            "webhook_url": self.url,
            "webhook_events": ",".join(self.events),
            "webhook_due": bool(FINAL_EVENTS & set(self.events)),
        }


def _events(value) -> tuple[str, ...]:
    names = value.split(",") if isinstance(value, str) else value
    names = tuple(dict.fromkeys(name.strip() for name in names if name.strip()))
    unknown = sorted(set(names) - set(EVENTS))
    if unknown or not names:
        raise ApiError(
            422,
            "invalid_webhook_events",
            f"webhook_events: choose among {', '.join(EVENTS)}"
            + (f" (not {', '.join(unknown)})" if unknown else ""),
        )
    return names


def _check_address(url: str) -> None:
    """The fetcher's rule: only public addresses, unless CELEBCLF_FETCH_ALLOW_PRIVATE allows."""
    try:
        checked_address(url, settings().fetch_allow_private)
    except FetchError as exc:
        code = "webhook_blocked" if exc.code == "blocked_address" else "invalid_webhook"
        raise ApiError(422, code, f"webhook: {exc.message}") from exc


def read_subscription(fields: Mapping) -> Subscription | None:
    """The ``webhook`` / ``webhook_events`` of a JSON body or form; None without a webhook."""
    url = fields.get("webhook")
    if not url:
        if fields.get("webhook_events"):
            raise ApiError(422, "invalid_webhook", "webhook_events needs a webhook URL")
        return None
    events = _events(fields.get("webhook_events") or DEFAULT_EVENTS)
    _check_address(url)
    with unit_of_work(settings().database_url) as session:
        owner = session.get(Owner, current_owner())
        if owner is None or not owner.webhook_secret:
            raise ApiError(
                422,
                "no_webhook_secret",
                "create a signing secret first: POST /api/v1/webhooks/secret",
            )
    return Subscription(url, events)


@blp.route("/webhooks/secret", methods=["POST"])
@blp.response(201, WebhookSecretSchema)
def rotate_secret():
    """Create or rotate your webhook signing secret. It is shown only in this answer. From
    their next attempt on, events are signed with it and, until ``previous_valid_until``
    (CELEBCLF_WEBHOOK_SECRET_OVERLAP later), with the secret it replaced too."""
    owner, secret, now = seeded_owner(), new_secret(), utcnow()
    until = now + timedelta(seconds=settings().webhook_secret_overlap_s)
    with unit_of_work(settings().database_url) as session:
        replaced = session.scalars(
            update(Owner)
            .where(Owner.owner == owner)
            .values(
                webhook_previous_secret=Owner.webhook_secret,  # the value before this update
                webhook_previous_until=until,
                webhook_secret=secret,
                webhook_secret_at=now,
            )
            .returning(Owner.webhook_previous_secret)
        ).one_or_none()
    return {
        "secret": secret,
        "created_at": now,
        "previous_valid_until": until if replaced else None,
    }


def serialize_delivery(delivery: WebhookDelivery) -> dict:
    return {
        "id": delivery.id,
        "event": delivery.event,
        "url": delivery.url,
        "status": delivery.status,
        "attempts": delivery.attempts,
        "next_attempt_at": delivery.next_attempt_at if delivery.status == "pending" else None,
        "created_at": delivery.created_at,
        "finished_at": delivery.finished_at,
        "tries": delivery.tries,
    }


def _deliveries(model: type[Batch] | type[Job], column, row_id: str, query: dict) -> dict:
    with unit_of_work(settings().database_url) as session:
        row = session.get(model, row_id)
        if row is None or row.owner != current_owner():
            raise ApiError(404, "not_found", f"no {model.__tablename__[:-1]} {row_id}")
        page = deliveries.of_parent(session, column, row_id, query["cursor"], query["limit"] + 1)
    more = len(page) > query["limit"]
    page = page[: query["limit"]]
    return {
        "items": [serialize_delivery(d) for d in page],
        "next_cursor": page[-1].id if more else None,
    }


@blp.route("/batches/<uuid:batch_id>/deliveries")
@blp.arguments(DeliveryQuerySchema, location="query")
@blp.response(200, DeliveryListSchema)
@blp.alt_response(404, schema=ErrorSchema)
def batch_deliveries(query, batch_id):
    """The batch's webhook events, oldest first, each with every attempt and its answer."""
    return _deliveries(Batch, WebhookDelivery.batch_id, str(batch_id), query)


@blp.route("/jobs/<uuid:job_id>/deliveries")
@blp.arguments(DeliveryQuerySchema, location="query")
@blp.response(200, DeliveryListSchema)
@blp.alt_response(404, schema=ErrorSchema)
def job_deliveries(query, job_id):
    """The job's webhook events, oldest first, each with every attempt and its answer."""
    return _deliveries(Job, WebhookDelivery.job_id, str(job_id), query)
