"""Meeting slots inside both people's working hours, and the recurring invitation (.ics), across
the autumn daylight-saving changes (Europe/Berlin on 25 October 2026, America/New_York on
1 November 2026: for that one week Berlin is 5 hours ahead of New York instead of 6)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import icalendar
from dateutil.rrule import rrulestr

from bot.domain import slots
from bot.domain.slots import Slot, good_for, invitation, propose

BERLIN, NEW_YORK, TOKYO = "Europe/Berlin", "America/New_York", "Asia/Tokyo"
WINDOW = (datetime(2026, 10, 12, 8, 0, tzinfo=UTC), datetime(2026, 10, 19, 8, 0, tzinfo=UTC))  # Mon 10:00 Berlin, a week


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def inside_working_hours(t: datetime, tz: str, minutes: int = 45) -> bool:
    a, b = t.astimezone(ZoneInfo(tz)), (t + timedelta(minutes=minutes)).astimezone(ZoneInfo(tz))
    return a.weekday() < 5 and time(9) <= a.time() and b.time() <= time(17) and a.date() == b.date()


def test_three_slots_on_different_days_inside_both_working_days_at_every_session():
    got = propose(window=WINDOW, zones=(BERLIN, NEW_YORK), pair_tz=BERLIN, cadence_weeks=1, sessions=12)
    assert len(got) == 3
    assert len({s.local(BERLIN).date() for s in got}) == 3
    for s in got:
        for k in range(12):  # every weekly session, through both October changes and into the winter
            t = slots.recurrences(s.start, pair_tz=BERLIN, cadence_weeks=1, sessions=12)[k]
            assert inside_working_hours(t, BERLIN) and inside_working_hours(t, NEW_YORK)
    # Berlin and New York share 15:00-17:00 Berlin time (09:00-11:00 in New York).
    assert [(s.local(BERLIN).strftime("%a %H:%M"), s.local(NEW_YORK).strftime("%a %H:%M")) for s in got] == [
        ("Mon 15:00", "Mon 09:00"), ("Wed 15:00", "Wed 09:00"), ("Fri 15:00", "Fri 09:00")]


def test_a_slot_that_leaves_working_hours_after_a_dst_change_is_not_offered():
    # Monday 26 October, the week Berlin has changed and New York hasn't: 14:00 Berlin is 09:00 in
    # New York, inside both working days. But the next Monday, 14:00 Berlin is 08:00 in New York.
    odd_week = utc(2026, 10, 26, 13, 0)  # Mon 26 Oct: 14:00 Berlin (CET) = 09:00 New York (EDT)
    assert inside_working_hours(odd_week, BERLIN) and inside_working_hours(odd_week, NEW_YORK)
    assert good_for(odd_week, zones=(BERLIN, NEW_YORK), pair_tz=BERLIN, cadence_weeks=1, sessions=1)
    assert not good_for(odd_week, zones=(BERLIN, NEW_YORK), pair_tz=BERLIN, cadence_weeks=1, sessions=2)


def test_people_whose_working_days_do_not_overlap_get_no_slots():
    assert propose(window=WINDOW, zones=(TOKYO, NEW_YORK), pair_tz=TOKYO, cadence_weeks=1, sessions=12) == []


def test_new_slots_avoid_the_ones_offered_before():
    first = propose(window=WINDOW, zones=(BERLIN, BERLIN), pair_tz=BERLIN, cadence_weeks=2, sessions=6)
    again = propose(window=WINDOW, zones=(BERLIN, BERLIN), pair_tz=BERLIN, cadence_weeks=2, sessions=6,
                    avoid=tuple(first), offset=1)
    assert len(again) == 3
    seen = {(s.local(BERLIN).weekday(), s.local(BERLIN).time()) for s in first}
    assert not seen & {(s.local(BERLIN).weekday(), s.local(BERLIN).time()) for s in again}


def _expand(ics: bytes) -> tuple[icalendar.Event, list[datetime]]:
    cal = icalendar.Calendar.from_ical(ics)
    [event] = cal.walk("VEVENT")
    start = event.decoded("DTSTART")
    rule = rrulestr(event["RRULE"].to_ical().decode(), dtstart=start)
    return event, list(rule)


def test_the_invitation_parses_and_recurs_at_the_right_times_in_both_zones_across_dst():
    slot = Slot(utc(2026, 10, 12, 13, 0))  # Mon 12 Oct, 15:00 Berlin (CEST), 09:00 New York (EDT)
    ics = invitation(slot, pair_tz=BERLIN, cadence_weeks=1, sessions=12, uid="pair-7@mentoring",
                     summary="Reverse mentoring session", description="Your regular session.",
                     stamp=utc(2026, 10, 7, 12, 0))
    event, starts = _expand(ics)
    cal = icalendar.Calendar.from_ical(ics)
    assert [tz["TZID"] for tz in cal.walk("VTIMEZONE")] == [BERLIN]
    assert str(event["UID"]) == "pair-7@mentoring" and str(event["SUMMARY"]) == "Reverse mentoring session"
    assert event["RRULE"]["FREQ"] == ["WEEKLY"] and event["RRULE"]["COUNT"] == [12]
    assert event.decoded("DTEND") - event.decoded("DTSTART") == timedelta(minutes=45)
    assert len(starts) == 12
    berlin = [s.astimezone(ZoneInfo(BERLIN)).strftime("%d %b %H:%M") for s in starts[:4]]
    new_york = [s.astimezone(ZoneInfo(NEW_YORK)).strftime("%d %b %H:%M") for s in starts[:4]]
    assert berlin == ["12 Oct 15:00", "19 Oct 15:00", "26 Oct 15:00", "02 Nov 15:00"]
    # New York: 09:00, then 10:00 in the week Berlin has changed and New York hasn't, then 09:00.
    assert new_york == ["12 Oct 09:00", "19 Oct 09:00", "26 Oct 10:00", "02 Nov 09:00"]
    assert [s.astimezone(UTC).hour for s in starts[:4]] == [13, 13, 14, 14]


def test_an_every_two_weeks_invitation():
    slot = Slot(utc(2026, 10, 21, 14, 0))  # Wed 21 Oct, 10:00 New York (EDT)
    ics = invitation(slot, pair_tz=NEW_YORK, cadence_weeks=2, sessions=6, uid="pair-8@mentoring",
                     summary="s", description="d", stamp=utc(2026, 10, 7))
    event, starts = _expand(ics)
    assert event["RRULE"]["INTERVAL"] == [2] and len(starts) == 6
    assert [s.astimezone(UTC) for s in starts[:2]] == [utc(2026, 10, 21, 14, 0), utc(2026, 11, 4, 15, 0)]  # EDT, EST
    assert all(s.astimezone(ZoneInfo(NEW_YORK)).time() == time(10, 0) for s in starts)
    assert [s.astimezone(ZoneInfo(BERLIN)).strftime("%H:%M") for s in starts[:2]] == ["16:00", "16:00"]
