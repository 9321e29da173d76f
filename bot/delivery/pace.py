"""How fast a workspace may be sent to: a token bucket whose rate adapts to what Slack accepts.

Slack doesn't say a workspace's limit; it answers 429 with a Retry-After beyond it. So the pace
is learnt, per workspace, additive increase and multiplicative decrease (as TCP does):

- it starts at `Adaptive.start` messages a second (moderate: well inside Slack's documented
  "several hundred a minute" per workspace);
- every message Slack accepts adds `Adaptive.step` to the rate, up to `Adaptive.ceiling`;
- a 429 multiplies the rate by `Adaptive.backoff`, empties the bucket, and stops the
  workspace's sending for the Retry-After Slack gave.

Against a limit it isn't told, the rate climbs to it, is cut back, climbs again: it spends most
of its time between `backoff` x the limit and the limit, with a 429 about every hundred messages
(figures in the README, measured by bench/bench_pace.py).

Where the state lives:
- `MemoryPace`: in the process (SQLite: one process sends), on the monotonic clock.
- `SharedPace`: in the `sendpace` table (PostgreSQL), on the wall clock, one row per workspace
  taken with `SELECT ... FOR UPDATE`: every replica sending for a workspace draws on the same
  bucket, so together they stay within the one limit, and what one learns (a 429) all obey.
- `Fixed`: a fixed rate instead (`Pacer(rate=...)`): for people who want a steady pace or a
  ceiling they choose, and for tests.

Lanes: each workspace has two buckets. "post" paces messages (chat.postMessage: Slack's
special tier, several hundred a minute per workspace, about one a second per conversation);
"call" paces the other Web API calls a send needs (conversations.open is Tier 3, about 50 a
minute), learnt from its own, slower start (`CALLS`), so a 429 on opening DMs never slows the
messages down, nor the reverse.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import select

from storage.db import Database
from storage.models import SendPace


@dataclass(frozen=True)
class Adaptive:
    start: float = 4.0  # messages a second, before anything is learnt
    step: float = 0.05  # added per message Slack accepts (20 accepted: +1 a second)
    backoff: float = 0.6  # the rate is multiplied by this on a 429
    floor: float = 0.5
    ceiling: float = 25.0
    burst: float = 2.0  # tokens the bucket holds at most (rates below 2 a second: the rate)


POST, CALL = "post", "call"

# Other Web API calls: from about 48 a minute (Tier 3 allows 50+), up to 5 a second.
CALLS = Adaptive(start=0.8, step=0.02, floor=0.2, ceiling=5.0)


def lanes_for(posts: Adaptive | Fixed, calls: Adaptive | Fixed | None = None) -> dict[str, Adaptive | Fixed]:
    """Both lanes' policies: a fixed pace applies to both; an adaptive one leaves calls to `CALLS`
    (never above the messages' ceiling)."""
    if calls is None:
        calls = posts if isinstance(posts, Fixed) else replace(
            CALLS, ceiling=min(CALLS.ceiling, posts.ceiling), start=min(CALLS.start, posts.ceiling))
    return {POST: posts, CALL: calls}


@dataclass(frozen=True)
class Fixed:
    rate: float
    burst: float

    def __post_init__(self) -> None:
        if self.rate <= 0 or self.burst < 1:
            raise ValueError("rate must be > 0 and burst >= 1")


@dataclass
class State:
    """One workspace's bucket. Times are seconds on the store's clock."""

    rate: float
    tokens: float
    refilled_at: float
    blocked_until: float = 0.0


def _capacity(policy: Adaptive | Fixed, rate: float) -> float:
    return policy.burst if isinstance(policy, Fixed) else max(1.0, min(policy.burst, rate))


def take(policy: Adaptive | Fixed, s: State, now: float) -> float:
    """Refill, then take a token if there is one: 0.0. Otherwise the seconds to wait."""
    if now < s.blocked_until:
        return s.blocked_until - now
    s.tokens = min(_capacity(policy, s.rate), s.tokens + max(0.0, now - s.refilled_at) * s.rate)
    s.refilled_at = now
    if s.tokens >= 1.0 - 1e-9:  # (a wait computed to the token can land a rounding error short)
        s.tokens = max(0.0, s.tokens - 1.0)
        return 0.0
    return (1.0 - s.tokens) / s.rate


def accepted(policy: Adaptive | Fixed, s: State) -> None:
    if isinstance(policy, Adaptive):
        s.rate = min(policy.ceiling, s.rate + policy.step)


def limited(policy: Adaptive | Fixed, s: State, now: float, retry_after: float) -> None:
    """Slack said 429: slow down, and send nothing for `retry_after` seconds. 429s that arrive
    while sending is already stopped for an earlier one (posts that were in flight, other
    replicas' posts) are the same news: they extend the stop but don't cut the rate again."""
    if isinstance(policy, Adaptive) and now >= s.blocked_until:
        s.rate = max(policy.floor, s.rate * policy.backoff)
    s.blocked_until = max(s.blocked_until, now + retry_after)
    s.tokens = 0.0
    s.refilled_at = s.blocked_until


def fresh(policy: Adaptive | Fixed, now: float) -> State:
    rate = policy.rate if isinstance(policy, Fixed) else policy.start
    return State(rate=rate, tokens=_capacity(policy, rate), refilled_at=now)


class MemoryPace:
    """Every workspace's buckets in this process."""

    def __init__(self, posts: Adaptive | Fixed, calls: Adaptive | Fixed | None = None, *,
                 monotonic=time.monotonic):
        self.policies = lanes_for(posts, calls)
        self._monotonic = monotonic
        self._states: dict[tuple[str, str], State] = {}
        self._lock = threading.Lock()

    @property
    def policy(self) -> Adaptive | Fixed:
        return self.policies[POST]

    def _state(self, team_id: str, lane: str) -> State:
        s = self._states.get((team_id, lane))
        if s is None:
            s = self._states[(team_id, lane)] = fresh(self.policies[lane], self._monotonic())
        return s

    def take(self, team_id: str, lane: str = POST) -> float:
        with self._lock:
            return take(self.policies[lane], self._state(team_id, lane), self._monotonic())

    def accepted(self, team_id: str, lane: str = POST) -> None:
        with self._lock:
            accepted(self.policies[lane], self._state(team_id, lane))

    def limited(self, team_id: str, retry_after: float, lane: str = POST) -> None:
        with self._lock:
            limited(self.policies[lane], self._state(team_id, lane), self._monotonic(), retry_after)

    def blocked_for(self, team_id: str, lane: str = POST) -> float:
        with self._lock:
            return max(0.0, self._state(team_id, lane).blocked_until - self._monotonic())

    def rate(self, team_id: str, lane: str = POST) -> float:
        with self._lock:
            return self._state(team_id, lane).rate


_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


def _seconds(at: datetime | None) -> float:
    return (at - _EPOCH).total_seconds() if at is not None else 0.0


def _instant(seconds: float) -> datetime:
    return _EPOCH + timedelta(seconds=seconds)


class SharedPace:
    """Every workspace's buckets in the `sendpace` table, shared by every replica (PostgreSQL;
    it works on SQLite too, where writers take turns, but there one process sends)."""

    def __init__(self, db: Database, posts: Adaptive | Fixed, calls: Adaptive | Fixed | None = None, *,
                 clock=time.time):
        self.db = db
        self.policies = lanes_for(posts, calls)
        self.clock = clock  # wall-clock seconds: the replicas share it

    @property
    def policy(self) -> Adaptive | Fixed:
        return self.policies[POST]

    def _update(self, team_id: str, lane: str, change):
        """Run `change(state, now)` on the workspace's row for the lane, locked; returns what it returns."""
        now = self.clock() - _EPOCH.timestamp()
        with self.db.session() as s:
            new = fresh(self.policies[lane], now)
            insert = sqlite.insert if self.db.is_sqlite else postgresql.insert
            s.connection().execute(insert(SendPace.__table__).values(
                team_id=team_id, lane=lane, rate=new.rate, tokens=new.tokens,
                refilled_at=_instant(new.refilled_at), blocked_until=None,
            ).on_conflict_do_nothing(index_elements=["team_id", "lane"]))
            row = s.exec(select(SendPace).where(SendPace.team_id == team_id, SendPace.lane == lane)
                         .with_for_update()).one()
            state = State(rate=row.rate, tokens=row.tokens, refilled_at=_seconds(row.refilled_at),
                          blocked_until=_seconds(row.blocked_until))
            before = replace(state)
            result = change(state, now)
            if state != before:
                row.rate, row.tokens = state.rate, state.tokens
                row.refilled_at = _instant(state.refilled_at)
                row.blocked_until = _instant(state.blocked_until) if state.blocked_until else None
                s.add(row)
            return result

    def take(self, team_id: str, lane: str = POST) -> float:
        return self._update(team_id, lane, lambda st, now: take(self.policies[lane], st, now))

    def accepted(self, team_id: str, lane: str = POST) -> None:
        self._update(team_id, lane, lambda st, now: accepted(self.policies[lane], st))

    def limited(self, team_id: str, retry_after: float, lane: str = POST) -> None:
        self._update(team_id, lane, lambda st, now: limited(self.policies[lane], st, now, retry_after))

    def blocked_for(self, team_id: str, lane: str = POST) -> float:
        return self._update(team_id, lane, lambda st, now: max(0.0, st.blocked_until - now))

    def rate(self, team_id: str, lane: str = POST) -> float:
        return self._update(team_id, lane, lambda st, now: st.rate)
