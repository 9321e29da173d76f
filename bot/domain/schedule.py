"""When each message of a pair's program is due: a pure function of (rhythm, anchor, zone, now).

The dispatcher asks `due(rhythm, anchor=pair.introduced_at, tz=mentee_tz, now=now)` every
minute or so, ledgers each returned occurrence under (pair, kind, cycle) and sends it. Nothing
here reads the clock or the database; the same inputs always give the same answer.

All slots are wall-clock times in the pair's zone (the mentee's IANA zone), so "Monday 10:00"
stays 10:00 local across daylight-saving changes. Local wall times are turned into UTC with
`zoneinfo` using fold=0: an ambiguous time (clocks going back) is the *first* of the two
instants, and a nonexistent time (clocks going forward) is shifted forward by the gap
(01:30 on a day that jumps 01:00 -> 02:00 becomes 02:30 local).

The rules
---------
Cycles
    A cycle lasts `cadence_weeks` weeks. Cycle 1 starts at the first nudge slot strictly after
    the anchor (introduced on a Wednesday -> the next Monday 10:00 local; introduced on a
    Monday at 09:00 -> that same Monday at 10:00). Cycle k starts `(k-1) * cadence_weeks`
    weeks later, at the same local wall time. There are
    `n_cycles = ceil(length_weeks / cadence_weeks)` cycles (12 weekly, 6 biweekly) and the
    program ends where cycle n+1 would start. Every occurrence carries a cycle in 1..n.

Per cycle k, with N(k) = the cycle's nudge instant and N(k+1) = the next cycle's start:
    nudge     due N(k); stale 2 days later (same local time) or at the cycle's feedback
              prompt if that comes first. A Monday 10:00 nudge is still sent on Tuesday,
              but not on Wednesday 10:00 or later.
    feedback  due F(k) = the *last* feedback slot strictly between N(k) and N(k+1), i.e. at
              the end of the cycle. Weekly, that is simply the first feedback slot after the
              nudge (Monday nudge -> Friday 15:00). Biweekly, it is Friday of the second week,
              so the pair is asked how the session went after they have had the whole cycle
              to meet. Stale at the cycle's reminder, or at N(k+1) when there is no reminder.
    reminder  due `reminder_after_days` days after F(k), same local time (Friday 15:00 ->
              Sunday 15:00); stale at N(k+1). Omitted when `reminder_after_days` < 1 or when
              it would not fall before N(k+1). Who is reminded (only people who have not
              checked in) is for the dispatcher to decide.

The last cycle (k = n) ends the program instead:
    nudge           as usual.
    final_survey    replaces that cycle's feedback prompt: due F(n); stale at its reminder
                    (or at the closing message when there is none).
    survey_reminder the final survey's one reminder, same rule as `reminder`, stale at the
                    closing message.
    closing         due N(n+1), the moment the program ends (the Monday 10:00 after the
                    final survey, weekly); stale 7 days later.

So a weekly 12-week program is 12 nudges, 11 feedback prompts, 11 reminders, one final
survey, one survey reminder and one closing message: 37 occurrences.

The windows [at, stale_at) of one pair never overlap, so at most one occurrence is due for a
pair at any instant, and a dispatcher that was down for a weekend never bursts a backlog
into a group DM: a prompt that was missed goes stale and the next message carries the ask
(a reminder or the closing message should therefore include the check-in / survey button).

Pauses extend the program
    `pauses` is the pair's breaks, as [start, end) UTC spans (start None: since always; end None:
    until resumed by hand). Cycles are counted in *sessions*, laid out on calendar *slots*
    (slot s starts `(s-1) * cadence_weeks` weeks after slot 1): a slot whose nudge instant falls
    in a pause is missed, not spent. It has no occurrence at all, and session k moves to the next
    slot that isn't paused. So a pair that paused over two weekly nudges gets "Session 3 of 12"
    with the third topic after its break, and its program ends two weeks later. A pause that
    begins after a session's nudge doesn't give the session back (its nudge went out); the
    occurrences of a session that fall in a pause are skipped: neither due nor stale, listed by
    `skipped()` for the ledger. The extension is capped at MAX_EXTENSION (a pair away for longer
    has its remaining sessions laid out regardless, each skipped while paused, so that its
    program ends). A pause whose start is unknown (None: recorded before pauses had one) skips
    what falls in it but moves nothing, since it can't tell which sessions it covered.
    Spans in the past never change (a pause starts now and ends now or later), so where each
    session sits is settled once its nudge is due: an occurrence's (kind, session, slot) is a
    stable ledger key.

`parse_pause()` turns "2w", "10 days", "until 2026-12-31" and similar into the date the pause
ends: the first day the pair is active again.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from bot.domain.timezones import valid_zone, zone

NUDGE = "nudge"
FEEDBACK = "feedback"
REMINDER = "reminder"
FINAL_SURVEY = "final_survey"
SURVEY_REMINDER = "survey_reminder"
CLOSING = "closing"
KINDS = (NUDGE, FEEDBACK, REMINDER, FINAL_SURVEY, SURVEY_REMINDER, CLOSING)

NUDGE_GRACE = timedelta(days=2)  # a Monday nudge is still worth sending on Tuesday, not Wednesday
CLOSING_GRACE = timedelta(days=7)
MAX_PAUSE = timedelta(weeks=26)
MAX_EXTENSION = timedelta(weeks=52)  # the most a program's end moves out for pauses

# A break: [start, end) as aware UTC instants; start None: since always; end None: open-ended.
Pause = tuple[datetime | None, datetime | None]

_WEEK = timedelta(weeks=1)


def parse_time(value: time | str) -> time:
    """A time of day from a `time` or an "HH:MM" string; ValueError otherwise."""
    if isinstance(value, time):
        return value.replace(tzinfo=None)
    m = re.fullmatch(r"\s*([0-9]{1,2}):([0-9]{2})\s*", str(value))
    if not m or int(m.group(1)) > 23 or int(m.group(2)) > 59:
        raise ValueError(f"not a time of day (HH:MM): {value!r}")
    return time(int(m.group(1)), int(m.group(2)))


@dataclass(frozen=True)
class Rhythm:
    """A program's timetable. Weekdays are 0 = Monday .. 6 = Sunday; times are local wall times.

    Times may be given as `datetime.time` or as "HH:MM" strings (as stored in ProgramSettings);
    they are normalised to `time`. Invalid values raise ValueError.
    """

    length_weeks: int = 12
    cadence_weeks: int = 1
    nudge_weekday: int = 0
    nudge_time: time = time(10, 0)
    feedback_weekday: int = 4
    feedback_time: time = time(15, 0)
    reminder_after_days: int = 2

    def __post_init__(self) -> None:
        object.__setattr__(self, "nudge_time", parse_time(self.nudge_time))
        object.__setattr__(self, "feedback_time", parse_time(self.feedback_time))
        if not 1 <= self.length_weeks <= 104:
            raise ValueError("length_weeks must be between 1 and 104")
        if not 1 <= self.cadence_weeks <= 4:
            raise ValueError("cadence_weeks must be between 1 and 4")
        for name in ("nudge_weekday", "feedback_weekday"):
            if not 0 <= getattr(self, name) <= 6:
                raise ValueError(f"{name} must be 0 (Monday) to 6 (Sunday)")
        if (self.nudge_weekday, self.nudge_time) == (self.feedback_weekday, self.feedback_time):
            raise ValueError(
                "the feedback prompt cannot be at the same weekday and time as the nudge"
            )
        if self.reminder_after_days < 0:
            raise ValueError("reminder_after_days cannot be negative")

    @classmethod
    def from_settings(cls, settings: object | None) -> Rhythm:
        """From a `storage.models.ProgramSettings` row (or anything with those attributes);
        None or missing attributes mean the defaults."""
        if settings is None:
            return cls()
        default = cls()
        values = {
            name: getattr(settings, name, getattr(default, name))
            for name in (
                "length_weeks",
                "cadence_weeks",
                "nudge_weekday",
                "nudge_time",
                "feedback_weekday",
                "feedback_time",
                "reminder_after_days",
            )
        }
        if values["cadence_weeks"] == 0:  # each pair's own: the program's rhythm is weekly
            values["cadence_weeks"] = 1
        return cls(**values)

    def for_pair(self, cadence_weeks: int | None) -> Rhythm:
        """The same rhythm at the pair's own cadence (None: the program's)."""
        if not cadence_weeks or cadence_weeks == self.cadence_weeks:
            return self
        return replace(self, cadence_weeks=cadence_weeks)


FREQUENCY_WEEKS = {"weekly": 1, "biweekly": 2}  # a person's "How often?" choice, in weeks


def pair_cadence(program_cadence: int | None, *frequencies: str | None) -> int:
    """A pair's cadence in weeks: the program's when it fixes one (1 to 4), otherwise the slower
    of the two people's choices (weekly for a choice we don't know)."""
    if program_cadence and 1 <= program_cadence <= 4:
        return program_cadence
    return max([FREQUENCY_WEEKS.get(f or "", 1) for f in frequencies] or [1])


@dataclass(frozen=True)
class Occurrence:
    kind: str  # one of KINDS
    cycle: int  # the session, 1..n_cycles; final_survey, survey_reminder and closing carry n_cycles
    at: datetime  # aware UTC instant when it is due
    stale_at: datetime  # aware UTC instant from which it is no longer worth sending
    local: datetime  # `at` in the pair's zone
    slot: int = 0  # the calendar slot the session sits in (== cycle when no pause moved it)

    @property
    def key(self) -> str:
        """A ledger-friendly suffix: 'nudge:3'."""
        return f"{self.kind}:{self.cycle}"


def n_cycles(r: Rhythm) -> int:
    return math.ceil(r.length_weeks / r.cadence_weeks)


def _aware(value: datetime, name: str) -> datetime:
    if not isinstance(value, datetime) or value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be a timezone-aware datetime")
    return value.astimezone(UTC)


def _to_utc(wall: datetime, z: ZoneInfo) -> datetime:
    """Local wall time -> UTC. fold=0: ambiguous -> the earlier instant; nonexistent -> moved
    forward by the gap (zoneinfo applies the pre-transition offset)."""
    return wall.replace(tzinfo=z, fold=0).astimezone(UTC)


def _next_slot(after: datetime, weekday: int, at: time) -> datetime:
    """The first naive local datetime on `weekday` at `at` strictly after naive `after`."""
    days = (weekday - after.weekday()) % 7
    candidate = datetime.combine(after.date() + timedelta(days=days), at)
    if candidate <= after:
        candidate += _WEEK
    return candidate


def is_paused(pauses: tuple[Pause, ...], t: datetime) -> bool:
    """Whether instant `t` falls in one of the spans."""
    return any((start is None or t >= start) and (end is None or t < end) for start, end in pauses)


def normalise_pauses(pauses) -> tuple[Pause, ...]:
    out = []
    for start, end in pauses or ():
        start = None if start is None else _aware(start, "a pause's start")
        end = None if end is None else _aware(end, "a pause's end")
        if start is not None and end is not None and end <= start:
            continue
        out.append((start, end))
    return tuple(sorted(set(out), key=lambda p: (p[0] or datetime.min.replace(tzinfo=UTC), p[1] is None,
                                                 p[1] or datetime.min.replace(tzinfo=UTC))))


@lru_cache(maxsize=8192)
def _program(r: Rhythm, anchor: datetime, tz: str, pauses: tuple[Pause, ...] = ()) -> tuple[Occurrence, ...]:
    z = zone(tz)
    anchor_wall = anchor.astimezone(z).replace(tzinfo=None)
    first = _next_slot(anchor_wall, r.nudge_weekday, r.nudge_time)
    n = n_cycles(r)
    cadence = timedelta(weeks=r.cadence_weeks)
    max_slot = n + math.ceil(MAX_EXTENSION / cadence)
    movers = tuple(p for p in pauses if p[0] is not None)  # an unknown start can't say what it covered
    out: list[Occurrence] = []

    def add(kind: str, cycle: int, slot: int, wall: datetime, stale_at: datetime) -> datetime:
        at = _to_utc(wall, z)
        out.append(Occurrence(kind, cycle, at, stale_at, at.astimezone(z), slot))
        return at

    k = slot = 0
    while k < n:
        slot += 1
        nudge_wall = first + (slot - 1) * cadence
        if slot <= max_slot and movers and is_paused(movers, _to_utc(nudge_wall, z)):
            continue  # missed while paused: not spent
        k += 1
        next_wall = nudge_wall + cadence
        next_at = _to_utc(next_wall, z)
        # The last feedback slot strictly before the next cycle's nudge: the first one after
        # next_wall - 1 week. It is never next_wall itself (Rhythm rejects equal slots) and always
        # after this nudge (a cycle is at least a week long).
        feedback_wall = _next_slot(next_wall - _WEEK, r.feedback_weekday, r.feedback_time)
        feedback_at = _to_utc(feedback_wall, z)
        reminder_wall = feedback_wall + timedelta(days=r.reminder_after_days)
        has_reminder = r.reminder_after_days >= 1 and _to_utc(reminder_wall, z) < next_at
        last = k == n

        add(NUDGE, k, slot, nudge_wall, min(_to_utc(nudge_wall + NUDGE_GRACE, z), feedback_at))
        end_of_feedback = _to_utc(reminder_wall, z) if has_reminder else next_at
        add(FINAL_SURVEY if last else FEEDBACK, k, slot, feedback_wall, end_of_feedback)
        if has_reminder:
            add(SURVEY_REMINDER if last else REMINDER, k, slot, reminder_wall, next_at)
        if last:
            add(CLOSING, k, slot, next_wall, _to_utc(next_wall + CLOSING_GRACE, z))
    return tuple(out)


def _prog(r: Rhythm, anchor: datetime, tz: str, pauses) -> tuple[Occurrence, ...]:
    return _program(r, _aware(anchor, "anchor"), tz, normalise_pauses(pauses))


def occurrences(r: Rhythm, *, anchor: datetime, tz: str, pauses=()) -> list[Occurrence]:
    """The whole program for a pair, in time order (sessions moved out by `pauses`)."""
    return list(_prog(r, anchor, tz, pauses))


def bounds(r: Rhythm, *, anchor: datetime, tz: str, pauses=()) -> tuple[datetime, datetime]:
    """(start, end) as UTC instants: session 1's nudge and the closing message."""
    program = _prog(r, anchor, tz, pauses)
    return program[0].at, program[-1].at


