from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from types import SimpleNamespace

import pytest

from bot.domain import schedule, topics
from bot.domain.catalog import SKILL_BY_KEY
from bot.domain.schedule import Rhythm, cycle_at, due, n_cycles, occurrences, parse_pause, skipped


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


LONDON_ANCHOR = utc(2026, 3, 18, 12, 0)  # a Wednesday


def of_kind(occs, kind):
    return [o for o in occs if o.kind == kind]


def keys(occs):
    return [(o.kind, o.cycle) for o in occs]


# --- the timetable ------------------------------------------------------------------------


def test_weekly_london_program_across_spring_dst():
    occs = occurrences(Rhythm(), anchor=LONDON_ANCHOR, tz="Europe/London")
    nudges = of_kind(occs, "nudge")
    assert [o.cycle for o in nudges] == list(range(1, 13))
    assert nudges[0].at == utc(2026, 3, 23, 10, 0)  # GMT
    assert nudges[1].at == utc(2026, 3, 30, 9, 0)  # BST after the 29 March change
    assert nudges[-1].at == utc(2026, 6, 8, 9, 0)
    for o in nudges:
        assert (o.local.weekday(), o.local.time()) == (0, time(10, 0))
        assert o.local.utcoffset() == o.local.tzinfo.utcoffset(o.at.replace(tzinfo=None))
        assert o.at.tzinfo is UTC and o.stale_at.tzinfo is UTC

    feedback = of_kind(occs, "feedback")
    assert [o.cycle for o in feedback] == list(range(1, 12))
    assert feedback[0].at == utc(2026, 3, 27, 15, 0)
    assert feedback[1].at == utc(2026, 4, 3, 14, 0)
    reminders = of_kind(occs, "reminder")
    assert [o.cycle for o in reminders] == list(range(1, 12))
    assert reminders[0].at == utc(2026, 3, 29, 14, 0)  # Sunday 15:00 BST, the day of the change

    assert Counter(o.kind for o in occs) == {
        "nudge": 12,
        "feedback": 11,
        "reminder": 11,
        "final_survey": 1,
        "survey_reminder": 1,
        "closing": 1,
    }
    assert keys(occs[-4:]) == [
        ("nudge", 12),
        ("final_survey", 12),
        ("survey_reminder", 12),
        ("closing", 12),
    ]
    assert occs[-3].at == utc(2026, 6, 12, 14, 0)
    assert occs[-2].at == utc(2026, 6, 14, 14, 0)
    assert occs[-1].at == utc(2026, 6, 15, 9, 0)
    assert occs[-1].stale_at == utc(2026, 6, 22, 9, 0)
    assert [o.at for o in occs] == sorted(o.at for o in occs)
    assert len({o.key for o in occs}) == len(occs)


def test_stale_windows_weekly():
    occs = occurrences(Rhythm(), anchor=LONDON_ANCHOR, tz="Europe/London")
    nudge, feedback, reminder, nudge2 = occs[:4]
    assert nudge.stale_at == utc(2026, 3, 25, 10, 0)  # two days later
    assert feedback.stale_at == reminder.at == utc(2026, 3, 29, 14, 0)
    assert reminder.stale_at == nudge2.at == utc(2026, 3, 30, 9, 0)
    # windows never overlap: at most one thing is due for a pair at a time
    for a, b in zip(occs, occs[1:], strict=False):
        assert a.at < a.stale_at <= b.at


def test_new_york_autumn_dst():
    occs = occurrences(Rhythm(), anchor=utc(2026, 10, 20, 15, 0), tz="America/New_York")
    assert keys(occs[:4]) == [("nudge", 1), ("feedback", 1), ("reminder", 1), ("nudge", 2)]
    assert occs[0].at == utc(2026, 10, 26, 14, 0)  # 10:00 EDT
    assert occs[1].at == utc(2026, 10, 30, 19, 0)  # Friday 15:00 EDT
    assert occs[2].at == utc(2026, 11, 1, 20, 0)  # Sunday 15:00 EST, hours after the change
    assert occs[3].at == utc(2026, 11, 2, 15, 0)  # 10:00 EST
    assert occs[0].stale_at == utc(2026, 10, 28, 14, 0)


