"""Pause, resume and leaving a pair, through the real app: what's stored, what the person is
told, and the notes to the partner and the admins (each exactly once)."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime

from sqlmodel import select

from bot.blocks import pauses as pause_words
from bot.slack.ids import Action
from storage.models import CheckIn, Goal, Pair, Participant, SendLedger
from storage.repositories import participants as repo
from tests.support.factories import participant_create
from tests.support.harness import ADMIN_CHANNEL

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)  # Monday 2 March in London
ANA, BEN = "U0ANA", "U0BEN"  # mentee, mentor


def person(bot, user) -> Participant:
    with bot.db.session() as s:
        return repo.get(s, team_id="T0001", user_id=user)


def posts_to(bot, channel):
    return [c for c in bot.fake.calls_to("chat.postMessage") if c.params.get("channel") == channel]


def ledger(bot) -> list[SendLedger]:
    with bot.db.session() as s:
        return list(s.exec(select(SendLedger).order_by(SendLedger.id)))


def command(bot, user, text):
    """The private answer to a command: in the ack itself, or (pause/resume, which write to the
    database first) through the command's response URL right after a bare ack."""
    before = len(bot.fake.replies("commands"))
    status, _, body = bot.slack.command(user, text)
    assert status == 200
    if not body:
        body = bot.wait_until(lambda: bot.fake.replies("commands")[before:], what="the reply")[0].params
    assert body["response_type"] == "ephemeral"
    return body["text"]


def test_pause_for_two_weeks_then_resume(bot_on, pair):
    bot = bot_on
    reply = command(bot, ANA, "pause 2w")
    assert reply.startswith("Paused until Monday 16 March: your pair gets no prompts until then, "
                            "and picks up on its own. I've let <@U0BEN> know.")
    row = person(bot, ANA)
    assert (row.status, row.paused_until) == ("paused", date(2026, 3, 16))
    note = bot.wait_until(lambda: posts_to(bot, "G0PAIR"), what="the partner note")[0]
    assert note.params["text"].startswith("<@U0ANA> is taking a break until Monday 16 March")

    assert command(bot, ANA, "status").startswith("You're paused until Monday 16 March: no prompts until then.")

    command(bot, ANA, "pause 2 weeks")  # said twice: stored again, told once
    time.sleep(0.2)
    assert len(posts_to(bot, "G0PAIR")) == 1
    assert [r.key for r in ledger(bot)] == [f"pause:{pair.id}:{ANA}:2026-03-16",
                                            f"pause_admins:{pair.id}:{ANA}:2026-03-16"]
    # The admins see that the pair paused and how far its program moves (figures, no words of theirs):
    # the 12-week program began Monday 5 January; the break takes the 9 March session.
    admin = posts_to(bot, ADMIN_CHANNEL)
    assert [c.params["text"] for c in admin] == [
        "Pair paused: <@U0BEN> and <@U0ANA>, until Monday 16 March. 1 session moved out rather than missed, "
        "so their program now ends on Monday 6 April."]
    with bot.db.session() as s:  # a pause keeps Ana, and so the pair, out of the pool
        assert repo.matchable_rows(s, team_id="T0001", today=date(2026, 3, 2)) == []

    reply = command(bot, ANA, "resume")
    assert reply.startswith("Welcome back! Your pair's prompts pick up again from the next one.")
    row = person(bot, ANA)
    assert (row.status, row.paused_until) == ("active", None)
    back = bot.wait_until(lambda: len(posts_to(bot, "G0PAIR")) == 2 and posts_to(bot, "G0PAIR")[1],
                          what="the welcome-back note")
    assert back.params["text"].startswith("<@U0ANA> is back from their break")

    assert command(bot, ANA, "resume").startswith("You're not paused")
    time.sleep(0.2)
    assert len(posts_to(bot, "G0PAIR")) == 2


def test_bad_pause_text_changes_nothing(bot_on, pair):
    bot = bot_on
    for text, expected in (
        ("pause soon-ish", 'I couldn\'t read "soon-ish" as a length or a date. Try "2w", "10 days" or '
                           '"until 2026-12-31".'),
        ("pause 3 fortnights", 'I don\'t know the unit "fortnights": use days, weeks or months. Try "2w", '
                               '"10 days" or "until 2026-12-31".'),
        ("pause until 2026-01-01", '1 Jan 2026 is not in the future: give a date after today, or a length '
                                   'like "2w".'),
        ("pause 40w", "That's until 7 Dec 2026, more than 26 weeks away. Pause for up to 26 weeks, or leave "
                      "the program and rejoin later."),
    ):
        assert command(bot, ANA, text) == f"{expected} Nothing has changed."
    row = person(bot, ANA)
    assert (row.status, row.paused_until) == ("active", None)
    time.sleep(0.2)
    assert bot.fake.calls_to("chat.postMessage") == [] and ledger(bot) == []


