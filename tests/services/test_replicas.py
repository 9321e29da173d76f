"""Several replicas share the sending and one workspace's pace (both backends; the replicas are
threads or separate processes against one database, the fake Slack runs here).

- The queue: what is due is recorded `queued`; senders take slices; a slice has one owner.
- The pace: on PostgreSQL (SharedPace) every replica draws on one bucket per workspace, and a 429
  one of them gets slows them all.
- A replica killed mid-burst (SIGKILL): the others finish the queue; what the killed one held is
  settled by recovery once its lease ends; nothing lost, nothing twice.
"""

from __future__ import annotations

import multiprocessing
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from bot.delivery.dispatcher import SLICE, Claimed, Dispatcher
from bot.delivery.outbox import Item, Outbox
from bot.delivery.pace import CALL, POST, Adaptive, Fixed, MemoryPace, SharedPace
from bot.delivery.sender import Pacer
from bot.deps import build_deps
from bot.settings import Settings
from bot.slack.clients import RateLimitAwareClient
from storage.db import Database
from storage.models import SEND_CLAIMED, SEND_QUEUED, SEND_SENT, SendLedger
from storage.repositories import ledger
from tests.support.factories import started_pair
from tests.support.harness import ADMIN_CHANNEL, TEAM, Clock, make_settings

MON_C1 = datetime(2026, 1, 12, 10, 0, tzinfo=UTC)  # every started pair's cycle-1 nudge is due


def statuses(db) -> Counter:
    with db.session() as s:
        return Counter(r.status for r in s.exec(select(SendLedger)) if not r.key.startswith("digest:"))


def queue_notes(db, n: int, *, channel: str = "U0ANA", at: datetime = MON_C1) -> tuple[Outbox, list[int]]:
    outbox = Outbox(db, clock=lambda: at)
    won = outbox.queue(team_id=TEAM, items=[Item(key=f"note:{i:03d}", kind="note", channel=channel,
                                                 text=f"note {i}") for i in range(n)])
    return outbox, sorted(won.values())


def nudge_keys(fake) -> Counter:
    return Counter(k for k in ((c.json("metadata") or {}).get("event_payload", {}).get("key")
                               for c in fake.calls_to("chat.postMessage")) if k and k.startswith("nudge:"))


# --- the queue ----------------------------------------------------------------------------------

def test_a_sender_takes_a_slice_of_the_oldest_queued_rows(db):
    outbox, ids = queue_notes(db, 25)
    assert outbox.take(team_id=TEAM, limit=10) == ids[:10]
    assert outbox.take(team_id=TEAM, limit=10) == ids[10:20]
    assert outbox.take(team_id="T0OTHER", limit=10) == []  # other workspaces' queues are their own
    assert outbox.take(team_id=TEAM, limit=10) == ids[20:]
    assert outbox.take(team_id=TEAM, limit=10) == []
    assert statuses(db) == Counter({SEND_CLAIMED: 25})


def test_two_takers_at_once_get_different_slices(db):
    """The first taker holds its transaction open; the second still gets other rows (on
    PostgreSQL at once, skipping the locked ones; on SQLite once the first commits)."""
    outbox, ids = queue_notes(db, 30)
    inside, release = threading.Event(), threading.Event()
    got: dict[str, list[int]] = {}

    def first():
        with db.session() as s:
            got["first"] = ledger.take_queued(s, team_id=TEAM, limit=10, at=MON_C1)
            inside.set()
            release.wait(10)

    t = threading.Thread(target=first)
    t.start()
    assert inside.wait(10)
    second = threading.Thread(target=lambda: got.update(second=outbox.take(team_id=TEAM, limit=10)))
    second.start()
    second.join(2 if not db.is_sqlite else 0.5)
    if not db.is_sqlite:
        assert not second.is_alive(), "PostgreSQL: the second taker must not wait for the first"
    release.set()
    t.join(10)
    second.join(10)
    assert got["first"] == ids[:10]
    assert len(got["second"]) == 10 and not set(got["second"]) & set(got["first"])


def test_a_stopping_sender_puts_back_what_it_had_not_tried(db):
    outbox, ids = queue_notes(db, 10)
    taken = outbox.take(team_id=TEAM, limit=10)
    Outbox(db, clock=lambda: MON_C1)._start_attempt(taken[0], 0)  # tried: it may be in Slack now
    assert outbox.release(taken) == 9
    with db.session() as s:
        rows = {r.id: r for r in s.exec(select(SendLedger))}
    assert rows[taken[0]].status == SEND_CLAIMED  # left for recovery, which checks the history
    assert all(rows[i].status == SEND_QUEUED for i in taken[1:])
    assert outbox.queued_teams() == [TEAM]