def test_kolkata_no_dst_half_hour_offset():
    occs = occurrences(Rhythm(), anchor=LONDON_ANCHOR, tz="Asia/Kolkata")
    nudges = of_kind(occs, "nudge")
    assert [o.at for o in nudges] == [
        utc(2026, 3, 23, 4, 30) + timedelta(weeks=k) for k in range(12)
    ]
    assert of_kind(occs, "feedback")[0].at == utc(2026, 3, 27, 9, 30)


def test_sydney_southern_hemisphere_dst():
    # Sydney: AEDT (+11) until 5 April 2026, then AEST (+10); Monday 10:00 local is Sunday in UTC.
    occs = occurrences(Rhythm(), anchor=LONDON_ANCHOR, tz="Australia/Sydney")
    nudges = of_kind(occs, "nudge")
    assert nudges[0].at == utc(2026, 3, 22, 23, 0)
    assert nudges[1].at == utc(2026, 3, 29, 23, 0)
    assert nudges[2].at == utc(2026, 4, 6, 0, 0)
    assert all(o.local.time() == time(10, 0) and o.local.weekday() == 0 for o in nudges)
    # anchored Wednesday 23:00 Sydney (12:00 UTC), the first nudge is the next local Monday
    assert nudges[0].local.date() == date(2026, 3, 23)


def test_biweekly_cadence_gives_six_cycles_two_weeks_apart():
    r = Rhythm(cadence_weeks=2)
    assert n_cycles(r) == 6
    occs = occurrences(r, anchor=LONDON_ANCHOR, tz="Europe/London")
    nudges = of_kind(occs, "nudge")
    assert [o.local.date() for o in nudges] == [
        date(2026, 3, 23) + timedelta(weeks=2 * k) for k in range(6)
    ]
    assert nudges[1].at == utc(2026, 4, 6, 9, 0)
    # feedback at the end of the cycle: Friday of the second week
    feedback = of_kind(occs, "feedback")
    assert len(feedback) == 5
    assert feedback[0].at == utc(2026, 4, 3, 14, 0)
    # the program ends when a weekly one would: 12 weeks after the first nudge
    assert of_kind(occs, "final_survey")[0].at == utc(2026, 6, 12, 14, 0)
    assert of_kind(occs, "closing")[0].at == utc(2026, 6, 15, 9, 0)
    assert len(of_kind(occs, "reminder")) == 5


@pytest.mark.parametrize(
    ("length", "cadence", "expected"), [(12, 1, 12), (12, 2, 6), (13, 2, 7), (1, 1, 1), (1, 2, 1)]
)
def test_n_cycles(length, cadence, expected):
    assert n_cycles(Rhythm(length_weeks=length, cadence_weeks=cadence)) == expected


def test_one_week_program():
    occs = occurrences(Rhythm(length_weeks=1), anchor=LONDON_ANCHOR, tz="Europe/London")
    assert keys(occs) == [("nudge", 1), ("final_survey", 1), ("survey_reminder", 1), ("closing", 1)]


def test_first_nudge_is_strictly_after_the_anchor():
    r = Rhythm()
    # Monday 09:00 London (GMT): the nudge is the same morning
    assert occurrences(r, anchor=utc(2026, 3, 23, 9, 0), tz="Europe/London")[0].at == utc(
        2026, 3, 23, 10, 0
    )
    # exactly at the slot: next week
    assert occurrences(r, anchor=utc(2026, 3, 23, 10, 0), tz="Europe/London")[0].at == utc(
        2026, 3, 30, 9, 0
    )
    # the anchor's local day decides: Sunday 23:30 UTC is Monday 05:00 in Kolkata: same day;
    # Monday 05:00 UTC is 10:30 there: next week
    assert occurrences(r, anchor=utc(2026, 3, 22, 23, 30), tz="Asia/Kolkata")[0].at == utc(
        2026, 3, 23, 4, 30
    )
    assert occurrences(r, anchor=utc(2026, 3, 23, 5, 0), tz="Asia/Kolkata")[0].at == utc(
        2026, 3, 30, 4, 30
    )


