"""Builders for goals: the goals modal (mentee and mentor versions) and the summary posted to
the pair's DM. Pure functions."""

from __future__ import annotations

from datetime import date

from bot.blocks.common import (
    actions,
    button,
    context,
    esc,
    input_block,
    modal,
    plain,
    section,
    text_input,
    user,
)
from bot.domain.catalog import (
    MAX_GOAL_MEASURE,
    MAX_GOAL_WHAT,
    MAX_GOAL_WHY,
    MAX_GOALS,
    MAX_LEARN_BACK,
)
from bot.services.errors import (
    HasLeft,
    NotInPair,
    NotMatched,
    NotSignedUp,
    PairEnded,
    PairNotFound,
    ProgramComplete,
    Refusal,
    RoleChanged,
)
from bot.slack.ids import COMMAND, Action, GoalBlock, Sub, View, goals_metadata
from storage.models import GOAL_MENTEE


def fmt_date(d: date) -> str:
    return f"{d:%A} {d.day} {d:%B} {d.year}"


def build_goals_modal(*, pair_id: int, role: str, partner_id: str, goals: list,
                      partner_goals: list | None = None) -> dict:
    """The goals modal for the person who opened it: the mentee's 1-3 goals, or the mentor's
    learn-back items; prefilled with `goals` (that role's Goal rows)."""
    by_slot = {g.position: g for g in goals}
    editing = bool(goals)
    if role == GOAL_MENTEE:
        blocks = [section(
            f"Set one to three goals for your time with {user(partner_id)}. Be specific: what you "
            "want to get better at, why it matters, how you'll know, and by when. I'll share them "
            "in your pair's DM and ask about progress at every check-in."
        )]
        for n in range(1, MAX_GOALS + 1):
            g = by_slot.get(n)
            date_el: dict = {"type": "datepicker", "placeholder": plain("Pick a date")}
            if g is not None and g.target_date:
                date_el["initial_date"] = g.target_date.isoformat()
            blocks.append(section(f"*Goal {n}*" + ("" if n == 1 else " (optional)")))
            blocks += [
                input_block(GoalBlock.slot(GoalBlock.WHAT, n), "What do you want to get better at?",
                            text_input(MAX_GOAL_WHAT, initial=g.what if g else "",
                                     placeholder="e.g. Use AI tools to draft my team updates"),
                            optional=n > 1),
                input_block(GoalBlock.slot(GoalBlock.WHY, n), "Why does it matter to you?",
                            text_input(MAX_GOAL_WHY, initial=g.why if g else "", multiline=True), optional=True),
                input_block(GoalBlock.slot(GoalBlock.MEASURE, n), "How will you know you've got there?",
                            text_input(MAX_GOAL_MEASURE, initial=g.measure if g else "",
                                     placeholder="e.g. I write one update a week with AI help"),
                            optional=True),
                input_block(GoalBlock.slot(GoalBlock.TARGET, n), "By when?", date_el, optional=True,
                            hint="Within the next 12 months."),
            ]
        if editing:
            blocks.append(context("Clearing a goal's fields removes that goal."))
        title = "Your goals"
    else:
        intro = (f"What would you like to learn back from {user(partner_id)}? Leadership, career, "
                 "how the organisation works: anything they know that you'd like to. "
                 "One to three short items; I'll share them in your pair's DM.")
        blocks = [section(intro)]
        if partner_goals:
            listed = "\n".join(f"{i}. {esc(g.what)}" for i, g in enumerate(partner_goals, 1))
            blocks.append(context(f"Their goals: {listed}"))
        for n in range(1, MAX_GOALS + 1):
            g = by_slot.get(n)
            blocks.append(input_block(
                GoalBlock.slot(GoalBlock.LEARN_BACK, n),
                "Something you'd like to learn" if n == 1 else "And another (optional)",
                text_input(MAX_LEARN_BACK, initial=g.what if g else "",
                         placeholder="e.g. How senior leaders make hiring decisions" if n == 1 else None),
                optional=n > 1,
            ))
        title = "Learning back"
    return modal(View.GOALS, title, blocks, submit="Save",
                 private_metadata=goals_metadata(pair_id, role))


def _goal_line(i: int, g) -> str:
    line = f"{i}. *{esc(g.what)}*"
    details = []
    if g.why:
        details.append(f"Why: {esc(g.why)}")
    if g.measure:
        details.append(f"Success looks like: {esc(g.measure)}")
    if g.target_date:
        details.append(f"By {fmt_date(g.target_date)}")
    if details:
        line += "\n" + "\n".join(f"      {d}" for d in details)
    return line


def build_goals_posted(*, pair_id: int, role: str, author_id: str, goals: list, updated: bool) -> dict:
    """The message posted to the pair's DM after someone saves their goals."""
    who = user(author_id)
    if role == GOAL_MENTEE:
        heading = f"{who} updated their goals" if updated else f"{who}'s goals for this program"
    else:
        heading = (f"{who} updated what they'd like to learn back" if updated
                   else f"What {who} would like to learn back")
    body = "\n".join(_goal_line(i, g) for i, g in enumerate(goals, 1))
    text = f"{heading}: " + "; ".join(esc(g.what) for g in goals)
    return {
        "text": text[:3000],
        "blocks": [
            section(f"*{heading}*\n{body}"),
            context("Each check-in asks how these are going. Goals can change as you learn: "
                    f"edit them any time with the button or `{COMMAND} {Sub.GOALS}`."),
            actions(button("Edit goals", Action.OPEN_GOALS, value=str(pair_id))),
        ],
    }


# --- refusals -----------------------------------------------------------------------------

NOT_MATCHED = ("You'll set goals once you're matched: your intro message with your partner "
               "will have a button for it.")
NOT_SIGNED_UP = f"You're not signed up yet. `{COMMAND} {Sub.JOIN}` takes a minute; goals come once you're matched."
HAS_LEFT = f"You've left the program, so there are no goals to set. `{COMMAND} {Sub.JOIN}` brings you back."
OTHER_PAIR = (f"These goals belong to another pair, so I can't open them for you. "
              f"`{COMMAND} {Sub.GOALS}` opens your own pair's goals.")
PAIR_GONE = f"I couldn't find that pair. `{COMMAND} {Sub.GOALS}` opens your current pair's goals."
PAIR_ENDED = "This pairing has ended, so its goals can't be changed any more."
ROLE_CHANGED = "Your role in this pair has changed: close this and open the goals again."

_REFUSALS = {NotSignedUp: NOT_SIGNED_UP, HasLeft: HAS_LEFT, NotMatched: NOT_MATCHED, NotInPair: OTHER_PAIR, PairNotFound: PAIR_GONE,
             PairEnded: PAIR_ENDED, RoleChanged: ROLE_CHANGED}


def refusal(e: Refusal) -> str:
    """Why the goals can't be opened or saved."""
    if isinstance(e, ProgramComplete):
        return (f"Your program with {user(e.partner_id)} is complete, so its goals are closed. You'll set new "
                "ones with your next partner: you're in the pool for the next matching round.")
    return _REFUSALS[type(e)]