def test_open_ended_pause_and_people_who_are_not_signed_up(bot_on, pair):
    bot = bot_on
    reply = command(bot, BEN, "pause")
    assert reply.startswith("Paused: your pair gets no prompts until you're back.")
    row = person(bot, BEN)
    assert (row.status, row.paused_until) == ("paused", None)
    bot.wait_until(lambda: posts_to(bot, "G0PAIR"), what="the partner note")
    assert command(bot, "U0NOBODY", "pause 2w") == pause_words.NOT_SIGNED_UP_PAUSE
    assert command(bot, "U0NOBODY", "resume").startswith("You're not signed up")


def test_leaving_ends_the_pair_tells_the_partner_and_admins_once(bot_on, pair):
    bot = bot_on
    status, _, body = bot.slack.command(ANA, "leave")
    assert "Your partner will get a kind note" in body["blocks"][0]["text"]["text"]

    bot.slack.block_action(ANA, Action.LEAVE_CONFIRM, "leave")
    bot.slack.block_action(ANA, Action.LEAVE_CONFIRM, "leave")  # a double click
    replies = bot.fake.wait_for("response_url", count=2)
    assert all("You've left" in r.params["text"] for r in replies)
    bot.wait_until(lambda: posts_to(bot, BEN) and posts_to(bot, ADMIN_CHANNEL), what="both notes")
    time.sleep(0.3)

    [partner_note] = posts_to(bot, BEN)
    assert partner_note.params["text"].startswith("<@U0ANA> has stepped out of reverse mentoring, so your "
                                                  "pairing has come to an end.")
    assert "You're back in the pool" in partner_note.params["text"]
    [admin_line] = posts_to(bot, ADMIN_CHANNEL)
    assert admin_line.params["text"] == ("<@U0ANA> left the program, which ends their pair with <@U0BEN>. "
                                         "<@U0BEN> is back in the pool for the next round.")
    assert sorted(r.key for r in ledger(bot)) == [f"pair_ended:{pair.id}:admins", f"pair_ended:{pair.id}:partner"]
    assert len(bot.fake.calls_to("chat.postMessage")) == 2

    with bot.db.session() as s:
        ended = s.get(Pair, pair.id)
        assert (ended.status, ended.end_reason, ended.ended_at) == ("ended", "left", NOW)
        pool = repo.matchable_rows(s, team_id="T0001", today=NOW.date())
        assert [p.slack_user_id for p in pool] == [BEN]
    assert person(bot, ANA).status == "left"


def test_leave_and_delete_while_paired_erases_the_leavers_goals_and_checkins(bot_on, pair):
    bot = bot_on
    with bot.db.session() as s:
        s.add_all([
            Goal(team_id="T0001", pair_id=pair.id, role="mentee", position=1, author_user_id=ANA, what="Mine"),
            Goal(team_id="T0001", pair_id=pair.id, role="mentor", position=1, author_user_id=BEN, what="Ben's"),
            CheckIn(team_id="T0001", pair_id=pair.id, user_id=ANA, cycle=1, met=True, usefulness=4),
            CheckIn(team_id="T0001", pair_id=pair.id, user_id=BEN, cycle=1, met=True, usefulness=5),
        ])
    bot.slack.block_action(ANA, Action.LEAVE_AND_DELETE, "delete")
    assert "deleted" in bot.fake.wait_for("response_url")[-1].params["text"]
    bot.wait_until(lambda: posts_to(bot, BEN) and posts_to(bot, ADMIN_CHANNEL), what="both notes")
    with bot.db.session() as s:
        assert [g.author_user_id for g in s.exec(select(Goal))] == [BEN]
        assert [c.user_id for c in s.exec(select(CheckIn))] == [BEN]
        assert s.get(Pair, pair.id).status == "ended"
    assert person(bot, ANA) is None


def test_leaving_without_a_pair_sends_no_notes(bot_on, pair):
    bot = bot_on
    with bot.db.session() as s:
        repo.upsert(s, data=participant_create(slack_user_id="U0SOLO"))
    bot.slack.block_action("U0SOLO", Action.LEAVE_CONFIRM, "leave")
    assert "You've left" in bot.fake.wait_for("response_url")[-1].params["text"]
    time.sleep(0.2)
    assert bot.fake.calls_to("chat.postMessage") == [] and ledger(bot) == []
    with bot.db.session() as s:
        assert s.get(Pair, pair.id).status == "active"