def test_nonexistent_and_ambiguous_local_times_are_deterministic():
    # Sunday 01:30 London does not exist on 29 March 2026 (01:00 -> 02:00): moved forward by the gap.
    r = Rhythm(nudge_weekday=6, nudge_time=time(1, 30), feedback_weekday=2)
    occs = occurrences(r, anchor=utc(2026, 3, 25, 12, 0), tz="Europe/London")
    assert occs[0].at == utc(2026, 3, 29, 1, 30)
    assert occs[0].local.time() == time(2, 30)
    # Sunday 01:30 London happens twice on 25 October 2026: the first (BST) one is used.
    occs = occurrences(r, anchor=utc(2026, 10, 21, 12, 0), tz="Europe/London")
    assert occs[0].at == utc(2026, 10, 25, 0, 30)
    assert occs[3].at == utc(2026, 11, 1, 1, 30)


def test_reminder_omitted_when_off_or_too_late():
    occs = occurrences(Rhythm(reminder_after_days=0), anchor=LONDON_ANCHOR, tz="Europe/London")
    assert not [o for o in occs if "reminder" in o.kind]
    assert occs[1].kind == "feedback" and occs[1].stale_at == occs[2].at == utc(2026, 3, 30, 9, 0)
    # Friday + 4 days is Tuesday, after the next Monday nudge: no reminder
    occs = occurrences(Rhythm(reminder_after_days=4), anchor=LONDON_ANCHOR, tz="Europe/London")
    assert not [o for o in occs if "reminder" in o.kind]
    # biweekly: feedback is on Friday of week 2, so Friday + 3 is already past the next Monday nudge
    occs = occurrences(
        Rhythm(cadence_weeks=2, reminder_after_days=3), anchor=LONDON_ANCHOR, tz="Europe/London"
    )
    assert not of_kind(occs, "reminder")
    occs = occurrences(Rhythm(reminder_after_days=1), anchor=LONDON_ANCHOR, tz="Europe/London")
    assert of_kind(occs, "reminder")[0].at == utc(2026, 3, 28, 15, 0)


def test_feedback_slot_before_nudge_slot_in_the_week():
    # nudge Wednesday 09:00, feedback Monday 16:00: the feedback falls in the following week
    r = Rhythm(
        nudge_weekday=2, nudge_time=time(9, 0), feedback_weekday=0, feedback_time=time(16, 0)
    )
    occs = occurrences(r, anchor=utc(2026, 3, 16, 12, 0), tz="UTC")
    assert occs[0].at == utc(2026, 3, 18, 9, 0)
    assert occs[1].at == utc(2026, 3, 23, 16, 0)
    assert occs[2].at == utc(2026, 3, 25, 9, 0) and occs[2].kind == "nudge"
    # the nudge would be stale on Friday, before the feedback: two days after
    assert occs[0].stale_at == utc(2026, 3, 20, 9, 0)


def test_nudge_stale_at_feedback_when_that_comes_first():
    r = Rhythm(feedback_weekday=1, feedback_time=time(9, 0))
    occs = occurrences(r, anchor=LONDON_ANCHOR, tz="UTC")
    assert occs[0].at == utc(2026, 3, 23, 10, 0)
    assert occs[0].stale_at == occs[1].at == utc(2026, 3, 24, 9, 0)


# --- due ----------------------------------------------------------------------------------


def _due(now, **kw):
    return due(Rhythm(), anchor=LONDON_ANCHOR, tz="Europe/London", now=now, **kw)


def test_due_before_start_is_empty():
    assert _due(LONDON_ANCHOR) == ([], [])
    assert _due(utc(2026, 3, 23, 9, 59, 59)) == ([], [])


def test_due_exactly_at_the_slot():
    now_due, stale = _due(utc(2026, 3, 23, 10, 0))
    assert keys(now_due) == [("nudge", 1)] and stale == []
    now_due, stale = _due(utc(2026, 3, 24, 17, 0))  # Tuesday: still worth sending
    assert keys(now_due) == [("nudge", 1)] and stale == []


def test_late_run_on_thursday_reports_the_nudge_as_stale():
    now_due, stale = _due(utc(2026, 3, 26, 12, 0))
    assert now_due == []
    assert keys(stale) == [("nudge", 1)]