def test_stopping_mid_drain_hands_the_rest_back_to_the_queue(db, fake_slack):
    fake_slack.add_user("U0ANA")
    outbox, ids = queue_notes(db, 40)
    pacer = Pacer(rate=20, burst=1, channel_interval=0)
    c = RateLimitAwareClient(token="xoxb-test", base_url=fake_slack.base_url, retry_handlers=[])
    result = {}
    sender = threading.Thread(target=lambda: result.update(counts=pacer.drain(
        outbox, c, team_id=TEAM, take=lambda: outbox.take(team_id=TEAM, limit=SLICE))))
    sender.start()
    fake_slack.wait_for("chat.postMessage", count=3)
    pacer.stop()
    sender.join(5)
    assert not sender.is_alive()
    st = statuses(db)
    sent = len(fake_slack.calls_to("chat.postMessage"))
    assert st[SEND_SENT] == result["counts"].sent == sent < 40
    assert st[SEND_QUEUED] == 40 - sent and st[SEND_CLAIMED] == 0  # nothing waits for a lease
    # another replica (here: a new pacer) sends the rest at once
    Pacer(rate=1000, burst=1000, channel_interval=0).drain(
        outbox, c, team_id=TEAM, take=lambda: outbox.take(team_id=TEAM, limit=SLICE))
    assert statuses(db) == Counter({SEND_SENT: 40})
    assert Counter(c.params["text"] for c in fake_slack.calls_to("chat.postMessage")) == Counter(
        {f"note {i}": 1 for i in range(40)})


def test_a_second_drain_in_the_same_process_leaves_it_to_the_running_one(db, fake_slack):
    """A later heartbeat while a long send is under way: it doesn't start a second sender for the
    workspace, and the running one also sends what that heartbeat queued."""
    fake_slack.add_user("U0ANA")
    fake_slack.set_delay("chat.postMessage", 0.02)
    outbox, _ = queue_notes(db, 15)
    pacer = Pacer(rate=1000, burst=1000, channel_interval=0)
    c = RateLimitAwareClient(token="xoxb-test", base_url=fake_slack.base_url, retry_handlers=[])

    def take():
        return outbox.take(team_id=TEAM, limit=5)

    result = {}
    sender = threading.Thread(target=lambda: result.update(counts=pacer.drain(outbox, c, team_id=TEAM, take=take)))
    sender.start()
    fake_slack.wait_for("chat.postMessage", count=2)
    outbox.queue(team_id=TEAM, items=[Item(key="note:late", kind="note", channel="U0ANA", text="late")])
    second = pacer.drain(outbox, c, team_id=TEAM, take=take)
    assert second.sent == 0 and pacer.sending(TEAM)
    sender.join(10)
    assert result["counts"].sent == 16 and statuses(db) == Counter({SEND_SENT: 16})


# --- one pace for all replicas ------------------------------------------------------------------

class WallClock:
    def __init__(self) -> None:
        self.t = 1_800_000_000.0

    def __call__(self) -> float:
        return self.t


def test_replicas_draw_on_one_bucket_per_workspace(db):
    clock = WallClock()
    a, b = SharedPace(db, Fixed(rate=1, burst=3), clock=clock), SharedPace(db, Fixed(rate=1, burst=3), clock=clock)
    assert [a.take(TEAM), b.take(TEAM), a.take(TEAM)] == [0.0, 0.0, 0.0]
    assert b.take(TEAM) == pytest.approx(1.0)  # the three tokens are spent, whoever spent them
    assert a.take("T0OTHER") == 0.0  # another workspace has its own
    clock.t += 1.0
    assert b.take(TEAM) == 0.0


def test_what_one_replica_learns_every_replica_obeys(db):
    clock = WallClock()
    a, b = SharedPace(db, Adaptive(), clock=clock), SharedPace(db, Adaptive(), clock=clock)
    for _ in range(40):
        a.accepted(TEAM)
    assert b.rate(TEAM) == pytest.approx(Adaptive().start + 40 * Adaptive().step)
    b.limited(TEAM, 30)  # b got a 429 with Retry-After: 30
    assert a.blocked_for(TEAM) == pytest.approx(30) and a.take(TEAM) == pytest.approx(30)
    assert a.rate(TEAM) == pytest.approx(0.6 * (Adaptive().start + 40 * Adaptive().step))
    assert a.take(TEAM, CALL) == 0.0  # the other lane isn't stopped


def test_threads_racing_for_tokens_never_get_more_than_the_bucket_holds(db):
    clock = WallClock()
    paces = [SharedPace(db, Fixed(rate=0.001, burst=3), clock=clock) for _ in range(8)]
    barrier = threading.Barrier(8)
    granted = []

    def grab(p):
        barrier.wait()
        granted.append(p.take(TEAM) == 0.0)

    threads = [threading.Thread(target=grab, args=(p,)) for p in paces]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(granted) == [False] * 5 + [True] * 3


