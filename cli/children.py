"""Child processes that cannot outlive what ran them (``celebclf up``, the worker's watchdog),
even when it is killed with -9, and what such a runner needs to end a child's descendants."""

import ctypes
import signal
import subprocess
import sys
from pathlib import Path

PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    """Linux: the kernel sends SIGTERM to this child when its parent dies."""
    if sys.platform.startswith("linux"):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def spawn(command: list[str], **kwargs) -> subprocess.Popen:
    return subprocess.Popen(
        command, stdin=subprocess.DEVNULL, preexec_fn=_die_with_parent, **kwargs
    )


PR_SET_CHILD_SUBREAPER = 36


def become_subreaper() -> None:
    """Linux: orphans among this process's descendants become its children (not init's), so
    it can end what a child it ran left behind (a pool whose parent was killed)."""
    if sys.platform.startswith("linux"):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1)


def children_of(pid: int) -> list[int]:
    """The pids whose parent is ``pid`` (Linux /proc; empty elsewhere)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            after_name = stat.read_text().rpartition(")")[2].split()
        except OSError:  # it exited meanwhile
            continue
        if int(after_name[1]) == pid:
            found.append(int(stat.parent.name))
    return found