def missed_slots(r: Rhythm, *, anchor: datetime, tz: str, pauses=()) -> int:
    """How many slots pauses took out of the pair's program: the cycles its end moved out by."""
    return _prog(r, anchor, tz, pauses)[-1].slot - n_cycles(r)


def due(
    r: Rhythm,
    *,
    anchor: datetime,
    tz: str,
    now: datetime,
    pauses=(),
) -> tuple[list[Occurrence], list[Occurrence]]:
    """(due_now, stale) at `now`: due when at <= now < stale_at, stale when now >= stale_at.

    Future occurrences are left out, as are past ones whose `at` falls in a pause."""
    now = _aware(now, "now")
    spans = normalise_pauses(pauses)
    due_now: list[Occurrence] = []
    stale: list[Occurrence] = []
    for occ in _program(r, _aware(anchor, "anchor"), tz, spans):
        if occ.at > now:
            break
        if spans and is_paused(spans, occ.at):
            continue
        (due_now if now < occ.stale_at else stale).append(occ)
    return due_now, stale


def skipped(r: Rhythm, *, anchor: datetime, tz: str, now: datetime, pauses=()) -> list[Occurrence]:
    """Past occurrences (at <= now) that a pause swallowed, for the ledger."""
    now = _aware(now, "now")
    spans = normalise_pauses(pauses)
    return [occ for occ in _program(r, _aware(anchor, "anchor"), tz, spans)
            if occ.at <= now and is_paused(spans, occ.at)]


