"""Before/after of each speed-up of batch intake and result reads, both measured in one run.

- A batch is one multi-row insert and one dispatch message; a worker then enqueues its jobs
  page by page over one broker connection. Before: the API's single-job path
  (``submit_job``: a transaction, a message and a second transaction) once per URL.
- A page of 100 results reads the faces of all its jobs in one query. Before: one query per
  job (N+1).
- Batch status and result pages use the (batch_id, status) and (batch_id, seq) indexes.
  Before: the same queries without them, on a table of 9 batches and the single jobs of the
  "before" intake (100,000 jobs).

Runs on a fresh SQLite file and, when reachable, a fresh PostgreSQL database. Messages go to a
throwaway queue no worker reads, deleted afterwards. Usage: python -m bench.speedups_db [N]
"""

import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable

QUEUE = f"bench-{uuid.uuid4().hex[:8]}"
os.environ["CELEBCLF_QUEUE"] = QUEUE
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/0")

from sqlalchemy import insert, select, text, update  # noqa: E402

from api.intake import Item  # noqa: E402
from api.submit import submit_batch, submit_job  # noqa: E402
from bench.before_after import Row, print_table  # noqa: E402
from bodies.serializers import batch_counts, faces_by_job, serialize_job  # noqa: E402
from config import get_settings  # noqa: E402
from db.migrate import upgrade  # noqa: E402
from db.models import Face, Job, JobStatus  # noqa: E402
from db.session import unit_of_work  # noqa: E402
from tasks.dispatch import dispatch_batch  # noqa: E402
from tests.service.helpers import postgres_database, postgres_reachable  # noqa: E402

BATCHES = 9  # + the single jobs of the naive intake: 10 x N jobs in all
PAGE = 100
INDEXES = ("ix_jobs_batch_status", "ix_jobs_batch_seq")


def seconds(work: Callable[[], object]) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def p50_ms(work: Callable[[int], object], repeats: int = 40) -> float:
    return statistics.median(seconds(lambda i=i: work(i)) * 1000 for i in range(repeats))


def finish_with_one_face(url: str, batch_id: str) -> None:
    """Mark a batch's jobs succeeded with one face each, as a finished batch looks."""
    with unit_of_work(url) as session:
        ids = list(session.scalars(select(Job.id).where(Job.batch_id == batch_id)))
        session.execute(
            update(Job).where(Job.batch_id == batch_id).values(status=JobStatus.succeeded)
        )
        face = {"x": 1, "y": 2, "w": 30, "h": 30, "label": "a", "score": 0.9}
        session.execute(
            insert(Face),
            [{"job_id": i, "idx": 0, **face, "probabilities": {"a": 0.9}} for i in ids],
        )


def page(url: str, batch_id: str, after: int, faces_per_job: bool) -> list[dict]:
    """A page of results as the API builds it; ``faces_per_job``: the N+1 way."""
    with unit_of_work(url) as session:
        rows = list(
            session.scalars(
                select(Job)
                .where(Job.batch_id == batch_id, Job.seq > after)
                .order_by(Job.seq)
                .limit(PAGE)
            )
        )
        if faces_per_job:
            faces = {job.id: faces_by_job(session, [job.id])[job.id] for job in rows}
        else:
            faces = faces_by_job(session, [job.id for job in rows])
        return [serialize_job(job, faces[job.id], None) for job in rows]


def reads(url: str, batch_id: str, n: int) -> tuple[float, float]:
    """(status p50 ms, page p50 ms) at spread-out offsets."""

    def status(_: int) -> None:
        with unit_of_work(url) as session:
            batch_counts(session, batch_id)

    return p50_ms(status), p50_ms(lambda i: page(url, batch_id, i * n // 40, False))


def measure(database_url: str, n: int) -> list[Row]:
    upgrade(database_url)
    os.environ["DATABASE_URL"] = database_url  # the dispatch task reads the process's settings
    get_settings.cache_clear()
    settings = get_settings()
    items = [Item("url", url=f"https://images.example.com/{i}.jpg") for i in range(n)]
    batch_ids: list[str] = []
    accept = seconds(lambda: batch_ids.append(submit_batch(settings, "bench", items)[0].id))
    enqueue = seconds(lambda: dispatch_batch(batch_ids[0]))
    naive = seconds(lambda: [submit_job(settings, "bench", item) for item in items])
    for _ in range(BATCHES - 1):
        batch_ids.append(submit_batch(settings, "bench", items)[0].id)
    finish_with_one_face(database_url, batch_ids[0])
    batch_id = batch_ids[0]
    n_plus_one = p50_ms(lambda i: page(database_url, batch_id, i * n // 40, True))
    status_indexed, page_indexed = reads(database_url, batch_id, n)
    with unit_of_work(database_url) as session:
        for index in INDEXES:
            session.execute(text(f"DROP INDEX {index}"))
        session.execute(text("ANALYZE"))
    status_scan, page_scan = reads(database_url, batch_id, n)
    name = database_url.split(":", 1)[0].split("+")[0]
    return [
        Row(f"{name}: accept {n} URLs (to 202)", naive, accept, "s"),
        Row(
            f"{name}: accept + every job enqueued",
            naive,
            accept + enqueue,
            "s",
            f"enqueue by the worker {enqueue:.2f} s",
        ),
        Row(f"{name}: page of {PAGE} results, faces in 1 query", n_plus_one, page_indexed, "ms"),
        Row(
            f"{name}: batch status, indexed",
            status_scan,
            status_indexed,
            "ms",
            f"{(BATCHES + 1) * n} jobs in the table",
        ),
        Row(f"{name}: page of {PAGE} results, indexed", page_scan, page_indexed, "ms"),
    ]


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    with tempfile.TemporaryDirectory() as folder:
        rows = measure(f"sqlite:///{folder}/bench.sqlite3", n)
    if postgres_reachable():
        with postgres_database() as url:
            rows += measure(url, n)
    from tasks.celery_app import celery_app

    with celery_app.connection_for_write() as connection:
        connection.default_channel.queue_delete(QUEUE)
    print_table("before = the naive way, after = shipped; reads are p50", rows)


if __name__ == "__main__":
    main()
