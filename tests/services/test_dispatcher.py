"""The prompt dispatcher: exactly the due prompts, once, on SQLite and PostgreSQL.

Time line used throughout (weekly defaults; in January London is on UTC):
pairs are introduced Wed 7 Jan 2026; cycle k's nudge is Monday 12 Jan + (k-1) weeks at 10:00
local, its feedback prompt that Friday 15:00, its reminder that Sunday 15:00.
"""

from __future__ import annotations

import logging
import multiprocessing
import threading
from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import select

from bot import cli
from bot.delivery.dispatcher import Dispatcher
from bot.delivery.outbox import Item, Outbox
from bot.delivery.sender import Pacer
from bot.deps import build_deps
from bot.domain import topics
from bot.services import pauses
from bot.slack.ids import Action, checkin_button_value
from storage import schema
from storage.models import (
    PAIR_ENDED,
    PARTICIPANT_ACTIVE,
    PARTICIPANT_PAUSED,
    SEND_QUEUED,
    SEND_SENT,
    SEND_STALE,
    CheckIn,
    MatchRound,
    Pair,
    PairSchedule,
    Participant,
    SendLedger,
)
from tests.support.factories import started_pair
from tests.support.harness import ADMIN_CHANNEL, TEAM, Clock, make_settings


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


MON_C1 = utc(2026, 1, 12, 10, 0)  # cycle 1 nudge, London
FRI_C1 = utc(2026, 1, 16, 15, 0)
SUN_C1 = utc(2026, 1, 18, 15, 0)
MON_C2 = utc(2026, 1, 19, 10, 0)


@pytest.fixture
def env(db, fake_slack):
    fake_slack.add_channel(ADMIN_CHANNEL, name="mentoring-admins", members=[])
    clock = Clock()
    deps = build_deps(make_settings(fake_slack, db.url), db, clock=clock)
    return deps


def dispatcher(deps, **kw) -> Dispatcher:
    return Dispatcher(deps, pacer=kw.pop("pacer", None) or Pacer(rate=1000, burst=1000), **kw)


def posts(fake) -> list:
    return fake.calls_to("chat.postMessage")


def key_of(call) -> str:
    return (call.json("metadata") or {}).get("event_payload", {}).get("key")


def keys(fake) -> list[str]:
    """Keys of the pair prompts posted, in order (the admins' digest aside)."""
    return [k for k in map(key_of, posts(fake)) if not k.startswith("digest:")]


def digests(fake) -> list:
    return [c for c in posts(fake) if key_of(c).startswith("digest:")]


def ledger(db, *, digest: bool = False) -> dict[str, SendLedger]:
    with db.session() as s:
        return {r.key: r for r in s.exec(select(SendLedger)) if digest or not r.key.startswith("digest:")}


def check_in(db, pair: Pair, user_id: str, cycle: int, *, met: bool = True, kind: str = "checkin",
             at: datetime | None = None) -> None:
    with db.session() as s:
        s.add(CheckIn(team_id=pair.team_id, pair_id=pair.id, user_id=user_id, cycle=cycle, kind=kind, met=met,
                      usefulness=4, **({"created_at": at} if at else {})))


def set_pause(db, user_id: str, *, status: str, until: date | None, since: datetime | None = None) -> None:
    with db.session() as s:
        row = s.exec(select(Participant).where(Participant.slack_user_id == user_id)).one()
        row.status, row.paused_until, row.paused_at = status, until, since
        s.add(row)


def button_value(call) -> str | None:
    for block in call.json("blocks") or []:
        for el in block.get("elements", []) if block["type"] == "actions" else []:
            if el.get("action_id") == Action.OPEN_CHECKIN:
                return el["value"]
    return None


# --- what is due, once --------------------------------------------------------------------------

