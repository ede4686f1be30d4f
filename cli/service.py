"""``celebclf db upgrade | api | worker | sweeper``: one part of the service each.

Compose runs each as its own service; ``celebclf up`` runs them all.
"""

import argparse
import ipaddress
import logging
import os
import sys
from pathlib import Path

from config import get_settings
from config.logs import setup_logging
from metrics import directory


def register(commands: argparse._SubParsersAction) -> None:
    db = commands.add_parser("db", help="database schema")
    db.add_argument("action", choices=["upgrade"], help="upgrade: apply every migration")
    db.set_defaults(handler=run_db)

    api = commands.add_parser("api", help="serve the HTTP API and page (gunicorn)")
    api.add_argument("--host", default="127.0.0.1")
    api.add_argument("--port", type=int, default=8000)
    api.add_argument("--processes", type=int, default=2, help="gunicorn worker processes")
    api.add_argument("--threads", type=int, default=4, help="threads per process")
    api.add_argument("--migrate", action="store_true", help="upgrade the database first")
    api.set_defaults(handler=run_api)

    worker = commands.add_parser("worker", help="run a Celery worker that classifies jobs")
    worker.add_argument(
        "--concurrency",
        type=int,
        default=os.cpu_count() or 1,
        help="pool processes (default: number of cores)",
    )
    worker.add_argument(
        "--name", default=f"worker-{os.getpid()}", help="node name, unique per worker"
    )
    worker.add_argument(
        "--queues",
        default="photos,training",
        help="what to work on, comma-separated: photos (classify and enrol), training",
    )
    # set by the watchdog (cli.watchdog) for the Celery worker it runs
    worker.add_argument("--liveness-file", type=Path, help=argparse.SUPPRESS)
    worker.set_defaults(handler=run_worker)

    sweeper = commands.add_parser("sweeper", help="re-queue lost jobs, fail crashing ones")
    sweeper.set_defaults(handler=run_sweeper)


def run_db(_args: argparse.Namespace) -> int:
    from db.migrate import upgrade

    upgrade(get_settings().database_url)
    return 0


def _loopback(host: str) -> bool:
    try:
        return host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def open_api_refusal(host: str, settings) -> str | None:
    """Why the API must not start: it would listen beyond this machine with no API key, so
    anyone who reaches the port could enrol and delete people and read every result. A
    deliberate ``CELEBCLF_ALLOW_OPEN=1`` (behind a proxy that authenticates) lifts it."""
    if settings.api_keys or settings.allow_open or _loopback(host):
        return None
    return (
        f"celebclf api: refusing to listen on {host} with no API key: anyone who reaches the "
        "port could enrol and delete people and read every result. Set CELEBCLF_API_KEYS "
        "(`celebclf keys new OWNER` makes an entry), or CELEBCLF_ALLOW_OPEN=1 to run open "
        "on purpose."
    )


def run_api(args: argparse.Namespace) -> int:
    if refusal := open_api_refusal(args.host, get_settings()):
        print(refusal, file=sys.stderr)
        return 2
    if args.migrate:
        run_db(args)
    directory.prepare(get_settings(), "api")  # gunicorn and its workers inherit it
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "api.wsgi:app",
        "--config",
        "python:api.gunicorn_conf",
        "--bind",
        f"{args.host}:{args.port}",
        "--workers",
        str(args.processes),
        "--threads",
        str(args.threads),
        "--graceful-timeout",
        "20",
        "--access-logfile",
        "-",
    ]
    os.execv(sys.executable, command)


def _require_broker() -> None:
    if not get_settings().redis_url:
        print("REDIS_URL is not set (celebclf up starts a Redis for you)", file=sys.stderr)
        raise SystemExit(2)


def broker_queues(names: str, settings) -> list[str]:
    """``photos,training`` as the broker queue names they stand for."""
    known = {"photos": settings.queue, "training": settings.training_queue}
    chosen = [part.strip() for part in names.split(",") if part.strip()]
    unknown = sorted(set(chosen) - set(known))
    if unknown or not chosen:
        raise SystemExit(f"--queues: choose from photos, training (not {', '.join(unknown)})")
    return [known[name] for name in chosen]


def run_worker(args: argparse.Namespace) -> int:
    """The Celery worker, under its watchdog (cli.watchdog) unless
    ``CELEBCLF_WORKER_STALL_AFTER`` is 0; or, given ``--liveness-file``, the watched worker."""
    _require_broker()
    settings = get_settings()
    setup_logging(settings.log_level)
    queues = broker_queues(args.queues, settings)
    if args.liveness_file is None and settings.worker_stall_after_s > 0:
        from cli.watchdog import run_watched

        return run_watched(args, queues, settings)
    directory.prepare(settings, "worker")  # before anything imports prometheus_client
    from cli.stall import beat_interval_s
    from inference import ModelError
    from tasks.celery_app import celery_app
    from tasks.liveness import liveness_step
    from tasks.runtime import preload

    if args.liveness_file is not None:
        interval_s = beat_interval_s(settings.worker_stall_after_s)
        celery_app.steps["consumer"].add(liveness_step(args.liveness_file, interval_s))
    try:
        preload(settings)  # before the pool forks, and before taking any task
    except ModelError as exc:
        logging.getLogger("celebclf.worker").error("model refused; not starting: %s", exc)
        print(f"celebclf worker: the model cannot be used: {exc}", file=sys.stderr)
        return 2
    celery_app.worker_main(
        [
            "worker",
            "--queues",
            ",".join(queues),
            "--concurrency",
            str(args.concurrency),
            "--hostname",
            f"{args.name}@%h",
            "--loglevel",
            settings.log_level,
            "--without-mingle",
            "--without-gossip",
        ]
    )
    return 0


def run_sweeper(_args: argparse.Namespace) -> int:
    _require_broker()
    from tasks.sweeper import run_forever

    settings = get_settings()
    setup_logging(settings.log_level)
    run_forever(settings)
    return 0
