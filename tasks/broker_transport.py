"""kombu's Redis transport with one guard: a channel closed after its transport was.

When Redis goes away while a task is unacknowledged, kombu closes the consumer's channel and
puts the task back on the queue first. If that channel's transport was closed before it, kombu
reads the broker's address from a connection that is gone and raises AttributeError, which
Celery takes as unrecoverable: the worker process exits ("'NoneType' object has no attribute
'hostname'", kombu 5.7.0, seen in CI in tests/faults/test_outages.py). Raising the transport's
own connection error instead lets kombu ignore it, as it ignores any failure to reach a broker
that is down, and Celery reconnects. The task is not lost: the sweeper re-queues its job.
"""

from typing import Any

from kombu.transport import redis
from redis.exceptions import ConnectionError as RedisConnectionError


class Channel(redis.Channel):
    def _connparams(self, asynchronous: bool = False) -> dict[str, Any]:
        if self.connection.client is None:
            raise RedisConnectionError("the broker connection was closed before this channel")
        return super()._connparams(asynchronous)


class Transport(redis.Transport):
    Channel = Channel
