"""Meeting times a pair can use without a calendar account: concrete slots inside both people's
working hours, and the recurring invitation (.ics) for one of them.

Working hours are 09:00-17:00, Monday to Friday, in each person's own zone (as matching reads
them: bot/domain/matching/model.py WORK_DAY_MINUTES). A slot is a start instant and a length; it
is *good* for a pair when, at every one of the pair's sessions, it sits inside both people's
working hours on a weekday where each of them is. Sessions repeat at the same wall time in the
pair's zone (the mentee's: the zone the .ics names), `cadence_weeks` apart, so a slot that is
inside working hours in October is checked again after each daylight-saving change the program
crosses (Berlin and New York change a week apart: a 16:00 Berlin slot is 10:00 in New York for
that week, 09:00 before and after).

`propose(...)` is pure: three slots on different days of the window (the pair's first cycle for
an intro, or the cycle under way for a nudge), spread over the morning and the afternoon; none
when the two working days don't overlap long enough. `invitation(...)` builds the .ics with the
`icalendar` library: one VEVENT with an RRULE (WEEKLY, INTERVAL = cadence, COUNT = sessions), its
DTSTART in the pair's zone with the matching VTIMEZONE, so any calendar shows each person their
own local time, DST included.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from functools import lru_cache

import icalendar

from bot.domain.timezones import zone

WORK_START = time(9, 0)
WORK_END = time(17, 0)
SESSION_MINUTES = 45
STEP = timedelta(minutes=30)
PREFERRED = (time(10, 0), time(14, 0), time(11, 30))  # a morning, an afternoon, a late morning
PRODID = "-//Reverse Mentoring for Slack//Meeting invitation//EN"


@dataclass(frozen=True)
class Slot:
    start: datetime  # aware UTC
    minutes: int = SESSION_MINUTES

    @property
    def end(self) -> datetime:
        return self.start + timedelta(minutes=self.minutes)

    def local(self, tz: str) -> datetime:
        return self.start.astimezone(zone(tz))


def _inside(start: datetime, end: datetime, tz: str) -> bool:
    z = zone(tz)
    a, b = start.astimezone(z), end.astimezone(z)
    return (a.weekday() < 5 and a.date() == b.date()
            and a.time() >= WORK_START and b.time() <= WORK_END)


def recurrences(start: datetime, *, pair_tz: str, cadence_weeks: int, sessions: int) -> list[datetime]:
    """The session starts (UTC) of a slot repeated at the same wall time in the pair's zone."""
    z = zone(pair_tz)
    wall = start.astimezone(z).replace(tzinfo=None)
    out = []
    for i in range(sessions):
        w = wall + timedelta(weeks=i * cadence_weeks)
        out.append(w.replace(tzinfo=z, fold=0).astimezone(UTC))
    return out


def good_for(start: datetime, *, zones: tuple[str, ...], pair_tz: str, cadence_weeks: int, sessions: int,
             minutes: int = SESSION_MINUTES) -> bool:
    """Inside every person's working hours at every session."""
    return all(_inside(t, t + timedelta(minutes=minutes), tz)
               for t in recurrences(start, pair_tz=pair_tz, cadence_weeks=cadence_weeks, sessions=sessions)
               for tz in zones)


def propose(*, window: tuple[datetime, datetime], zones: tuple[str, ...], pair_tz: str, cadence_weeks: int,
            sessions: int, count: int = 3, minutes: int = SESSION_MINUTES, avoid: tuple[Slot, ...] = (),
            offset: int = 0) -> list[Slot]:
    return list(_propose(tuple(window), tuple(zones), pair_tz, cadence_weeks, sessions, count, minutes,
                         tuple(avoid), offset))


@lru_cache(maxsize=1024)  # a round's pairs share a few zones and the same first week
def _propose(window: tuple[datetime, datetime], zones: tuple[str, ...], pair_tz: str, cadence_weeks: int,
             sessions: int, count: int, minutes: int, avoid: tuple[Slot, ...], offset: int) -> tuple[Slot, ...]:
    """Up to `count` good slots starting inside `window` (aware instants), each on its own day
    (a day in the pair's zone), every other day when the window allows, nearest to a morning, an
    afternoon and a late-morning time in turn (`offset` rotates which comes first). A slot at the
    same weekday and wall time as one in `avoid` is not offered again."""
    z = zone(pair_tz)
    lo, hi = window[0].astimezone(UTC), window[1].astimezone(UTC)
    avoided = {(s.local(pair_tz).weekday(), s.local(pair_tz).time()) for s in avoid}
    first = lo.replace(minute=0, second=0, microsecond=0)
    by_day: dict = {}
    t = first
    while t < hi:
        if t >= lo and good_for(t, zones=zones, pair_tz=pair_tz, cadence_weeks=cadence_weeks,
                                sessions=sessions, minutes=minutes):
            local = t.astimezone(z)
            if (local.weekday(), local.time().replace(tzinfo=None)) not in avoided:
                by_day.setdefault(local.date(), []).append(t)
        t += STEP
    days = sorted(by_day)
    chosen_days = days[::2][:count]
    for d in days:
        if len(chosen_days) >= count:
            break
        if d not in chosen_days:
            chosen_days.append(d)
    out = []
    for i, d in enumerate(sorted(chosen_days)):
        want = PREFERRED[(i + offset) % len(PREFERRED)]
        target = datetime.combine(d, want)
        best = min(by_day[d], key=lambda c: (abs(c.astimezone(z).replace(tzinfo=None) - target), c))
        out.append(Slot(best, minutes))
    return tuple(out)


def invitation(slot: Slot, *, pair_tz: str, cadence_weeks: int, sessions: int, uid: str, summary: str,
               description: str, stamp: datetime) -> bytes:
    """The recurring invitation for `slot`, as .ics bytes. `uid` must be stable for the pair, so
    that importing the file twice updates one series instead of adding a second; `stamp` is when
    it was made (DTSTAMP)."""
    z = zone(pair_tz)
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    event = icalendar.Event()
    event.add("uid", uid)
    event.add("dtstamp", stamp.astimezone(UTC))
    event.add("dtstart", slot.start.astimezone(z))
    event.add("dtend", slot.end.astimezone(z))
    event.add("rrule", {"freq": "weekly", "interval": cadence_weeks, "count": sessions})
    event.add("summary", summary)
    event.add("description", description)
    event.add("transp", "OPAQUE")
    cal.add_component(event)
    cal.add_missing_timezones()
    return cal.to_ical()