def test_the_bot_shares_the_pace_on_postgresql_and_keeps_it_in_memory_on_sqlite(db, fake_slack):
    settings = make_settings(fake_slack, db.url)
    settings = Settings(**{**settings.__dict__, "max_send_rate": 6.0})
    store = build_deps(settings, db).pacer.store
    assert isinstance(store, MemoryPace if db.is_sqlite else SharedPace)
    assert store.policies[POST].ceiling == 6.0 and store.policies[CALL].ceiling <= 6.0


# --- replicas in separate processes --------------------------------------------------------------

def _replica(database_url: str, slack_url: str, go, out) -> None:
    settings = Settings(bot_token="xoxb-test", signing_secret="0" * 32, app_token=None, database_url=database_url,
                        slack_api_url=slack_url, admin_channel=ADMIN_CHANNEL, port=0)
    db = Database(database_url)
    try:
        deps = build_deps(settings, db)
        d = Dispatcher(deps, pacer=Pacer(rate=40, burst=2, channel_interval=0))
        go.wait(30)
        report = d.tick(MON_C1)
        out.put(report.sent)
    finally:
        db.dispose()


def _start_replicas(db, fake_slack, n: int):
    ctx = multiprocessing.get_context("spawn")
    go, out = ctx.Event(), ctx.Queue()
    procs = [ctx.Process(target=_replica, args=(db.url, fake_slack.base_url, go, out)) for _ in range(n)]
    for p in procs:
        p.start()
    return procs, go, out


def test_three_replicas_share_the_sending(db, fake_slack):
    fake_slack.add_channel(ADMIN_CHANNEL, name="mentoring-admins", members=[])
    pairs = [started_pair(db, fake_slack) for _ in range(60)]
    fake_slack.set_delay("chat.postMessage", 0.05)  # 3 s of sending for one replica alone
    procs, go, out = _start_replicas(db, fake_slack, 3)
    time.sleep(1.5)  # let them import and connect, then start them together
    go.set()
    for p in procs:
        p.join(120)
    assert [p.exitcode for p in procs] == [0, 0, 0]
    sent = [out.get(timeout=5) for _ in procs]
    assert sum(sent) == 60 and all(s > 0 for s in sent), f"each replica should send a share: {sent}"
    assert nudge_keys(fake_slack) == Counter({f"nudge:{p.id}:1": 1 for p in pairs})


def test_a_replica_killed_mid_burst_loses_nothing_and_sends_nothing_twice(db, fake_slack):
    fake_slack.add_channel(ADMIN_CHANNEL, name="mentoring-admins", members=[])
    pairs = [started_pair(db, fake_slack) for _ in range(90)]
    fake_slack.set_delay("chat.postMessage", 0.03)
    procs, go, out = _start_replicas(db, fake_slack, 3)
    time.sleep(1.5)
    go.set()
    fake_slack.wait_for("chat.postMessage", count=20, timeout=60)
    procs[0].kill()  # SIGKILL: no clean-up of any kind
    procs[0].join(10)
    for p in procs[1:]:
        p.join(120)
    assert [p.exitcode for p in procs] == [-9, 0, 0]
    posted = nudge_keys(fake_slack)
    assert all(n == 1 for n in posted.values())  # nothing twice
    # The two others emptied the queue; what the killed one had taken (at most a slice) waits
    # for its lease, then the next heartbeat settles it (from the history if it was in flight).
    st = statuses(db)
    assert st[SEND_QUEUED] == 0 and st[SEND_CLAIMED] <= SLICE and st[SEND_SENT] + st[SEND_CLAIMED] == 90
    later = Dispatcher(build_deps(make_settings(fake_slack, db.url), db, clock=Clock()),
                       pacer=Pacer(rate=1000, burst=1000))
    report = later.tick(MON_C1 + timedelta(minutes=11))
    assert report.recovered == st[SEND_CLAIMED]
    assert nudge_keys(fake_slack) == Counter({f"nudge:{p.id}:1": 1 for p in pairs})
    assert statuses(db) == Counter({SEND_SENT: 90})


def test_a_tick_picks_up_a_queue_another_process_left(db, fake_slack):
    """A process that queued the prompts and died before sending: the next tick, anywhere, sends them."""
    fake_slack.add_channel(ADMIN_CHANNEL, name="mentoring-admins", members=[])
    pairs = [started_pair(db, fake_slack) for _ in range(5)]
    deps = build_deps(make_settings(fake_slack, db.url), db, clock=Clock())
    d = Dispatcher(deps, pacer=Pacer(rate=1000, burst=1000))
    d.ledger(d.plan(MON_C1))
    counts = Dispatcher(deps, pacer=Pacer(rate=1000, burst=1000)).send(Claimed(now=MON_C1))
    assert counts.sent == 5
    assert nudge_keys(fake_slack) == Counter({f"nudge:{p.id}:1": 1 for p in pairs})
