"""The send ledger: exactly once across threads, crashes and Slack failures (SQLite and PostgreSQL)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from sqlmodel import select

from bot.delivery.outbox import METADATA_EVENT_TYPE, Item, Outbox, Outcome
from storage.models import SEND_CLAIMED, SEND_FAILED, SEND_SENT, SEND_STALE, SendLedger
from tests.support.harness import Clock

T = "T0001"


PAIR_CHANNEL = "GF919B053"  # what the fake's conversations.open gives U0ANA + U0BEN


def item(key: str, channel: str = PAIR_CHANNEL, **kw) -> Item:
    return Item(key=key, kind="nudge", channel=channel, text=f"message {key}", **kw)


def rows(db) -> dict[str, SendLedger]:
    with db.session() as s:
        return {r.key: r for r in s.exec(select(SendLedger))}


def posts(fake, key=None):
    calls = fake.calls_to("chat.postMessage")
    if key is None:
        return calls
    return [c for c in calls if (c.json("metadata") or {}).get("event_payload", {}).get("key") == key]


def test_send_once_sends_once_and_records_the_message(db, fake_slack):
    outbox = Outbox(db, clock=Clock())
    client = fake_slack.client()
    assert outbox.send_once(client, team_id=T, item=item("nudge:1:1")) is Outcome.SENT
    assert outbox.send_once(client, team_id=T, item=item("nudge:1:1")) is Outcome.DUPLICATE
    [call] = posts(fake_slack)
    assert call.json("metadata") == {"event_type": METADATA_EVENT_TYPE, "event_payload": {"key": "nudge:1:1"}}
    row = rows(db)["nudge:1:1"]
    assert row.status == SEND_SENT and row.message_ts == call.response["ts"] and row.attempts == 1


def test_same_key_in_two_workspaces_is_two_messages(db, fake_slack):
    outbox = Outbox(db, clock=Clock())
    client = fake_slack.client()
    assert outbox.send_once(client, team_id="T1", item=item("intro:1")) is Outcome.SENT
    assert outbox.send_once(client, team_id="T2", item=item("intro:1")) is Outcome.SENT
    assert len(posts(fake_slack)) == 2


def test_concurrent_claims_give_each_key_to_exactly_one_writer(db):
    outbox = Outbox(db, clock=Clock())
    keys = [f"nudge:{n}:3" for n in range(60)]
    won: list[dict] = []
    barrier = threading.Barrier(6)

    def worker():
        barrier.wait()
        won.append(outbox.claim(team_id=T, items=[item(k) for k in keys]))

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    claimed = [k for w in won for k in w]
    assert sorted(claimed) == sorted(keys)  # every key once, no key twice
    assert len(rows(db)) == 60


def test_crash_after_slack_accepted_but_before_recording_is_not_sent_again(db, fake_slack):
    clock = Clock()
    clock.set(datetime(2026, 11, 23, 10, 0, tzinfo=UTC))
    outbox = Outbox(db, clock=clock)
    client = fake_slack.client()
    row_id = outbox.claim(team_id=T, items=[item("nudge:7:2")])["nudge:7:2"]
    # The process took the attempt and Slack got the message, then the process died.
    assert outbox._start_attempt(row_id, 0)
    client.chat_postMessage(channel=PAIR_CHANNEL, text="message nudge:7:2",
                            metadata={"event_type": METADATA_EVENT_TYPE, "event_payload": {"key": "nudge:7:2"}})

    assert outbox.recover(lambda _team: client) == {}  # still within the lease: hands off
    clock.set(datetime(2026, 11, 23, 10, 11, tzinfo=UTC))
    assert outbox.recover(lambda _team: client) == {"already_sent": 1}
    assert len(posts(fake_slack, "nudge:7:2")) == 1
    assert rows(db)["nudge:7:2"].status == SEND_SENT
    assert outbox.recover(lambda _team: client) == {}


def test_crash_before_posting_is_sent_by_recovery_once(db, fake_slack):
    clock = Clock()
    clock.set(datetime(2026, 11, 23, 10, 0, tzinfo=UTC))
    outbox = Outbox(db, clock=clock)
    client = fake_slack.client()
    assert client.conversations_open(users="U0ANA,U0BEN")["channel"]["id"] == PAIR_CHANNEL
    row_id = outbox.claim(team_id=T, items=[item("nudge:8:2"), item("nudge:9:2")])["nudge:8:2"]
    assert outbox._start_attempt(row_id, 0)  # took the attempt, died before posting
    clock.set(clock() + timedelta(minutes=11))

    counts = outbox.recover(lambda _team: client)
    assert counts == {"sent": 2}  # one died mid-attempt, one was never attempted
    assert len(posts(fake_slack, "nudge:8:2")) == 1 and len(posts(fake_slack, "nudge:9:2")) == 1
    assert outbox.recover(lambda _team: client) == {}


def test_two_recoverers_do_not_both_send(db, fake_slack):
    clock = Clock()
    clock.set(datetime(2026, 11, 23, 10, 0, tzinfo=UTC))
    outbox = Outbox(db, clock=clock)
    client = fake_slack.client()
    outbox.claim(team_id=T, items=[item(f"nudge:{n}:1") for n in range(20)])
    clock.set(clock() + timedelta(minutes=11))
    results: list[dict] = []
    barrier = threading.Barrier(3)

    def worker():
        barrier.wait()
        results.append(outbox.recover(lambda _team: client))

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(posts(fake_slack)) == 20
    assert sum(r.get("sent", 0) for r in results) == 20


def test_permanent_error_marks_failed_and_is_never_retried(db, fake_slack):
    clock = Clock()
    outbox = Outbox(db, clock=clock)
    client = fake_slack.client()
    fake_slack.fail_next("chat.postMessage", error="channel_not_found")
    assert outbox.send_once(client, team_id=T, item=item("intro:3")) is Outcome.FAILED
    row = rows(db)["intro:3"]
    assert row.status == SEND_FAILED and row.error == "channel_not_found"
    clock.set(datetime.now(UTC) + timedelta(hours=1))
    assert outbox.recover(lambda _team: client) == {}
    assert posts(fake_slack) == []


def test_rate_limited_send_waits_and_goes_through_once(db, fake_slack):
    outbox = Outbox(db, clock=Clock())
    client = fake_slack.client(retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=2)])
    fake_slack.fail_next("chat.postMessage", error="ratelimited", status=429, retry_after=1)
    assert outbox.send_once(client, team_id=T, item=item("intro:4")) is Outcome.SENT
    assert len(fake_slack.calls_to("chat.postMessage", include_failed=True)) == 2
    assert len(posts(fake_slack)) == 1


def test_transient_failure_is_settled_by_recovery(db, fake_slack):
    clock = Clock()
    clock.set(datetime(2026, 11, 23, 10, 0, tzinfo=UTC))
    outbox = Outbox(db, clock=clock)
    client = fake_slack.client()  # no retry handler: the 429 surfaces
    fake_slack.fail_next("chat.postMessage", error="ratelimited", status=429, retry_after=1)
    assert outbox.send_once(client, team_id=T, item=item("intro:5")) is Outcome.RETRY_LATER
    row = rows(db)["intro:5"]
    assert row.status == SEND_CLAIMED and not row.in_doubt and row.error == "ratelimited"
    clock.set(clock() + timedelta(minutes=11))
    assert outbox.recover(lambda _team: client) == {"sent": 1}
    assert len(posts(fake_slack)) == 1


@pytest.mark.parametrize("html", [False, True], ids=["500-json", "502-html"])
def test_a_5xx_after_slack_stored_the_message_is_checked_in_history_not_sent_again(db, fake_slack, html):
    """Slack (or a proxy) fails *after* the message landed: the send is in doubt, and recovery
    finds it in the channel's history instead of posting a second copy."""
    clock = Clock()
    clock.set(datetime(2026, 11, 23, 10, 0, tzinfo=UTC))
    outbox = Outbox(db, clock=clock)
    client = fake_slack.client()
    fake_slack.fail_after_storing("chat.postMessage", status=502 if html else 500, html=html)
    assert outbox.send_once(client, team_id=T, item=item("intro:5")) is Outcome.RETRY_LATER
    row = rows(db)["intro:5"]
    assert row.status == SEND_CLAIMED and row.in_doubt and row.error == f"http_{502 if html else 500}"
    assert outbox.recover(lambda _team: client) == {}  # within the lease: left alone
    clock.set(clock() + timedelta(minutes=11))
    assert outbox.recover(lambda _team: client) == {"already_sent": 1}
    assert rows(db)["intro:5"].status == SEND_SENT
    assert [m["metadata"]["event_payload"]["key"] for m in fake_slack.history[PAIR_CHANNEL]] == ["intro:5"]


