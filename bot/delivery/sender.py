"""Sending ledger rows at a pace each workspace's Slack will accept.

Pacing
    One token bucket per workspace (team ID) and lane (messages; other Web API calls), shared by
    every send in the process, and on PostgreSQL by every replica (bot/delivery/pace.py). By
    default the rate is learnt from Slack's answers: it starts at 4 messages a second, rises
    while Slack accepts and falls back on a 429 (up to `SLACK_MAX_SEND_RATE`). Besides, never
    more than one post a second goes into one conversation (`channel_interval`: Slack's rate
    for chat.postMessage per channel). `Pacer(rate=..., burst=...)` fixes the rate instead.

429s
    The client used here (`SlackClients.sending`, bot/slack/clients.py) has no retry handlers of
    its own: when Slack answers 429 the ledger row is still `claimed` (Slack did not take the
    message), the pacer stops *that* workspace's
    sending for `Retry-After` seconds (other workspaces carry on) and then delivers the same row
    again under a new ledger attempt, so a 429 never loses a prompt and never duplicates one:
    if another process's recovery took the row over in the meantime, the attempt
    compare-and-set in `Outbox.deliver` answers DUPLICATE and this sender moves on. After
    `max_rate_limit_retries` 429s on one row it is left `claimed` for `Outbox.recover`.
    A dropped connection is not retried blindly either: the row stays in doubt and recovery
    checks the channel's history before posting again.

One pacer per process
    The composition root (bot/deps.py) makes one `Pacer`, so every heartbeat and recovery of the
    process shares each workspace's bucket.

One sender per workspace per process, slices across processes
    Sending thousands of prompts takes a long time at Slack's pace. `drain()` sends a workspace's
    queued ledger rows a slice at a time (each slice claimed in the ledger for this process, so
    several replicas share the work); while it runs, another `drain()` or `send()` for the same
    workspace in this process (a later heartbeat) leaves its rows to it and returns at once
    instead of starting a second, overlapping sender.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from slack_sdk.errors import SlackApiError

from bot.delivery.outbox import Item, Outbox, Outcome
from bot.delivery.pace import CALL, POST, Adaptive, Fixed, MemoryPace
from bot.slack.clients import RateLimitAwareClient

log = logging.getLogger(__name__)

DEFAULT_BURST = 3.0  # for a fixed rate
CHANNEL_INTERVAL = 1.0  # seconds between two posts into one conversation


class Stopped(Exception):
    """The process is stopping (SIGTERM): no new send starts; what is left stays in the ledger."""


class TokenBucket:
    """One workspace's pace as the senders of this process see it (the state itself is in a
    pace store, bot/delivery/pace.py: this process's memory, or the database replicas share).
    `stopping` (an Event) interrupts a wait: `acquire` then raises Stopped."""

    def __init__(self, store, team_id: str, lane: str = POST, *, sleep: Callable[[float], None] = time.sleep,
                 stopping: threading.Event | None = None):
        self.store = store
        self.team_id = team_id
        self.lane = lane
        self._sleep = sleep
        self._stopping = stopping

    def acquire(self) -> float:
        """Wait for a token; returns the seconds waited. Raises Stopped when the process stops."""
        waited = 0.0
        while True:
            if self._stopping is not None and self._stopping.is_set():
                raise Stopped()
            wait = self.store.take(self.team_id, self.lane)
            if wait <= 0:
                return waited
            if self._stopping is not None and self._sleep is time.sleep:
                self._stopping.wait(wait)  # a stop wakes the wait at once
            else:
                self._sleep(wait)
            waited += wait

    def accepted(self) -> None:
        """Slack took a message: the pace may rise (adaptive pacing)."""
        self.store.accepted(self.team_id, self.lane)

    def blocked_for(self) -> float:
        """Seconds until Slack's last Retry-After for this workspace has passed (0 if it has)."""
        return self.store.blocked_for(self.team_id, self.lane)

    def block_for(self, seconds: float) -> None:
        """Slack said 429: slow down, and send nothing more for `seconds`."""
        self.store.limited(self.team_id, seconds, self.lane)

    @property
    def rate(self) -> float:
        return self.store.rate(self.team_id, self.lane)