def test_exactly_the_due_prompt_at_an_instant(env, fake_slack):
    london = started_pair(env.db, fake_slack, mentee_tz="Europe/London")
    new_york = started_pair(env.db, fake_slack, mentee_tz="America/New_York", mentor_tz="Europe/London")
    d = dispatcher(env)

    report = d.tick(MON_C1)  # 10:00 in London, 05:00 in New York
    assert keys(fake_slack) == [f"nudge:{london.id}:1"]
    [call] = posts(fake_slack)
    assert call["channel"] == london.channel_id
    assert call["text"].startswith(f"Session 1 of 12: time to meet, <@{london.mentor_user_id}> and "
                                   f"<@{london.mentee_user_id}>! Suggested topic: Kick-off")
    assert (report.due, report.claimed, report.sent, report.stale, report.already) == (1, 1, 1, 0, 0)
    assert ledger(env.db)[f"nudge:{london.id}:1"].status == SEND_SENT

    d.tick(MON_C1 + timedelta(hours=4, minutes=59))  # 09:59 in New York: not yet
    assert len(posts(fake_slack)) == 1
    d.tick(MON_C1 + timedelta(hours=5))  # 10:00 in New York
    assert keys(fake_slack) == [f"nudge:{london.id}:1", f"nudge:{new_york.id}:1"]

    d.tick(FRI_C1)
    [feedback] = [c for c in posts(fake_slack) if key_of(c) == f"feedback:{london.id}:1"]
    assert button_value(feedback) == checkin_button_value(london.id, 1, "checkin")
    assert len(posts(fake_slack)) == 3


def test_running_tick_twice_at_the_same_instant_sends_nothing_more(env, fake_slack):
    pairs = [started_pair(env.db, fake_slack) for _ in range(3)]
    d = dispatcher(env)
    first = d.tick(MON_C1)
    second = d.tick(MON_C1)
    third = Dispatcher(env, pacer=Pacer(rate=1000, burst=1000)).tick(MON_C1 + timedelta(minutes=1))
    assert sorted(keys(fake_slack)) == sorted(f"nudge:{p.id}:1" for p in pairs)
    assert (first.sent, second.sent, third.sent) == (3, 0, 0)
    assert (second.due, second.already, third.already) == (0, 3, 3)


def test_pairs_not_started_or_not_active_get_nothing(env, fake_slack):
    started_pair(env.db, fake_slack, channel_id=None)  # not introduced in a group DM yet
    pending = started_pair(env.db, fake_slack)
    with env.db.session() as s:  # its introduction hasn't gone out
        row = s.get(Pair, pending.id)
        row.introduced_at = None
        s.add(row)
    started_pair(env.db, fake_slack, status=PAIR_ENDED)
    report = dispatcher(env).tick(MON_C1)
    assert posts(fake_slack) == [] and report.due == 0 and ledger(env.db) == {}


def test_a_late_run_sends_what_is_still_relevant_and_records_the_stale_rest(env, fake_slack, caplog):
    pair = started_pair(env.db, fake_slack)
    d = dispatcher(env)
    caplog.set_level(logging.INFO, logger="bot.delivery.dispatcher")

    d.tick(utc(2026, 1, 13, 9, 0))  # Tuesday: Monday's nudge is still worth sending
    assert keys(fake_slack) == [f"nudge:{pair.id}:1"]

    # Down from Tuesday until the next Thursday: the cycle 1 feedback and reminder went stale,
    # and so did Monday's cycle 2 nudge.
    report = d.tick(utc(2026, 1, 22, 9, 0))
    assert keys(fake_slack) == [f"nudge:{pair.id}:1"]
    assert report.stale == 3 and report.sent == 0
    rows = ledger(env.db)
    for kind, cycle in (("feedback", 1), ("reminder", 1), ("nudge", 2)):
        assert rows[f"{kind}:{pair.id}:{cycle}"].status == SEND_STALE
    assert (f"Skipped the Monday nudge for pair {pair.id} (cycle 2): it was due Mon 19 Jan 10:00 "
            "Europe/London and it's now Thu 22 Jan 09:00") in caplog.text

    # Never sent later, not even by a run that believes it is Monday again.
    caplog.clear()
    assert d.tick(MON_C2).sent == 0
    assert keys(fake_slack) == [f"nudge:{pair.id}:1"]
    assert "Skipped" not in caplog.text  # logged once, when it was recorded

    d.tick(utc(2026, 1, 23, 15, 0))  # the cycle 2 feedback prompt is on time again
    assert keys(fake_slack) == [f"nudge:{pair.id}:1", f"feedback:{pair.id}:2"]


