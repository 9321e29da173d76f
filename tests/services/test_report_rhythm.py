"""The health report, the export and App Home count each pair's sessions as the dispatcher sends
them: at the pair's own cadence, moved out by its breaks. The dispatcher runs a program for six
weeks; every figure is then checked against the prompts it actually sent (the ledger).

Time line (London is on UTC in January and February): pairs introduced Wed 7 Jan 2026, nudges on
Mondays 10:00, check-in prompts on Fridays 15:00 (biweekly: the Friday of the second week).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import select

from bot.blocks.report import report_messages, report_text
from bot.delivery.dispatcher import Dispatcher
from bot.delivery.sender import Pacer
from bot.deps import build_deps
from bot.services import export, home, pauses, report
from bot.services.report import ON_TRACK, TOO_EARLY, Ratio
from storage.models import (
    PARTICIPANT_PAUSED,
    SEND_SENT,
    CheckIn,
    PairSchedule,
    Participant,
    SendLedger,
)
from tests.support.factories import started_pair
from tests.support.harness import ADMIN_CHANNEL, TEAM, Clock, make_settings


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


NOW = utc(2026, 2, 16, 12, 0)  # after the sixth Monday's nudge


@pytest.fixture
def deps(db, fake_slack):
    fake_slack.add_channel(ADMIN_CHANNEL, name="mentoring-admins", members=[])
    return build_deps(make_settings(fake_slack, db.url), db, clock=Clock())


def set_pause(db, user_id: str, *, until: date | None, since: datetime) -> None:
    with db.session() as s:
        row = s.exec(select(Participant).where(Participant.slack_user_id == user_id)).one()
        row.status, row.paused_until, row.paused_at = PARTICIPANT_PAUSED, until, since
        s.add(row)


def sent(db, pair_id: int, kind: str) -> list[int]:
    """The sessions of the prompts of `kind` the dispatcher sent the pair."""
    with db.session() as s:
        rows = s.exec(select(SendLedger).where(SendLedger.pair_id == pair_id, SendLedger.kind == kind,
                                               SendLedger.status == SEND_SENT))
        return sorted(r.cycle for r in rows)


@pytest.fixture
def program(deps, fake_slack):
    """Six weeks of a program: a weekly pair, a biweekly pair, a pair whose mentor paused for two
    weeks (resumed: a finished break) and a pair whose mentee is on a break now. Everyone answers
    every check-in prompt they get, saying they met."""
    db = deps.db
    weekly = started_pair(db, fake_slack)
    biweekly = started_pair(db, fake_slack)
    paused = started_pair(db, fake_slack)
    away = started_pair(db, fake_slack)
    with db.session() as s:
        s.add(PairSchedule(pair_id=biweekly.id, team_id=TEAM, cadence_weeks=2, pauses=[]))
    pairs = (weekly, biweekly, paused, away)
    d = Dispatcher(deps, pacer=Pacer(rate=1000, burst=1000, channel_interval=0))
    answered: set[tuple[int, int]] = set()
    events = {utc(2026, 1, 18, 12, 0), utc(2026, 2, 2, 9, 0), utc(2026, 2, 10, 12, 0), NOW}
    ticks = sorted(events | {utc(2026, 1, 12, h, 30) + timedelta(days=n) for n in range(36) for h in (10, 15)})
    for t in ticks:
        if t == utc(2026, 1, 18, 12, 0):  # Sunday: the mentor is away until Saturday 31 Jan
            set_pause(db, paused.mentor_user_id, until=date(2026, 1, 31), since=t)
        if t == utc(2026, 2, 2, 9, 0):  # back: /mentoring resume records the break on the pair
            deps.clock.set(t)
            pauses.resume(deps, team_id=TEAM, user_id=paused.mentor_user_id)
        if t == utc(2026, 2, 10, 12, 0):  # Tuesday: the mentee is away until 1 March
            set_pause(db, away.mentee_user_id, until=date(2026, 3, 1), since=t)
        if t > NOW:
            break
        d.tick(t)
        for p in pairs:
            for k in sent(db, p.id, "feedback"):
                if (p.id, k) not in answered:
                    answered.add((p.id, k))
                    with db.session() as s:
                        for uid in (p.mentor_user_id, p.mentee_user_id):
                            s.add(CheckIn(team_id=TEAM, pair_id=p.id, user_id=uid, cycle=k, kind="checkin",
                                          met=True, usefulness=4))
    return {"weekly": weekly, "biweekly": biweekly, "paused": paused, "away": away}


def test_the_dispatcher_sent_what_the_rhythms_say(deps, program):
    """The premise: each pair got its own prompts."""
    db = deps.db
    assert [len(sent(db, program[n].id, "nudge")) for n in ("weekly", "biweekly", "paused", "away")] == [6, 3, 4, 5]
    assert [sent(db, program[n].id, "feedback") for n in ("weekly", "biweekly", "paused", "away")] == [
        [1, 2, 3, 4, 5], [1, 2], [1, 2, 3], [1, 2, 3, 4]]


def test_sessions_done_response_rate_and_health_match_what_the_dispatcher_sent(deps, program):
    db = deps.db
    rep = report.build(db, team_id=TEAM, now=NOW)
    pairs = {p.pair_id: p for p in rep.pairs}
    for name, pair in program.items():
        nudges, asked = sent(db, pair.id, "nudge"), sent(db, pair.id, "feedback")
        p = pairs[pair.id]
        assert p.cycles_done == len(nudges) - 1, name  # a session is done once the next one has begun
        assert p.checkins == 2 * len(asked), name
        assert p.meetings_reported == len(asked), name
    assert pairs[program["weekly"].id].health == ON_TRACK
    assert pairs[program["biweekly"].id].health == ON_TRACK
    assert [r.kind for r in pairs[program["biweekly"].id].reasons] == [report.MET]
    assert pairs[program["biweekly"].id].reasons[0].cycles == 2
    assert pairs[program["paused"].id].health == ON_TRACK
    assert pairs[program["paused"].id].reasons[0].cycles == 3
    assert pairs[program["away"].id].health == TOO_EARLY
    assert [r.kind for r in pairs[program["away"].id].reasons] == [report.ON_A_BREAK]

    f = rep.overall
    asked = sum(len(sent(db, p.id, "feedback")) for p in program.values())
    assert asked == 5 + 2 + 3 + 4
    assert f.response == Ratio(2 * asked, 2 * asked)  # everyone answered every prompt they got
    assert f.met_last_cycle == Ratio(4, 4)
    assert f.meetings.total == asked
    assert (f.on_break, f.extended) == (1, 2)  # the away pair's end moves too: its break has an end
    assert f.health == {report.NEEDS_ATTENTION: 0, TOO_EARLY: 1, ON_TRACK: 3}


def test_the_weekly_series_puts_each_session_in_the_program_week_it_started(deps, program):
    weeks = {w.week: w for w in report.build(deps.db, team_id=TEAM, now=NOW).weeks}
    # weekly: weeks 1-5; biweekly: weeks 1 and 3; paused: 1, 4, 5 (2 and 3 were its break); away: 1-4.
    assert {w: p.pairs for w, p in weeks.items()} == {1: 4, 2: 2, 3: 3, 4: 3, 5: 2}
    assert all(p.response == Ratio(2 * p.pairs, 2 * p.pairs) for p in weeks.values())


def test_the_export_counts_the_sessions_the_dispatcher_sent(deps, program):
    rows = {p.pair_id: p for p in export.build(deps.db, team_id=TEAM, now=NOW).pairs}
    assert {n: rows[p.id].cycles_done for n, p in program.items()} == {
        "weekly": 5, "biweekly": 2, "paused": 3, "away": 4}


def test_app_home_shows_the_pairs_own_sessions_and_next_prompt(deps, program):
    def view(name):
        pair = program[name]
        [v] = home.participant_home(deps.db, team_id=TEAM, user_id=pair.mentor_user_id, now=NOW).pairs
        return v

    biweekly = view("biweekly")
    assert (biweekly.session, biweekly.sessions) == (3, 6)
    assert (biweekly.next_prompt.kind, biweekly.next_prompt.at) == ("feedback", utc(2026, 2, 20, 15, 0))
    paused = view("paused")
    assert (paused.session, paused.sessions) == (4, 12)
    # The mentee of the away pair is back on 1 March: the next prompt is that Monday's nudge.
    away = view("away")
    assert (away.session, away.next_prompt.kind, away.next_prompt.at) == (5, "nudge", utc(2026, 3, 2, 10, 0))


def test_the_report_says_how_many_pairs_are_on_a_break_and_extended_as_figures(deps, program):
    rep = report.build(deps.db, team_id=TEAM, now=NOW)
    line = "Breaks: 1 pair with someone on a break now; 2 pairs with the program extended to make up for breaks"
    assert line in " ".join(report_text(rep).split())
    assert "*Breaks:* 1 pair with someone on a break now; 2 pairs" in str(report_messages(rep)[0]["blocks"])
