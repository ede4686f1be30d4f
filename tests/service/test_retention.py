"""Retention through the real service: finished work says when it expires, answers 404 and
leaves the lists once it has, before the sweeper runs as after; the sweeper then deletes its
rows, faces and all; unfinished work stays; retention 0 keeps everything."""

import json
import time
from datetime import datetime, timedelta

import pytest
import requests
from sqlalchemy import func, select

from db.models import Batch, Face, Job, JobStatus, Payload, utcnow
from db.session import unit_of_work
from tests.service.fixtures import fresh_database, running_service

RETENTION_S = 12


@pytest.fixture(params=["sqlite", "postgresql"])
def kind(request) -> str:
    return request.param


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def insert_work(url: str, finished: datetime | None, ended_item: datetime) -> dict[str, str]:
    """Rows as the service writes them, for the public owner: a batch with an item that ended
    at ``ended_item`` (with a face) and one ended at ``finished`` (None: running elsewhere), and
    a single job likewise."""
    status = JobStatus.running if finished is None else JobStatus.succeeded
    base = {"owner": "public", "source": "url", "url": "http://photos.test/a.jpg"}
    running = {"claimed_by": "elsewhere:1", "attempts": 1} if finished is None else {}
    with unit_of_work(url) as session:
        batch = Batch(owner="public", total=2, created_at=ended_item - timedelta(hours=1))
        session.add(batch)
        session.flush()
        old = Job(
            **base, batch_id=batch.id, seq=0, status=JobStatus.succeeded,
            created_at=batch.created_at, finished_at=ended_item,
        )  # fmt: skip
        last = Job(
            **base, **running, batch_id=batch.id, seq=1, status=status,
            created_at=batch.created_at, finished_at=finished,
        )  # fmt: skip
        single = Job(**base, **running, status=status, created_at=batch.created_at,
                     finished_at=finished)  # fmt: skip
        session.add_all([old, last, single])
        session.flush()
        session.add(
            Face(job_id=old.id, idx=0, x=1, y=2, w=30, h=30, label="a", score=0.9,
                 probabilities={"a": 0.9})
        )  # fmt: skip
        return {"batch": batch.id, "old_item": old.id, "last_item": last.id, "single": single.id}


def rows(url: str, job_ids: list[str], batch_ids: list[str]) -> dict[str, int]:
    with unit_of_work(url) as session:
        count = lambda model, column, ids: session.scalar(  # noqa: E731
            select(func.count()).select_from(model).where(column.in_(ids))
        )
        return {
            "batches": count(Batch, Batch.id, batch_ids),
            "jobs": count(Job, Job.id, job_ids),
            "faces": count(Face, Face.job_id, job_ids),
            "payloads": count(Payload, Payload.job_id, job_ids),
        }


def listed(service, path: str) -> set[str]:
    return {item["id"] for item in service.get(path, params={"limit": 100}).json()["items"]}


def sweep_logs(service) -> list[dict]:
    lines = (service.log_dir / "sweeper.log").read_text().splitlines()
    return [entry for line in lines if (entry := json.loads(line))["msg"] == "expired work deleted"]