def nudge_titles(fake) -> list[str]:
    return [c["text"].split(":")[0] for c in posts(fake) if key_of(c).startswith("nudge:")]


def test_a_pause_moves_the_sessions_it_covers_and_the_pair_resumes_on_its_own(env, fake_slack):
    pair = started_pair(env.db, fake_slack)
    d = dispatcher(env, pacer=Pacer(rate=1000, burst=1000, channel_interval=0))
    d.tick(MON_C1)
    # The mentor pauses on Monday at 11:00 until Saturday 24 Jan (first active day), over
    # session 1's feedback and the next Monday's nudge.
    set_pause(env.db, pair.mentor_user_id, status=PARTICIPANT_PAUSED, until=date(2026, 1, 24),
              since=MON_C1 + timedelta(hours=1))
    for at in (FRI_C1, SUN_C1, MON_C2, utc(2026, 1, 23, 15, 0), utc(2026, 1, 25, 15, 0)):
        d.tick(at)
    assert keys(fake_slack) == [f"nudge:{pair.id}:1"]
    rows = ledger(env.db)
    for kind in ("feedback", "reminder"):
        assert rows[f"{kind}:{pair.id}:1"].status == SEND_STALE
        assert rows[f"{kind}:{pair.id}:1"].error.startswith(f"skipped: paused: <@{pair.mentor_user_id}>")
    # 19 Jan was missed, not spent: nothing is recorded for it, and session 2 waits.
    assert not any(k.startswith((f"nudge:{pair.id}:2", f"feedback:{pair.id}:2")) for k in rows)

    d.tick(utc(2026, 1, 26, 10, 0))  # back on its own (status is still "paused"), with session 2
    assert keys(fake_slack) == [f"nudge:{pair.id}:1", f"nudge:{pair.id}:2@3"]
    assert nudge_titles(fake_slack) == ["Session 1 of 12", "Session 2 of 12"]
    second = posts(fake_slack)[-1]["text"]
    assert topics.topic_for(2, 12, mentee_wants=("ai_tools",), mentor_wants=()).title in second

    # /mentoring resume later records the break on the pair: nothing moves back, nothing goes twice.
    env.clock.set(utc(2026, 1, 26, 10, 5))
    pauses.resume(env, team_id=TEAM, user_id=pair.mentor_user_id)
    d.tick(utc(2026, 1, 26, 10, 5))
    d.tick(utc(2026, 1, 30, 15, 0))
    assert keys(fake_slack) == [f"nudge:{pair.id}:1", f"nudge:{pair.id}:2@3", f"feedback:{pair.id}:2@3"]
    assert "How did session 2 of 12 go" in str(posts(fake_slack)[-1].json("blocks"))
    assert button_value(posts(fake_slack)[-1]) == checkin_button_value(pair.id, 2, "checkin")
    with env.db.session() as s:
        assert s.get(PairSchedule, pair.id).pauses == [
            [(MON_C1 + timedelta(hours=1)).isoformat(), utc(2026, 1, 24).isoformat()]]  # London = UTC in January

    # The program ends a week later than planned: session 12 on 6 April, the closing on 13 April.
    for week in range(1, 12):  # each Monday's nudge (or closing) and Friday's prompt
        d.tick(utc(2026, 1, 26, 10, 30) + timedelta(weeks=week))
        d.tick(utc(2026, 1, 30, 15, 30) + timedelta(weeks=week))
    nudges = [k for k in keys(fake_slack) if k.startswith("nudge:")]
    assert nudge_titles(fake_slack) == [f"Session {k} of 12" for k in range(1, 13)]
    assert nudges[-1] == f"nudge:{pair.id}:12@13"
    closing = [c for c in posts(fake_slack) if key_of(c).startswith("closing:")]
    assert [key_of(c) for c in closing] == [f"closing:{pair.id}:12@13"]
    assert len(set(keys(fake_slack))) == len(keys(fake_slack))
    with env.db.session() as s:
        row = s.get(Pair, pair.id)
        assert (row.status, row.ended_at) == (PAIR_ENDED, utc(2026, 4, 13, 10, 30))


