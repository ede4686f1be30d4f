"""Where a service's processes keep their metrics: one fresh directory per service start.

prometheus_client's multiprocess mode has every process (gunicorn workers, Celery pool
children) write its samples to files in ``PROMETHEUS_MULTIPROC_DIR``, and the scrape merges
them. The variable must be set before prometheus_client is imported, and the directory must
start empty, or a restarted service adds its predecessor's counts to its own. So
``celebclf api`` and ``celebclf worker`` each take ``<CELEBCLF_METRICS_DIR>/<role>-<pid>``
(pid: the process that serves the scrape), emptied first; directories left by services that
died without cleaning up are removed then too. Several services on one machine never share
files, and containers, whose pids repeat, never share a directory.
"""

import os
import re
import shutil
import sys
from pathlib import Path

from config import Settings

ENV = "PROMETHEUS_MULTIPROC_DIR"
_SERVICE_DIR = re.compile(r"[a-z]+-(\d+)")
_LIVE_FILE = re.compile(r"gauge_live[a-z]+_(\d+)\.db")


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def fresh_directory(root: Path, role: str, pid: int) -> Path:
    """``root/<role>-<pid>``, empty; siblings named for processes that are gone are removed."""
    root.mkdir(parents=True, exist_ok=True)
    for old in root.iterdir():
        match = _SERVICE_DIR.fullmatch(old.name)
        if old.is_dir() and match and not alive(int(match[1])):
            shutil.rmtree(old, ignore_errors=True)
    path = root / f"{role}-{pid}"
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir()
    return path


def prepare(settings: Settings, role: str) -> Path:
    """Make this process's empty metrics directory and point prometheus_client at it.

    Raises RuntimeError if prometheus_client was imported already without it (its samples
    would stay in that one process).
    """
    values = sys.modules.get("prometheus_client.values")
    if values is not None and not getattr(values.ValueClass, "_multiprocess", False):
        raise RuntimeError(f"prometheus_client was imported before {ENV} was set")
    path = fresh_directory(settings.metrics_dir, role, os.getpid())
    os.environ[ENV] = str(path)
    return path


def current() -> Path | None:
    """This service's metrics directory, or None in a process that keeps metrics in memory."""
    return Path(os.environ[ENV]) if os.environ.get(ENV) else None


def process_gone(pid: int) -> None:
    """Drop the samples of a process that ended which only make sense while it lives."""
    from prometheus_client import multiprocess

    if path := current():
        multiprocess.mark_process_dead(pid, str(path))


def forget_dead_processes() -> None:
    """``process_gone`` for every process killed without a word (kill -9, out of memory)."""
    path = current()
    for file in path.glob("gauge_live*_*.db") if path else ():
        match = _LIVE_FILE.fullmatch(file.name)
        if match and not alive(int(match[1])):
            process_gone(int(match[1]))


def remove() -> None:
    """At a clean stop of the service: delete its directory (only the process it is named for)."""
    path = current()
    if path and path.name.endswith(f"-{os.getpid()}"):
        shutil.rmtree(path, ignore_errors=True)
