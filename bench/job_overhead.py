"""The worker's own database cost a job: claim and result write of URL jobs, median ms.

This is what the service adds to featurizing a photo (with the seed model, ~45 ms a photo,
it shows). Fresh SQLite file and, when reachable, a fresh PostgreSQL database.
Usage: python -m bench.job_overhead [N_JOBS]
"""

import statistics
import sys
import tempfile
import time
from contextlib import nullcontext

from db import jobs
from db.migrate import upgrade
from db.models import Job
from db.session import unit_of_work
from tests.service.helpers import postgres_database, postgres_reachable

FACE = jobs.FaceRow(1, 2, 30, 30, "someone", 0.9, {"someone": 0.9})


def url_jobs(database_url: str, n: int) -> list[str]:
    with unit_of_work(database_url) as session:
        rows = [
            Job(owner="bench", source="url", url=f"http://photos.test/{i}.jpg", seq=i)
            for i in range(n)
        ]
        session.add_all(rows)
        session.flush()
        return [row.id for row in rows]


def measure(database_url: str, n: int) -> tuple[float, float]:
    """(claim ms, result write ms), each one committed unit of work, as the worker does."""
    upgrade(database_url)
    claims, writes = [], []
    for job_id in url_jobs(database_url, n):
        started = time.perf_counter()
        with unit_of_work(database_url) as session:
            claim, _ = jobs.claim(session, job_id, max_attempts=3, stale_after_s=60)
        claimed = time.perf_counter()
        with unit_of_work(database_url) as session:
            assert jobs.succeed(session, claim, [FACE], "bench")
        claims.append((claimed - started) * 1000)
        writes.append((time.perf_counter() - claimed) * 1000)
    return statistics.median(claims), statistics.median(writes)


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    postgres = postgres_database() if postgres_reachable() else nullcontext()
    with tempfile.TemporaryDirectory() as folder, postgres as postgres_url:
        targets = {"SQLite": f"sqlite:///{folder}/bench.sqlite3", "PostgreSQL": postgres_url}
        print(f"{n} URL jobs, one at a time     claim ms   result write ms")
        for name, url in targets.items():
            if url:
                claim_ms, write_ms = measure(url, n)
                print(f"  {name:<28}{claim_ms:>9.2f}{write_ms:>18.2f}")


if __name__ == "__main__":
    main()
