"""Memory over 1,000 photos: RSS of every worker pool process, the worker's main process, the
API and the sweeper after each 250 photos, to show whether anything grows.

Usage: python -m bench.memory   (PostgreSQL at 127.0.0.1 if reachable, else SQLite)
"""

import tempfile
from pathlib import Path

import psutil
import requests

from bench.service import rss_mib
from tests.conftest import SPORTS
from tests.service.fixtures import service_env
from tests.service.helpers import (
    REDIS_TEST_URL,
    Service,
    photo_server,
    postgres_database,
    postgres_reachable,
    url_for_photo,
)

ROUNDS, PER_ROUND = 4, 250


def mib(process: psutil.Process) -> float:
    return process.memory_info().rss / 2**20


def snapshot(service: Service) -> dict[str, float]:
    """RSS per role; pool children by pid so a recycled child shows up as a new one."""
    worker = psutil.Process(service.processes["worker-0"].pid)
    row = {
        "worker main": mib(worker),
        "sweeper": mib(psutil.Process(service.processes["sweeper"].pid)),
    }
    for child in worker.children():
        row[f"pool pid {child.pid}"] = mib(child)
    row["api (gunicorn, all)"] = rss_mib(service.processes["api"].pid)
    return row


def main() -> None:
    paths = [p for p in sorted(SPORTS.rglob("*")) if p.is_file()]
    rows = []
    with photo_server(SPORTS) as base, tempfile.TemporaryDirectory() as logs:
        urls = [url_for_photo(base, SPORTS, p) for p in paths]
        database = postgres_database() if postgres_reachable() else None
        with database or tempfile.TemporaryDirectory() as target:
            url = target if database else f"sqlite:///{target}/bench.sqlite3"
            env = service_env(url, REDIS_TEST_URL, Path(logs), CELEBCLF_LOG_LEVEL="WARNING",
                              CELEBCLF_MAX_BATCH_URLS="10000")  # fmt: skip
            service = Service(env, Path(logs), workers=2).start()
            try:
                rows.append((0, snapshot(service)))
                for round_ in range(1, ROUNDS + 1):
                    batch = [urls[(round_ * PER_ROUND + i) % len(urls)] for i in range(PER_ROUND)]
                    created = requests.post(f"{service.base}/api/v1/batches", json={"urls": batch})
                    service.wait_batch(created.json()["id"], timeout=900)
                    for page in range(0, PER_ROUND, 100):  # reading results is part of the load
                        service.get(f"/api/v1/batches/{created.json()['id']}/items",
                                    params={"limit": 100, "cursor": page - 1})  # fmt: skip
                    rows.append((round_ * PER_ROUND, snapshot(service)))
            finally:
                service.stop()
    names = sorted({name for _, row in rows for name in row})
    print(f"RSS in MiB after N photos ({'PostgreSQL' if database else 'SQLite'}, 2 pool processes)")
    print(f"{'process':<22}" + "".join(f"{n:>9}" for n, _ in rows) + f"{'250->1000':>11}")
    for name in names:
        values = [row.get(name) for _, row in rows]
        cells = "".join(f"{v:>9.0f}" if v is not None else f"{'-':>9}" for v in values)
        growth = values[-1] - values[1] if None not in (values[1], values[-1]) else float("nan")
        print(f"{name:<22}{cells}{growth:>+11.1f}")


if __name__ == "__main__":
    main()
