"""`celebclf up` as a newcomer runs it: nothing but the venv, then Ctrl-C; or killed with -9."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from tests.service.helpers import REPO, free_port


def start_up(data_dir: Path, port: int, log: Path) -> subprocess.Popen:
    """`celebclf up` with only the venv on PATH: no system redis-server, no DATABASE_URL."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("CELEBCLF_") and k not in ("REDIS_URL", "DATABASE_URL")
    }
    env.update(PATH=str(Path(sys.executable).parent), CELEBCLF_DATA_DIR=str(data_dir))
    return subprocess.Popen(
        [sys.executable, "-m", "cli.main", "up", "--port", str(port), "--workers", "1"],
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


def test_up_serves_jobs_on_embedded_defaults_and_stops_on_ctrl_c(data_dir, tmp_path, kept_photos):
    port, log = free_port(), tmp_path / "up.log"
    base = f"http://127.0.0.1:{port}"
    process = start_up(data_dir, port, log)
    try:
        wait_ready(process, log)
        assert f"page:    {base}/" in log.read_text()
        assert "drop-zone" in requests.get(f"{base}/").text
        redis_exe = Path(os.readlink(f"/proc/{redis_pid(data_dir)}/exe"))
        assert redis_exe.is_relative_to(Path(sys.prefix)), "the pip-installed Redis is used"
        path, person = kept_photos[0]
        job_id = requests.post(
            f"{base}/api/v1/jobs", files={"file": (path.name, path.read_bytes())}
        ).json()["id"]
        deadline = time.monotonic() + 60
        while (job := requests.get(f"{base}/api/v1/jobs/{job_id}").json())["status"] in (
            "queued",
            "running",
        ) and time.monotonic() < deadline:
            time.sleep(0.3)
        assert job["status"] == "succeeded" and job["faces"][0]["label"] == person
        assert (data_dir / "celebclf.sqlite3").is_file()
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
