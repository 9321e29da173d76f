"""The pacer: Retry-After is honoured in full on every kind of call, and a stop (SIGTERM) ends
sending at once with what is left still in the ledger."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime

from sqlmodel import select

from bot.delivery.outbox import Item, Outbox
from bot.delivery.sender import Pacer, Stopped
from bot.slack.clients import RateLimitAwareClient
from storage.models import SEND_CLAIMED, SEND_SENT, SendLedger
from tests.support.harness import Clock

T = "T0001"


class FakeTime:
    """A monotonic clock that only moves when the pacer sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def client(fake) -> RateLimitAwareClient:
    return RateLimitAwareClient(token="xoxb-test", base_url=fake.base_url, retry_handlers=[])


def test_a_long_retry_after_is_waited_out_in_full_on_any_call(fake_slack):
    """A 429 on conversations.open with Retry-After: 600 stops the workspace's sending for 600 s
    (not a new try every minute), then the call goes through."""
    t = FakeTime()
    pacer = Pacer(rate=1, burst=1, monotonic=t.monotonic, sleep=t.sleep)
    fake_slack.add_user("U0ANA")
    fake_slack.add_user("U0BEN")
    fake_slack.fail_next("conversations.open", error="ratelimited", retry_after=600)
    c = client(fake_slack)
    resp = pacer.call(c, T, c.conversations_open, users="U0ANA,U0BEN")
    assert resp["channel"]["id"]
    assert sum(t.slept) >= 600
    assert [x.status for x in fake_slack.calls_to("conversations.open", include_failed=True)] == [429, 200]
    assert pacer.bucket(T).blocked_for() == 0


def test_stopping_ends_a_burst_at_once_and_leaves_the_rest_in_the_ledger(sqlite_db, fake_slack):
    clock = Clock()
    clock.set(datetime(2026, 11, 23, 10, 0, tzinfo=UTC))
    outbox = Outbox(sqlite_db, clock=clock)
    fake_slack.add_user("U0ANA")
    items = [Item(key=f"note:{i:03d}", kind="note", channel="U0ANA", text=f"note {i}") for i in range(40)]
    won = outbox.claim(team_id=T, items=items)
    row_ids = [won[i.key] for i in items]
    pacer = Pacer(rate=10, burst=1)  # 4 s for the whole burst
    result = {}
    sender = threading.Thread(target=lambda: result.update(
        counts=pacer.send(outbox, client(fake_slack), team_id=T, row_ids=row_ids)))
    sender.start()
    fake_slack.wait_for("chat.postMessage", count=3)
    stopped_at = time.monotonic()
    pacer.stop()
    sender.join(timeout=5)
    assert not sender.is_alive() and time.monotonic() - stopped_at < 1.0  # it didn't drain the queue
    counts = result["counts"]
    with sqlite_db.session() as s:
        rows = list(s.exec(select(SendLedger)))
    sent = [r for r in rows if r.status == SEND_SENT]
    left = [r for r in rows if r.status == SEND_CLAIMED]
    assert len(sent) == counts.sent == len(fake_slack.calls_to("chat.postMessage")) < 40
    assert len(left) == 40 - len(sent) == counts.retry_later
    assert all(r.attempts == 0 and not r.in_doubt for r in left)  # never started: the next run sends them
    try:
        pacer.bucket(T).acquire()
        raise AssertionError("a stopped pacer must not hand out tokens")
    except Stopped:
        pass
