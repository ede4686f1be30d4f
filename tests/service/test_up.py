"""`celebclf up` as a newcomer runs it: nothing but the venv, then Ctrl-C; or killed with -9;
or its children killed one by one, which it starts again."""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest
import requests

from cli.supervisor import GIVE_UP_AFTER
from inference.artifacts import default_model_dir
from tests.faults.checks import assert_each_item_done_once, batch_of, running_item_holder
from tests.service.helpers import REPO, ApiClient, free_port, tamper_model, url_for_photo


def start_up(data_dir: Path, port: int, log: Path, *options: str, **extra: str) -> subprocess.Popen:
    """`celebclf up [options]` with only the venv on PATH: no system redis-server, no
    DATABASE_URL; ``extra`` settings added to its environment."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("CELEBCLF_") and k not in ("REDIS_URL", "DATABASE_URL")
    }
    env.update(PATH=str(Path(sys.executable).parent), CELEBCLF_DATA_DIR=str(data_dir), **extra)
    return subprocess.Popen(
        [sys.executable, "-m", "cli.main", "up", "--port", str(port), "--workers", "1", *options],
        cwd=REPO,
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )


def wait_ready(process: subprocess.Popen, log: Path, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, log.read_text()[-3000:]
        if "celebclf is up" in log.read_text():
            return
        time.sleep(0.5)
    raise TimeoutError(log.read_text()[-3000:])


def redis_pid(data_dir: Path) -> int:
    return int((data_dir / "redis" / "redis.pid").read_text())


def alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except OSError:
        return False


def gone(base: str, pid: int, timeout: float = 30) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            requests.get(f"{base}/healthz", timeout=1)
        except requests.ConnectionError:
            if not alive(pid):
                return True
        time.sleep(0.5)
    return False


@pytest.fixture
def data_dir(tmp_path) -> Path:
    return tmp_path / "data"


def wait_job(base: str, job_id: str, timeout: float = 60) -> dict:
    deadline = time.monotonic() + timeout
    while (job := requests.get(f"{base}/api/v1/jobs/{job_id}").json())["status"] in (
        "queued",
        "running",
    ) and time.monotonic() < deadline:
        time.sleep(0.3)
    return job


def test_up_serves_jobs_on_embedded_defaults_and_stops_on_ctrl_c(
    data_dir, tmp_path, kept_photos, photos
):
    port, log = free_port(), tmp_path / "up.log"
    base = f"http://127.0.0.1:{port}"
    process = start_up(data_dir, port, log, "--allow-private", "127.0.0.1/32")
    try:
        wait_ready(process, log)
        assert f"page:    {base}/" in log.read_text()
        assert "fetches may reach private addresses in: 127.0.0.1/32" in log.read_text()
        photo_base, root = photos
        path, person = kept_photos[0]
        for url, error in [
            (url_for_photo(photo_base, root, path), None),  # allowed by --allow-private
            (url_for_photo(photo_base.replace(".0.1:", ".0.2:"), root, path), "blocked_address"),
        ]:
            job_id = requests.post(f"{base}/api/v1/jobs", json={"url": url}).json()["id"]
            job = wait_job(base, job_id)
            assert (job["error"] or {}).get("code") == error, job
        assert "drop-zone" in requests.get(f"{base}/").text
        redis_exe = Path(os.readlink(f"/proc/{redis_pid(data_dir)}/exe"))
        venv = Path(sys.prefix).resolve()  # the venv may be a symbolic link (a worktree's)
        assert redis_exe.is_relative_to(venv), "the pip-installed Redis is used"
        path, person = kept_photos[0]
        job_id = requests.post(
            f"{base}/api/v1/jobs", files={"file": (path.name, path.read_bytes())}
        ).json()["id"]
        job = wait_job(base, job_id)
        assert job["status"] == "succeeded" and job["faces"][0]["label"] == person
        assert (data_dir / "celebclf.sqlite3").is_file()
        version = requests.post(f"{base}/api/v1/models").json()["version"]
        deadline = time.monotonic() + 120
        while (model := requests.get(f"{base}/api/v1/models/{version}").json())["status"] in (
            "queued",
            "training",
        ) and time.monotonic() < deadline:
            time.sleep(0.5)
        assert model["status"] == "active", "up's worker takes training runs too"
        pid = redis_pid(data_dir)
        process.send_signal(signal.SIGINT)
        assert process.wait(60) == 0
        assert gone(base, pid), "API or Redis still running after Ctrl-C"
    finally:
        if process.poll() is None:
            process.kill()


def test_up_killed_with_sigkill_leaves_no_orphans(data_dir, tmp_path):
    port, log = free_port(), tmp_path / "up.log"
    base = f"http://127.0.0.1:{port}"
    process = start_up(data_dir, port, log)
    try:
        wait_ready(process, log)
        pid = redis_pid(data_dir)
        process.kill()
        process.wait()
        assert gone(base, pid), "children outlived a killed `celebclf up`"
    finally:
        if process.poll() is None:
            process.kill()


# Quick repairs: the sweeper runs every second and re-sends what the killed worker had
# prefetched after 3 s. The soft time limit (15 s) fits item 0, served 4 s late, on loaded cores.
QUICK_SWEEPS = {
    "CELEBCLF_TASK_TIME_LIMIT": "25",
    "CELEBCLF_SWEEP_INTERVAL": "1",
    "CELEBCLF_REQUEUE_AFTER": "3",
    "CELEBCLF_FETCH_ALLOW_PRIVATE": "127.0.0.0/8",
}


def component(up: subprocess.Popen, name: str) -> psutil.Process:
    """The child of `celebclf up` running ``name`` (``cli.main worker``, ``redis-server``)."""
    found = [c for c in psutil.Process(up.pid).children() if name in " ".join(c.cmdline())]
    assert len(found) == 1, found
    return found[0]


def celery_worker(up: subprocess.Popen) -> psutil.Process:
    """The Celery worker's main process: the child of up's ``celebclf worker``, its watchdog."""
    (worker,) = component(up, "cli.main worker").children()
    return worker


def restarts(log: Path) -> list[dict]:
    """The supervisor's "restarting" lines in up's log."""
    lines = [
        line for line in log.read_text(errors="replace").splitlines() if '"celebclf.up"' in line
    ]
    entries = [json.loads(line) for line in lines]
    return [e for e in entries if e["msg"] == "component exited; restarting"]


def wait_restarted(log: Path, name: str, count: int = 1, timeout: float = 30) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        seen = [e for e in restarts(log) if e["component"] == name]
        if len(seen) >= count:
            return seen[count - 1]
        time.sleep(0.2)
    raise TimeoutError(f"{name} not restarted: {log.read_text()[-3000:]}")


def wait_healthy(base: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{base}/readyz", timeout=5).status_code == 200:
                return
        except requests.RequestException:  # a timeout while Redis is away
            pass
        time.sleep(0.3)
    raise TimeoutError("/readyz did not answer 200")


def ctrl_c_stops_everything(up: subprocess.Popen) -> None:
    """SIGINT: exit 0, and not one of up's processes (children, pool, gunicorn workers) left."""
    descendants = psutil.Process(up.pid).children(recursive=True)
    up.send_signal(signal.SIGINT)
    assert up.wait(60) == 0
    _, left = psutil.wait_procs(descendants, timeout=10)
    assert not left, f"still running after Ctrl-C: {left}"


