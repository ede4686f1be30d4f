"""The job state machine on SQLite and PostgreSQL: one claim, one result, bounded attempts."""

import os
import socket
import subprocess
import sys
import threading
from datetime import timedelta

from sqlalchemy import func, select, update

from db import heartbeats, jobs, work
from db.models import Face, Job, JobStatus, Payload, utcnow
from db.session import unit_of_work

FACE = jobs.FaceRow(1, 2, 30, 30, "roger_federer", 0.9, {"roger_federer": 0.9})


def new_job(url: str, data: bytes | None = b"bytes", photo_url: str | None = None) -> str:
    with unit_of_work(url) as session:
        source = "url" if photo_url else "upload"
        job = Job(owner="t", source=source, url=photo_url, status=JobStatus.queued)
        session.add(job)
        session.flush()
        if data is not None:
            session.add(Payload(job_id=job.id, data=data))
        return job.id


def claim(url: str, job_id: str, stale_after: int = 60, max_attempts: int = 3):
    with unit_of_work(url) as session:
        return jobs.claim(session, job_id, max_attempts, stale_after)


def row(url: str, job_id: str) -> Job:
    with unit_of_work(url) as session:
        return session.get(Job, job_id)


def test_a_job_is_claimed_once_and_written_once(db_url):
    job_id = new_job(db_url)
    first, _ = claim(db_url, job_id)
    assert first is not None and first.attempt == 1 and first.data == b"bytes"
    assert claim(db_url, job_id) == (None, False)
    with unit_of_work(db_url) as session:
        assert jobs.succeed(session, first, [FACE, FACE], "m1")
    with unit_of_work(db_url) as session:
        assert not jobs.succeed(session, first, [FACE], "m1"), "second write is refused"
        assert session.scalar(select(func.count()).select_from(Face)) == 2
        assert session.get(Payload, job_id) is None, "bytes deleted when the job ends"
    assert row(db_url, job_id).status == "succeeded"


def test_a_url_job_is_claimed_with_its_url_and_no_bytes(db_url):
    job_id = new_job(db_url, data=None, photo_url="http://photos.test/a.jpg")
    taken, _ = claim(db_url, job_id)
    assert (taken.source, taken.url, taken.data, taken.attempt) == (
        "url",
        "http://photos.test/a.jpg",
        None,
        1,
    )
    with unit_of_work(db_url) as session:
        assert jobs.succeed(session, taken, [FACE], "m1")
    assert row(db_url, job_id).status == "succeeded"


