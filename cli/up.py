"""``celebclf up``: the whole service on one machine, nothing installed beyond pip.

API + worker pool + sweeper as child processes, SQLite under the data directory, and Redis at
``REDIS_URL`` or started here. A child that exits is started again (cli.supervisor); only
Ctrl-C or SIGTERM stops everything, Redis last.
"""

import argparse
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

from cli.children import spawn
from cli.embedded_redis import free_port, start_redis
from cli.supervisor import Child, GaveUp, Supervisor
from config import get_settings
from config.logs import setup_logging
from config.settings import parse_networks
from db.migrate import upgrade

READY_TIMEOUT_S = 90


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("up", help="run the whole service locally (API, workers, sweeper)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument(
        "--workers",
        type=int,
        default=os.cpu_count() or 1,
        help="worker processes (default: number of cores)",
    )
    parser.add_argument(
        "--allow-private",
        metavar="CIDRS",
        type=_allowed_networks,
        help="comma-separated private networks URL fetching may reach, e.g. 127.0.0.0/8 for "
        "photos served on this machine (sets CELEBCLF_FETCH_ALLOW_PRIVATE; default: none)",
    )
    parser.set_defaults(handler=run)


def _allowed_networks(text: str) -> str:
    """The option's value as CELEBCLF_FETCH_ALLOW_PRIVATE takes it, refused at once if bad."""
    try:
        return ",".join(str(network) for network in parse_networks(text))
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def _command(args: list[str], env: dict[str, str]) -> Callable[[], subprocess.Popen]:
    return lambda: spawn([sys.executable, "-m", "cli.main", *args], env=env)


def _redis(data_dir: Path) -> tuple[Child, str]:
    """The embedded Redis and its URL: one port for good, so the others reconnect to a
    restarted Redis."""
    port = free_port()
    child = Child("redis", lambda: start_redis(data_dir, port)[0], grace_s=5)
    return child, f"redis://127.0.0.1:{port}/0"


def _service(args: argparse.Namespace, env: dict[str, str]) -> list[Child]:
    worker = ["worker", "--concurrency", str(args.workers), "--name", "local"]
    return [
        Child("api", _command(["api", "--host", args.host, "--port", str(args.port)], env)),
        Child("worker", _command(worker, env)),
        Child("sweeper", _command(["sweeper"], env)),
    ]


def _port_taken(host: str, port: int) -> bool:
    """Whether something already listens where the API would (another ``celebclf up``, say):
    said at once, rather than after the API failed to bind four times in a row."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as gunicorn binds
        try:
            probe.bind((host, port))
        except OSError:
            return True
    return False


def _wait_ready(url: str, supervisor: Supervisor) -> bool:
    """True once ``url`` answers 200. False after READY_TIMEOUT_S, unless a child is still
    exiting and being restarted: then the supervisor's give-up rule decides (GaveUp)."""
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline or supervisor.unsettled():
        supervisor.tend()
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return True
        except OSError:
            pass
        time.sleep(0.5)
    return False


def run(args: argparse.Namespace) -> int:
    settings = get_settings()
    setup_logging(settings.log_level)
    if _port_taken(args.host, args.port):
        print(
            f"celebclf up: {args.host}:{args.port} is already in use; choose another --port",
            file=sys.stderr,
        )
        return 1
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "CELEBCLF_DATA_DIR": str(settings.data_dir),
        "DATABASE_URL": settings.database_url,
        # the workers' /metrics beside the API's (docs/metrics.md)
        "CELEBCLF_WORKER_METRICS_PORT": os.environ.get(
            "CELEBCLF_WORKER_METRICS_PORT", str(args.port + 1)
        ),
    }
    if args.allow_private:
        env["CELEBCLF_FETCH_ALLOW_PRIVATE"] = args.allow_private
    infrastructure = []
    if not settings.redis_url:
        redis, env["REDIS_URL"] = _redis(settings.data_dir)
        infrastructure.append(redis)
    upgrade(settings.database_url)
    supervisor = Supervisor([infrastructure, _service(args, env)])
    # Both stop everything, also where SIGINT came ignored (started in a shell's background).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt))
    base = f"http://{args.host}:{args.port}"
    try:
        supervisor.start()
        if not _wait_ready(f"{base}/readyz", supervisor):
            print("celebclf up: the service did not become ready; stopping", file=sys.stderr)
            return 1
        print(
            f"\ncelebclf is up ({args.workers} worker processes)\n"
            f"  page:    {base}/\n  API:     {base}/api/v1/\n  OpenAPI: {base}/openapi.json\n"
            f"  data:    {settings.data_dir}\n"
            f"  fetches may reach private addresses in: "
            f"{env.get('CELEBCLF_FETCH_ALLOW_PRIVATE') or 'none (--allow-private CIDRS)'}\n"
            "Press Ctrl-C to stop.\n",
            flush=True,
        )
        while True:
            supervisor.tend()
            time.sleep(0.5)
    except GaveUp as exc:
        print(f"celebclf up: {exc}; stopping", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\ncelebclf up: stopping", file=sys.stderr)
        return 0
    finally:
        supervisor.stop()