def cycles_started(r: Rhythm, *, anchor: datetime, tz: str, now: datetime, pauses=()) -> int:
    """How many of the program's sessions have begun by `now` (their nudge is due): 0 before the
    first nudge, n_cycles once the last one has begun, and after the program ends."""
    now = _aware(now, "now")
    return sum(1 for occ in _prog(r, anchor, tz, pauses) if occ.kind == NUDGE and occ.at <= now)


def cycle_at(r: Rhythm, *, anchor: datetime, tz: str, now: datetime, pauses=()) -> int | None:
    """The session `now` falls in: k when nudge(k) <= now < nudge(k+1); None before session 1's
    nudge and from the end of the program (the closing message) on."""
    now = _aware(now, "now")
    current = None
    for occ in _prog(r, anchor, tz, pauses):
        if occ.at > now:
            break
        if occ.kind == NUDGE:
            current = occ.cycle
        elif occ.kind == CLOSING:
            return None
    return current


@dataclass(frozen=True)
class Progress:
    """A pair's program as it went out by `now` (bot/delivery/dispatcher.py sends exactly this):
    the sessions whose check-in was asked (their feedback prompt or final survey was due and not
    swallowed by a pause), how many sessions have begun and ended, and whether it is over."""

    asked: tuple[int, ...]
    started: int
    done: int
    over: bool
    asked_slots: tuple[int, ...] = ()  # the calendar slot of each asked session