def test_concurrent_claims_have_one_winner(db_url):
    job_id = new_job(db_url)
    results, barrier = [], threading.Barrier(4)

    def contender():
        barrier.wait()
        results.append(claim(db_url, job_id)[0])

    threads = [threading.Thread(target=contender) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(result is not None for result in results) == 1


def test_abandoned_running_job_is_reclaimed_and_the_old_attempt_cannot_write(db_url):
    job_id = new_job(db_url)
    old, _ = claim(db_url, job_id)
    with unit_of_work(db_url) as session:
        session.execute(
            update(Job).where(Job.id == job_id).values(updated_at=utcnow() - timedelta(seconds=120))
        )
    new, _ = claim(db_url, job_id, stale_after=60)
    assert new is not None and new.attempt == 2
    with unit_of_work(db_url) as session:
        assert not jobs.fail(session, old, "timeout", "late")
        assert jobs.fail(session, new, "corrupt_image", "bad")
    job = row(db_url, job_id)
    assert (job.status, job.error_code, job.attempts) == ("failed", "corrupt_image", 2)


def test_a_job_whose_host_stopped_beating_is_released_and_its_late_result_refused(db_url):
    """The sweeper's rule: a host silent for longer than the timeout loses its running jobs
    long before they go stale; a beating host, or one that never beat, keeps them. Its late
    result, when it wakes up, is refused (the compare-and-set on attempts)."""
    now = utcnow()
    with unit_of_work(db_url) as session:
        heartbeats.beat(session, "gone-host", now - timedelta(seconds=30))
        heartbeats.beat(session, "live-host", now)
    held, claims = {}, {}
    for holder in ("gone-host:7", "live-host:7", "never-beat:7", "gone-host-2:7"):
        held[holder] = new_job(db_url)
        claims[holder], _ = claim(db_url, held[holder])
        with unit_of_work(db_url) as session:
            session.execute(update(Job).where(Job.id == held[holder]).values(claimed_by=holder))
    late = claims["gone-host:7"]
    with unit_of_work(db_url) as session:
        released = jobs.release_abandoned(session, 3, stale_after_s=600, silent_after_s=20)
    assert released == ([held["gone-host:7"]], 0)
    taken, _ = claim(db_url, held["gone-host:7"])
    assert taken.attempt == 2
    with unit_of_work(db_url) as session:
        assert not jobs.succeed(session, late, [FACE], "m1"), "the late result was written"
        assert jobs.succeed(session, taken, [FACE], "m1")
    statuses = [row(db_url, held[holder]).status for holder in held]
    assert statuses == ["succeeded", "running", "running", "running"]


def test_a_job_whose_local_process_died_is_reclaimed_at_once(db_url):
    """Killed pool child: its job is taken over at once; a live or remote holder keeps it."""
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    host = socket.gethostname()
    job_id = new_job(db_url)
    assert claim(db_url, job_id)[0] is not None
    assert row(db_url, job_id).claimed_by == f"{host}:{os.getpid()}"
    for holder, claimable in [
        (f"{host}:{os.getpid()}", False),  # alive
        (f"another-host:{dead.pid}", False),  # cannot be checked from here: wait to go stale
        (f"{host}:{dead.pid}", True),
    ]:
        with unit_of_work(db_url) as session:
            session.execute(update(Job).where(Job.id == job_id).values(claimed_by=holder))
        taken, _ = claim(db_url, job_id, stale_after=600)
        assert (taken is not None) == claimable, holder
    assert row(db_url, job_id).attempts == 2


def test_a_dead_holder_seen_by_the_sweeper_does_not_release_the_next_attempt(db_url):
    """The sweeper reads the holders, finds one dead; before it writes, the redelivered task
    claims the job again in a live process. The release must match that dead holder only, so
    the live attempt keeps its job (it was failed as too_many_attempts under it, in CI)."""
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    job_id = new_job(db_url)
    assert claim(db_url, job_id)[0] is not None
    with unit_of_work(db_url) as session:
        session.execute(
            update(Job)
            .where(Job.id == job_id)
            .values(claimed_by=f"{socket.gethostname()}:{dead.pid}")
        )
    with unit_of_work(db_url) as session:  # what the sweeper saw
        held_by_dead = work._held_by_dead_local_processes(session, jobs.KIND)
    assert held_by_dead is not None
    assert claim(db_url, job_id, stale_after=600)[0] is not None  # taken over: attempt 2
    with unit_of_work(db_url) as session:  # what the sweeper then writes
        released = session.execute(update(Job).where(held_by_dead).values(status="queued"))
        assert released.rowcount == 0
    job = row(db_url, job_id)
    assert (job.status, job.attempts) == (JobStatus.running, 2)
    assert job.claimed_by == f"{socket.gethostname()}:{os.getpid()}"


def test_a_job_that_keeps_crashing_ends_failed(db_url):
    job_id = new_job(db_url)
    for _ in range(3):
        assert claim(db_url, job_id, max_attempts=3)[0] is not None
        with unit_of_work(db_url) as session:
            session.execute(
                update(Job)
                .where(Job.id == job_id)
                .values(updated_at=utcnow() - timedelta(seconds=120))
            )
    assert claim(db_url, job_id, max_attempts=3) == (None, True)
    job = row(db_url, job_id)
    assert (job.status, job.error_code) == ("failed", "too_many_attempts")


def test_canceled_job_is_not_claimed(db_url):
    job_id = new_job(db_url, data=None)
    with unit_of_work(db_url) as session:
        session.execute(update(Job).where(Job.id == job_id).values(status=JobStatus.canceled))
    assert claim(db_url, job_id) == (None, False)


def test_sweeper_release_requeues_or_gives_up_and_drops_the_bytes(db_url):
    fresh, spent = new_job(db_url), new_job(db_url)
    for job_id, attempts in ((fresh, 1), (spent, 3)):
        with unit_of_work(db_url) as session:
            session.execute(
                update(Job)
                .where(Job.id == job_id)
                .values(
                    status=JobStatus.running,
                    attempts=attempts,
                    updated_at=utcnow() - timedelta(seconds=300),
                )
            )
    with unit_of_work(db_url) as session:
        released = jobs.release_abandoned(session, 3, stale_after_s=60, silent_after_s=20)
    assert released == ([fresh], 1)
    assert row(db_url, fresh).status == "queued"
    assert (row(db_url, spent).status, row(db_url, spent).error_code) == (
        "failed",
        "too_many_attempts",
    )
    with unit_of_work(db_url) as session:
        assert session.get(Payload, spent) is None, "a given-up job's bytes are deleted"
        assert session.get(Payload, fresh) is not None
