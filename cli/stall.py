"""When a worker that is alive counts as stalled: the rule ``celebclf worker``'s watchdog
(cli.watchdog) applies to the beats its Celery worker writes (tasks.liveness).

Stalled, after ``CELEBCLF_WORKER_STALL_AFTER`` seconds (S) of either:
- no beat: the main process is frozen, deadlocked, or stuck outside its event loop;
- beats, room for more work, tasks waiting in its queues, and not one taken: its consumer
  stopped consuming.
Only what was watched counts: while the broker cannot be reached (the worker cannot consume
either, and reconnects by itself) or the watchdog itself was not running (frozen with its
worker, say), nothing is judged, and the worker gets S seconds from the end of it. Before its
first beat a worker gets ``STARTUP_ALLOWANCE_S`` more to start (model check, dlib, its pool).
"""

from dataclasses import dataclass

from tasks.liveness import Beat

STARTUP_ALLOWANCE_S = 120.0


def beat_interval_s(stall_after_s: float) -> float:
    """How often the worker beats: several beats within S, at most every 5 s."""
    return min(5.0, stall_after_s / 5)


def look_interval_s(stall_after_s: float) -> float:
    """How often the watchdog looks: twice per beat."""
    return beat_interval_s(stall_after_s) / 2


@dataclass
class StallJudge:
    stall_after_s: float
    started_at: float  # time.monotonic() when the worker was started
    watching_since: float | None = None  # broker reachable and looks on time since then
    last_look: float | None = None
    idle: tuple[float, int] | None = None  # (since, taken): room and waiting work, nothing taken

    def look(self, now: float, beat: Beat | None, waiting: int | None) -> str | None:
        """Why the worker is stalled, or None. ``waiting`` is the number of messages in its
        queues, None when the broker cannot be asked."""
        late = self.last_look is not None and now - self.last_look > self.stall_after_s / 2
        self.last_look = now
        if waiting is None or late:
            self.watching_since, self.idle = None, None
            return None
        self.watching_since = self.watching_since or now
        first_beat_due = self.started_at + STARTUP_ALLOWANCE_S
        silent_s = now - max(self.watching_since, beat.at if beat else first_beat_due)
        if silent_s > self.stall_after_s:
            return f"no liveness beat for {silent_s:.0f} s"
        if not (beat and waiting and beat.has_room):
            self.idle = None
            return None
        if self.idle is None or self.idle[1] != beat.taken:
            self.idle = (now, beat.taken)
        idle_s = now - self.idle[0]
        if idle_s > self.stall_after_s:
            return f"took no task for {idle_s:.0f} s while {waiting} waited and it had room"
        return None
