"""The real stack under Docker on this machine: image build and start times, throughput with 1,
2 and 3 worker containers (one pool process each), takeover after a worker is cut off the
network, and the memory of each container.

Usage: python -m bench.compose [REPEATS]   (batches per setting, median taken, default 1; needs
what the compose tests need: a Docker engine, or dockerd and root; the photos in ../shared).
Figures: docs/deployment.md.
"""

import statistics
import sys
import tempfile
import time
from pathlib import Path

import requests

from tests.compose.engine import docker_engine
from tests.compose.stack import PHOTOS, Stack, base_images, build_app_image
from tests.conftest import SPORTS
from tests.faults.checks import batch_of, running_item_holder, wait_taken_over
from tests.service.helpers import url_for_photo


def timed(action, *args, **kwargs) -> float:
    started = time.perf_counter()
    action(*args, **kwargs)
    return time.perf_counter() - started


def batch_rate(stack: Stack, paths: list[Path]) -> float:
    urls = [url_for_photo(PHOTOS, SPORTS, path) for path in paths]
    api = stack.api
    started = time.perf_counter()
    response = requests.post(
        f"{api.base}/api/v1/batches", json={"urls": urls}, headers=api.headers, timeout=60
    )
    batch_id = response.json()["id"]
    final = stack.api.wait_batch(batch_id, timeout=900)
    assert final["counts"]["succeeded"] + final["counts"]["failed"] == len(urls), final
    return len(urls) / (time.perf_counter() - started)


def memory(stack: Stack) -> dict[str, str]:
    """Each container's memory use now, as `docker stats` reports it."""
    fmt = "{{.Name}} {{.MemUsage}}"
    out = stack.engine.run("stats", "--no-stream", "--format", fmt).stdout.splitlines()
    return dict(line.split(" ", 1) for line in out if line.startswith(stack.project))


def takeover(stack: Stack, kept: list[tuple[Path, str]]) -> float:
    """Seconds from cutting off the worker holding a batch's first photo to its job being
    claimed by another worker (the batch is short, so the job sent again queues behind none)."""
    batch_id = batch_of(stack.api, (PHOTOS, SPORTS), kept, 20, first_delay_s=4)
    host = running_item_holder(stack.database_url, batch_id, 0).rpartition(":")[0]
    container = next(c for c in stack.containers("worker") if c.startswith(host))
    stack.engine.run("network", "disconnect", stack.network, container)
    cut = time.monotonic()
    try:
        return wait_taken_over(stack.database_url, batch_id, 0, host) - cut
    finally:
        stack.engine.run("network", "connect", stack.network, container)
        stack.api.wait_batch(batch_id, timeout=300)


def main(repeats: int) -> None:
    photos = sorted(p for p in SPORTS.rglob("*") if p.is_file())
    kept = [(p, p.parent.name) for p in photos]
    with tempfile.TemporaryDirectory() as logs, docker_engine(Path(logs) / "dockerd.log") as engine:
        images = base_images(engine)
        build_s = timed(build_app_image, engine, images["PYTHON_IMAGE"])
        print(f"app image build (layers cached): {build_s:.0f} s")
        stack = Stack(engine, images, SPORTS, Path(logs))
        stack.env["CELEBCLF_TEST_HEALTH_INTERVAL"] = "30s"  # the production interval
        try:
            print(f"compose up --wait: {timed(stack.up):.0f} s")
            batch_rate(stack, photos[:20])  # warm-up
            for workers in (1, 2, 3):
                scale = timed(stack.up, workers=workers)
                rates = [batch_rate(stack, photos) for _ in range(repeats)]
                runs = ", ".join(f"{rate:.2f}" for rate in rates)
                print(
                    f"{workers} worker containers: {statistics.median(rates):.2f} images/s "
                    f"(runs {runs}), scaled in {scale:.0f} s"
                )
            for name, used in sorted(memory(stack).items()):
                print(f"memory {name}: {used}")
            print(f"takeover after a cut-off: {takeover(stack, kept[::9]):.1f} s")
        finally:
            print(f"compose down -v: {timed(stack.down):.0f} s")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1)
