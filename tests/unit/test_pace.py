"""The pace a workspace is sent at (bot/delivery/pace.py): pure functions on a clock we drive."""

from __future__ import annotations

import math

import pytest

from bot.delivery.pace import (
    CALL,
    CALLS,
    POST,
    Adaptive,
    Fixed,
    MemoryPace,
    accepted,
    fresh,
    limited,
    take,
)


class Clock:
    def __init__(self) -> None:
        self.t = 100.0

    def __call__(self) -> float:
        return self.t


def test_adaptive_starts_moderate_and_climbs_while_slack_accepts():
    p = Adaptive()
    s = fresh(p, 0.0)
    assert s.rate == p.start == 4.0
    for _ in range(20):
        accepted(p, s)
    assert s.rate == pytest.approx(5.0)
    for _ in range(10_000):
        accepted(p, s)
    assert s.rate == p.ceiling


def test_a_429_cuts_the_rate_empties_the_bucket_and_stops_sending_for_retry_after():
    p = Adaptive()
    s = fresh(p, 0.0)
    s.rate = 10.0
    limited(p, s, now=50.0, retry_after=3)
    assert s.rate == pytest.approx(6.0) and s.tokens == 0.0
    assert take(p, s, 51.0) == pytest.approx(2.0)  # still inside Retry-After
    assert take(p, s, 53.0) == pytest.approx(1 / 6)  # Retry-After over; the bucket refills from empty
    assert take(p, s, 53.0 + 1 / 6) == 0.0


def test_429s_for_posts_already_in_flight_are_one_slowdown_not_several():
    p = Adaptive()
    s = fresh(p, 0.0)
    s.rate = 10.0
    limited(p, s, now=50.0, retry_after=2)
    limited(p, s, now=50.1, retry_after=2)  # another replica's post, sent before it knew
    limited(p, s, now=50.2, retry_after=2)
    assert s.rate == pytest.approx(6.0) and s.blocked_until == pytest.approx(52.2)
    limited(p, s, now=60.0, retry_after=1)  # a new 429 after the stop: a new slowdown
    assert s.rate == pytest.approx(3.6)


def test_the_rate_never_falls_below_the_floor():
    p = Adaptive()
    s = fresh(p, 0.0)
    for i in range(50):
        limited(p, s, now=10.0 * i, retry_after=1)
    assert s.rate == p.floor


def test_a_fixed_pace_neither_climbs_nor_falls_and_keeps_its_burst():
    p = Fixed(rate=2, burst=3)
    s = fresh(p, 0.0)
    assert [take(p, s, 0.0) for _ in range(3)] == [0.0, 0.0, 0.0]
    assert take(p, s, 0.0) == pytest.approx(0.5)
    accepted(p, s)
    limited(p, s, now=1.0, retry_after=2)
    assert s.rate == 2


@pytest.mark.parametrize("bad", [dict(rate=0, burst=1), dict(rate=1, burst=0.5)])
def test_a_fixed_pace_refuses_nonsense(bad):
    with pytest.raises(ValueError):
        Fixed(**bad)


def test_posts_and_other_calls_are_paced_apart():
    clock = Clock()
    pace = MemoryPace(Adaptive(), monotonic=clock)
    assert pace.rate("T1", CALL) == CALLS.start < pace.rate("T1", POST)
    pace.limited("T1", 30, CALL)  # conversations.open said 429
    assert pace.blocked_for("T1", CALL) == 30 and pace.blocked_for("T1", POST) == 0
    assert pace.take("T1", POST) == 0.0
    assert pace.take("T2", CALL) == 0.0  # and other workspaces carry on


def test_a_ceiling_below_the_start_caps_both_lanes():
    pace = MemoryPace(Adaptive(start=0.5, ceiling=0.5))
    assert pace.rate("T1", POST) == 0.5 and pace.rate("T1", CALL) == 0.5


def simulate(limit: float, burst: float, n: int, policy: Adaptive | Fixed | None = None,
             latency: float = 0.03):
    """`n` posts from one sender against a Slack that takes `limit` a second (a token bucket of
    `burst`) and answers 429 with Retry-After beyond it, on a simulated clock. Returns the time
    taken and the 429s."""
    clock = Clock()
    start = clock.t
    pace = MemoryPace(policy or Adaptive(), monotonic=clock)
    tokens, last, sent, refused = burst, clock.t, 0, 0
    while sent < n:
        wait = pace.take("T")
        if wait > 0:
            clock.t += max(wait, 1e-6)
            continue
        clock.t += latency
        tokens, last = min(burst, tokens + (clock.t - last) * limit), clock.t
        if tokens >= 1:
            tokens -= 1
            sent += 1
            pace.accepted("T")
        else:
            refused += 1
            pace.limited("T", max(1, math.ceil((1 - tokens) / limit)))
    return clock.t - start, refused


@pytest.mark.parametrize("limit", [8.0, 15.0])
def test_against_a_limit_it_is_not_told_it_sustains_most_of_it_with_few_429s(limit):
    elapsed, refused = simulate(limit, burst=limit, n=5000)
    assert (5000 / elapsed) >= 0.7 * limit  # issue 11's target: at least 70 % of the limit
    assert refused < 0.15 * 5000  # and 429s under 15 % of posts
    assert refused > 0  # it did find the limit (it is not simply sending slowly)


def test_a_pace_that_doesnt_learn_fails_the_same_measure():
    """The measure above can fail: today's fixed 1 message a second, or a cautious 4, leave most
    of the limit unused."""
    for rate in (1, 4):
        elapsed, _ = simulate(8.0, burst=8.0, n=500, policy=Fixed(rate=rate, burst=3))
        assert (500 / elapsed) < 0.7 * 8
