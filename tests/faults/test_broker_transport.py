"""A channel closed after its transport was must not kill the worker.

The race seen in CI: Redis went away while a task was unacknowledged, kombu closed the
consumer's channel after its transport and raised AttributeError putting the task back, and
Celery took that as unrecoverable. Here the same state is made on purpose against a real
Redis: one message delivered and not acked, then the channel's transport closed first.
"""

import pytest
from kombu import Connection

from tasks.broker_transport import Transport
from tasks.celery_app import celery_app
from tests.faults.servers import RedisServer


@pytest.fixture
def broker(tmp_path):
    server = RedisServer(tmp_path).start()
    yield server
    server.kill()


def closed_after_its_transport(url: str, transport) -> None:
    """Close a channel holding an unacked message after its transport, as kombu does when
    the broker is lost at the wrong moment."""
    with Connection(url, transport=transport) as connection:
        queue = connection.SimpleQueue("celebclf-transport-test")
        queue.put({"job": 1})
        queue.get(timeout=5)  # delivered, not acked
        queue.channel.connection.client = None
        connection.maybe_close_channel(queue.channel)


def test_kombus_own_transport_raises_what_celery_calls_unrecoverable(broker):
    with pytest.raises(AttributeError):
        closed_after_its_transport(broker.url, "redis")


def test_the_guarded_transport_lets_kombu_ignore_it_as_a_connection_error(broker):
    closed_after_its_transport(broker.url, Transport)


def test_celery_uses_the_guarded_transport():
    with celery_app.connection_for_write() as connection:
        assert connection.transport_cls == "tasks.broker_transport:Transport"
        assert isinstance(connection.transport, Transport)