def test_dm_to_a_user_is_verified_through_the_im_channel(db, fake_slack):
    clock = Clock()
    clock.set(datetime(2026, 11, 23, 10, 0, tzinfo=UTC))
    fake_slack.add_user("U0ANA")
    outbox = Outbox(db, clock=clock)
    client = fake_slack.client()
    row_id = outbox.claim(team_id=T, items=[item("unmatched:1:U0ANA", channel="U0ANA")])["unmatched:1:U0ANA"]
    assert outbox._start_attempt(row_id, 0)
    client.chat_postMessage(channel="U0ANA", text="x", metadata={
        "event_type": METADATA_EVENT_TYPE, "event_payload": {"key": "unmatched:1:U0ANA"}})
    clock.set(clock() + timedelta(minutes=11))
    assert outbox.recover(lambda _team: client) == {"already_sent": 1}
    assert len(posts(fake_slack)) == 1


def test_stale_items_are_recorded_and_never_sent(db, fake_slack):
    outbox = Outbox(db, clock=Clock())
    client = fake_slack.client()
    assert set(outbox.record_stale(team_id=T, items=[item("nudge:1:1")], reason="late")) == {"nudge:1:1"}
    assert outbox.send_once(client, team_id=T, item=item("nudge:1:1")) is Outcome.DUPLICATE
    assert rows(db)["nudge:1:1"].status == SEND_STALE
    assert posts(fake_slack) == []