def test_due_feedback_then_reminder():
    now_due, stale = _due(utc(2026, 3, 27, 15, 0))
    assert keys(now_due) == [("feedback", 1)] and keys(stale) == [("nudge", 1)]
    now_due, stale = _due(utc(2026, 3, 27, 14, 59))
    assert now_due == []
    now_due, stale = _due(utc(2026, 3, 29, 14, 0))
    assert keys(now_due) == [("reminder", 1)]
    assert keys(stale) == [("nudge", 1), ("feedback", 1)]
    now_due, stale = _due(utc(2026, 3, 30, 9, 0))
    assert keys(now_due) == [("nudge", 2)] and len(stale) == 3


def test_due_at_the_end_and_after():
    now_due, _ = _due(utc(2026, 6, 12, 14, 0))
    assert keys(now_due) == [("final_survey", 12)]
    now_due, _ = _due(utc(2026, 6, 15, 9, 0))
    assert keys(now_due) == [("closing", 12)]
    now_due, stale = _due(utc(2026, 6, 22, 9, 0))
    assert now_due == [] and len(stale) == 37
    assert _due(utc(2027, 1, 1))[0] == []


def test_at_most_one_due_at_any_instant():
    t = LONDON_ANCHOR
    seen = set()
    while t < utc(2026, 6, 23):
        now_due, _ = _due(t)
        assert len(now_due) <= 1
        seen.update(keys(now_due))
        t += timedelta(minutes=30)
    assert len(seen) == 37  # every occurrence is due at some point


def test_due_requires_aware_datetimes_and_known_zone():
    with pytest.raises(ValueError, match="timezone-aware"):
        due(Rhythm(), anchor=LONDON_ANCHOR, tz="Europe/London", now=datetime(2026, 3, 23, 10))
    with pytest.raises(ValueError, match="timezone-aware"):
        occurrences(Rhythm(), anchor=datetime(2026, 3, 18), tz="Europe/London")
    with pytest.raises(ValueError, match="unknown time zone"):
        occurrences(Rhythm(), anchor=LONDON_ANCHOR, tz="Mars/Olympus")


PAUSE = ((utc(2026, 3, 28), utc(2026, 4, 9)),)  # over slots 2 and 3 (30 Mar, 6 Apr) and the 29 Mar DST change


def test_a_pause_moves_the_sessions_it_covers_instead_of_spending_them():
    now = utc(2026, 4, 10, 14, 0)
    now_due, stale = _due(now, pauses=PAUSE)
    assert now_due == []  # slot 3's feedback would be due now: slot 3 is missed, not spent
    assert keys(stale) == [("nudge", 1), ("feedback", 1)]
    gone = skipped(Rhythm(), anchor=LONDON_ANCHOR, tz="Europe/London", now=now, pauses=PAUSE)
    assert keys(gone) == [("reminder", 1)]  # session 1's reminder fell in the pause
    assert _due(utc(2026, 3, 30, 9, 0), pauses=PAUSE)[0] == []

    # Session 2 comes in slot 4, at 10:00 London time (BST by then), then 3, 4, ... in order.
    now_due, _ = _due(utc(2026, 4, 13, 9, 0), pauses=PAUSE)
    assert [(o.kind, o.cycle, o.slot) for o in now_due] == [("nudge", 2, 4)]
    assert now_due[0].local.time() == time(10, 0)
    occs = occurrences(Rhythm(), anchor=LONDON_ANCHOR, tz="Europe/London", pauses=PAUSE)
    nudges = of_kind(occs, "nudge")
    assert [o.cycle for o in nudges] == list(range(1, 13))
    assert [o.slot for o in nudges] == [1, *range(4, 15)]
    # The program ends two weeks later, with the same 37 messages.
    assert len(occs) == 37
    plain = schedule.bounds(Rhythm(), anchor=LONDON_ANCHOR, tz="Europe/London")
    moved = schedule.bounds(Rhythm(), anchor=LONDON_ANCHOR, tz="Europe/London", pauses=PAUSE)
    assert moved[0] == plain[0] and moved[1] - plain[1] == timedelta(weeks=2)
    assert schedule.missed_slots(Rhythm(), anchor=LONDON_ANCHOR, tz="Europe/London", pauses=PAUSE) == 2
    assert schedule.cycles_started(Rhythm(), anchor=LONDON_ANCHOR, tz="Europe/London",
                                   now=utc(2026, 4, 13, 9, 0), pauses=PAUSE) == 2