def test_worker_killed_mid_batch_is_restarted_and_nothing_is_lost(
    data_dir, tmp_path, photos, kept_photos
):
    """The Celery worker's main process gets SIGKILL while item 0 (served 4 s late) is in
    flight: its watchdog ends what it left and exits the same way, and up starts it again."""
    port = free_port()
    log = tmp_path / "worker-up.log"  # named so tests.faults.checks reads the workers' lines
    up = start_up(data_dir, port, log, **QUICK_SWEEPS)
    service = ApiClient(f"http://127.0.0.1:{port}")
    database_url = f"sqlite:///{data_dir / 'celebclf.sqlite3'}"
    try:
        wait_ready(up, log)
        batch_id = batch_of(service, photos, kept_photos, 30, first_delay_s=4)
        running_item_holder(database_url, batch_id, seq=0)
        celery_worker(up).kill()
        restarted = wait_restarted(log, "worker")
        assert restarted["signal"] == "SIGKILL" and restarted["attempt"] == 1
        api_down, deadline = 0, time.monotonic() + 180
        while service.get(f"/api/v1/batches/{batch_id}").json()["status"] != "completed":
            assert time.monotonic() < deadline, "batch not finished"
            api_down += requests.get(f"{service.base}/healthz", timeout=5).status_code != 200
            time.sleep(0.5)
        assert api_down == 0
        rows = assert_each_item_done_once(database_url, batch_id, tmp_path)
        assert len(rows) == 30
        items = service.get(f"/api/v1/batches/{batch_id}/items", params={"limit": 100}).json()
        assert items["items"][0]["attempts"] == 2, "item 0 was in flight: run again, once"
        assert [e["component"] for e in restarts(log)] == ["worker"], "nothing else restarted"
        ctrl_c_stops_everything(up)
    finally:
        if up.poll() is None:
            up.kill()


