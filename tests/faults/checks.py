"""Load for the fault tests, and what must hold after a fault: every item terminal, one result
each, read from the source."""

import json
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import requests
from sqlalchemy import func, select

from db.models import Face, Job, JobStatus
from db.session import unit_of_work
from tests.service.helpers import ApiClient, url_for_photo


def batch_of(service: ApiClient, photos, kept_photos, n: int, first_delay_s: float = 0) -> str:
    """A batch of ``n`` one-face photos; the first is served only after ``first_delay_s``."""
    base, root = photos
    urls = [
        url_for_photo(base, root, kept_photos[i % len(kept_photos)][0], 0 if i else first_delay_s)
        for i in range(n)
    ]
    response = requests.post(
        f"{service.base}/api/v1/batches", json={"urls": urls}, headers=service.headers, timeout=30
    )
    assert response.status_code == 202
    return response.json()["id"]


def wait_done(service: ApiClient, batch_id: str, at_least: int) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        counts = service.get(f"/api/v1/batches/{batch_id}").json()["counts"]
        if counts["succeeded"] + counts["failed"] >= at_least:
            return
        time.sleep(0.2)
    raise TimeoutError(f"fewer than {at_least} items done: {counts}")


def running_item_holder(database_url: str, batch_id: str, seq: int) -> str:
    """``host:pid`` of the process that has claimed item ``seq``, as soon as it is running."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with unit_of_work(database_url) as session:
            status, holder = session.execute(
                select(Job.status, Job.claimed_by).where(Job.batch_id == batch_id, Job.seq == seq)
            ).one()
        if status == JobStatus.running:
            return holder
        time.sleep(0.05)
    raise TimeoutError(f"item {seq} of batch {batch_id} is not running: {status}")


def running_item_pid(database_url: str, batch_id: str, seq: int) -> int:
    """The pid of the process that has claimed item ``seq``, as soon as it is running."""
    return int(running_item_holder(database_url, batch_id, seq).rpartition(":")[2])


def probe(service: ApiClient, batch_id: str, job_url: str, seconds: float) -> tuple[Counter, list]:
    """Poll, read and submit for ``seconds``; returns the status codes seen and accepted ids."""
    seen, accepted = Counter(), []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        # 30 s, not the client's 10: with PostgreSQL stopped, the compose API answered 503 only
        # after more than 10 s (CI and a local run, 2026-12-05: the call took 43 s in all)
        for response in (
            service.get(f"/api/v1/batches/{batch_id}", timeout=30),
            requests.post(
                f"{service.base}/api/v1/jobs",
                json={"url": job_url},
                headers=service.headers,
                timeout=30,
            ),
            service.get("/readyz", timeout=30),
        ):
            seen[response.status_code] += 1
            assert response.status_code < 500 or response.status_code == 503, response.text
            if response.status_code == 503:
                assert int(response.headers["Retry-After"]) > 0
                assert response.json()["error"]["code"]
            if response.status_code == 202 and response.request.method == "POST":
                accepted.append(response.json()["id"])
        time.sleep(0.5)
    return seen, accepted


def wait_taken_over(
    database_url: str, batch_id: str, seq: int, host: str, timeout: float = 180
) -> float:
    """The monotonic time at which item ``seq``, first held on ``host``, is held (or was ended)
    by a process on another host."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with unit_of_work(database_url) as session:
            attempts, holder = session.execute(
                select(Job.attempts, Job.claimed_by).where(Job.batch_id == batch_id, Job.seq == seq)
            ).one()
        if attempts > 1 and not holder.startswith(f"{host}:"):
            return time.monotonic()
        time.sleep(0.1)
    raise TimeoutError(f"item {seq} of batch {batch_id} is still held on {host}")


def late_results(log_dir: Path, job_id: str) -> list[dict]:
    """The job's results that its workers computed but were refused (an old attempt)."""
    return [
        entry
        for entry in worker_log_entries(log_dir)
        if entry.get("msg") == "job finished"
        and entry.get("job_id") == job_id
        and not entry.get("written")
    ]


def outcomes(database_url: str, batch_id: str) -> list[tuple[str, str, int, int]]:
    """(job id, status, attempts, face rows) of every item, straight from the database."""
    with unit_of_work(database_url) as session:
        faces = select(Face.job_id, func.count().label("n")).group_by(Face.job_id).subquery()
        rows = session.execute(
            select(Job.id, Job.status, Job.attempts, func.coalesce(faces.c.n, 0))
            .outerjoin(faces, faces.c.job_id == Job.id)
            .where(Job.batch_id == batch_id)
        )
        return [tuple(row) for row in rows]


def worker_log_entries(log_dir: Path) -> Iterator[dict]:
    """Every JSON line of every worker's log."""
    for log in log_dir.glob("worker-*.log"):
        for line in log.read_text(errors="replace").splitlines():
            if line.startswith("{"):
                yield json.loads(line)


def results_written(log_dir: Path) -> Counter:
    """How many times each job's result was written, from the workers' logs."""
    return Counter(
        entry["job_id"]
        for entry in worker_log_entries(log_dir)
        if entry.get("msg") == "job finished" and entry.get("written")
    )


def runs_cut_short(log_dir: Path) -> set[tuple[str, int]]:
    """(job id, attempt) of runs that logged their start but never their end: their process
    was killed, perhaps after the result was committed and before it could say so."""
    started, finished = set(), set()
    for entry in worker_log_entries(log_dir):
        if entry.get("msg") in ("job started", "job finished"):
            run = (entry["job_id"], entry["attempt"])
            (started if entry["msg"] == "job started" else finished).add(run)
    return started - finished


def assert_each_item_done_once(database_url: str, batch_id: str, log_dir: Path) -> list:
    """Every item succeeded with its one face, and its result was written exactly once.

    A result with no log line is accepted only from a run cut short by a kill whose attempt
    is the one the job ended on: the dead process committed it, and nobody ran it again.
    """
    rows = outcomes(database_url, batch_id)
    statuses = Counter(status for _, status, _, _ in rows)
    assert statuses == {"succeeded": len(rows)}, statuses
    assert all(faces == 1 for *_, faces in rows), [r for r in rows if r[3] != 1]
    written = results_written(log_dir)
    twice = {job_id: written[job_id] for job_id, *_ in rows if written[job_id] > 1}
    assert not twice, f"results written more than once: {twice}"
    unlogged = {(job_id, attempts) for job_id, _, attempts, _ in rows if written[job_id] == 0}
    assert unlogged <= runs_cut_short(log_dir), f"results no run wrote: {unlogged}"
    return rows


def sweeper_requeued(log_dir: Path) -> int:
    """Jobs the sweeper sent again (their message was lost), from its JSON log lines."""
    total = 0
    for line in (log_dir / "sweeper.log").read_text(errors="replace").splitlines():
        if line.startswith("{"):
            entry = json.loads(line)
            if entry.get("msg") == "sweep repaired work" and entry.get("kind") == "job":
                total += entry.get("requeued", 0)
    return total
