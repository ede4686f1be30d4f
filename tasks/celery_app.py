"""The Celery application, configured from the environment. Started by ``celebclf worker``.

Photo work (classify, enrol) goes to ``CELEBCLF_QUEUE``, training runs to a queue of their own
with their own time limit, so a worker can be told which to take.

Settings for "nothing accepted is lost" (see docs: RELIABILITY): late acks so a task whose
worker dies is delivered again; a pool child killed mid-task (OOM) is rejected, not acked;
one prefetched task per process; the hard time limit well under the visibility timeout so a
slow task is never redelivered while it still runs. Results live in SQL, not in Celery.
The broker is kombu's Redis transport with a guard that keeps a broker outage from killing
the worker (tasks.broker_transport).
"""

import socket

from celery import Celery

from config import Settings, get_settings

TASK_MODULES = ["tasks.classify", "tasks.dispatch", "tasks.enrol", "tasks.train", "tasks.webhooks"]


def create_celery(settings: Settings) -> Celery:
    app = Celery("celebclf", broker=settings.redis_url, include=TASK_MODULES)
    app.conf.update(
        task_default_queue=settings.queue,
        task_routes={"celebclf.train": {"queue": settings.training_queue}},
        task_annotations={
            "celebclf.train": {
                "time_limit": settings.train_time_limit_s,
                "soft_time_limit": max(1, settings.train_time_limit_s - 10),
            }
        },
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_time_limit=settings.task_time_limit_s,
        task_soft_time_limit=max(1, settings.task_time_limit_s - 10),
        task_ignore_result=True,
        task_serializer="json",
        accept_content=["json"],
        worker_max_memory_per_child=800_000,  # KiB: a leaking child is replaced between tasks
        worker_hijack_root_logger=False,
        worker_send_task_events=False,
        broker_transport="tasks.broker_transport:Transport",  # kombu's Redis, one guard added
        broker_connection_retry_on_startup=True,
        broker_connection_timeout=3,
        broker_transport_options={
            "visibility_timeout": settings.visibility_timeout_s,
            # kombu scans for abandoned messages every interval * throttle seconds: keep it short
            "unacked_restore_interval": 5,
            "unacked_restore_throttle": 1,
            # A connection that died without a word (a host cut off and back, a NAT that
            # forgot it) must fail, or the worker waits on it and stops reading the queue:
            # kombu drops a BRPOP or pub/sub connection whose reply is overdue by
            # health_check_interval (so ~21 s, not 51), a publish times out (BRPOP answers
            # every second, so 30 s is never a healthy wait), idle sockets are probed.
            "socket_timeout": 30,
            "socket_connect_timeout": 5,
            "socket_keepalive": True,
            "socket_keepalive_options": {
                socket.TCP_KEEPIDLE: 10,
                socket.TCP_KEEPINTVL: 5,
                socket.TCP_KEEPCNT: 3,
            },
            "health_check_interval": 10,
        },
        task_publish_retry_policy={
            "max_retries": 2,
            "interval_start": 0,
            "interval_step": 0.2,
            "interval_max": 0.5,
        },
    )
    return app


celery_app = create_celery(get_settings())