def test_sweeper_and_redis_killed_are_restarted_and_the_service_works(
    data_dir, tmp_path, kept_photos
):
    port, log = free_port(), tmp_path / "up.log"
    up = start_up(data_dir, port, log, CELEBCLF_SWEEP_INTERVAL="1")
    service = ApiClient(f"http://127.0.0.1:{port}")
    try:
        wait_ready(up, log)
        old_redis = component(up, "redis-server")
        redis_command = old_redis.cmdline()
        heartbeat = data_dir / "sweeper.heartbeat"
        component(up, "cli.main sweeper").kill()
        old_redis.kill()
        assert wait_restarted(log, "sweeper")["signal"] == "SIGKILL"
        assert wait_restarted(log, "redis")["signal"] == "SIGKILL"
        wait_healthy(service.base)
        new_redis = component(up, "redis-server")
        assert new_redis.pid != old_redis.pid and redis_pid(data_dir) == new_redis.pid
        assert new_redis.cmdline() == redis_command, "on the same port"
        swept = heartbeat.stat().st_mtime
        path, person = kept_photos[0]
        created = requests.post(
            f"{service.base}/api/v1/jobs", files={"file": (path.name, path.read_bytes())}
        )
        job = service.wait_job(created.json()["id"])
        assert job["status"] == "succeeded" and job["faces"][0]["label"] == person
        assert sorted(e["component"] for e in restarts(log)) == ["redis", "sweeper"], (
            "the API and the worker reconnect to the restarted Redis by themselves"
        )
        deadline = time.monotonic() + 10
        while heartbeat.stat().st_mtime <= swept:
            assert time.monotonic() < deadline, "the restarted sweeper does not sweep"
            time.sleep(0.2)
        ctrl_c_stops_everything(up)
    finally:
        if up.poll() is None:
            up.kill()


def test_a_taken_port_is_refused_at_once(data_dir, tmp_path):
    """Another process listens on the API's port: up says so and starts nothing."""
    log = tmp_path / "up.log"
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        up = start_up(data_dir, port, log)
        try:
            assert up.wait(30) == 1
        finally:
            if up.poll() is None:
                up.kill()
    output = log.read_text()
    assert f"127.0.0.1:{port} is already in use" in output, output[-3000:]
    assert "component started" not in output and not (data_dir / "redis").exists()


def test_a_component_that_cannot_start_makes_up_exit_saying_which(data_dir, tmp_path):
    """The worker refuses a tampered model, every time: after GIVE_UP_AFTER quick exits in a
    row up gives up and exits 1, naming it, instead of restarting it for ever."""
    model = tmp_path / "model"
    shutil.copytree(default_model_dir(), model)
    tamper_model(model)
    log = tmp_path / "up.log"
    up = start_up(data_dir, free_port(), log, CELEBCLF_MODEL_DIR=str(model))
    try:
        assert up.wait(240) == 1
    finally:
        if up.poll() is None:
            up.kill()
    output = log.read_text()
    assert f"worker exited {GIVE_UP_AFTER} times in a row" in output, output[-3000:]
    assert [e["attempt"] for e in restarts(log) if e["component"] == "worker"] == list(
        range(1, GIVE_UP_AFTER)
    )
    assert "celebclf is up" not in output