def test_a_pause_that_begins_after_a_nudge_does_not_give_its_session_back():
    pause = ((utc(2026, 3, 24), utc(2026, 3, 28)),)  # Tue to Sat of session 1: its feedback is skipped
    occs = occurrences(Rhythm(), anchor=LONDON_ANCHOR, tz="Europe/London", pauses=pause)
    assert occs == occurrences(Rhythm(), anchor=LONDON_ANCHOR, tz="Europe/London")
    gone = skipped(Rhythm(), anchor=LONDON_ANCHOR, tz="Europe/London", now=utc(2026, 4, 1), pauses=pause)
    assert keys(gone) == [("feedback", 1)]


def test_an_open_ended_pause_holds_the_program_and_ends_it_eventually():
    pause = ((utc(2026, 3, 28), None),)
    occs = occurrences(Rhythm(), anchor=LONDON_ANCHOR, tz="Europe/London", pauses=pause)
    nudges = of_kind(occs, "nudge")
    assert len(nudges) == 12 and nudges[1].at - nudges[0].at > schedule.MAX_EXTENSION
    now_due, stale = _due(utc(2026, 9, 1), pauses=pause)
    assert now_due == [] and keys(stale) == [("nudge", 1), ("feedback", 1)]


def test_biweekly_sessions_move_by_whole_cycles():
    r = Rhythm(cadence_weeks=2)
    pause = ((utc(2026, 4, 5), utc(2026, 4, 8)),)  # over slot 2's nudge (Mon 6 Apr)
    nudges = of_kind(occurrences(r, anchor=LONDON_ANCHOR, tz="Europe/London", pauses=pause), "nudge")
    assert [(o.cycle, o.slot) for o in nudges] == [(1, 1), *((k, k + 1) for k in range(2, 7))]
    assert nudges[1].at == utc(2026, 4, 20, 9, 0)


def test_cycle_at():
    def at(now):
        return cycle_at(Rhythm(), anchor=LONDON_ANCHOR, tz="Europe/London", now=now)

    assert at(LONDON_ANCHOR) is None
    assert at(utc(2026, 3, 23, 9, 59)) is None
    assert at(utc(2026, 3, 23, 10, 0)) == 1
    assert at(utc(2026, 3, 30, 8, 59)) == 1
    assert at(utc(2026, 3, 30, 9, 0)) == 2
    assert at(utc(2026, 6, 15, 8, 59)) == 12
    assert at(utc(2026, 6, 15, 9, 0)) is None
    assert schedule.bounds(Rhythm(), anchor=LONDON_ANCHOR, tz="Europe/London") == (
        utc(2026, 3, 23, 10, 0),
        utc(2026, 6, 15, 9, 0),
    )


# --- Rhythm -------------------------------------------------------------------------------


def test_rhythm_from_settings_reads_strings():
    settings = SimpleNamespace(
        length_weeks=8,
        cadence_weeks=2,
        nudge_weekday=1,
        nudge_time="09:30",
        feedback_weekday=3,
        feedback_time="16:45",
        reminder_after_days=1,
        quiet_cycles=2,
    )
    r = Rhythm.from_settings(settings)
    assert r == Rhythm(8, 2, 1, time(9, 30), 3, time(16, 45), 1)
    assert Rhythm.from_settings(None) == Rhythm()


def test_rhythm_from_program_settings_defaults():
    from storage.models import ProgramSettings

    assert Rhythm.from_settings(ProgramSettings(team_id="T1")) == Rhythm()


@pytest.mark.parametrize(
    "kwargs",
    [
        {"length_weeks": 0},
        {"cadence_weeks": 0},
        {"nudge_weekday": 7},
        {"feedback_weekday": -1},
        {"nudge_time": "25:00"},
        {"feedback_time": "noon"},
        {"feedback_weekday": 0, "feedback_time": time(10, 0)},
        {"reminder_after_days": -1},
    ],
)
def test_rhythm_rejects_bad_values(kwargs):
    with pytest.raises(ValueError):
        Rhythm(**kwargs)


# --- topics -------------------------------------------------------------------------------


