"""Each pair's cadence (the slower of the two people's choices unless the program fixes one),
and weekly and every-two-weeks programs across the autumn daylight-saving changes
(Europe/Berlin on Sunday 25 October 2026, America/New_York on Sunday 1 November 2026)."""

from __future__ import annotations

from datetime import UTC, datetime, time
from types import SimpleNamespace

import pytest

from bot.domain.schedule import Rhythm, n_cycles, occurrences, pair_cadence


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize("program, choices, expected", [
    (0, ("weekly", "biweekly"), 2),  # the slower of the two
    (0, ("biweekly", "weekly"), 2),
    (0, ("weekly", "weekly"), 1),
    (0, ("biweekly", "biweekly"), 2),
    (0, (None, "weekly"), 1),  # someone whose profile is gone: weekly for them
    (0, ("fortnightly?", "weekly"), 1),
    (1, ("biweekly", "biweekly"), 1),  # the program fixes it
    (2, ("weekly", "weekly"), 2),
])
def test_pair_cadence(program, choices, expected):
    assert pair_cadence(program, *choices) == expected


def test_the_programs_rhythm_with_per_pair_cadence_is_weekly_until_a_pair_says_otherwise():
    r = Rhythm.from_settings(SimpleNamespace(cadence_weeks=0))
    assert r.cadence_weeks == 1
    assert r.for_pair(None) is r and r.for_pair(2).cadence_weeks == 2
    assert n_cycles(r.for_pair(2)) == 6  # a 12-week program, every two weeks


def _nudges(r, anchor, tz):
    return [o for o in occurrences(r, anchor=anchor, tz=tz) if o.kind == "nudge"]


def test_every_two_weeks_in_berlin_across_the_october_change():
    r = Rhythm(cadence_weeks=2)
    nudges = _nudges(r, utc(2026, 10, 7, 12, 0), "Europe/Berlin")
    assert [o.at for o in nudges[:3]] == [utc(2026, 10, 12, 8, 0),  # 10:00 CEST
                                         utc(2026, 10, 26, 9, 0),  # 10:00 CET, the day after the change
                                         utc(2026, 11, 9, 9, 0)]
    assert all((o.local.weekday(), o.local.time()) == (0, time(10, 0)) for o in nudges)
    assert len(nudges) == 6
    feedback = [o for o in occurrences(r, anchor=utc(2026, 10, 7, 12, 0), tz="Europe/Berlin")
                if o.kind in ("feedback", "final_survey")]
    # At the end of each two-week cycle: Friday of the second week, 15:00 Berlin time.
    assert feedback[0].at == utc(2026, 10, 23, 13, 0) and feedback[1].at == utc(2026, 11, 6, 14, 0)
    assert all((o.local.weekday(), o.local.time()) == (4, time(15, 0)) for o in feedback)


def test_weekly_and_every_two_weeks_in_new_york_across_the_november_change():
    anchor = utc(2026, 10, 21, 16, 0)
    weekly = _nudges(Rhythm(), anchor, "America/New_York")
    assert [o.at for o in weekly[:2]] == [utc(2026, 10, 26, 14, 0), utc(2026, 11, 2, 15, 0)]  # EDT, then EST
    biweekly = _nudges(Rhythm(cadence_weeks=2), anchor, "America/New_York")
    assert [o.at for o in biweekly[:2]] == [utc(2026, 10, 26, 14, 0), utc(2026, 11, 9, 15, 0)]
    assert all(o.local.time() == time(10, 0) for o in weekly + biweekly)
