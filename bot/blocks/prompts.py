"""The program's scheduled messages: pure builders returning {"text", "blocks"}.

Posted by the dispatcher (bot/delivery/dispatcher.py) into a pair's group DM, and the weekly digest
into the admin channel. Every check-in ask carries the check-in button, because a prompt that
was missed is never sent late: the next message has to carry the ask.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from bot.blocks.common import actions, button, context, count, people, section, truncate, user
from bot.domain.topics import Topic
from bot.slack.ids import COMMAND, Action, Sub, checkin_button_value

CHECKIN = "checkin"
FINAL = "final"

MAX_SECTION_CHARS = 3000
MAX_MESSAGE_BLOCKS = 50


def _both(mentor: str, mentee: str) -> str:
    return f"{user(mentor)} and {user(mentee)}"


def _checkin_button(pair_id: int, cycle: int, kind: str, label: str) -> dict:
    return actions(button(label, Action.OPEN_CHECKIN, value=checkin_button_value(pair_id, cycle, kind),
                          style="primary"))


def nudge(*, mentor: str, mentee: str, cycle: int, n_cycles: int, topic: Topic) -> dict:
    """The start of a cycle: time to meet, with a suggested topic."""
    title = f"Session {cycle} of {n_cycles}"
    text = f"{title}: time to meet, {_both(mentor, mentee)}! Suggested topic: {topic.title}"
    blocks = [
        section(f"*{title}*: time to meet, {_both(mentor, mentee)}! :wave:"),
        section(f"*Suggested topic: {topic.title}*\n{topic.prompt}"),
        context("Pick a time that suits you both; any topic you'd rather cover is fine too. "
                f"Your goals are always at `{COMMAND} {Sub.GOALS}`."),
    ]
    return {"text": truncate(text, 3000), "blocks": blocks}


def feedback_prompt(*, pair_id: int, mentor: str, mentee: str, cycle: int, n_cycles: int) -> dict:
    """The end of a cycle: each person checks in (the button opens the modal for whoever clicks)."""
    text = (f"How did session {cycle} go, {_both(mentor, mentee)}? "
            "Each of you, please take a minute to check in.")
    blocks = [
        section(f"How did session {cycle} of {n_cycles} go, {_both(mentor, mentee)}?\n"
                "Each of you, please take a minute to check in: did you meet, how useful was it, "
                "and what did you take away? It helps you both keep track of your goals."),
        _checkin_button(pair_id, cycle, CHECKIN, "Check in"),
    ]
    return {"text": text, "blocks": blocks}


def reminder(*, pair_id: int, cycle: int, waiting_for: Sequence[str]) -> dict:
    """The one reminder, mentioning only the people who haven't checked in."""
    who = people(waiting_for)
    text = f"{who}, a gentle reminder to check in for session {cycle}; it takes a minute."
    blocks = [
        section(f"{who}, a gentle reminder: your check-in for session {cycle} is still open. "
                "It takes a minute, even if you didn't get to meet."),
        _checkin_button(pair_id, cycle, CHECKIN, "Check in"),
    ]
    return {"text": text, "blocks": blocks}


def final_survey(*, pair_id: int, mentor: str, mentee: str, cycle: int) -> dict:
    text = (f"That was your last session, {_both(mentor, mentee)}! "
            "Please each take the short final survey.")
    blocks = [
        section(f"That was your last session, {_both(mentor, mentee)}! :tada:\n"
                "Please each take the short final survey: how the program went for you, how far "
                "you got with your goals, and what you'd change for the next cohort."),
        _checkin_button(pair_id, cycle, FINAL, "Take the final survey"),
    ]
    return {"text": text, "blocks": blocks}


def survey_reminder(*, pair_id: int, cycle: int, waiting_for: Sequence[str]) -> dict:
    who = people(waiting_for)
    text = f"{who}, the final survey is still open; it takes two minutes."
    blocks = [
        section(f"{who}, the final survey is still open. Two minutes of your time helps us make "
                "the next program better."),
        _checkin_button(pair_id, cycle, FINAL, "Take the final survey"),
    ]
    return {"text": text, "blocks": blocks}