def test_topics_first_and_last_fixed_and_deterministic():
    plan = topics.plan(12)
    assert plan[0].key == "kickoff" and plan[-1].key == "retrospective"
    assert plan[6].key == "midpoint"  # cycle 7 of 12
    assert [t.key for t in plan] == [t.key for t in topics.plan(12)]
    assert [topics.topic_for(c, 12).key for c in range(1, 13)] == [t.key for t in plan]
    assert len({t.key for t in plan}) == 12  # no repeats in a normal program
    directions = [t.direction for t in plan[1:6]]
    assert directions == ["digital", "leadership", "digital", "leadership", "digital"]
    assert topics.topic_for(1, 1).key == "kickoff"
    assert [t.key for t in topics.plan(2)] == ["kickoff", "retrospective"]


def test_topics_prefer_wanted_skills():
    plan = topics.plan(12, mentee_wants=["security", "spreadsheets"], mentor_wants=["negotiation"])
    # both wanted digital topics come first (ties in catalog order), the wanted leadership one too
    assert plan[1].key == "spreadsheets"
    assert plan[2].key == "negotiation"
    assert plan[3].key == "security"
    # a topic whose main skill is wanted beats one that only touches it
    assert topics.plan(12, mentor_wants=["negotiation"])[2].key == "negotiation"
    assert topics.plan(12, mentor_wants=["networking"])[2].key == "networking"
    # without wants: catalog order
    assert topics.plan(12)[1].key == "ai_tools" and topics.plan(12)[2].key == "career"
    assert [t.key for t in plan] == [
        t.key
        for t in topics.plan(
            12, mentee_wants=["security", "spreadsheets"], mentor_wants=["negotiation"]
        )
    ]
    # order of the wants list does not matter, only the set
    assert (
        topics.plan(12, mentee_wants=["spreadsheets", "security"], mentor_wants=["negotiation"])
        == plan
    )


def test_long_programs_cycle_through_topics():
    plan = topics.plan(40)
    assert len(plan) == 40 and plan[0].key == "kickoff" and plan[-1].key == "retrospective"
    assert plan[20].key == "midpoint"


def test_topic_texts_are_well_formed():
    assert len({t.key for t in topics.TOPICS}) == len(topics.TOPICS)
    for t in topics.TOPICS:
        assert 0 < len(t.title) <= 75, t.key
        assert t.direction in ("digital", "leadership", "both")
        assert 1 <= t.prompt.count(". ") + 1 <= 3 and t.prompt.endswith((".", "?")), t.key
        assert all(s in SKILL_BY_KEY for s in t.skills), t.key
    with pytest.raises(ValueError):
        topics.topic_for(13, 12)
    with pytest.raises(ValueError):
        topics.topic_for(0, 12)


# --- parse_pause --------------------------------------------------------------------------

TODAY = date(2026, 3, 18)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2w", date(2026, 4, 1)),
        ("3d", date(2026, 3, 21)),
        ("1w", date(2026, 3, 25)),
        ("10 days", date(2026, 3, 28)),
        ("2 weeks", date(2026, 4, 1)),
        ("1 week", date(2026, 3, 25)),
        ("a week", date(2026, 3, 25)),
        ("for 3 weeks", date(2026, 4, 8)),
        ("1 month", date(2026, 4, 18)),
        ("  2W ", date(2026, 4, 1)),
        ("until 2026-04-30", date(2026, 4, 30)),
        ("2026-04-30", date(2026, 4, 30)),
        ("until 31 Mar", date(2026, 3, 31)),
        ("until 3rd April", date(2026, 4, 3)),
        ("until Apr 3, 2026", date(2026, 4, 3)),
        ("till 1 may", date(2026, 5, 1)),
        ("26w", date(2026, 9, 16)),
        ("", None),
        ("   ", None),
    ],
)
def test_parse_pause(text, expected):
    assert parse_pause(text, today=TODAY) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("until 2026-03-01", "not in the future"),
        ("until 2026-03-18", "not in the future"),
        ("27w", "more than 26 weeks"),
        ("until 2026-12-31", "more than 26 weeks"),
        ("until 1 Mar", "more than 26 weeks"),  # no year: next 1 March, 2027
        ("0d", "at least a day"),
        ("2 fortnights", "unit"),
        ("soonish", "couldn't read"),
        ("until 2026-02-30", "not a real date"),
        ("until 31 Foo", "isn't a month"),
    ],
)
def test_parse_pause_errors(text, message):
    with pytest.raises(ValueError, match=message):
        parse_pause(text, today=TODAY)
