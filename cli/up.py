"""``celebclf up``: the whole service on one machine, nothing installed beyond pip.

API + worker pool + sweeper as child processes, SQLite under the data directory, and Redis at
``REDIS_URL`` or started here. Ctrl-C stops everything, Redis included.
"""

import argparse
import os
import signal
import subprocess
import sys
import time
import urllib.request

from cli.children import spawn
from cli.embedded_redis import start_redis
from config import get_settings
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
    parser.set_defaults(handler=run)


def _spawn(args: list[str], env: dict[str, str]) -> subprocess.Popen:
    return spawn([sys.executable, "-m", "cli.main", *args], env=env)


def _wait_ready(url: str, children: list[subprocess.Popen]) -> bool:
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        if any(child.poll() is not None for child in children):
            return False
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return True
        except OSError:
            pass
        time.sleep(0.5)
    return False


def _stop(children: list[subprocess.Popen], grace_s: float = 20) -> None:
    for child in children:
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + grace_s
    for child in children:
        try:
            child.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


def run(args: argparse.Namespace) -> int:
    settings = get_settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "CELEBCLF_DATA_DIR": str(settings.data_dir),
        "DATABASE_URL": settings.database_url,
    }
    redis = None
    if not settings.redis_url:
        redis, env["REDIS_URL"] = start_redis(settings.data_dir)
    upgrade(settings.database_url)
    children = [
        _spawn(["api", "--host", args.host, "--port", str(args.port)], env),
        _spawn(["worker", "--concurrency", str(args.workers), "--name", "local"], env),
        _spawn(["sweeper"], env),
    ]
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt))
    base = f"http://{args.host}:{args.port}"
    try:
        if not _wait_ready(f"{base}/readyz", children):
            print("celebclf up: the service did not become ready; stopping", file=sys.stderr)
            return 1
        print(
            f"\ncelebclf is up ({args.workers} worker processes)\n"
            f"  page:    {base}/\n  API:     {base}/api/v1/\n  OpenAPI: {base}/openapi.json\n"
            f"  data:    {settings.data_dir}\nPress Ctrl-C to stop.\n",
            flush=True,
        )
        while all(child.poll() is None for child in children):
            time.sleep(1)
        print("celebclf up: a component exited; stopping the rest", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\ncelebclf up: stopping", file=sys.stderr)
        return 0
    finally:
        _stop(children)
        if redis is not None:
            _stop([redis], grace_s=5)
