"""Meeting rhythm through the real HTTP server, as Slack reaches the bot: a pause moves the
pair's sessions out instead of spending them (issue 10 part B).

The pair is introduced on Wed 7 Jan 2026 (London, on UTC in winter): session k's nudge is due on
Monday 12 Jan + (k-1) weeks at 10:00, its feedback prompt that Friday at 15:00.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
from dateutil.rrule import rrulestr
from sqlmodel import select

from bot.delivery.dispatcher import Dispatcher
from bot.delivery.sender import Pacer
from bot.domain.topics import topic_for
from bot.slack.ids import Action, CheckinBlock, checkin_button_value
from storage.models import (
    PAIR_ENDED,
    ROUND_DONE,
    SEND_SENT,
    CheckIn,
    Pair,
    PairSchedule,
    SendLedger,
)
from storage.repositories import participants as people
from tests.support import rounds
from tests.support.factories import (
    mentee_create,
    participant_create,
    seed_participants,
    started_pair,
)
from tests.support.harness import ADMIN_CHANNEL, TEAM
from tests.support.slackreq import radio, values_from_view


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


# --- cadence per pair ----------------------------------------------------------------------


def test_a_pair_meets_at_the_slower_of_its_two_choices_across_the_october_change(bot):
    """Mentor chose every week, mentee every two weeks, both in Berlin; the program leaves the
    cadence to each pair (the default). The admin matches and confirms with signed requests on
    Wednesday 7 October 2026; the intro says every two weeks, and the nudges come every other
    Monday at 10:00 Berlin time, before and after clocks go back on Sunday 25 October."""
    mentor, mentee = "U0MWEEK", "U0EBIWK"
    rounds.seed(bot, n=0)
    seed_participants(bot.db, [
        participant_create(slack_user_id=mentor, timezone="Europe/Berlin", meeting_frequency="weekly"),
        mentee_create(slack_user_id=mentee, timezone="Europe/Berlin", meeting_frequency="biweekly"),
    ])
    for uid in (mentor, mentee):
        bot.fake.add_user(uid, tz="Europe/Berlin")
    bot.clock.set(utc(2026, 10, 7, 12, 0))
    _, call = rounds.preview(bot)
    rounds.click(bot, call, Action.MATCH_CONFIRM)
    rounds.wait_round(bot, ROUND_DONE)
    [intro] = rounds.intro_posts(bot)
    shown = str(intro.json("blocks"))
    assert ("*How often you'll meet*\\nEvery two weeks: the slower of the two choices you made when you "
            "signed up, so it suits you both.") in shown
    assert "I'll check in every 2 weeks" in shown
    with bot.db.session() as s:
        pair = s.exec(select(Pair).where(Pair.mentee_user_id == mentee)).one()
        assert s.get(PairSchedule, pair.id).cadence_weeks == 2

    d = Dispatcher(bot.deps, pacer=Pacer(rate=1000, burst=1000, channel_interval=0))
    start = utc(2026, 10, 12)  # a Monday
    for week in range(4):  # each Monday at 08:00 and 09:00 UTC, each Friday at 13:00 and 14:00 UTC
        for offset in (timedelta(hours=8), timedelta(hours=9), timedelta(days=4, hours=13),
                       timedelta(days=4, hours=14)):
            d.tick(start + timedelta(weeks=week) + offset)
    nudges = [c for c in posts_to(bot, pair.channel_id) if c["text"].startswith("Session")]
    assert [c["text"].split(":")[0] for c in nudges] == ["Session 1 of 6", "Session 2 of 6"]
    # 10:00 in Berlin: 08:00 UTC in summer time, 09:00 UTC after the change; nothing on the 19th.
    assert sent_at(bot, pair.id, "nudge") == [utc(2026, 10, 12, 8, 0), utc(2026, 10, 26, 9, 0)]
    # The check-in comes at the end of each two-week cycle: Friday of the second week, 15:00 Berlin.
    assert sent_at(bot, pair.id, "feedback") == [utc(2026, 10, 23, 13, 0), utc(2026, 11, 6, 14, 0)]


def sent_at(bot, pair_id: int, kind: str) -> list[datetime]:
    with bot.db.session() as s:
        rows = s.exec(select(SendLedger).where(SendLedger.pair_id == pair_id, SendLedger.kind == kind,
                                               SendLedger.status == SEND_SENT).order_by(SendLedger.id))
        return [r.sent_at.replace(second=0, microsecond=0) for r in rows]


# --- meeting made easy: slots in both zones and a recurring invitation ----------------------


def _checkin_not_met(bot, user: str, pair: Pair, cycle: int) -> None:
    """Click the feedback prompt's button and answer "we didn't meet", as Slack sends it."""
    before = len(bot.fake.calls_to("views.open"))
    status, _, _ = bot.slack.block_action(user, Action.OPEN_CHECKIN, checkin_button_value(pair.id, cycle, "checkin"),
                                          channel_id=pair.channel_id, trigger_id=bot.slack.new_trigger_id())
    assert status == 200
    view = bot.fake.wait_for("views.open", count=before + 1)[-1].json("view")
    status, _, body = bot.slack.view_submission(user, view, values_from_view(view, {CheckinBlock.MET: radio("no")}))
    assert status == 200 and not body
    bot.wait_until(lambda: _met(bot, pair.id, cycle) == [False], what=f"the check-in for session {cycle}")


def _met(bot, pair_id: int, cycle: int) -> list[bool]:
    with bot.db.session() as s:
        return [c.met for c in s.exec(select(CheckIn).where(CheckIn.pair_id == pair_id, CheckIn.cycle == cycle))]