@dataclass
class SendCounts:
    sent: int = 0
    failed: int = 0
    duplicate: int = 0  # another process owned the attempt
    retry_later: int = 0  # left `claimed` for recovery
    handed_off: int = 0  # queued to this workspace's sender already running in this process
    rate_limited: int = 0  # 429s received
    waited: float = 0.0  # seconds spent waiting for the pace or a Retry-After

    def add(self, other: SendCounts) -> None:
        for name in ("sent", "failed", "duplicate", "retry_later", "handed_off", "rate_limited", "waited"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class _Queue:
    rows: deque = field(default_factory=deque)
    take: Callable[[], list[int]] | None = None  # claims the next slice of queued rows
    more: bool = False  # the ledger may hold queued rows this sender hasn't taken yet


class Pacer:
    """Per-workspace pacing and one running sender per workspace in this process."""

    def __init__(self, *, rate: float | None = None, burst: float = DEFAULT_BURST, store=None,
                 max_rate_limit_retries: int = 10, channel_interval: float = CHANNEL_INTERVAL,
                 monotonic: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep):
        """The pace: `store` (bot/delivery/pace.py), or a fixed `rate` and `burst`, or by default
        adaptive, in this process. `channel_interval`: the least time between two posts into one
        conversation (Slack allows about one a second per channel)."""
        if store is None:
            store = MemoryPace(Fixed(rate, burst) if rate is not None else Adaptive(), monotonic=monotonic)
        self.store = store
        self.max_rate_limit_retries = max_rate_limit_retries
        self.channel_interval = channel_interval
        self._monotonic = monotonic
        self._sleep = sleep
        self._buckets: dict[tuple[str, str], TokenBucket] = {}
        self._queues: dict[tuple[str, str], _Queue] = {}
        self._channel_free_at: dict[tuple[str, str], float] = {}
        self._lock = threading.Lock()
        self._stopping = threading.Event()

    def bucket(self, team_id: str, lane: str = POST) -> TokenBucket:
        """The workspace's bucket for messages (POST) or for other Web API calls (CALL)."""
        with self._lock:
            b = self._buckets.get((team_id, lane))
            if b is None:
                b = self._buckets[(team_id, lane)] = TokenBucket(self.store, team_id, lane, sleep=self._sleep,
                                                                 stopping=self._stopping)
            return b

    def _wait_for_channel(self, team_id: str, channel: str | None) -> None:
        """Never more than one post a second into one conversation (from this process)."""
        if not channel:
            return
        while True:
            with self._lock:
                now = self._monotonic()
                free_at = self._channel_free_at.get((team_id, channel), 0.0)
                if free_at <= now:
                    self._channel_free_at[(team_id, channel)] = now + self.channel_interval
                    return
                wait = free_at - now
            if self._stopping.is_set():
                raise Stopped()
            if self._sleep is time.sleep:
                self._stopping.wait(wait)
            else:
                self._sleep(wait)

    def stop(self) -> None:
        """SIGTERM: from now on no send starts (a post already in flight finishes); the rows not
        sent stay `claimed` in the ledger, for the next run or another replica to send."""
        self._stopping.set()

    @property
    def stopping(self) -> bool:
        return self._stopping.is_set()

    def sending(self, team_id: str, scope: str = "") -> bool:
        with self._lock:
            return (scope, team_id) in self._queues

    def send(self, outbox: Outbox, client: RateLimitAwareClient, *, team_id: str, row_ids: Iterable[int],
             scope: str = "") -> SendCounts:
        """Deliver claimed rows for one workspace, in order, at the workspace's pace.

        `scope` tells ledgers apart (the database URL): rows are only handed to a running sender
        of the same workspace *and* ledger."""
        return self._run(outbox, client, team_id, list(row_ids), None, scope)

    def drain(self, outbox: Outbox, client: RateLimitAwareClient, *, team_id: str,
              take: Callable[[], list[int]], scope: str = "") -> SendCounts:
        """Send a workspace's queued ledger rows, a slice at a time: `take()` claims the next
        slice for this process ([] when none is left), so that replicas share the work. If this
        process is already sending for the workspace, returns at once: that sender takes the new
        rows too. On stop, the rows of the slice not yet tried go back to the queue, for another
        replica or the next run."""
        return self._run(outbox, client, team_id, [], take, scope)

    def _run(self, outbox: Outbox, client: RateLimitAwareClient, team_id: str, rows: list[int],
             take: Callable[[], list[int]] | None, scope: str) -> SendCounts:
        counts = SendCounts()
        key = (scope, team_id)
        with self._lock:
            running = self._queues.get(key)
            if running is not None:
                running.rows.extend(rows)
                if take is not None:
                    running.take = running.take or take
                    running.more = True
                counts.handed_off = len(rows)
                return counts
            queue = self._queues[key] = _Queue(deque(rows), take=take, more=take is not None)
        current: int | None = None
        try:
            while True:
                taking = None
                with self._lock:
                    if queue.rows:
                        current = queue.rows.popleft()
                    elif queue.take is not None and queue.more:
                        queue.more, taking, current = False, queue.take, None
                    else:
                        del self._queues[key]
                        break
                if taking is not None:
                    if self._stopping.is_set():
                        raise Stopped()
                    taken = taking()
                    with self._lock:
                        queue.rows.extend(taken)
                        queue.more = queue.more or bool(taken)  # until a slice comes back empty
                    continue
                self._deliver_one(outbox, client, team_id, current, counts, channel=outbox.channel_of(current))
                current = None
        except Stopped:
            with self._lock:
                left = list(queue.rows) + ([current] if current is not None else [])
                self._queues.pop(key, None)
            if queue.take is not None:
                outbox.release(left)
            counts.retry_later += len(left)
            log.info("Stopping: %d message(s) for workspace %s stay in the ledger for the next run",
                     len(left), team_id)
        except BaseException:
            with self._lock:
                self._queues.pop(key, None)
            raise  # rows not yet sent stay `claimed`; recovery sends them after the lease
        return counts

    def deliver(self, outbox: Outbox, client: RateLimitAwareClient, *, team_id: str, row_id: int,
                channel: str | None = None) -> Outcome:
        """One claimed row, at the workspace's pace, waiting out 429s. Raises Stopped."""
        counts = SendCounts()
        return self._deliver_one(outbox, client, team_id, row_id, counts, channel=channel)

    def send_once(self, outbox: Outbox, client: RateLimitAwareClient, *, team_id: str, item: Item) -> Outcome:
        """Claim an item in the ledger and, if this call owns it, deliver it at the workspace's pace."""
        won = outbox.claim(team_id=team_id, items=[item])
        if item.key not in won:
            return Outcome.DUPLICATE
        return self.deliver(outbox, client, team_id=team_id, row_id=won[item.key], channel=item.channel)

    def call(self, client: RateLimitAwareClient, team_id: str, method: Callable[..., object], **kwargs):
        """A Web API call (not a message: conversations.open, ...) at the workspace's pace, waiting
        out 429s with their Retry-After. Raises Stopped, or the last SlackApiError."""
        bucket = self.bucket(team_id, CALL)
        for attempt in range(self.max_rate_limit_retries + 1):
            bucket.acquire()
            try:
                result = method(**kwargs)
                bucket.accepted()
                return result
            except SlackApiError as e:
                retry_after = client.take_retry_after()
                if e.response.status_code != 429 or retry_after is None or attempt == self.max_rate_limit_retries:
                    raise
                self._slow_down(bucket, retry_after)
        raise AssertionError("unreachable")

    def _slow_down(self, bucket: TokenBucket, retry_after: float) -> None:
        log.info("Slack asked us to slow down (429); pausing this workspace's sending for %.0fs", retry_after)
        bucket.block_for(retry_after)

    def _deliver_one(self, outbox: Outbox, client: RateLimitAwareClient, team_id: str,
                     row_id: int, counts: SendCounts, channel: str | None = None) -> Outcome:
        bucket = self.bucket(team_id)
        seen = 0
        for _ in range(self.max_rate_limit_retries + 1):
            self._wait_for_channel(team_id, channel)
            counts.waited += bucket.acquire()
            outcome = outbox.deliver(client, row_id, seen_attempts=seen)
            if outcome is Outcome.SENT:
                counts.sent += 1
                bucket.accepted()
                return outcome
            if outcome is Outcome.FAILED:
                counts.failed += 1
                return outcome
            if outcome is Outcome.DUPLICATE:
                counts.duplicate += 1
                return outcome
            retry_after = client.take_retry_after()
            if retry_after is None:  # transient error or unknown outcome: recovery settles it
                counts.retry_later += 1
                return outcome
            counts.rate_limited += 1
            self._slow_down(bucket, retry_after)
            seen += 1  # the 429'd attempt was recorded; the next one must follow it
        counts.retry_later += 1
        log.warning("Still rate limited after %d tries; ledger row %s is left for recovery",
                    self.max_rate_limit_retries + 1, row_id)
        return Outcome.RETRY_LATER
