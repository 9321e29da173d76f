"""Meeting rhythm through the real HTTP server, as Slack reaches the bot: a pause moves the
pair's sessions out instead of spending them (issue 10 part B).

The pair is introduced on Wed 7 Jan 2026 (London, on UTC in winter): session k's nudge is due on
Monday 12 Jan + (k-1) weeks at 10:00, its feedback prompt that Friday at 15:00.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.delivery.dispatcher import Dispatcher
from bot.delivery.sender import Pacer
from bot.domain.topics import topic_for
from storage.models import PAIR_ENDED, Pair
from storage.repositories import participants as people
from tests.support.factories import (
    started_pair,
)
from tests.support.harness import ADMIN_CHANNEL, TEAM


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def command(bot, user, text) -> str:
    before = len(bot.fake.replies("commands"))
    status, _, body = bot.slack.command(user, text)
    assert status == 200
    if not body:
        body = bot.wait_until(lambda: bot.fake.replies("commands")[before:], what="the reply")[0].params
    return body["text"]


def posts_to(bot, channel) -> list:
    return [c for c in bot.fake.calls_to("chat.postMessage") if c.params.get("channel") == channel]


def test_a_two_week_pause_moves_the_program_out_by_two_weeks(bot):
    pair = started_pair(bot.db, bot.fake)
    d = Dispatcher(bot.deps, pacer=Pacer(rate=1000, burst=1000, channel_interval=0))
    d.tick(utc(2026, 1, 12, 10, 0))
    assert [c["text"].split(":")[0] for c in posts_to(bot, pair.channel_id)] == ["Session 1 of 12"]

    # Tuesday 13 January: the mentee pauses for two weeks (back on Tuesday 27th), over two Mondays.
    bot.clock.set(utc(2026, 1, 13, 9, 0))
    assert command(bot, pair.mentee_user_id, "pause 2w").startswith("Paused until Tuesday 27 January")
    admin = bot.wait_until(lambda: posts_to(bot, ADMIN_CHANNEL), what="the admins' note")
    assert [c["text"] for c in admin] == [
        f"Pair paused: <@{pair.mentor_user_id}> and <@{pair.mentee_user_id}>, until Tuesday 27 January. "
        "2 sessions moved out rather than missed, so their program now ends on Monday 20 April."]

    for at in (utc(2026, 1, 16, 15, 0), utc(2026, 1, 19, 10, 0), utc(2026, 1, 26, 10, 0), utc(2026, 1, 30, 15, 0)):
        d.tick(at)
    assert len(posts_to(bot, pair.channel_id)) == 2  # session 1's nudge and the partner's note

    # Back: session 2, with the second topic, on Monday 2 February; then on to the end, in order.
    for week in range(0, 12):
        d.tick(utc(2026, 2, 2, 10, 0) + timedelta(weeks=week))
        d.tick(utc(2026, 2, 6, 15, 0) + timedelta(weeks=week))
    nudges = [c["text"] for c in posts_to(bot, pair.channel_id) if c["text"].startswith("Session")]
    assert [t.split(":")[0] for t in nudges] == [f"Session {k} of 12" for k in range(1, 13)]
    with bot.db.session() as s:
        mentor_wants = tuple(people.get(s, team_id=TEAM, user_id=pair.mentor_user_id).skills_learn)
    for k, text in enumerate(nudges, 1):  # topics in order: the kick-off first, none skipped
        assert text.endswith(topic_for(k, 12, mentee_wants=("ai_tools",), mentor_wants=mentor_wants).title)
    closing = [c for c in posts_to(bot, pair.channel_id) if "closing" in c.json("metadata")["event_payload"]["key"]]
    assert len(closing) == 1 and closing[0].json("metadata")["event_payload"]["key"] == f"closing:{pair.id}:12@14"
    with bot.db.session() as s:
        assert (s.get(Pair, pair.id).status, s.get(Pair, pair.id).ended_at) == (PAIR_ENDED, utc(2026, 4, 20, 10, 0))