def test_a_program_under_way_when_the_upgrade_lands_resends_nothing(env, fake_slack):
    """The release before spent paused cycles: a pair paused over cycle 2 had its cycle 2 prompts
    recorded as skipped under the old keys. After the upgrade the rest of its program moves out
    instead: the old keys are never sent, session 2 goes out once under a new one."""
    pair = started_pair(env.db, fake_slack)
    d = dispatcher(env)
    d.tick(MON_C1)
    set_pause(env.db, pair.mentor_user_id, status=PARTICIPANT_PAUSED, until=date(2026, 1, 24),
              since=MON_C1 + timedelta(hours=1))
    outbox = Outbox(env.db, clock=lambda: MON_C2)
    old = [Item(key=f"{k}:{pair.id}:{c}", kind=k, channel=pair.channel_id, text="", pair_id=pair.id, cycle=c)
           for k, c in (("feedback", 1), ("reminder", 1), ("nudge", 2))]
    outbox.record_stale(team_id=TEAM, items=old, reason="skipped: paused: (the release before)")
    for at in (MON_C2, utc(2026, 1, 23, 15, 0), utc(2026, 1, 26, 10, 0), utc(2026, 1, 26, 10, 1)):
        d.tick(at)
    assert keys(fake_slack) == [f"nudge:{pair.id}:1", f"nudge:{pair.id}:2@3"]
    assert nudge_titles(fake_slack) == ["Session 1 of 12", "Session 2 of 12"]
    assert ledger(env.db)[f"nudge:{pair.id}:2"].status == SEND_STALE


def test_what_was_due_before_a_pause_began_still_goes_out(env, fake_slack):
    """The bot was down at Monday 10:00; the mentor paused at 11:00; the late run at 12:00 still
    sends the nudge that was due before the pause (it is inside its window), and nothing after."""
    pair = started_pair(env.db, fake_slack)
    set_pause(env.db, pair.mentor_user_id, status=PARTICIPANT_PAUSED, until=date(2026, 1, 24),
              since=MON_C1 + timedelta(hours=1))
    d = dispatcher(env)
    d.tick(MON_C1 + timedelta(hours=2))
    d.tick(FRI_C1)
    assert keys(fake_slack) == [f"nudge:{pair.id}:1"]
    assert ledger(env.db)[f"feedback:{pair.id}:1"].error.startswith("skipped: paused")


def test_an_open_ended_pause_lasts_until_resumed(env, fake_slack):
    pair = started_pair(env.db, fake_slack)
    d = dispatcher(env)
    set_pause(env.db, pair.mentee_user_id, status=PARTICIPANT_PAUSED, until=None)
    d.tick(MON_C1)
    d.tick(MON_C2)
    assert posts(fake_slack) == []
    set_pause(env.db, pair.mentee_user_id, status=PARTICIPANT_ACTIVE, until=None)
    d.tick(MON_C2 + timedelta(hours=1))  # cycle 2's nudge is still inside its window
    assert keys(fake_slack) == []  # ... but it was recorded as skipped during the pause
    d.tick(utc(2026, 1, 23, 15, 0))
    assert keys(fake_slack) == [f"feedback:{pair.id}:2"]