def test_a_send_in_doubt_in_a_vanished_conversation_is_given_up(db, fake_slack):
    clock = Clock()
    clock.set(datetime(2026, 11, 23, 10, 0, tzinfo=UTC))
    outbox = Outbox(db, clock=clock)
    client = fake_slack.client()
    row_id = outbox.claim(team_id=T, items=[item("nudge:1:1", channel="G0GONE")])["nudge:1:1"]
    assert outbox._start_attempt(row_id, 0)
    clock.set(clock() + timedelta(minutes=11))
    assert outbox.recover(lambda _team: client) == {"unverifiable": 1}
    row = rows(db)["nudge:1:1"]
    assert row.status == SEND_FAILED and row.error == "unverifiable: channel_not_found"
    assert posts(fake_slack) == []


def test_a_refused_token_keeps_the_message_due_instead_of_failing_it(db, fake_slack):
    clock = Clock()
    clock.set(datetime(2026, 11, 23, 10, 0, tzinfo=UTC))
    outbox = Outbox(db, clock=clock)
    client = fake_slack.client()
    fake_slack.fail_next("chat.postMessage", error="invalid_auth")
    assert outbox.send_once(client, team_id=T, item=item("nudge:2:1")) is Outcome.RETRY_LATER
    row = rows(db)["nudge:2:1"]
    assert row.status == SEND_CLAIMED and not row.in_doubt and row.error == "invalid_auth"
    clock.set(clock() + timedelta(minutes=11))  # the token was fixed meanwhile
    assert outbox.recover(lambda _team: client) == {"sent": 1}
    assert len(posts(fake_slack)) == 1