def closing(*, pair_id: int, mentor: str, mentee: str, cycle: int, survey_pending: Sequence[str]) -> dict:
    """The program is over. Carries the survey button while someone hasn't answered it."""
    text = (f"The program is complete. Thank you, {_both(mentor, mentee)}, "
            "for the time and openness you both brought!")
    blocks = [
        section(f"*The program is complete.* Thank you, {_both(mentor, mentee)}, for the time and "
                "openness you both brought to it. :pray:"),
        section("You're very welcome to keep meeting informally, as often as suits you both: this "
                "conversation stays open. You're both back in the pool, so the next matching round can "
                "pair you with someone new; there's nothing you need to do. If you'd rather sit it out, "
                f"`{COMMAND} {Sub.PAUSE}` takes a break and `{COMMAND} {Sub.LEAVE}` leaves the program."),
    ]
    if survey_pending:
        blocks.append(section(f"{people(survey_pending)}, there's still time for the final survey:"))
        blocks.append(_checkin_button(pair_id, cycle, FINAL, "Take the final survey"))
    return {"text": text, "blocks": blocks}


# --- the admins' weekly digest ----------------------------------------------------------------

@dataclass(frozen=True)
class QuietPair:
    mentor: str
    mentee: str
    cycles: int  # consecutive completed cycles with no meeting reported
    last_met: date | None


def _fmt_date(d: date) -> str:
    return f"{d.day} {d:%b %Y}"


def quiet_line(q: QuietPair) -> str:
    last = _fmt_date(q.last_met) if q.last_met else "never"
    return (f"{user(q.mentor)} & {user(q.mentee)}: no meeting reported for the last "
            f"{count(q.cycles, 'session')} (last met: {last})")


def digest(*, quiet: Sequence[QuietPair], counted: int, paused: int, quiet_cycles: int) -> dict:
    """Pairs with no meeting reported for `quiet_cycles` completed cycles, for the admin channel.

    `counted`: pairs that have completed enough cycles to be judged; `paused`: pairs left out
    because someone in them is paused. Long lists are split into sections of at most 3,000
    characters, within Slack's 50 blocks, and summarised beyond ("…and N more").
    """
    span = "session" if quiet_cycles == 1 else f"{quiet_cycles} sessions"
    notes = []
    if paused:
        notes.append(f"{paused} paused {'pair is' if paused == 1 else 'pairs are'} not counted.")
    if not quiet:
        who = "the 1 pair tracked so far" if counted == 1 else f"All {counted} pairs"
        text = f"Weekly check: {who} met in the last {span}. :white_check_mark:"
        blocks = [section(text)]
        if notes:
            blocks.append(context(" ".join(notes)))
        return {"text": text, "blocks": blocks}

    n = len(quiet)
    gone = f"{n} of {count(counted, 'pair')} {'has' if n == 1 else 'have'} gone quiet"
    head = (f"*Weekly check: {gone}* (no meeting reported in the last {span}). A friendly word from you often "
            f"gets {'it' if n == 1 else 'them'} going again:")
    text = f"Weekly check: {gone}."
    footer = context(" ".join([*notes, "Pairs are listed longest-quiet first."]))
    blocks: list[dict] = [section(head)]
    # Room for the header, the footer and a possible "…and N more" line.
    room = MAX_MESSAGE_BLOCKS - 3
    chunk: list[str] = []
    size = 0
    shown = 0
    for q in quiet:
        line = "• " + quiet_line(q)
        if chunk and size + len(line) + 1 > MAX_SECTION_CHARS:
            if len(blocks) >= room:  # no room for the section after this one
                break
            blocks.append(section("\n".join(chunk)))
            chunk, size = [], 0
        chunk.append(line)
        size += len(line) + 1
        shown += 1
    if chunk:
        blocks.append(section("\n".join(chunk)))
    if shown < n:
        blocks.append(section(f"…and {n - shown} more."))
    blocks.append(footer)
    return {"text": text, "blocks": blocks}
