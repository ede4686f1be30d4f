"""The worker's own database cost a job: claim and result write of URL jobs, median ms.

This is what the service adds to featurizing a photo (with the seed model, ~45 ms a photo,
it shows). Fresh SQLite file and, when reachable, a fresh PostgreSQL database. Every other job
also reads its owner's active model in the claim's transaction, as the worker does since
models switch without a restart (tasks.serving): the two claim columns show what that costs.
Usage: python -m bench.job_overhead [N_JOBS]
"""

import statistics
import sys
import tempfile
import time
from contextlib import nullcontext

from db import jobs, model_versions, owners
from db.migrate import upgrade
from db.models import Job
from db.session import unit_of_work
from tasks.serving import shipped_model
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


def measure(database_url: str, n: int) -> tuple[float, float, float]:
    """(claim ms, claim + active-model read ms, result write ms), each one committed unit of
    work, as the worker does; the two claim kinds alternate job by job."""
    upgrade(database_url)
    with unit_of_work(database_url) as session:
        owners.ensure_owner(session, "bench", shipped_model(None))
    claims: dict[bool, list[float]] = {False: [], True: []}
    writes = []
    for index, job_id in enumerate(url_jobs(database_url, n)):
        read_model = bool(index % 2)
        started = time.perf_counter()
        with unit_of_work(database_url) as session:
            claim, _ = jobs.claim(session, job_id, max_attempts=3, stale_after_s=60)
            if read_model:
                assert model_versions.active(session, claim.owner) is not None
        claimed = time.perf_counter()
        with unit_of_work(database_url) as session:
            assert jobs.succeed(session, claim, [FACE], "bench")
        claims[read_model].append((claimed - started) * 1000)
        writes.append((time.perf_counter() - claimed) * 1000)
    return (
        statistics.median(claims[False]),
        statistics.median(claims[True]),
        statistics.median(writes),
    )


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    postgres = postgres_database() if postgres_reachable() else nullcontext()
    with tempfile.TemporaryDirectory() as folder, postgres as postgres_url:
        targets = {"SQLite": f"sqlite:///{folder}/bench.sqlite3", "PostgreSQL": postgres_url}
        print(f"{n} URL jobs, one at a time  claim ms  + model read ms  result write ms")
        for name, url in targets.items():
            if url:
                claim_ms, with_read_ms, write_ms = measure(url, n)
                print(f"  {name:<25}{claim_ms:>9.2f}{with_read_ms:>17.2f}{write_ms:>17.2f}")


if __name__ == "__main__":
    main()
