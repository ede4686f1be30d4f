"""The stall rule (cli.stall) on made-up beats; the real worker is in
tests/faults/test_stalled_worker.py."""

from cli.stall import STARTUP_ALLOWANCE_S, StallJudge
from tasks.liveness import Beat

S = 10.0


def looks(judge: StallJudge, times, beat_at=None, waiting=0, taken=0, held=0):
    """The judge's verdicts, looking every second over ``times``; the beat is fresh at each
    look unless ``beat_at`` pins it."""
    verdicts = []
    for now in times:
        beat = Beat(now if beat_at is None else beat_at, taken, held, 2)
        verdicts.append(judge.look(now, beat, waiting))
    return verdicts


def test_a_beating_worker_with_nothing_to_do_is_never_stalled():
    assert not any(looks(StallJudge(S, 0), range(100)))


def test_a_worker_that_stops_beating_is_stalled_after_s_seconds():
    judge = StallJudge(S, 0)
    verdicts = looks(judge, range(30), beat_at=5)
    assert verdicts[15] is None and verdicts[16].startswith("no liveness beat for 11 s")


def test_a_starting_worker_gets_the_allowance_before_its_first_beat():
    judge = StallJudge(S, 0)
    limit = int(STARTUP_ALLOWANCE_S + S)
    assert not any(judge.look(now, None, 0) for now in range(limit + 1))
    assert judge.look(limit + 1, None, 0)


def test_work_waiting_while_it_has_room_and_takes_nothing_is_a_stall():
    judge = StallJudge(S, 0)
    verdicts = looks(judge, range(30), waiting=5, taken=3)
    assert verdicts[10] is None and "took no task for 11 s while 5 waited" in verdicts[11]


def test_taking_work_or_having_no_room_is_not_a_stall():
    judge = StallJudge(S, 0)
    taking = [judge.look(now, Beat(now, now, 1, 2), 5) for now in range(30)]
    assert not any(taking)
    assert not any(looks(StallJudge(S, 0), range(30), waiting=5, held=2))


def test_nothing_is_judged_while_the_broker_is_away_nor_for_s_seconds_after():
    judge = StallJudge(S, 0)
    assert not any(judge.look(now, Beat(0, 0, 0, 2), None) for now in range(100))
    back = [judge.look(now, Beat(0, 0, 0, 2), 0) for now in range(100, 120)]
    assert back[10] is None and back[11]


def test_a_watchdog_that_was_not_running_gives_the_worker_s_seconds_again():
    """Frozen with its worker (the whole process group stopped) and thawed 60 s later."""
    judge = StallJudge(S, 0)
    assert not any(looks(judge, range(10)))
    thawed = [judge.look(now, Beat(9, 0, 0, 2), 0) for now in range(70, 90)]
    assert thawed[11] is None and thawed[12], "watched again from the look after the gap"
