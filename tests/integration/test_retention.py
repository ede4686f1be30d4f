"""Retention on SQLite and PostgreSQL: what counts as expired, and chunked deletion of it."""

from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from db import retention
from db.models import Batch, Face, Job, JobStatus, Payload, utcnow
from db.session import unit_of_work

DAY = timedelta(days=1)
RETENTION_S = 7 * 24 * 3600
FACE = {"idx": 0, "x": 1, "y": 2, "w": 30, "h": 30, "label": "a", "score": 0.9}


def add_batch(url: str, created: datetime, ends: list[datetime | None]) -> tuple[str, list[str]]:
    """A batch with one item per entry of ``ends`` (None: still running), each with a face
    and a payload; returns (batch id, item ids)."""
    with unit_of_work(url) as session:
        batch = Batch(owner="t", total=len(ends), created_at=created)
        session.add(batch)
        session.flush()
        return batch.id, [
            add_job(session, created, end, batch.id, seq) for seq, end in enumerate(ends)
        ]


def add_job(session, created: datetime, end: datetime | None, batch_id=None, seq=0) -> str:
    status = JobStatus.running if end is None else JobStatus.succeeded
    job = Job(
        owner="t", source="upload", batch_id=batch_id, seq=seq, status=status,
        created_at=created, updated_at=end or created, finished_at=end,
    )  # fmt: skip
    session.add(job)
    session.flush()
    session.add_all(
        [Face(job_id=job.id, **FACE, probabilities={"a": 0.9}), Payload(job_id=job.id, data=b"x")]
    )
    return job.id


def add_single(url: str, created: datetime, end: datetime | None) -> str:
    with unit_of_work(url) as session:
        return add_job(session, created, end)


def counts(url: str) -> dict[str, int]:
    with unit_of_work(url) as session:
        return {
            m.__tablename__: session.scalar(select(func.count()).select_from(m))
            for m in (Batch, Job, Face, Payload)
        }


def ids(url: str, model) -> set[str]:
    with unit_of_work(url) as session:
        return set(session.scalars(select(model.id)))


@pytest.fixture
def work(db_url):
    """Old finished work, old work with something unfinished or recent in it, recent work."""
    now, old = utcnow(), utcnow() - 30 * DAY
    gone_batch, gone_items = add_batch(db_url, old, [old + DAY, old + 2 * DAY, old + DAY])
    running_batch, running_items = add_batch(db_url, old, [old + DAY, None])
    recent_end_batch, _ = add_batch(db_url, old, [old + DAY, now - DAY])
    empty_batch, _ = add_batch(db_url, old, [])
    gone_single = add_single(db_url, old, old + DAY)
    kept_singles = {add_single(db_url, old, None), add_single(db_url, now - DAY, now - DAY)}
    return {
        "gone_batches": {gone_batch, empty_batch},
        "kept_batches": {running_batch, recent_end_batch},
        "gone_jobs": {*gone_items, gone_single},
        "old_item_of_running_batch": running_items[0],
        "kept_singles": kept_singles,
        "gone_batch": gone_batch,
        "running_batch": running_batch,
        "old": old,
    }


def test_expired_means_finished_before_the_cutoff(db_url, work):
    before = retention.cutoff(RETENTION_S)
    with unit_of_work(db_url) as session:
        expired_batches = set(
            session.scalars(select(Batch.id).where(retention.expired_batch(before)))
        )
        live_jobs = set(session.scalars(select(Job.id).where(retention.live_jobs(RETENTION_S))))
        ends = retention.batch_ends(session, [work["gone_batch"], work["running_batch"]])
    assert expired_batches == work["gone_batches"]
    assert live_jobs == ids(db_url, Job) - work["gone_jobs"]
    assert work["old_item_of_running_batch"] in live_jobs, "an item goes with its batch only"
    assert ends == {work["gone_batch"]: work["old"] + 2 * DAY, work["running_batch"]: None}


def test_chunks_delete_expired_work_with_its_rows_and_nothing_else(db_url, work):
    before, limit, chunks = retention.cutoff(RETENTION_S), 2, []
    kept_jobs = ids(db_url, Job) - work["gone_jobs"]
    while True:
        with unit_of_work(db_url) as session:
            chunk = retention.delete_chunk(session, before, limit)
        if not chunk:
            break
        chunks.append(chunk)
    assert all(chunk["jobs"] <= limit for chunk in chunks) and len(chunks) >= 2
    assert sum(chunk["jobs"] for chunk in chunks) == len(work["gone_jobs"]) == 4
    assert sum(chunk["faces"] + chunk["payloads"] for chunk in chunks) == 8
    assert sum(chunk["batches"] for chunk in chunks) == 2
    assert ids(db_url, Job) == kept_jobs
    assert ids(db_url, Batch) == work["kept_batches"]
    with unit_of_work(db_url) as session:  # no orphans: every face and payload has its job
        assert set(session.scalars(select(Face.job_id))) == kept_jobs
        assert set(session.scalars(select(Payload.job_id))) == kept_jobs


def test_a_sweep_deletes_everything_expired_and_reports_it(db_url, work):
    expiry = retention.delete_expired(db_url, RETENTION_S)
    assert expiry.done and expiry.transactions == 2  # one that deletes, one that finds nothing
    assert dict(expiry.rows) == {"batches": 2, "jobs": 4, "faces": 4, "payloads": 4}
    assert 0 < expiry.longest_s <= expiry.seconds
    assert ids(db_url, Batch) == work["kept_batches"]


def test_retention_zero_keeps_everything(db_url, work):
    before = counts(db_url)
    expiry = retention.delete_expired(db_url, 0)
    assert expiry.done and expiry.transactions == 0 and not expiry.rows
    assert counts(db_url) == before
    with unit_of_work(db_url) as session:
        live = select(func.count()).select_from(Batch).where(retention.live_batches(0))
        assert session.scalar(live) == 4
    assert retention.expires_at(utcnow(), 0) is None


def test_a_spent_budget_leaves_the_rest_for_the_next_sweep(db_url, work):
    expiry = retention.delete_expired(db_url, RETENTION_S, budget_s=0)
    assert not expiry.done and expiry.transactions == 0
    assert retention.delete_expired(db_url, RETENTION_S).rows["jobs"] == 4