def test_reminders_go_only_to_people_who_have_not_checked_in(env, fake_slack):
    one_done = started_pair(env.db, fake_slack)
    both_done = started_pair(env.db, fake_slack)
    none_done = started_pair(env.db, fake_slack)
    d = dispatcher(env)
    d.tick(FRI_C1)
    check_in(env.db, one_done, one_done.mentee_user_id, 1)
    check_in(env.db, both_done, both_done.mentee_user_id, 1)
    check_in(env.db, both_done, both_done.mentor_user_id, 1, met=False)
    check_in(env.db, none_done, none_done.mentee_user_id, 2)  # another cycle doesn't count
    report = d.tick(SUN_C1)
    reminders = {key_of(c): c for c in posts(fake_slack) if key_of(c).startswith("reminder:")}
    assert set(reminders) == {f"reminder:{one_done.id}:1", f"reminder:{none_done.id}:1"}
    text = reminders[f"reminder:{one_done.id}:1"]["text"]
    assert f"<@{one_done.mentor_user_id}>" in text and one_done.mentee_user_id not in text
    text = reminders[f"reminder:{none_done.id}:1"]["text"]
    assert f"<@{none_done.mentor_user_id}> and <@{none_done.mentee_user_id}>" in text
    assert button_value(reminders[f"reminder:{one_done.id}:1"]) == checkin_button_value(one_done.id, 1, "checkin")
    row = ledger(env.db)[f"reminder:{both_done.id}:1"]
    assert (row.status, row.error) == (SEND_STALE, "skipped: both have already checked in")
    assert report.skipped == 1
    d.tick(SUN_C1 + timedelta(hours=3))
    assert len([k for k in keys(fake_slack) if k.startswith("reminder:")]) == 2


# --- the admins' digest ---------------------------------------------------------------------------

def test_the_weekly_digest_is_the_health_report_once_per_week_with_its_chart(env, fake_slack):
    never = started_pair(env.db, fake_slack)
    met_in_c1 = started_pair(env.db, fake_slack)
    regular = started_pair(env.db, fake_slack)
    on_break = started_pair(env.db, fake_slack)
    too_new = started_pair(env.db, fake_slack, introduced_at=utc(2026, 1, 28, 12, 0))
    check_in(env.db, met_in_c1, met_in_c1.mentor_user_id, 1, at=utc(2026, 1, 16, 16, 0))
    check_in(env.db, met_in_c1, met_in_c1.mentee_user_id, 2, met=False)
    for cycle in (1, 2, 3):
        check_in(env.db, regular, regular.mentee_user_id, cycle)
    set_pause(env.db, on_break.mentee_user_id, status=PARTICIPANT_PAUSED, until=date(2026, 3, 1))
    d = dispatcher(env)

    # Monday 9 Feb 09:00 UTC: cycles 1-3 are complete for the London pairs (cycle 4 starts at 10:00).
    d.tick(utc(2026, 2, 9, 9, 0))
    figures, attention = digests(fake_slack)
    assert [c["channel"] for c in (figures, attention)] == [ADMIN_CHANNEL] * 2
    assert [key_of(c) for c in (figures, attention)] == [f"digest:{TEAM}:2026-W07", f"digest:{TEAM}:2026-W07:2"]
    assert figures["text"] == "Program health: 2 pairs need attention"
    assert "*Pair health:* 2 need attention, 1 on track, 2 too early to tell" in str(figures.json("blocks"))
    listed = [b["text"]["text"] for b in attention.json("blocks") if b["type"] == "section"]
    assert listed == [
        f"*<@{never.mentor_user_id}> & <@{never.mentee_user_id}>* (pair {never.id}, 3 sessions done, 0 with a "
        "meeting)\n• no check-in from either of them in the last 2 sessions",
        f"*<@{met_in_c1.mentor_user_id}> & <@{met_in_c1.mentee_user_id}>* (pair {met_in_c1.id}, 3 sessions done, "
        "1 with a meeting)\n• no meeting reported in the last 2 sessions",
    ]
    assert too_new.mentee_user_id not in str(attention.json("blocks"))
    assert on_break.mentee_user_id not in str(attention.json("blocks"))
    [chart] = fake_slack.files_in(ADMIN_CHANNEL)
    assert chart["content"].startswith(b"\x89PNG")
    assert ledger(env.db, digest=True)[f"chart:{TEAM}:2026-W07"].status == SEND_SENT

    d.tick(utc(2026, 2, 9, 12, 0))
    d.tick(utc(2026, 2, 10, 9, 0))
    assert len(digests(fake_slack)) == 2 and len(fake_slack.files_in(ADMIN_CHANNEL)) == 1

    for cycle in (3, 4):  # both quiet pairs meet again; next week's report says all is well
        check_in(env.db, never, never.mentor_user_id, cycle)
        check_in(env.db, met_in_c1, met_in_c1.mentee_user_id, cycle)
    check_in(env.db, regular, regular.mentee_user_id, 4)
    d.tick(utc(2026, 2, 16, 9, 0))
    sent = digests(fake_slack)
    assert [key_of(c) for c in sent][2:] == [f"digest:{TEAM}:2026-W08"]
    assert "No pair needs attention right now." in str(sent[2].json("blocks"))
    assert len(fake_slack.files_in(ADMIN_CHANNEL)) == 2


