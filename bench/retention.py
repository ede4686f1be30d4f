"""Deleting expired work while the service is in use: how long, and what it costs others.

A fresh PostgreSQL database gets N finished jobs that expired days ago (batches of 1,000 and
some single jobs, two faces each: server-side ``generate_series`` inserts), plus live work.
A real API process serves it. A client thread keeps reading a live job and a live batch
through the API and writing a job with a face through SQLAlchemy (as a worker does), first
for a while alone, then while the sweeper's deletion (db.retention.delete_expired, sweep
after sweep with its budget, as tasks.sweeper calls it) removes everything expired.
Usage: python -m bench.retention [N_JOBS]
"""

import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import redis
import requests
from sqlalchemy import func, select, text

from db import retention
from db.migrate import upgrade
from db.models import Face, Job, JobStatus, utcnow
from db.session import unit_of_work
from tests.service.fixtures import service_env
from tests.service.helpers import REDIS_TEST_URL, Service, postgres_database

BATCH = 1000
SINGLES = 5000
BEFORE_S = 10.0
RETENTION_S = 30 * 24 * 3600

FILL = """
WITH b AS (
    INSERT INTO batches (id, owner, total, created_at)
    SELECT gen_random_uuid()::text, 'bench', :batch, now() - interval '40 days'
    FROM generate_series(1, :batches) RETURNING id
), j AS (
    INSERT INTO jobs (id, batch_id, seq, owner, source, url, status, attempts, created_at,
                      updated_at, finished_at)
    SELECT gen_random_uuid()::text, {batch_id}, s, 'bench', 'url', 'http://photos.test/' || s,
           'succeeded', 1, now() - interval '40 days', now() - interval '35 days',
           now() - interval '35 days' - s * interval '1 second'
    FROM {rows} RETURNING id
)
INSERT INTO faces (job_id, idx, x, y, w, h, label, score, probabilities)
SELECT j.id, i, 10, 20, 30, 30, 'someone', 0.9, '{{"someone": 0.9}}'
FROM j CROSS JOIN generate_series(0, 1) AS i
"""
IN_BATCHES = FILL.format(batch_id="b.id", rows="b CROSS JOIN generate_series(0, :batch - 1) AS s")
SINGLE = FILL.format(batch_id="NULL", rows="generate_series(1, :singles) AS s")


def fill(url: str, n: int) -> dict[str, int]:
    """Expired work: n - SINGLES jobs in batches of BATCH, SINGLES single jobs."""
    batches = (n - SINGLES) // BATCH
    with unit_of_work(url) as session:
        session.execute(text(IN_BATCHES), {"batch": BATCH, "batches": batches})
        session.execute(text(SINGLE), {"batch": BATCH, "batches": 0, "singles": SINGLES})
        session.execute(text("ANALYZE"))
        counts = {
            table: session.scalar(text(f"SELECT count(*) FROM {table}"))
            for table in ("batches", "jobs", "faces")
        }
    return counts


def live_work(service: Service) -> tuple[str, str]:
    """A live single job and a live batch, as the API's clients make them (never processed)."""
    job = requests.post(f"{service.base}/api/v1/jobs", json={"url": "http://photos.test/a.jpg"})
    urls = [f"http://photos.test/{i}.jpg" for i in range(100)]
    batch = requests.post(f"{service.base}/api/v1/batches", json={"urls": urls})
    return job.json()["id"], batch.json()["id"]