def test_finished_work_expires_then_is_deleted_unfinished_work_stays(
    kind, redis_url, kept_photos, tmp_path
):
    with (
        fresh_database(kind, tmp_path) as url,
        running_service(
            url,
            redis_url,
            tmp_path,
            workers=1,
            CELEBCLF_RETENTION_S=str(RETENTION_S),
            CELEBCLF_SWEEP_INTERVAL="3600",
        ) as service,  # fmt: skip
    ):
        unfinished = insert_work(url, None, utcnow() - timedelta(days=400))
        (job_path, _), *batch_photos = kept_photos[:3]
        job_id = requests.post(
            f"{service.base}/api/v1/jobs", files={"file": ("a.jpg", job_path.read_bytes())}
        ).json()["id"]
        files = [("files", (p.name, p.read_bytes())) for p, _ in batch_photos]
        batch_id = requests.post(f"{service.base}/api/v1/batches", files=files).json()["id"]
        job, batch = service.wait_job(job_id), service.wait_batch(batch_id)
        items = service.get(f"/api/v1/batches/{batch_id}/items").json()["items"]

        assert at(job["expires_at"]) == at(job["finished_at"]) + timedelta(seconds=RETENTION_S)
        batch_end = max(at(item["finished_at"]) for item in items)
        assert at(batch["expires_at"]) == batch_end + timedelta(seconds=RETENTION_S)
        assert {item["expires_at"] for item in items} == {batch["expires_at"]}
        assert job_id in listed(service, "/api/v1/jobs")
        assert batch_id in listed(service, "/api/v1/batches")
        for path in ("batches/" + unfinished["batch"], "jobs/" + unfinished["old_item"]):
            assert service.get(f"/api/v1/{path}").json()["expires_at"] is None

        time.sleep(max(0, (at(batch["expires_at"]) - utcnow()).total_seconds()) + 0.5)
        job_ids = [job_id, *(item["id"] for item in items)]
        faces = sum(len(item["faces"]) for item in [job, *items])
        before_sweep = rows(url, job_ids, [batch_id])
        assert before_sweep == {"batches": 1, "jobs": 3, "faces": faces, "payloads": 0}
        assert faces >= 3
        gone = [f"jobs/{i}" for i in job_ids] + [
            f"batches/{batch_id}{tail}" for tail in ("", "/items", "/results.csv")
        ]
        for path in gone:
            assert service.get(f"/api/v1/{path}").status_code == 404, path
        assert job_id not in listed(service, "/api/v1/jobs")
        assert batch_id not in listed(service, "/api/v1/batches")

        service.processes["sweeper"].terminate()  # a new sweeper sweeps at once
        service.processes["sweeper"].wait(20)
        service.spawn("sweeper", "sweeper")
        deadline = time.monotonic() + 30
        while rows(url, job_ids, [batch_id])["jobs"] and time.monotonic() < deadline:
            time.sleep(0.2)
        assert rows(url, job_ids, [batch_id]) == dict.fromkeys(before_sweep, 0)
        for path in gone:
            assert service.get(f"/api/v1/{path}").status_code == 404, path
        [logged] = sweep_logs(service)
        assert {k: logged[k] for k in before_sweep if k in logged} == {
            "batches": 1, "jobs": 3, "faces": faces
        }  # fmt: skip
        assert logged["all_deleted"] is True and logged["duration_s"] >= 0

        kept = rows(url, list(unfinished.values())[1:], [unfinished["batch"]])
        assert kept == {"batches": 1, "jobs": 3, "faces": 1, "payloads": 0}
        assert service.get(f"/api/v1/batches/{unfinished['batch']}").json()["status"] == "running"


def test_retention_zero_keeps_finished_work(kind, redis_url, tmp_path):
    with (
        fresh_database(kind, tmp_path) as url,
        running_service(url, redis_url, tmp_path, workers=1, CELEBCLF_RETENTION_S="0") as service,
    ):
        long_ago = utcnow() - timedelta(days=4000)
        finished = insert_work(url, long_ago, long_ago)
        heartbeat = tmp_path / "sweeper.heartbeat"  # touched after each sweep, every second
        swept = lambda: heartbeat.stat().st_mtime_ns if heartbeat.exists() else 0  # noqa: E731
        sweeps, deadline, last = 0, time.monotonic() + 30, swept()
        while sweeps < 3 and time.monotonic() < deadline:
            time.sleep(0.2)
            if swept() != last:
                sweeps, last = sweeps + 1, swept()
        assert sweeps == 3
        ids = list(finished.values())[1:]
        assert rows(url, ids, [finished["batch"]]) == {
            "batches": 1, "jobs": 3, "faces": 1, "payloads": 0
        }  # fmt: skip
        batch = service.get(f"/api/v1/batches/{finished['batch']}").json()
        assert batch["status"] == "completed" and batch["expires_at"] is None
        assert service.get(f"/api/v1/jobs/{finished['single']}").json()["expires_at"] is None
        assert finished["single"] in listed(service, "/api/v1/jobs")
        assert finished["batch"] in listed(service, "/api/v1/batches")
        assert not sweep_logs(service)
