"""The Celery task that makes one delivery attempt, and putting deliveries on the queue.

Retries are not Celery countdowns (a message held for hours in Redis is one a restart can
lose): a failed attempt sets ``next_attempt_at`` and the sweeper sends it when it is due.
"""

import logging
from collections.abc import Sequence

from sqlalchemy.exc import OperationalError

from config import Settings, get_settings
from db import deliveries
from db.models import Owner, utcnow
from db.session import unit_of_work
from metrics.events import record_webhook_delivery
from tasks.celery_app import celery_app
from tasks.storing import store_with_retry
from webhooks.sender import Attempt, post_event
from webhooks.signing import signing_secrets

log = logging.getLogger("celebclf.webhooks")
TASK = "celebclf.deliver_webhook"
OUTCOME = {"succeeded": "delivered", "pending": "retry", "failed": "gave_up"}  # per attempt


def enqueue_deliveries(settings: Settings, ids: Sequence[str]) -> None:
    """Send the deliveries now; if the broker is down the sweeper sends them later."""
    try:
        with celery_app.producer_or_acquire() as producer:
            for delivery_id in ids:
                celery_app.send_task(TASK, (delivery_id,), task_id=delivery_id, producer=producer)
        with unit_of_work(settings.database_url) as session:
            deliveries.mark_enqueued(session, ids)
    except Exception as exc:
        log.warning(
            "webhook enqueue failed; the sweeper will retry",
            extra={"delivery_ids": list(ids)[:10], "error": str(exc)[:300]},
        )


def owner_secrets(owner: Owner | None) -> list[str]:
    """The secrets that sign the owner's events now (a rotated one too, during its overlap)."""
    if owner is None:
        return []
    return signing_secrets(
        owner.webhook_secret,
        owner.webhook_previous_secret,
        owner.webhook_previous_until,
        utcnow(),
    )


def attempt_delivery(settings: Settings, delivery_id: str) -> str:
    """One attempt, if the delivery is due and nobody holds it; returns what happened."""
    with unit_of_work(settings.database_url) as session:
        delivery = deliveries.claim(session, delivery_id)
        owner = delivery and session.get(Owner, delivery.owner)
    if delivery is None:
        return "not_due"
    secrets = owner_secrets(owner)
    if secrets:
        attempt = post_event(
            delivery.url,
            delivery.body,
            secrets,
            delivery.id,
            settings.webhook_timeout_s,
            settings.fetch_allow_private,
        )
    else:
        attempt = Attempt(None, "the owner has no webhook secret", 0)
    # the attempt was made: its record must not be lost to a busy or briefly absent database
    status = store_with_retry(
        settings,
        lambda session: deliveries.record(
            session, delivery, attempt, settings.webhook_retry_schedule_s
        ),
        {"delivery_id": delivery.id},
    )
    record_webhook_delivery(OUTCOME[status])
    log.info(
        "webhook attempt",
        extra={
            "delivery_id": delivery.id,
            "event": delivery.event,
            "attempt": delivery.attempts,
            "status_code": attempt.status_code,
            "error": attempt.error,
            "duration_ms": attempt.duration_ms,
            "status": status,
        },
    )
    return status


@celery_app.task(name=TASK, autoretry_for=(OperationalError,), retry_backoff=1, max_retries=20)
def deliver_webhook(delivery_id: str) -> str:
    return attempt_delivery(get_settings(), delivery_id)