def progress(r: Rhythm, *, anchor: datetime, tz: str, now: datetime, pauses=()) -> Progress:
    """Where the pair's program stands at `now`: a session is done once the next one has begun (the
    last one at the closing message)."""
    now = _aware(now, "now")
    spans = normalise_pauses(pauses)
    asked: list[int] = []
    slots_: list[int] = []
    started = 0
    for occ in _program(r, _aware(anchor, "anchor"), tz, spans):
        if occ.at > now:
            break
        if occ.kind == NUDGE:
            started = occ.cycle
        elif occ.kind in (FEEDBACK, FINAL_SURVEY):
            if not (spans and is_paused(spans, occ.at)):
                asked.append(occ.cycle)
                slots_.append(occ.slot)
        elif occ.kind == CLOSING:
            return Progress(tuple(asked), started, occ.cycle, True, tuple(slots_))
    return Progress(tuple(asked), started, max(0, started - 1), False, tuple(slots_))


def next_due(r: Rhythm, *, anchor: datetime, tz: str, now: datetime, pauses=()) -> Occurrence | None:
    """The pair's next message after `now` that a pause won't swallow (None: none, or none known
    while an open-ended pause holds the pair)."""
    now = _aware(now, "now")
    spans = normalise_pauses(pauses)
    return next((occ for occ in _program(r, _aware(anchor, "anchor"), tz, spans)
                 if occ.at > now and not (spans and is_paused(spans, occ.at))), None)


