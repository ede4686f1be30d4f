"""The service against the limit, in one run: a batch of every real photo as loopback URLs
through API, Redis, workers and the database, with 1 and 2 worker processes; single-photo
latency on an idle service; worker memory after the batch.

Usage: python -m bench.service [REPEATS]   (batches per setting, default 3; PostgreSQL at
127.0.0.1 if reachable, else SQLite)
"""

import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

import psutil
import requests

from bench.limit import limit, photo_bytes
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


def rss_mib(pid: int) -> float:
    """Resident memory of a process and all its descendants."""
    process = psutil.Process(pid)
    return sum(p.memory_info().rss for p in [process, *process.children(recursive=True)]) / 2**20


def batch_rate(service: Service, urls: list[str]) -> float:
    started = time.perf_counter()
    created = requests.post(f"{service.base}/api/v1/batches", json={"urls": urls}).json()
    final = service.wait_batch(created["id"], timeout=900)
    assert final["counts"]["succeeded"] == len(urls), final
    return len(urls) / (time.perf_counter() - started)


def latency(service: Service, photos: list[Path], repeats: int = 20) -> dict[str, float]:
    totals, work = [], []
    for path in photos[:repeats]:
        started = time.perf_counter()
        job_id = requests.post(
            f"{service.base}/api/v1/jobs", files={"file": (path.name, path.read_bytes())}
        ).json()["id"]
        while (job := requests.get(f"{service.base}/api/v1/jobs/{job_id}").json())["status"] in (
            "queued",
            "running",
        ):
            time.sleep(0.01)
        totals.append((time.perf_counter() - started) * 1000)
        work.append(
            (
                datetime.fromisoformat(job["finished_at"])
                - datetime.fromisoformat(job["started_at"])
            ).total_seconds()
            * 1000
        )
    return {
        "p50": statistics.median(totals),
        "p95": sorted(totals)[int(repeats * 0.95) - 1],
        "work_p50": statistics.median(work),
    }


def measure(
    database_url: str,
    urls: list[str],
    photos: list[Path],
    workers: int,
    repeats: int = 1,
    **settings: str,
) -> dict:
    """Batch rate (median of ``repeats`` batches, and each), worker memory and (for one
    worker) latency of a freshly started service."""
    with tempfile.TemporaryDirectory() as logs:
        env = service_env(
            database_url,
            REDIS_TEST_URL,
            Path(logs),
            CELEBCLF_MAX_BATCH_URLS="10000",
            CELEBCLF_LOG_LEVEL="WARNING",
            **settings,
        )
        service = Service(env, Path(logs), workers=workers).start()
        try:
            batch_rate(service, urls[: workers * 2])  # warm up every pool process
            rates = [batch_rate(service, urls) for _ in range(repeats)]
            worker_mib = rss_mib(service.processes["worker-0"].pid)
            lat = latency(service, photos) if workers == 1 else None
        finally:
            service.stop()
    rate = statistics.median(rates)
    return {"rate": rate, "rates": rates, "worker_mib": worker_mib, "latency": lat}


def main() -> None:
    repeats = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    paths = [p for p in sorted(SPORTS.rglob("*")) if p.is_file()]
    ceiling = limit(photo_bytes(SPORTS), repeats)
    rows = {}
    with photo_server(SPORTS) as base:
        urls = [url_for_photo(base, SPORTS, p) for p in paths]
        database = postgres_database() if postgres_reachable() else None
        with database or tempfile.TemporaryDirectory() as target:
            url = target if database else f"sqlite:///{target}/bench.sqlite3"
            for workers in (1, 2):
                rows[workers] = measure(url, urls, paths, workers, repeats)
    one_limit, two_limit = ceiling.values()
    print(
        f"{len(paths)} photos as loopback URLs, database: {'PostgreSQL' if database else 'SQLite'}"
        f"; medians of {repeats} runs"
    )
    print(f"{'':<22}{'images/s':>10}{'vs limit':>10}   (limit: {one_limit:.2f} / {two_limit:.2f})")
    for workers, limit_rate in ((1, one_limit), (2, two_limit)):
        rate = rows[workers]["rate"]
        print(
            f"service, {workers} worker proc{'s' if workers > 1 else ' '}"
            f"{rate:>10.2f}{rate / limit_rate:>10.2f}"
            f"   (runs: {', '.join(f'{r:.2f}' for r in rows[workers]['rates'])})"
        )
    print(f"2 worker processes vs 1: {rows[2]['rate'] / rows[1]['rate']:.2f}x")
    lat = rows[1]["latency"]
    print(
        f"latency, one photo, idle service: p50 {lat['p50']:.0f} ms, p95 {lat['p95']:.0f} ms; "
        f"of which worker time p50 {lat['work_p50']:.0f} ms "
        f"(queue + polling + HTTP p50 {lat['p50'] - lat['work_p50']:.0f} ms)"
    )
    print(
        f"worker RSS after the batch (parent + pool): 1 proc {rows[1]['worker_mib']:.0f} MiB, "
        f"2 procs {rows[2]['worker_mib']:.0f} MiB"
    )


if __name__ == "__main__":
    main()