def test_a_chart_lost_to_a_crash_is_shared_at_the_next_tick(env, fake_slack):
    pair = started_pair(env.db, fake_slack)
    check_in(env.db, pair, pair.mentee_user_id, 1)
    d = dispatcher(env)
    d.share_charts = lambda plan, outbox=None: None  # the process dies before the upload
    d.tick(utc(2026, 2, 9, 9, 0))
    assert len(digests(fake_slack)) == 2 and fake_slack.files_in(ADMIN_CHANNEL) == []
    dispatcher(env).tick(utc(2026, 2, 9, 9, 5))
    dispatcher(env).tick(utc(2026, 2, 9, 9, 10))
    assert len(digests(fake_slack)) == 2 and len(fake_slack.files_in(ADMIN_CHANNEL)) == 1


def test_a_week_whose_report_was_skipped_gets_no_chart(env, fake_slack):
    # One session asked (a chart could be drawn), none done by Monday: no report this week.
    pair = started_pair(env.db, fake_slack, introduced_at=utc(2026, 1, 28, 12, 0))
    check_in(env.db, pair, pair.mentee_user_id, 1)
    for at in (utc(2026, 2, 9, 9, 0), utc(2026, 2, 9, 9, 5), utc(2026, 2, 9, 11, 0)):
        dispatcher(env).tick(at)
    assert digests(fake_slack) == [] and fake_slack.shared_files() == []
    assert ledger(env.db, digest=True)[f"digest:{TEAM}:2026-W07"].status == SEND_STALE


def test_a_report_with_nothing_to_chart_is_not_built_again_at_each_tick(env, fake_slack, monkeypatch):
    """The digest went out (an older cohort's pair has two sessions done) but the current cohort,
    matched yesterday, has nothing to chart yet: the chart is recorded as skipped, once."""
    old = started_pair(env.db, fake_slack, created_at=utc(2026, 1, 7, 12, 0))
    check_in(env.db, old, old.mentee_user_id, 1)
    with env.db.session() as s:
        s.add(MatchRound(team_id=TEAM, status="done", created_by="U0ADM", pool_fingerprint="x",
                         created_at=utc(2026, 2, 8), decided_at=utc(2026, 2, 8)))
    started_pair(env.db, fake_slack, introduced_at=utc(2026, 2, 8, 12, 0), created_at=utc(2026, 2, 8, 12, 0))
    dispatcher(env).tick(utc(2026, 2, 9, 9, 0))
    assert len(digests(fake_slack)) >= 1 and fake_slack.shared_files() == []
    assert ledger(env.db, digest=True)[f"chart:{TEAM}:2026-W07"].status == SEND_STALE
    builds = []
    monkeypatch.setattr("bot.services.report.build", lambda *a, **k: builds.append(1))
    dispatcher(env).tick(utc(2026, 2, 9, 9, 5))
    assert builds == []


def test_no_admin_channel_means_no_digest_and_a_log_line(db, fake_slack, caplog):
    deps = build_deps(make_settings(fake_slack, db.url, admin_channel=None), db, clock=Clock())
    started_pair(db, fake_slack)
    caplog.set_level(logging.INFO, logger="bot.delivery.dispatcher")
    dispatcher(deps).tick(utc(2026, 2, 9, 9, 0))
    dispatcher(deps).tick(utc(2026, 2, 9, 9, 5))
    assert digests(fake_slack) == []
    assert caplog.text.count("no admin channel configured (MENTORING_ADMIN_CHANNEL)") == 1
    assert ledger(db, digest=True)[f"digest:{TEAM}:2026-W07"].status == SEND_STALE


