"""Sending claimed ledger rows at a pace each workspace's Slack will accept.

Pacing
    One token bucket per workspace (team ID), shared by every send in the process. The default
    is deliberately conservative: a sustained 1 message per second with bursts of 3, which is
    Slack's documented rate for chat.postMessage per channel and well inside its
    workspace-wide limits, so 5,000 prompts take about 83 minutes to go out. Pass
    `Pacer(rate=..., burst=...)` to change it.

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

One sender per workspace per process
    Sending thousands of prompts takes a long time at Slack's pace. While a sender is draining
    a workspace's queue, another `send()` for the same workspace (a later heartbeat) appends its
    rows to that queue and returns at once instead of starting a second, overlapping sender.
    Other processes are kept apart by the ledger itself.
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
from bot.slack.clients import RateLimitAwareClient

log = logging.getLogger(__name__)

DEFAULT_RATE = 1.0  # messages per second, per workspace
DEFAULT_BURST = 3.0


class Stopped(Exception):
    """The process is stopping (SIGTERM): no new send starts; what is left stays in the ledger."""


class TokenBucket:
    """Thread-safe token bucket with a 'blocked until' for Retry-After. `stopping` (an Event)
    interrupts a wait: `acquire` then raises Stopped."""

    def __init__(self, rate: float, burst: float, *, monotonic: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep, stopping: threading.Event | None = None):
        if rate <= 0 or burst < 1:
            raise ValueError("rate must be > 0 and burst >= 1")
        self.rate = rate
        self.burst = burst
        self._monotonic = monotonic
        self._sleep = sleep
        self._tokens = burst
        self._last = monotonic()
        self._blocked_until = 0.0
        self._lock = threading.Lock()
        self._stopping = stopping

    def acquire(self) -> float:
        """Wait for a token; returns the seconds waited. Raises Stopped when the process stops."""
        waited = 0.0
        while True:
            if self._stopping is not None and self._stopping.is_set():
                raise Stopped()
            with self._lock:
                now = self._monotonic()
                self._tokens = min(self.burst, self._tokens + (now - self._last) * self.rate)
                self._last = now
                if now < self._blocked_until:
                    wait = self._blocked_until - now
                elif self._tokens >= 1.0:
                    self._tokens -= 1.0
                    return waited
                else:
                    wait = (1.0 - self._tokens) / self.rate
            if self._stopping is not None and self._sleep is time.sleep:
                self._stopping.wait(wait)  # a stop wakes the wait at once
            else:
                self._sleep(wait)
            waited += wait

    def blocked_for(self) -> float:
        """Seconds until Slack's last Retry-After for this workspace has passed (0 if it has)."""
        with self._lock:
            return max(0.0, self._blocked_until - self._monotonic())

    def block_for(self, seconds: float) -> None:
        """Slack said 429: send nothing more for `seconds`, then restart from an empty bucket."""
        with self._lock:
            now = self._monotonic()
            self._blocked_until = max(self._blocked_until, now + seconds)
            self._tokens = 0.0
            self._last = self._blocked_until


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


class Pacer:
    """Per-workspace pacing and one running sender per workspace in this process."""

    def __init__(self, *, rate: float = DEFAULT_RATE, burst: float = DEFAULT_BURST,
                 max_rate_limit_retries: int = 10,
                 monotonic: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep):
        self.rate = rate
        self.burst = burst
        self.max_rate_limit_retries = max_rate_limit_retries
        self._monotonic = monotonic
        self._sleep = sleep
        self._buckets: dict[str, TokenBucket] = {}
        self._queues: dict[tuple[str, str], _Queue] = {}
        self._lock = threading.Lock()
        self._stopping = threading.Event()

    def bucket(self, team_id: str) -> TokenBucket:
        with self._lock:
            b = self._buckets.get(team_id)
            if b is None:
                b = self._buckets[team_id] = TokenBucket(self.rate, self.burst, monotonic=self._monotonic,
                                                         sleep=self._sleep, stopping=self._stopping)
            return b

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
        counts = SendCounts()
        rows = list(row_ids)
        key = (scope, team_id)
        with self._lock:
            running = self._queues.get(key)
            if running is not None:
                running.rows.extend(rows)
                counts.handed_off = len(rows)
                return counts
            queue = self._queues[key] = _Queue(deque(rows))
        try:
            while True:
                with self._lock:
                    if not queue.rows:
                        del self._queues[key]
                        break
                    row_id = queue.rows.popleft()
                self._deliver_one(outbox, client, team_id, row_id, counts)
        except Stopped:
            with self._lock:
                left = len(queue.rows) + 1
                self._queues.pop(key, None)
            counts.retry_later += left
            log.info("Stopping: %d message(s) for workspace %s stay in the ledger for the next run", left, team_id)
        except BaseException:
            with self._lock:
                self._queues.pop(key, None)
            raise  # rows not yet sent stay `claimed`; recovery sends them after the lease
        return counts

    def deliver(self, outbox: Outbox, client: RateLimitAwareClient, *, team_id: str, row_id: int) -> Outcome:
        """One claimed row, at the workspace's pace, waiting out 429s. Raises Stopped."""
        counts = SendCounts()
        return self._deliver_one(outbox, client, team_id, row_id, counts)

    def send_once(self, outbox: Outbox, client: RateLimitAwareClient, *, team_id: str, item: Item) -> Outcome:
        """Claim an item in the ledger and, if this call owns it, deliver it at the workspace's pace."""
        won = outbox.claim(team_id=team_id, items=[item])
        if item.key not in won:
            return Outcome.DUPLICATE
        return self.deliver(outbox, client, team_id=team_id, row_id=won[item.key])

    def call(self, client: RateLimitAwareClient, team_id: str, method: Callable[..., object], **kwargs):
        """A Web API call (not a message: conversations.open, ...) at the workspace's pace, waiting
        out 429s with their Retry-After. Raises Stopped, or the last SlackApiError."""
        bucket = self.bucket(team_id)
        for attempt in range(self.max_rate_limit_retries + 1):
            bucket.acquire()
            try:
                return method(**kwargs)
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
                     row_id: int, counts: SendCounts) -> Outcome:
        bucket = self.bucket(team_id)
        seen = 0
        for _ in range(self.max_rate_limit_retries + 1):
            counts.waited += bucket.acquire()
            outcome = outbox.deliver(client, row_id, seen_attempts=seen)
            if outcome is Outcome.SENT:
                counts.sent += 1
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
