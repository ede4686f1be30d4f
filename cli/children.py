"""Child processes that cannot outlive ``celebclf up``, even when it is killed with -9."""

import ctypes
import signal
import subprocess
import sys

PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    """Linux: the kernel sends SIGTERM to this child when its parent dies."""
    if sys.platform.startswith("linux"):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def spawn(command: list[str], **kwargs) -> subprocess.Popen:
    return subprocess.Popen(
        command, stdin=subprocess.DEVNULL, preexec_fn=_die_with_parent, **kwargs
    )