def test_a_crash_between_ledger_and_send_leaves_the_prompts_queued_for_the_next_run(env, fake_slack):
    pair = started_pair(env.db, fake_slack)
    d = dispatcher(env)
    d.ledger(d.plan(MON_C1))  # the process dies here, after queueing, before any sender took a row
    assert posts(fake_slack) == [] and ledger(env.db)[f"nudge:{pair.id}:1"].status == SEND_QUEUED
    report = d.tick(MON_C1 + timedelta(minutes=1))  # nobody owns a queued row: the next run sends it
    assert keys(fake_slack) == [f"nudge:{pair.id}:1"] and report.sent == 1 and report.claimed == 0
    d.tick(MON_C1 + timedelta(minutes=30))
    assert len(posts(fake_slack)) == 1


def test_a_crash_after_taking_a_slice_is_recovered_once_the_lease_ends(env, fake_slack):
    pair = started_pair(env.db, fake_slack)
    d = dispatcher(env)
    d.ledger(d.plan(MON_C1))
    assert Outbox(env.db, clock=lambda: MON_C1).take(team_id=TEAM, limit=10)  # then the process died
    d.tick(MON_C1 + timedelta(minutes=5))  # inside the lease: that process may still be sending it
    assert posts(fake_slack) == []
    report = d.tick(MON_C1 + timedelta(minutes=11))
    assert keys(fake_slack) == [f"nudge:{pair.id}:1"] and report.recovered == 1
    d.tick(MON_C1 + timedelta(minutes=30))
    assert len(posts(fake_slack)) == 1


def test_recovery_covers_notes_in_workspaces_with_no_prompts_due(env, fake_slack):
    """A partner note left in doubt in a workspace with no active pairs is still settled."""
    fake_slack.add_user("U0PAL")
    outbox = Outbox(env.db, clock=lambda: MON_C1)
    won = outbox.claim(team_id="T0OTHER", items=[
        Item(key="pair_ended:9:partner", kind="pair_ended", channel="U0PAL", text="Your partner has left.")])
    assert won  # claimed, then the process died before sending
    dispatcher(env).tick(MON_C1 + timedelta(minutes=11))
    assert [key_of(c) for c in posts(fake_slack)] == ["pair_ended:9:partner"]
    assert ledger(env.db)["pair_ended:9:partner"].status == SEND_SENT


def test_recovery_is_paced_like_any_other_send(env, fake_slack):
    """Rows settled by recovery go through the workspace's rate limit: no burst of 429s."""
    pairs = [started_pair(env.db, fake_slack) for _ in range(6)]
    # Half the fake's rate, with room for a late post: only unpaced sends can trip it.
    d = Dispatcher(env, pacer=Pacer(rate=2, burst=1))
    d.ledger(d.plan(MON_C1))
    Outbox(env.db, clock=lambda: MON_C1).take(team_id=TEAM, limit=10)  # taken, then the process died
    fake_slack.enforce_rate_limit("chat.postMessage", per_second=4, burst=2)
    report = d.tick(MON_C1 + timedelta(minutes=11))
    assert report.recovered == 6
    assert Counter(keys(fake_slack)) == Counter({f"nudge:{p.id}:1": 1 for p in pairs})
    assert fake_slack.rate_limited_count == 0


