"""The sweeper: the database says what should be in flight; this makes the queue agree.

Every ``CELEBCLF_SWEEP_INTERVAL`` seconds, for jobs, examples and training runs alike, it
- hands back running items whose worker vanished (its host silent for
  ``CELEBCLF_HEARTBEAT_TIMEOUT``, or the item older than its hard time limit + margin), and
  sends them again at once, or fails them once they have used all their attempts;
- re-sends ``queued`` items whose message the broker lost (Redis restarted, flushed, or down
  at submit time: db.work.lost_queued says which);
and it queues a training run for owners whose people changed and then stayed quiet for
``CELEBCLF_AUTO_TRAIN_AFTER_S``, and for owners whose examples lack the service pipeline's
descriptors (``CELEBCLF_PIPELINE`` changed: the run describes them again first), and deletes
the work that expired (``CELEBCLF_RETENTION_S``).
Several sweepers may run at once: every change is a compare-and-set, every re-send harmless,
and runs asked for while one waits coalesce.
"""

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from config import Settings
from db import (
    deliveries,
    descriptors,
    examples,
    heartbeats,
    idempotency,
    jobs,
    model_versions,
    retention,
    work,
)
from db.models import utcnow
from db.session import unit_of_work
from tasks import events
from tasks.dispatch import enqueue, enqueue_committed
from tasks.queue_depth import queue_length
from tasks.serving import service_pipeline
from tasks.webhooks import enqueue_deliveries

log = logging.getLogger("celebclf.sweeper")
LIMIT = 5000


@dataclass(frozen=True)
class Sweepable:
    kind: work.WorkKind
    queue: Callable[[Settings], str]
    stale_after_s: Callable[[Settings], int]


SWEEPABLE = (
    Sweepable(jobs.KIND, lambda s: s.queue, lambda s: s.stale_running_after_s),
    Sweepable(examples.KIND, lambda s: s.queue, lambda s: s.stale_running_after_s),
    Sweepable(model_versions.KIND, lambda s: s.training_queue, lambda s: s.stale_training_after_s),
)


@dataclass(frozen=True)
class SweepReport:
    released: int
    given_up: int
    requeued: int
    runs_queued: int = 0


def _sweep_kind(settings: Settings, item: Sweepable, judge_heartbeats: bool) -> SweepReport:
    with unit_of_work(settings.database_url) as session:
        released, given_up = work.release_abandoned(
            session,
            item.kind,
            settings.max_attempts,
            item.stale_after_s(settings),
            settings.heartbeat_timeout_s if judge_heartbeats else None,
        )
    queue_empty = queue_length(item.queue(settings)) == 0
    with unit_of_work(settings.database_url) as session:
        lost = work.lost_queued(session, item.kind, settings.requeue_after_s, queue_empty, LIMIT)
    again = set(released)
    lost = [item_id for item_id in lost if item_id not in again]
    if ids := released + lost:
        enqueue(item.kind, ids)
        with unit_of_work(settings.database_url) as session:
            work.mark_enqueued(session, item.kind, ids)
    return SweepReport(len(released), given_up, len(lost))


def _prune_heartbeats(settings: Settings) -> None:
    """Hosts silent for longer than any staleness: their work is judged by its age alone."""
    longest = max(item.stale_after_s(settings) for item in SWEEPABLE)
    with unit_of_work(settings.database_url) as session:
        heartbeats.prune(session, utcnow() - timedelta(seconds=longest))


def _prune_idempotency_keys(settings: Settings) -> None:
    """Keys past their time no longer replay anything (api.idempotency): drop a chunk."""
    with unit_of_work(settings.database_url) as session:
        idempotency.prune(session, utcnow() - timedelta(seconds=settings.idempotency_ttl_s))


def delete_expired(settings: Settings) -> None:
    """Expired batches and jobs go, a chunk per short transaction (db.retention)."""
    expiry = retention.delete_expired(settings.database_url, settings.retention_s)
    if expiry.rows:
        log.info(
            "expired work deleted",
            extra={
                **expiry.rows,
                "transactions": expiry.transactions,
                "duration_s": round(expiry.seconds, 3),
                "longest_transaction_s": round(expiry.longest_s, 3),
                "all_deleted": expiry.done,
            },
        )


