"""What a pair is told about meeting: how often (its cadence) and, later, when (suggested slots
and the calendar invitation). Pure builders; the intro (bot/blocks/rounds.py) adds these blocks."""

from __future__ import annotations

from bot.blocks.common import Block, section
from bot.domain.schedule import FREQUENCY_WEEKS


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