def test_the_intro_offers_three_times_in_both_zones_with_a_recurring_invitation_and_new_times_when_they_miss(bot):
    """Berlin mentee, New York mentor, both weekly, confirmed with signed requests on Wednesday 7
    October 2026. Their working days share 15:00-17:00 Berlin time (09:00-11:00 in New York)."""
    mentor, mentee = "U0MNYC", "U0EBER"
    rounds.seed(bot, n=0)
    seed_participants(bot.db, [
        participant_create(slack_user_id=mentor, timezone="America/New_York"),
        mentee_create(slack_user_id=mentee, timezone="Europe/Berlin"),
    ])
    bot.fake.add_user(mentor, tz="America/New_York")
    bot.fake.add_user(mentee, tz="Europe/Berlin")
    bot.clock.set(utc(2026, 10, 7, 12, 0))
    _, call = rounds.preview(bot)
    rounds.click(bot, call, Action.MATCH_CONFIRM)
    rounds.wait_round(bot, ROUND_DONE)
    with bot.db.session() as s:
        pair = s.exec(select(Pair).where(Pair.mentee_user_id == mentee)).one()
    [intro] = rounds.intro_posts(bot)
    shown = "\n".join(b["text"]["text"] for b in intro.json("blocks") if b.get("text"))
    # Three times in the first week, each in each person's own zone.
    for day in ("Mon 12 Oct", "Wed 14 Oct", "Fri 16 Oct"):
        assert (f"• <@{mentor}>: {day}, 09:00–09:45 (New York) · <@{mentee}>: {day}, 15:00–15:45 (Berlin)"
                in shown)
    assert "Three times that suit you both" in shown and "every week for your 12 sessions" in shown

    # The invitation is shared once, in the pair's DM, right after the intro.
    bot.wait_until(lambda: bot.fake.shared_files(pair.channel_id), what="the invitation")
    [shared] = bot.fake.shared_files(pair.channel_id)
    assert shared["name"] == f"reverse-mentoring-{pair.id}.ics" and shared["initial_comment"].startswith(
        "Your sessions in one calendar invitation: Mon 12 Oct, 15:00–15:45 (Berlin time), every week, 12 times.")
    [upload] = bot.fake.calls_to("files.getUploadURLExternal")
    assert int(upload.params["length"]) == len(shared["content"])
    cal = icalendar.Calendar.from_ical(shared["content"])
    [event] = cal.walk("VEVENT")
    starts = list(rrulestr(event["RRULE"].to_ical().decode(), dtstart=event.decoded("DTSTART")))
    assert len(starts) == 12
    in_new_york = [s.astimezone(ZoneInfo("America/New_York")).strftime("%a %d %b %H:%M") for s in starts[:5]]
    in_berlin = [s.astimezone(ZoneInfo("Europe/Berlin")).strftime("%a %d %b %H:%M") for s in starts[:5]]
    assert in_berlin == ["Mon 12 Oct 15:00", "Mon 19 Oct 15:00", "Mon 26 Oct 15:00", "Mon 02 Nov 15:00",
                         "Mon 09 Nov 15:00"]
    assert in_new_york == ["Mon 12 Oct 09:00", "Mon 19 Oct 09:00", "Mon 26 Oct 10:00", "Mon 02 Nov 09:00",
                           "Mon 09 Nov 09:00"]  # Europe changed on 25 October, New York on 1 November

    # Two sessions reported as not met: the next nudge offers three new times.
    d = Dispatcher(bot.deps, pacer=Pacer(rate=1000, burst=1000, channel_interval=0))
    for week, cycle in ((0, 1), (1, 2)):
        d.tick(utc(2026, 10, 12, 8, 0) + timedelta(weeks=week))
        d.tick(utc(2026, 10, 16, 13, 0) + timedelta(weeks=week))  # Friday 15:00 Berlin: how did it go?
        bot.clock.set(utc(2026, 10, 16, 14, 0) + timedelta(weeks=week))
        _checkin_not_met(bot, mentee, pair, cycle)
    d.tick(utc(2026, 10, 26, 9, 0))  # Monday 10:00 Berlin, after the change
    nudges = [c for c in posts_to(bot, pair.channel_id) if c["text"].startswith("Session")]
    assert [c["text"].split(":")[0] for c in nudges] == ["Session 1 of 12", "Session 2 of 12", "Session 3 of 12"]
    assert all("Three new times" not in str(c.json("blocks")) for c in nudges[:2])
    again = [b["text"]["text"] for b in nudges[2].json("blocks") if "Three new times" in b.get("text", {}).get("text", "")]
    assert len(again) == 1
    lines = [line for line in again[0].splitlines() if line.startswith("•")]
    assert len(lines) == 3 and all("(New York)" in line and "(Berlin)" in line for line in lines)
    assert not any(f"{day}, 15:00–15:45 (Berlin)" in again[0] for day in ("Mon 26 Oct", "Wed 28 Oct", "Fri 30 Oct"))
    # In the odd week New York is 5 hours behind Berlin instead of 6.
    assert lines[0] == f"• <@{mentor}>: Mon 26 Oct, 10:30–11:15 (New York) · <@{mentee}>: Mon 26 Oct, 15:30–16:15 (Berlin)"
    # The invitation went out once (the weekly digest's chart, due that Monday too, is the other file).
    assert [f["name"] for f in bot.fake.shared_files() if f["name"].endswith(".ics")] == ["reverse-mentoring-1.ics"]