@pytest.mark.parametrize("shared_pacer", [False, True], ids=["own-pacers", "one-pacer"])
def test_concurrent_dispatchers_in_threads_send_each_key_once(env, fake_slack, shared_pacer):
    pairs = [started_pair(env.db, fake_slack) for _ in range(25)]
    pacer = Pacer(rate=1000, burst=1000)
    barrier = threading.Barrier(5)
    reports = []

    def run():
        d = Dispatcher(env, pacer=pacer if shared_pacer else Pacer(rate=1000, burst=1000))
        barrier.wait()
        reports.append(d.tick(MON_C1))

    threads = [threading.Thread(target=run) for _ in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert Counter(keys(fake_slack)) == Counter({f"nudge:{p.id}:1": 1 for p in pairs})
    assert sum(r.claimed for r in reports) == 25
    # Each row is sent by exactly one run; with one pacer, a run may send rows another run queued.
    assert sum(r.sent for r in reports) == 25
    assert all(r.status == SEND_SENT for r in ledger(env.db).values())


def _tick_in_child(database_url: str, slack_url: str, at: str, out) -> None:
    from bot.settings import Settings
    from storage.db import Database

    settings = Settings(bot_token="xoxb-test", signing_secret="0" * 32, app_token=None, database_url=database_url,
                        slack_api_url=slack_url, admin_channel=ADMIN_CHANNEL, port=0)
    db = Database(database_url)
    try:
        report = Dispatcher(build_deps(settings, db), pacer=Pacer(rate=1000, burst=1000)).tick(
            datetime.fromisoformat(at))
        out.put((report.claimed, report.sent))
    finally:
        db.dispose()


def test_concurrent_dispatchers_in_processes_send_each_key_once(env, fake_slack):
    """Separate processes against the same database (both backends; SQLite serialises writers
    with BEGIN IMMEDIATE). The fake Slack runs here; the children get its URL."""
    pairs = [started_pair(env.db, fake_slack) for _ in range(30)]
    ctx = multiprocessing.get_context("spawn")
    out = ctx.Queue()
    procs = [ctx.Process(target=_tick_in_child, args=(env.db.url, fake_slack.base_url, MON_C1.isoformat(), out))
             for _ in range(3)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
    assert [p.exitcode for p in procs] == [0, 0, 0]
    results = [out.get(timeout=5) for _ in procs]
    assert sum(claimed for claimed, _ in results) == 30
    assert sum(sent for _, sent in results) == 30
    assert Counter(keys(fake_slack)) == Counter({f"nudge:{p.id}:1": 1 for p in pairs})


# --- the command line and the heartbeat -------------------------------------------------------------

@pytest.fixture
def cli_env(cli_slack_env):
    return cli_slack_env


@pytest.mark.parametrize("at, problem", [
    ("2026-01-12T10:00", "has no time zone, so it could be any of 24 moments"),
    ("next monday", "isn't an ISO-8601 date and time"),
    ("2026-02-30T10:00Z", "isn't an ISO-8601 date and time"),
])
def test_tick_refuses_an_ambiguous_or_unreadable_at(cli_env, capsys, at, problem):
    assert cli.main(["tick", "--at", at]) == 2
    err = capsys.readouterr().err
    assert problem in err and "2026-03-02T10:00Z" in err


def test_tick_refuses_a_malformed_team(cli_env, capsys):
    assert cli.main(["tick", "--team", "acme"]) == 2
    assert "doesn't look like a Slack team ID" in capsys.readouterr().err


def test_tick_runs_once_and_prints_a_summary(cli_env, capsys, fake_slack):
    from storage.db import Database

    db = Database(cli_env)
    schema.upgrade(db)
    pair = started_pair(db, fake_slack)
    db.dispose()
    assert cli.main(["tick", "--at", "2026-01-12T10:00:00Z"]) == 0
    # The skipped one is the week's digest: no pair has completed two cycles yet.
    assert capsys.readouterr().out == ("Tick: 1 workspace, 1 due, 1 claimed, 1 sent, 0 stale, 1 skipped, "
                                       "0 failed, 0 already done.\n")
    assert cli.main(["tick", "--at", "2026-01-12T10:30:00+00:00", "--team", TEAM]) == 0
    assert "0 due, 0 claimed, 0 sent" in capsys.readouterr().out
    assert keys(fake_slack) == [f"nudge:{pair.id}:1"]


def test_the_heartbeat_runs_the_dispatcher_every_minute(sqlite_db, fake_slack):
    from apscheduler.schedulers.background import BackgroundScheduler

    from bot import scheduler as background

    scheduler = BackgroundScheduler(timezone="UTC")
    background.add_jobs(scheduler, build_deps(make_settings(fake_slack, sqlite_db.url), sqlite_db))
    job = scheduler.get_job("program_prompts")
    assert job is not None and job.trigger.interval == timedelta(seconds=60)
    assert job.func.__self__.__class__ is Dispatcher and job.func.__name__ == "tick"
