"""Real processes and servers for service tests: Redis, databases, the loopback photo server."""

import contextlib
import os
import subprocess
import sys
import threading
import time
import urllib.parse
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path

import psutil
import requests
from sqlalchemy import create_engine, text

from cli.embedded_redis import free_port
from tests.service.photo_server import serve

REPO = Path(__file__).resolve().parents[2]
POSTGRES_ADMIN_URL = os.environ.get(
    "CELEBCLF_TEST_POSTGRES_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres"
)
REDIS_TEST_URL = os.environ.get("CELEBCLF_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def redis_reachable(url: str) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


def postgres_reachable() -> bool:
    try:
        with create_engine(POSTGRES_ADMIN_URL).connect() as connection:
            connection.execute(text("SELECT 1"))
        return True
    except Exception:
        return False


@contextlib.contextmanager
def postgres_database() -> Iterator[str]:
    """A fresh, empty PostgreSQL database, dropped afterwards."""
    name = f"celebclf_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        from db.session import _engines

        for url in [u for u in _engines if u.endswith(f"/{name}")]:
            _engines.pop(url).dispose()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextlib.contextmanager
def photo_server(root: Path) -> Iterator[str]:
    """An HTTP server on loopback serving ``root``; yields its base URL."""
    server = serve(str(root), 0, host="127.0.0.1")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def url_for_photo(base: str, root: Path, path: Path, delay_s: float = 0) -> str:
    """The photo's URL on ``photo_server``; with ``delay_s`` it answers only after that long."""
    prefix = f"{base}/slow/{delay_s:g}" if delay_s else base
    return f"{prefix}/{urllib.parse.quote(str(path.relative_to(root)))}"


def tamper_model(folder: Path) -> None:
    """One byte more in a model directory's model: its SHA-256 no longer matches the manifest."""
    with (folder / "model.joblib").open("ab") as model:
        model.write(b"\0")


TERMINAL_JOB = ("succeeded", "failed", "canceled")


class ApiClient:
    """A client of a running celebclf API at ``base``: reads, and waits for jobs and batches."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.headers: dict[str, str] = {}  # e.g. the X-API-Key of a keyed service

    def get(self, path: str, timeout: float = 10, **kwargs) -> requests.Response:
        return requests.get(f"{self.base}{path}", headers=self.headers, timeout=timeout, **kwargs)

    def wait_job(self, job_id: str, timeout: float = 60) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            response = self.get(f"/api/v1/jobs/{job_id}")
            body = response.json()  # a 503 (the database coming back) is asked again
            if response.status_code == 200 and body["status"] in TERMINAL_JOB:
                return body
            time.sleep(0.2)
        raise TimeoutError(f"job {job_id} not finished: {body}{self.diagnosis()}")

    def wait_batch(self, batch_id: str, timeout: float = 180) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            response = self.get(f"/api/v1/batches/{batch_id}")
            body = response.json()  # a 503 (the database coming back) is asked again
            if response.status_code == 200 and body["status"] in ("completed", "canceled"):
                return body
            time.sleep(0.3)
        raise TimeoutError(f"batch {batch_id} not finished: {body}{self.diagnosis()}")

    def diagnosis(self) -> str:
        """What a wait that timed out should add to its message; nothing for a bare client."""
        return ""


def pool_processes(service: "Service") -> list[psutil.Process]:
    """The pool processes of the service's live workers: the leaves under each ``worker``
    process (celebclf worker -> its watchdog's Celery worker -> the pool)."""
    workers = [p for name, p in service.processes.items() if name.startswith("worker")]
    tree = [
        child
        for w in workers
        if w.poll() is None
        for child in psutil.Process(w.pid).children(recursive=True)
    ]
    return [process for process in tree if not process.children()]


class Service(ApiClient):
    """API + worker + sweeper as real processes sharing one database and one Redis queue."""

    def __init__(
        self,
        env: dict[str, str],
        log_dir: Path,
        workers: int = 2,
        worker_processes: int = 1,
        api_processes: int = 1,
    ) -> None:
        self.env = env
        self.worker_processes = worker_processes
        self.api_processes = api_processes
        self.port = free_port()
        super().__init__(f"http://127.0.0.1:{self.port}")
        self.log_dir = log_dir
        self.workers = workers
        self.processes: dict[str, subprocess.Popen] = {}

    def spawn(
        self, name: str, *args: str, env: dict[str, str] | None = None, wrap: Sequence[str] = ()
    ) -> subprocess.Popen:
        """``celebclf ARGS`` as process ``name`` (log: name.log), run by ``wrap`` if given."""
        log = (self.log_dir / f"{name}.log").open("ab")
        process = subprocess.Popen(
            [*wrap, sys.executable, "-m", "cli.main", *args],
            cwd=REPO,
            env=env or self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.processes[name] = process
        return process

    def start(self) -> "Service":
        subprocess.run(
            [sys.executable, "-m", "cli.main", "db", "upgrade"],
            cwd=REPO,
            env=self.env,
            check=True,
            capture_output=True,
        )
        self.spawn("api", "api", "--port", str(self.port), "--processes", str(self.api_processes))
        for index in range(self.worker_processes):
            self.spawn(
                f"worker-{index}",
                "worker",
                "--concurrency",
                str(self.workers),
                "--name",
                f"test-{index}",
            )
        self.spawn("sweeper", "sweeper")
        self.wait_ready()
        return self

    def wait_ready(self, timeout: float = 60) -> None:
        """Until /readyz answers 200 and every worker process has said it is ready: the API
        can be up first, and a test's first job or scrape of a worker's /metrics must not
        race the worker's start."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with contextlib.suppress(requests.RequestException):
                if (
                    requests.get(f"{self.base}/readyz", timeout=2).status_code == 200
                    and self.workers_ready()
                ):
                    return
            time.sleep(0.3)
        raise RuntimeError(f"service not ready; see logs in {self.log_dir}")

    def workers_ready(self) -> bool:
        """Whether each worker process started here has logged Celery's "<node> ready."."""
        for index in range(self.worker_processes):
            log = self.log_dir / f"worker-{index}.log"
            lines = log.read_text(errors="replace").splitlines() if log.exists() else []
            if not any(f'"msg": "test-{index}@' in line and ' ready."' in line for line in lines):
                return False
        return True

    def diagnosis(self) -> str:
        """Which processes have exited, with their exit codes and their logs' last lines: a
        batch that never finishes may have lost its worker, or have one alive but quiet."""
        lines = []
        for name, process in self.processes.items():
            if process.poll() is not None:
                log = self.log_dir / f"{name}.log"
                tail = log.read_text(errors="replace").splitlines()[-15:] if log.exists() else []
                lines += [f"{name} exited with {process.returncode}; its log ends:", *tail]
        running = ", ".join(n for n, p in self.processes.items() if p.poll() is None)
        return "\n".join(["", f"running: {running or 'none'}", *lines])

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.terminate()
        for process in self.processes.values():
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
