"""Builders for the check-in modal and the end-of-program survey (the same modal, kind "final").
Pure functions."""

from __future__ import annotations

from bot.blocks.common import context, esc, input_block, modal, option, plain, section, text_input
from bot.domain.catalog import MAX_CHECKIN_TEXT
from bot.services.errors import (
    Garbled,
    NotInPair,
    NotSignedUp,
    NotStarted,
    PairEnded,
    PairNotFound,
    Refusal,
)
from bot.slack.ids import COMMAND, CheckinBlock, Sub, View, checkin_button_value
from storage.models import CHECKIN_FINAL, GOAL_MENTEE

YES, NO, MAYBE = "yes", "no", "maybe"
MET_OPTIONS = {YES: "Yes, we met", NO: "Not this time"}
MET_AT_ALL = {YES: "Yes, we met", NO: "No, we didn't get to meet"}
USEFULNESS = {"1": "1 · Not much", "2": "2", "3": "3 · Somewhat", "4": "4", "5": "5 · Very useful"}
PROGRESS = {"not_started": "Not started", "some": "Some progress", "on_track": "On track", "done": "Done"}
RECOMMEND = {YES: "Yes", MAYBE: "Maybe", NO: "No"}
KEEP_MEETING = {YES: "Yes, we'll keep meeting", MAYBE: "Maybe, now and then", NO: "No, this was it"}


def _options(choices: dict[str, str]) -> list[dict]:
    return [option(label, key) for key, label in choices.items()]


def _choice(kind: str, choices: dict[str, str], initial: str | None = None, *,
            placeholder: str | None = None) -> dict:
    opts = _options(choices)
    el: dict = {"type": kind, "options": opts}
    if placeholder:
        el["placeholder"] = plain(placeholder)
    if initial in choices:
        el["initial_option"] = opts[list(choices).index(initial)]
    return el


SHARE = "share"
SHARE_LABEL = "Share this with the program team"


def _share_box(checked: bool) -> dict:
    opt = option(SHARE_LABEL, SHARE)
    el: dict = {"type": "checkboxes", "options": [opt]}
    if checked:
        el["initial_options"] = [opt]
    return el


def _yes_no(value: bool | None) -> str | None:
    return None if value is None else (YES if value else NO)


