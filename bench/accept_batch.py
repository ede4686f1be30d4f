"""Front door: time to accept a 10,000-URL batch, and GET status of it (p50/p95).

Runs the real Flask app (test client, no network noise) on a fresh SQLite file and, when
reachable, a fresh PostgreSQL database. Messages go to a throwaway queue no worker reads,
which is deleted afterwards. Usage: python -m bench.accept_batch [N_URLS]
"""

import os
import statistics
import sys
import tempfile
import time
import uuid

QUEUE = f"bench-{uuid.uuid4().hex[:8]}"
os.environ["CELEBCLF_QUEUE"] = QUEUE
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/0")

from api import create_app  # noqa: E402
from config import Settings  # noqa: E402
from db.migrate import upgrade  # noqa: E402
from tests.service.helpers import postgres_database, postgres_reachable  # noqa: E402


def measure(database_url: str, n_urls: int) -> dict[str, float]:
    upgrade(database_url)
    settings = Settings.from_env({**os.environ, "DATABASE_URL": database_url})
    client = create_app(settings).test_client()
    urls = [f"https://images.example.com/photos/{i}.jpg" for i in range(n_urls)]
    started = time.perf_counter()
    response = client.post("/api/v1/batches", json={"urls": urls})
    accept_s = time.perf_counter() - started
    assert response.status_code == 202, response.json
    batch_id = response.json["id"]
    timings = []
    for _ in range(50):
        started = time.perf_counter()
        assert client.get(f"/api/v1/batches/{batch_id}").status_code == 200
        timings.append((time.perf_counter() - started) * 1000)
    page = time.perf_counter()
    assert client.get(f"/api/v1/batches/{batch_id}/items?limit=100").status_code == 200
    page_ms = (time.perf_counter() - page) * 1000
    timings.sort()
    return {
        "accept_s": accept_s,
        "status_p50_ms": statistics.median(timings),
        "status_p95_ms": timings[int(len(timings) * 0.95) - 1],
        "items_page_ms": page_ms,
    }


def main() -> None:
    n_urls = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        rows.append(("sqlite", measure(f"sqlite:///{folder}/bench.sqlite3", n_urls)))
    if postgres_reachable():
        with postgres_database() as url:
            rows.append(("postgresql", measure(url, n_urls)))
    from tasks.celery_app import celery_app

    with celery_app.connection_for_write() as connection:
        connection.default_channel.queue_delete(QUEUE)
    print(f"accepting a batch of {n_urls} URLs (targets: accept <= 2 s, status p95 <= 20 ms)")
    print(
        f"{'database':<12}{'accept s':>10}{'status p50 ms':>15}{'status p95 ms':>15}"
        f"{'items page ms':>15}"
    )
    for name, r in rows:
        print(
            f"{name:<12}{r['accept_s']:>10.2f}{r['status_p50_ms']:>15.1f}"
            f"{r['status_p95_ms']:>15.1f}{r['items_page_ms']:>15.1f}"
        )


if __name__ == "__main__":
    main()
