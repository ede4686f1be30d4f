"""gunicorn hooks, loaded by ``celebclf api`` (``--config python:api.gunicorn_conf``).

They run in gunicorn's master, which serves no request: a worker that exits (a restart, a
timeout) leaves its counters to be summed but takes its live-only gauges with it; at a clean
stop the metrics directory goes too (metrics.directory).
"""

from metrics import directory


def child_exit(_server, worker) -> None:
    directory.process_gone(worker.pid)


def on_exit(_server) -> None:
    directory.remove()