def build_checkin_modal(*, pair_id: int, cycle: int, kind: str, partner_name: str, goals: list,
                        existing=None, period: str = "this week") -> dict:
    """The check-in (or final survey) for one person, prefilled with `existing` (a CheckIn)."""
    final = kind == CHECKIN_FINAL
    e = existing
    progress = (e.goal_progress if e is not None else None) or {}
    if final:
        intro = ("*The program is wrapping up.* A few questions about how it went: your answers "
                 "help shape the next one. What you write stays between you and your partner: the "
                 "program team sees figures and choices, never your words, unless you share a blocker.")
    else:
        intro = (f"*How is it going with {esc(partner_name)}?* Two minutes, and it helps you both "
                 "keep momentum. What you write stays in your pair: the program team sees figures "
                 "(did you meet, how useful), never your words, unless you share a blocker with them.")
    if e is not None:
        intro += "\n_You've answered this one already: change anything and send it again._"
    met = _yes_no(e.met if e else None)
    if final:  # the whole program, not the last week; "overall" below asks how useful it was
        asked = [input_block(CheckinBlock.MET, f"Did you and {partner_name} meet during the program?"[:150],
                             _choice("radio_buttons", MET_AT_ALL, met))]
    else:
        asked = [
            input_block(CheckinBlock.MET, f"Did you and {partner_name} meet {period}?"[:150],
                        _choice("radio_buttons", MET_OPTIONS, met)),
            input_block(CheckinBlock.USEFULNESS, "How useful was it?",
                        _choice("radio_buttons", USEFULNESS, str(e.usefulness) if e and e.usefulness else None),
                        optional=True, hint="Skip it if you didn't meet, or would rather not say."),
        ]
    blocks = [
        section(intro),
        *asked,
        input_block(CheckinBlock.LEARNED, "What did you learn?" if not final else "What did you learn along the way?",
                    text_input(MAX_CHECKIN_TEXT, multiline=True, initial=e.learned if e else ""), optional=True),
        input_block(CheckinBlock.WILL_TRY, "What will you try before you next meet?" if not final
                    else "What will you keep doing after the program?",
                    text_input(MAX_CHECKIN_TEXT, multiline=True, initial=e.will_try if e else ""), optional=True),
        input_block(CheckinBlock.BLOCKERS, "Anything getting in the way?" if not final else "Anything that got in the way?",
                    text_input(MAX_CHECKIN_TEXT, multiline=True, initial=e.blockers if e else "", placeholder="Time, tools, anything at all"),
                    optional=True),
        input_block(CheckinBlock.SHARE_BLOCKER, "Want the program team's help with it?",
                    _share_box(bool(e and e.share_blocker)), optional=True,
                    hint="Only if you tick this do the program's admins see what you wrote above, with your name."),
    ]
    if goals:
        blocks.append(section("*Progress on your goals*"))
        for g in goals:
            prefix = "Goal" if g.role == GOAL_MENTEE else "Learning back"
            blocks.append(input_block(
                CheckinBlock.progress(g.id), f"{prefix}: {g.what}"[:150],
                _choice("static_select", PROGRESS, progress.get(str(g.id)), placeholder="Pick one"),
                optional=True,
            ))
    if final:
        blocks += [
            section("*Looking back on the whole program*"),
            input_block(CheckinBlock.OVERALL, "Overall, how useful was reverse mentoring for you?",
                        _choice("radio_buttons", USEFULNESS, str(e.overall_usefulness)
                                if e and e.overall_usefulness else None)),
            input_block(CheckinBlock.RECOMMEND, "Would you recommend reverse mentoring to a colleague?",
                        _choice("radio_buttons", RECOMMEND, e.recommend if e else None)),
            input_block(CheckinBlock.KEEP_MEETING, f"Will you and {partner_name} keep meeting informally?"[:150],
                        _choice("radio_buttons", KEEP_MEETING, e.keep_meeting if e else None)),
        ]
    else:
        blocks.append(context(f"Check-in for session {cycle}."))
    return modal(View.CHECKIN, "Final survey" if final else "Check-in", blocks, submit="Send",
                 private_metadata=checkin_button_value(pair_id, cycle, kind))


def build_checkin_thanks(*, name: str | None, kind: str, met: bool, updated: bool, weekly: bool) -> str:
    who = f"Thanks, {esc(name.split()[0])}" if name and name.split() else "Thanks"
    if kind == CHECKIN_FINAL:
        if updated:
            return f"{who}: I've updated your final survey."
        return (f"{who}: that's your final survey in. Thank you for giving reverse mentoring "
                "your time; I hope the conversations carry on.")
    if updated:
        return f"{who}: I've updated your check-in."
    if not met:
        return (f"{who}, noted. Finding the time is the hardest part: the next nudge will come "
                "with a topic ready to go.")
    return f"{who}, noted. " + ("See you next week." if weekly else "See you at the next check-in.")


# --- refusals -----------------------------------------------------------------------------

GARBLED = ("That check-in button doesn't look right, so I can't open it. The next prompt in "
           "your pair's DM will have a fresh one.")
OTHER_PAIR = "This check-in belongs to another pair, so I can't open it for you."
PAIR_GONE = "I couldn't find the pair this check-in is for; it may have been removed."
NOT_IN_PROGRAM = (f"You're no longer in the program, so there's no check-in to fill in. `{COMMAND} {Sub.JOIN}` "
                  "if you'd like to come back.")
PAIR_ENDED = "This pairing has ended, so its check-ins are closed. Thank you for the time you gave it."
NOT_STARTED = ("That session hasn't started yet, so there's nothing to report about it. The check-in "
               "comes to your pair's DM at the end of the session.")

_REFUSALS = {Garbled: GARBLED, NotInPair: OTHER_PAIR, PairNotFound: PAIR_GONE, NotSignedUp: NOT_IN_PROGRAM,
             PairEnded: PAIR_ENDED, NotStarted: NOT_STARTED}


def refusal(e: Refusal) -> str:
    """Why the check-in can't be opened or saved."""
    return _REFUSALS[type(e)]