class Client(threading.Thread):
    """API reads and SQL writes in a loop; latencies (ms) by phase and kind."""

    def __init__(self, service: Service, url: str, job_id: str, batch_id: str) -> None:
        super().__init__(daemon=True)
        self.service, self.url, self.job_id, self.batch_id = service, url, job_id, batch_id
        self.phase, self.stop = "before", threading.Event()
        self.ms: dict[tuple[str, str], list[float]] = {}

    def timed(self, kind: str, work) -> None:
        started = time.perf_counter()
        work()
        self.ms.setdefault((self.phase, kind), []).append((time.perf_counter() - started) * 1000)

    def read(self) -> None:
        for path in (f"/api/v1/jobs/{self.job_id}", f"/api/v1/batches/{self.batch_id}"):
            assert self.service.get(path).status_code == 200

    def write(self) -> None:
        with unit_of_work(self.url) as session:
            job = Job(
                owner="bench", source="url", url="http://x/", status=JobStatus.succeeded,
                finished_at=utcnow(),
            )  # fmt: skip
            session.add(job)
            session.flush()
            session.add(Face(job_id=job.id, idx=0, x=1, y=2, w=3, h=4, label="a", score=0.9,
                             probabilities={"a": 0.9}))  # fmt: skip
            session.flush()
            session.scalar(select(func.count()).select_from(Face).where(Face.job_id == job.id))

    def run(self) -> None:
        while not self.stop.is_set():
            self.timed("API read", self.read)
            self.timed("SQL write", self.write)


def delete_all(url: str) -> tuple[float, int, int, float, Counter]:
    """Sweeps until nothing expired is left: (seconds, sweeps, transactions, longest s, rows)."""
    started, sweeps, transactions, longest, rows = time.monotonic(), 0, 0, 0.0, Counter()
    done = False
    while not done:
        expiry = retention.delete_expired(url, RETENTION_S)
        sweeps, transactions = sweeps + 1, transactions + expiry.transactions
        longest, done = max(longest, expiry.longest_s), expiry.done
        rows += expiry.rows
    return time.monotonic() - started, sweeps, transactions, longest, rows


def left(url: str) -> dict[str, int]:
    """Rows of the expired work still there (the bench's own owner, before the live writes)."""
    with unit_of_work(url) as session:
        return {
            table: session.scalar(text(f"SELECT count(*) FROM {table} WHERE {where}"))
            for table, where in (
                ("batches", "owner = 'bench'"),
                ("jobs", "owner = 'bench' AND url LIKE 'http://photos.test/%'"),
                ("faces", "label = 'someone'"),
            )
        }


def summary(values: list[float]) -> tuple[float, float, float]:
    ordered = sorted(values)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return statistics.median(ordered), p99, ordered[-1]


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    with postgres_database() as url, tempfile.TemporaryDirectory() as folder:
        upgrade(url)
        started = time.monotonic()
        counts = fill(url, n)
        print(f"filled {counts} in {time.monotonic() - started:.1f} s")
        service = Service(service_env(url, REDIS_TEST_URL, Path(folder)), Path(folder))
        service.spawn("api", "api", "--port", str(service.port), "--processes", "1")
        try:
            service.wait_ready()
            client = Client(service, url, *live_work(service))
            client.start()
            time.sleep(BEFORE_S)
            client.phase = "during"
            seconds, sweeps, transactions, longest, rows = delete_all(url)
            client.stop.set()
            client.join()
            remaining = left(url)
        finally:
            service.stop()
            redis.Redis.from_url(REDIS_TEST_URL).delete(service.env["CELEBCLF_QUEUE"])
    deleted = sum(rows.values())
    print(f"left of the expired work: {remaining}")
    print(f"deleted {dict(rows)} in {seconds:.2f} s: {deleted / seconds:,.0f} rows/s, "
          f"{rows['jobs'] / seconds:,.0f} jobs/s")  # fmt: skip
    print(f"{sweeps} sweeps of <= {retention.BUDGET_S:g} s, {transactions} transactions "
          f"of <= {retention.CHUNK} jobs; longest transaction {longest * 1000:.0f} ms")  # fmt: skip
    print(f"{'':<11}{'phase':<8}{'n':>6}{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}")
    for kind in ("API read", "SQL write"):
        figures = {phase: summary(client.ms[(phase, kind)]) for phase in ("before", "during")}
        for phase, (p50, p99, top) in figures.items():
            count = len(client.ms[(phase, kind)])
            print(f"{kind:<11}{phase:<8}{count:>6}{p50:>9.1f}{p99:>9.1f}{top:>9.1f}")
        ratios = [d / b for b, d in zip(figures["before"], figures["during"], strict=True)]
        print(f"{kind:<11}{'ratio':<14}{ratios[0]:>9.2f}{ratios[1]:>9.2f}{ratios[2]:>9.2f}")


if __name__ == "__main__":
    main()
