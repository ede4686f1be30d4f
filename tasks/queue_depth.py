"""How many messages wait in a broker queue: what the sweeper, the backlog metric and the
worker's watchdog read, without importing the tasks."""

from tasks.celery_app import celery_app


def queue_length(queue: str) -> int:
    """Messages waiting in the broker queue (a passive declare fails on an empty Redis queue)."""
    with celery_app.connection_for_read() as connection:
        return connection.default_channel.queue_declare(queue=queue, passive=False).message_count
