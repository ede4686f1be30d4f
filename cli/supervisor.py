"""Keeps ``celebclf up``'s processes running: a child that exits is started again, after a
backoff, until ``stop()`` (Ctrl-C or SIGTERM) ends them all.

An exit before the child has run ``HEALTHY_AFTER_S`` is a quick exit. The delay before the
restart doubles from ``BACKOFF_FIRST_S`` with each quick exit in a row (1, 2, 4 s); an exit
after a healthy run is restarted after ``BACKOFF_FIRST_S`` again. ``GIVE_UP_AFTER`` quick exits
in a row mean the child cannot start (its configuration is wrong, its model refused):
``tend()`` raises ``GaveUp`` instead of trying for ever, after 7 s of backoff and four tries.
"""

import logging
import signal
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass

BACKOFF_FIRST_S = 1.0
HEALTHY_AFTER_S = 60.0
GIVE_UP_AFTER = 4

log = logging.getLogger("celebclf.up")


class GaveUp(RuntimeError):
    """A child exited ``GIVE_UP_AFTER`` times in a row soon after starting."""


@dataclass
class Child:
    """One supervised process: ``start`` launches it (and may raise if it cannot)."""

    name: str
    start: Callable[[], subprocess.Popen]
    grace_s: float = 20
    process: subprocess.Popen | None = None
    started_at: float = 0.0
    quick_exits: int = 0  # in a row, each before HEALTHY_AFTER_S of running
    restart_at: float | None = None


def describe_exit(code: int | None) -> dict:
    """``{"exit_code": n}``, or ``{"signal": "SIGKILL"}`` for a child killed by a signal."""
    if code is not None and code < 0:
        return {"signal": signal.Signals(-code).name}
    return {"exit_code": code}


class Supervisor:
    """Children in tiers: started tier by tier, stopped in reverse (so Redis last)."""

    def __init__(self, tiers: list[list[Child]]) -> None:
        self.tiers = tiers
        self.children = [child for tier in tiers for child in tier]

    def start(self) -> None:
        for child in self.children:
            self._launch(child)

    def tend(self) -> None:
        """Notice children that exited and start each again once its backoff is over."""
        for child in self.children:
            if child.restart_at is None and child.process.poll() is not None:
                self._exited(child, describe_exit(child.process.returncode))
            if child.restart_at is not None and time.monotonic() >= child.restart_at:
                child.restart_at = None
                self._launch(child)

    def unsettled(self) -> list[str]:
        """Children that exited and have not run healthy since: the give-up rule judges them."""
        now = time.monotonic()
        return [
            c.name
            for c in self.children
            if c.quick_exits and (c.restart_at is not None or now - c.started_at < HEALTHY_AFTER_S)
        ]

    def _launch(self, child: Child) -> None:
        child.started_at = time.monotonic()
        try:
            child.process = child.start()
        except (OSError, RuntimeError) as exc:
            child.process = None
            self._exited(child, {"error": str(exc)[:200]})
            return
        log.info(
            "component started", extra={"component": child.name, "child_pid": child.process.pid}
        )

    def _exited(self, child: Child, how: dict) -> None:
        ran_s = time.monotonic() - child.started_at
        child.quick_exits = child.quick_exits + 1 if ran_s < HEALTHY_AFTER_S else 1
        if child.quick_exits >= GIVE_UP_AFTER:
            log.error(
                "component keeps exiting; giving up",
                extra={"component": child.name, "attempt": child.quick_exits, **how},
            )
            raise GaveUp(
                f"{child.name} exited {child.quick_exits} times in a row within"
                f" {HEALTHY_AFTER_S:g} s of starting (last: {how})"
            )
        delay_s = BACKOFF_FIRST_S * 2 ** (child.quick_exits - 1)
        log.warning(
            "component exited; restarting",
            extra={
                "component": child.name,
                **how,
                "ran_s": round(ran_s, 1),
                "attempt": child.quick_exits,
                "delay_s": delay_s,
            },
        )
        child.restart_at = time.monotonic() + delay_s

    def stop(self) -> None:
        """SIGTERM each tier, newest first; a child still there after its grace is killed."""
        for tier in reversed(self.tiers):
            running = [c for c in tier if c.process is not None and c.process.poll() is None]
            for child in running:
                child.process.send_signal(signal.SIGTERM)
            deadline = time.monotonic() + max((c.grace_s for c in running), default=0)
            for child in running:
                try:
                    child.process.wait(max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    log.warning(
                        "component killed: not stopped in time", extra={"component": child.name}
                    )
                    child.process.kill()
                    child.process.wait()