def _request_runs(settings: Settings, owners: list[str], trigger: str) -> int:
    """Queue a run (or find the one waiting) for each owner; returns how many were queued."""
    queued = 0
    for owner in owners:
        with unit_of_work(settings.database_url) as session:
            run, created = model_versions.request(session, owner, trigger, settings.auto_activate)
        if created:
            log.info(
                "automatic training queued",
                extra={
                    "owner": owner,
                    "trigger": trigger,
                    "run_id": run.id,
                    "model_version": run.version,
                },
            )
            enqueue_committed(settings, model_versions.KIND, [run.id])
            queued += 1
    return queued


def schedule_training(settings: Settings) -> int:
    """Queue an automatic run for every owner due one, and a ``pipeline`` run for every owner
    whose examples the service's pipeline has not described; returns how many were queued."""
    with unit_of_work(settings.database_url) as session:
        undescribed = descriptors.owners_lacking(session, service_pipeline(settings))
    queued = _request_runs(settings, undescribed, "pipeline")
    if settings.auto_train_after_s <= 0:
        return queued
    with unit_of_work(settings.database_url) as session:
        due = model_versions.due_for_training(session, settings.auto_train_after_s)
    return queued + _request_runs(settings, due, "auto")


def sweep_webhooks(settings: Settings) -> None:
    """Final events whose announcer died, attempts whose sender died, and retries now due."""
    missed = events.announce_missed(settings)
    with unit_of_work(settings.database_url) as session:
        stuck = deliveries.release_stuck(session, settings.webhook_timeout_s + 60)
        due = deliveries.due(session, settings.requeue_after_s)
    if due:
        enqueue_deliveries(settings, due)
    if missed or stuck:
        log.warning("sweep repaired webhooks", extra={"announced": missed, "released": stuck})


def sweep(settings: Settings, judge_heartbeats: bool = True) -> SweepReport:
    """One pass over every kind of work; ``judge_heartbeats`` False hands back only stale work
    (the database was out of reach until recently, so a host's silence may not be its own)."""
    reports = [_sweep_kind(settings, item, judge_heartbeats) for item in SWEEPABLE]
    _prune_heartbeats(settings)
    _prune_idempotency_keys(settings)
    sweep_webhooks(settings)
    delete_expired(settings)
    for item, report in zip(SWEEPABLE, reports, strict=True):
        if report.released or report.given_up or report.requeued:
            log.warning("sweep repaired work", extra={"kind": item.kind.noun, **vars(report)})
    return SweepReport(
        sum(r.released for r in reports),
        sum(r.given_up for r in reports),
        sum(r.requeued for r in reports),
        schedule_training(settings),
    )


def heartbeat_path(settings: Settings) -> Path:
    """Touched after every successful sweep; a health check reads its age."""
    return settings.data_dir / "sweeper.heartbeat"


def run_forever(settings: Settings) -> None:
    """The sweeper process: sweep, sleep, repeat; a failed sweep is logged and retried."""
    log.info("sweeper started", extra={"interval_s": settings.sweep_interval_s})
    heartbeat = heartbeat_path(settings)
    heartbeat.parent.mkdir(parents=True, exist_ok=True)
    # Since when sweeps have succeeded without a break. Hosts' heartbeats are judged only once
    # that is a heartbeat timeout ago: after the database (or this process) was away, live
    # hosts need that long to beat again, and their silence meanwhile is not theirs.
    in_touch_since: float | None = None
    while True:
        started = time.monotonic()
        if in_touch_since is None:
            in_touch_since = started
        try:
            sweep(settings, started - in_touch_since >= settings.heartbeat_timeout_s)
            heartbeat.touch()
        except Exception:
            in_touch_since = None
            log.exception("sweep failed; retrying next interval")
        time.sleep(settings.sweep_interval_s)
