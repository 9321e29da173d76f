"""What a pair is told about meeting: how often (its cadence) and, later, when (suggested slots
and the calendar invitation). Pure builders; the intro (bot/blocks/rounds.py) adds these blocks."""

from __future__ import annotations

from bot.blocks.common import Block, section, user
from bot.domain.schedule import FREQUENCY_WEEKS
from bot.domain.slots import Slot


def every(cadence_weeks: int) -> str:
    return {1: "every week", 2: "every two weeks"}.get(cadence_weeks, f"every {cadence_weeks} weeks")


def cadence_section(*, cadence_weeks: int, program_fixed: bool, choices: tuple[str | None, ...]) -> Block:
    """How often the pair meets, and why: the program's pace, or the two people's choices."""
    rhythm = every(cadence_weeks).capitalize()
    if program_fixed:
        why = "that's the pace your program runs at."
    else:
        weeks = {FREQUENCY_WEEKS.get(c or "", 1) for c in choices}
        why = ("that's what you both chose when you signed up." if len(weeks) == 1 else
               "the slower of the two choices you made when you signed up, so it suits you both.")
    return section(f"*How often you'll meet*\n{rhythm}: {why} I'll nudge you at the start of each "
                   "session with a topic, and ask how it went at the end.")


def _day(t) -> str:
    return f"{t:%a} {t.day} {t:%b}"


def _span(slot: Slot, tz: str) -> str:
    a, b = slot.local(tz), slot.end.astimezone(slot.local(tz).tzinfo)
    return f"{_day(a)}, {a:%H:%M}–{b:%H:%M}"


def _city(tz: str) -> str:
    return tz.rsplit("/", 1)[-1].replace("_", " ")


def slot_lines(slots: list[Slot], people: list[tuple[str, str]]) -> list[str]:
    """One line per slot, in each person's own time zone (`people`: (user ID, IANA zone))."""
    zones = {tz for _, tz in people}
    if len(zones) == 1:
        tz = next(iter(zones))
        return [f"• {_span(s, tz)} ({_city(tz)} time, for you both)" for s in slots]
    return ["• " + " · ".join(f"{user(u)}: {_span(s, tz)} ({_city(tz)})" for u, tz in people) for s in slots]


def slots_section(*, slots: list[Slot], people: list[tuple[str, str]], cadence_weeks: int,
                  sessions: int, invitation: bool, again: bool = False) -> Block:
    """Three concrete times inside both working days (or why there are none), and what the
    attached invitation is."""
    if not slots:
        return section("*When to meet*\nYour working days (9:00–17:00 where each of you is) don't overlap "
                       "enough for a 45-minute session, so I can't suggest a time inside both. Agree one "
                       "here: a time at the edge of one of your days usually works best.")
    lines = "\n".join(slot_lines(slots, people))
    if again:
        text = ("*Three new times to try*\nIt sounds like the last two sessions didn't happen, which is "
                "common: finding the time is the hard part. Each of these is inside both your working days "
                f"(9:00–17:00 where each of you is), this session and the ones after:\n{lines}\n"
                "Pick one now and put it in both calendars.")
        return section(text)
    text = ("*Three times that suit you both*\nEach is inside both your working days (9:00–17:00 where each "
            f"of you is) for every session, daylight-saving changes included:\n{lines}")
    if invitation:
        text += (f"\nThe calendar invitation below is the first of these, {every(cadence_weeks)} for your "
                 f"{sessions} sessions: open it to add it to any calendar, then move it if another time "
                 "suits you better.")
    return section(text)


def invitation_comment(*, slot: Slot, tz: str, cadence_weeks: int, sessions: int) -> str:
    return (f"Your sessions in one calendar invitation: {_span(slot, tz)} ({_city(tz)} time), "
            f"{every(cadence_weeks)}, {sessions} times. Open the file to add it to Google Calendar, Outlook "
            "or Apple Calendar; each of you sees it in your own time zone.")


INVITATION_SUMMARY = "Reverse mentoring session"
INVITATION_DESCRIPTION = ("Your regular reverse-mentoring session. Before each one, look in your Slack "
                          "conversation with the bot for the suggested topic, and check in afterwards.")
