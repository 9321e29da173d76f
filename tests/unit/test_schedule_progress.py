"""`schedule.progress` (the report's O(1) summary of a pair's program) agrees with the full
timetable `schedule.occurrences` at every moment, away from daylight-saving changes."""

from __future__ import annotations

import random
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.domain.schedule import (
    CLOSING,
    FEEDBACK,
    FINAL_SURVEY,
    NUDGE,
    Rhythm,
    occurrences,
    progress,
)

ZONES = ["Europe/London", "America/New_York", "Asia/Kolkata", "Australia/Sydney", "UTC", "Pacific/Auckland"]
RHYTHMS = [Rhythm(), Rhythm(cadence_weeks=2, length_weeks=8, nudge_weekday=1, nudge_time=time(9, 30),
                            feedback_weekday=0, feedback_time=time(16, 0)),
           Rhythm(length_weeks=4, nudge_weekday=4, nudge_time=time(15, 0), feedback_weekday=4,
                  feedback_time=time(9, 0))]


def expected(r: Rhythm, anchor: datetime, tz: str, at: datetime) -> tuple[int, int, bool]:
    occ = [o for o in occurrences(r, anchor=anchor, tz=tz) if o.at <= at]
    return (sum(o.kind == NUDGE for o in occ), sum(o.kind in (FEEDBACK, FINAL_SURVEY) for o in occ),
            any(o.kind == CLOSING for o in occ))


def near_dst(tz: str, at: datetime) -> bool:
    z = ZoneInfo(tz)
    return any((at + timedelta(hours=h)).astimezone(z).utcoffset() != at.astimezone(z).utcoffset()
               for h in (-26, 26))


@pytest.mark.parametrize("r", RHYTHMS)
def test_progress_agrees_with_the_timetable(r):
    rng = random.Random(7)
    checked = 0
    for _ in range(1500):
        tz = rng.choice(ZONES)
        anchor = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=rng.randrange(60 * 24 * 300))
        occ = occurrences(r, anchor=anchor, tz=tz)
        # Moments around each occurrence (just before, at, just after) and at random.
        candidates = [o.at + timedelta(seconds=d) for o in rng.sample(occ, 3) for d in (-1, 0, 1)]
        candidates.append(anchor + timedelta(minutes=rng.randrange(60 * 24 * 7 * 30)))
        for at in candidates:
            if near_dst(tz, at) or near_dst(tz, anchor):
                continue
            p = progress(r, anchor=anchor, tz=tz, at=at)
            assert (p.started, p.asked, p.over) == expected(r, anchor, tz, at), (tz, anchor, at)
            checked += 1
    assert checked > 3000