def pair_pauses(breaks, away, *, tz: str) -> tuple[Pause, ...]:
    """A pair's pauses as the dispatcher counts them: the breaks it finished, and the pause under
    way of each person on one, `away` = (paused_at, paused_until, their zone), from when it began
    until midnight of their first day back in their zone (the pair's `tz` when theirs is unknown)."""
    return (*breaks, *(current_pause(at, until, valid_zone(z) or tz) for at, until, z in away))


def current_pause(paused_at: datetime | None, paused_until: date | None, tz: str) -> Pause:
    """A person's pause as a span: from when it began until midnight of the first day back in
    their zone `tz` (or open-ended)."""
    end = None
    if paused_until is not None:
        end = datetime.combine(paused_until, time(0), tzinfo=zone(tz)).astimezone(UTC)
    return (paused_at, end)


# --- pauses -------------------------------------------------------------------------------

_UNITS = {
    "d": "days", "day": "days", "days": "days",
    "w": "weeks", "wk": "weeks", "wks": "weeks", "week": "weeks", "weeks": "weeks",
    "m": "months", "mo": "months", "month": "months", "months": "months",
}  # fmt: skip
_MONTHS = {
    name: i
    for i, names in enumerate(
        [
            ("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"),
            ("may",), ("jun", "june"), ("jul", "july"), ("aug", "august"),
            ("sep", "sept", "september"), ("oct", "october"), ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for name in names
}  # fmt: skip

_EXAMPLES = 'Try "2w", "10 days" or "until 2026-12-31".'


def _fmt(d: date) -> str:
    return f"{d.day} {d:%b %Y}"


def add_months(d: date, months: int) -> date:
    """The same day `months` later, or the month's last day when it is shorter (31 Jan + 1 -> 28 Feb)."""
    y, m = divmod(d.month - 1 + months, 12)
    year, month = d.year + y, m + 1
    for day in range(d.day, 27, -1):
        try:
            return date(year, month, day)
        except ValueError:
            continue
    return date(year, month, min(d.day, 28))


def _parse_date(text: str, today: date) -> date:
    m = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", text)
    if m:
        try:
            return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError:
            raise ValueError(f'"{text}" is not a real date. {_EXAMPLES}') from None
    m = re.fullmatch(r"(\d{1,2})(?:st|nd|rd|th)?\s+([a-z]+)\.?(?:,?\s+(\d{4}))?", text)
    if m:
        day, month_name, year = m.group(1), m.group(2), m.group(3)
    else:
        m = re.fullmatch(r"([a-z]+)\.?\s+(\d{1,2})(?:st|nd|rd|th)?(?:,?\s+(\d{4}))?", text)
        if not m:
            raise ValueError(f'I couldn\'t read "{text}" as a length or a date. {_EXAMPLES}')
        month_name, day, year = m.group(1), m.group(2), m.group(3)
    month = _MONTHS.get(month_name)
    if month is None:
        raise ValueError(f'"{month_name}" isn\'t a month I know. {_EXAMPLES}')
    if year is not None:
        try:
            return date(int(year), month, int(day))
        except ValueError:
            raise ValueError(f'"{text}" is not a real date.') from None
    # No year: the next such date after today.
    for y in (today.year, today.year + 1):
        try:
            candidate = date(y, month, int(day))
        except ValueError:
            continue
        if candidate > today:
            return candidate
    raise ValueError(f'"{text}" is not a real date. {_EXAMPLES}')


def parse_pause(text: str, *, today: date) -> date | None:
    """The first day the pair is active again, from what someone typed; None for empty text
    (pause until resumed by hand).

    Accepted: "3d", "2w", "1 week", "10 days", "2 weeks", "1 month" (a length from today);
    "until 2026-12-31", "until 31 Dec", "until Dec 31, 2026", or a bare date (the pause ends
    that day: the pair is active again on it). A date without a year is the next such date.
    Raises ValueError with a message fit to show the person: unreadable text, a date that is
    not after today, or an end more than 26 weeks away.
    """
    cleaned = " ".join((text or "").strip().lower().split())
    if not cleaned:
        return None
    m = re.fullmatch(r"(?:for\s+)?(\d{1,4}|a|an|one)\s*([a-z]+)", cleaned)
    if m and m.group(2) not in _UNITS and m.group(2) not in _MONTHS:
        raise ValueError(
            f'I don\'t know the unit "{m.group(2)}": use days, weeks or months. {_EXAMPLES}'
        )
    if m and m.group(2) in _UNITS:
        count = 1 if m.group(1) in ("a", "an", "one") else int(m.group(1))
        unit = _UNITS[m.group(2)]
        if count < 1:
            raise ValueError("A pause needs to last at least a day.")
        if unit == "months":
            end = add_months(today, min(count, 100))
        else:
            end = today + timedelta(**{unit: min(count, 10_000)})
    else:
        m = re.fullmatch(r"(?:until|till|til|to|back on)\s+(.+)", cleaned)
        end = _parse_date((m.group(1) if m else cleaned).strip(), today)
        if end <= today:
            raise ValueError(
                f'{_fmt(end)} is not in the future: give a date after today, or a length like "2w".'
            )
    if end - today > MAX_PAUSE:
        raise ValueError(
            f"That's until {_fmt(end)}, more than 26 weeks away. Pause for up to 26 weeks, "
            "or leave the program and rejoin later."
        )
    return end
