"""Meeting slots and the calendar invitation in the dispatcher and the ledger (issue 10 part B):
new times after two sessions reported as not met, and the invitation shared exactly once even
when Slack's answer is lost."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.delivery.dispatcher import Dispatcher
from bot.delivery.outbox import Item, Outbox, Outcome
from bot.delivery.sender import Pacer
from bot.deps import build_deps
from storage.models import SEND_SENT, CheckIn
from tests.support.factories import started_pair
from tests.support.harness import ADMIN_CHANNEL, TEAM, Clock, make_settings


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


MON_C3 = utc(2026, 1, 26, 10, 0)  # session 3's nudge for pairs introduced Wed 7 Jan (London = UTC)


@pytest.fixture
def env(db, fake_slack):
    fake_slack.add_channel(ADMIN_CHANNEL, name="mentoring-admins", members=[])
    return build_deps(make_settings(fake_slack, db.url), db, clock=Clock())


def answer(db, pair, user, cycle, met):
    with db.session() as s:
        s.add(CheckIn(team_id=TEAM, pair_id=pair.id, user_id=user, cycle=cycle, met=met))


def test_a_nudge_offers_new_times_after_two_sessions_reported_as_not_met(env, fake_slack):
    missed = started_pair(env.db, fake_slack, mentee_tz="Europe/London", mentor_tz="Europe/Lisbon")
    met_once = started_pair(env.db, fake_slack)
    one_miss = started_pair(env.db, fake_slack)
    disagree = started_pair(env.db, fake_slack)
    for pair, answers in ((missed, [(1, False), (2, False)]), (met_once, [(1, False), (2, True)]),
                          (one_miss, [(2, False)]), (disagree, [(1, False), (2, False)])):
        for cycle, met in answers:
            answer(env.db, pair, pair.mentee_user_id, cycle, met)
    answer(env.db, disagree, disagree.mentor_user_id, 2, True)  # the mentor says they met
    d = Dispatcher(env, pacer=Pacer(rate=1000, burst=1000, channel_interval=0))
    d.tick(MON_C3)
    nudges = {c.params["channel"]: str(c.json("blocks")) for c in fake_slack.calls_to("chat.postMessage")
              if c.params["channel"] != ADMIN_CHANNEL}
    assert set(nudges) == {p.channel_id for p in (missed, met_once, one_miss, disagree)}
    offered = [p for p in (missed, met_once, one_miss, disagree) if "Three new times to try" in nudges[p.channel_id]]
    assert offered == [missed]
    text = nudges[missed.channel_id]
    assert text.count("• <@") == 3 and "(Lisbon)" in text and "(London)" in text


def test_the_invitation_is_shared_once_when_slacks_answer_is_lost(env, fake_slack):
    pair = started_pair(env.db, fake_slack)
    now = [utc(2026, 1, 7, 12, 0)]
    outbox = Outbox(env.db, clock=lambda: now[0])
    item = Item(key=f"invitation:{pair.id}", kind="invitation", channel=pair.channel_id, text="Your sessions",
                pair_id=pair.id, file={"filename": f"reverse-mentoring-{pair.id}.ics", "title": "Sessions",
                                       "content": "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"})
    fake_slack.fail_after_storing("files.completeUploadExternal", status=500)
    client = fake_slack.client()
    assert outbox.send_once(client, team_id=TEAM, item=item) is Outcome.RETRY_LATER
    assert len(fake_slack.shared_files(pair.channel_id)) == 1  # Slack has it; we don't know
    now[0] += timedelta(minutes=11)
    assert outbox.recover(lambda team: client) == {"already_sent": 1}
    assert outbox.row(team_id=TEAM, key=item.key).status == SEND_SENT
    assert outbox.send_once(client, team_id=TEAM, item=item) is Outcome.DUPLICATE
    assert len(fake_slack.shared_files()) == 1 and len(fake_slack.calls_to("files.getUploadURLExternal")) == 1


def test_an_invitation_slack_did_not_take_is_shared_by_recovery(env, fake_slack):
    pair = started_pair(env.db, fake_slack)
    now = [utc(2026, 1, 7, 12, 0)]
    outbox = Outbox(env.db, clock=lambda: now[0])
    item = Item(key=f"invitation:{pair.id}", kind="invitation", channel=pair.channel_id, text="Your sessions",
                pair_id=pair.id, file={"filename": "a.ics", "title": "Sessions", "content": "BEGIN:VCALENDAR\r\n"})
    fake_slack.fail_next("files.getUploadURLExternal", "internal_error")
    client = fake_slack.client()
    assert outbox.send_once(client, team_id=TEAM, item=item) is Outcome.RETRY_LATER
    assert fake_slack.shared_files() == []
    now[0] += timedelta(minutes=11)
    assert outbox.recover(lambda team: client) == {"sent": 1}
    assert [f["name"] for f in fake_slack.shared_files(pair.channel_id)] == ["a.ics"]
