"""Words for steering pairs from the admin channel: ending a pair (the modal, the kind notes to
both people, the admins' record), finding someone a new partner, pairing two people by hand.
Pure functions."""

from __future__ import annotations

from datetime import date

from bot.blocks.common import (
    actions,
    button,
    context,
    esc,
    fmt_day,
    input_block,
    modal,
    option,
    section,
    text_input,
    user,
)
from bot.services import steering as s
from bot.services.errors import PairNotFound, Refusal
from bot.services.rounds import NotPosted, OpenProposal
from bot.slack.ids import COMMAND, Action, EndBlock, Sub, View, hand_pair_value

END_REASON_LABELS = {
    "not_meeting": "They've stopped meeting",
    "asked_to_end": "One or both asked to end it",
    "not_a_fit": "Not a good fit",
    "schedules": "Schedules or time zones don't work",
    "role_change": "A change of role, team or company",
    "other": "Something else",
}
MAX_END_NOTE = 500


# --- ending a pair ------------------------------------------------------------------------


def build_end_modal(pair: s.PairView) -> dict:
    choices = [option(END_REASON_LABELS[k], k) for k in s.END_REASONS]
    blocks = [
        section(f"End the pair of {user(pair.mentor)} and {user(pair.mentee)}?\n"
                "I'll tell both of them kindly that the pairing has come to an end (not why), stop its "
                "prompts, and put both back in the pool for a new partner."),
        input_block(EndBlock.REASON, "Why is it ending?", {"type": "radio_buttons", "options": choices}),
        input_block(EndBlock.NOTE, "A note for the other admins", text_input(MAX_END_NOTE, multiline=True),
                    optional=True, hint="Only program admins see it, in the admin channel. It's never sent "
                                        "to the pair."),
    ]
    return modal(View.END_PAIR, "End a pair", blocks, submit="End the pair", private_metadata=str(pair.id))


END_NO_REASON = "Choose why the pair is ending: it goes in the program's report."
END_NOTE_TOO_LONG = f"Please keep the note under {MAX_END_NOTE} characters."


def pair_ended_person_note(*, user_id: str, partner_id: str) -> str:
    """To each of the two, in their DM with the app."""
    return (f"Hi {user(user_id)}, your reverse-mentoring pairing with {user(partner_id)} has come to an end. "
            "Thank you for the time and care you gave it. You're back in the pool, and I'll let you know when "
            f"you have a new partner. If you'd rather take a break first, `{COMMAND} {Sub.PAUSE}` is there.")


def build_pair_ended_admins(ended: s.Ended) -> dict:
    """To the admin channel: who ended which pair and why, the admin's note, and the way on."""
    reason = END_REASON_LABELS.get(ended.reason, esc(ended.reason))
    lines = [f":wave: {user(ended.ended_by)} ended the pair of {user(ended.mentor)} and {user(ended.mentee)}. "
             f"Reason: *{reason}*."]
    if ended.note:
        lines.append(f"Note for the admins: _{esc(ended.note)}_")
    told = [u for u in (ended.mentor, ended.mentee) if u in ended.tell]
    if told:
        lines.append(f"I've told {' and '.join(user(u) for u in told)} kindly, without the reason; "
                     "their prompts have stopped and they're back in the pool.")
    blocks = [section("\n".join(lines))]
    rematch = [section(f"A new partner for {user(uid)}?",
                       accessory=button("Find a new partner", Action.REMATCH, value=uid))
               for uid in (ended.mentor, ended.mentee) if uid in ended.tell]
    if rematch:
        blocks += rematch
        blocks.append(context("Or leave them in the pool for the next matching round."))
    return {"text": f"{user(ended.ended_by)} ended the pair of {user(ended.mentor)} and {user(ended.mentee)}.",
            "blocks": blocks}


def end_refusal(e: Refusal) -> str:
    if isinstance(e, s.PairAlreadyEnded):
        by = f" by {user(e.ended_by)}" if e.ended_by else ""
        return (f"The pair of {user(e.mentor)} and {user(e.mentee)} has already ended{by}. "
                "Nothing was changed.")
    if isinstance(e, s.NotInProgram):
        return f"{user(e.user_id)} isn't in the program, so there's no pair to end. Nothing was changed."
    if isinstance(e, s.NoActivePair):
        return f"{user(e.user_id)} isn't in a pair right now, so there's nothing to end. Nothing was changed."
    if isinstance(e, PairNotFound):
        return "I can't find that pair any more. Nothing was changed."
    return "That pair can't be ended. Nothing was changed."


END_USAGE = (f"Tell me whose pair to end: `{COMMAND} {Sub.END} @person` (the person, as a Slack mention). "
             "Nothing was changed.")


def build_choose_pair(user_id: str, pairs: list[s.PairView]) -> dict:
    """`/mentoring end @mentor` for a mentor with several pairs: which one?"""
    blocks = [section(f"{user(user_id)} is in {len(pairs)} pairs. Which one should end?")]
    for p in pairs[:20]:
        partner = p.mentee if p.mentor == user_id else p.mentor
        blocks.append(section(f"{user(p.mentor)} → {user(p.mentee)}",
                              accessory=button(f"End the pair with {partner}"[:75], Action.END_PAIR, value=str(p.id))))
    return {"response_type": "ephemeral", "text": f"{user(user_id)} is in {len(pairs)} pairs: which one should end?",
            "blocks": blocks}


def build_ended_reply(ended: s.Ended) -> str:
    return f"Done: the pair of {user(ended.mentor)} and {user(ended.mentee)} has ended."


# --- a new partner for one person ---------------------------------------------------------


def rematch_reply(outcome) -> dict | None:
    """The admin's private answer to "Find a new partner" (None: the preview says it all)."""
    if isinstance(outcome, s.NoPartner):
        text = (f"Nobody waiting in the pool fits {user(outcome.user_id)} right now, so there's nothing to preview. "
                "They stay in the pool, and the next matching round will look again.")
        return {"response_type": "ephemeral", "text": text}
    if isinstance(outcome, OpenProposal):
        where = f"<{outcome.permalink}|the open preview>" if outcome.permalink else "the open preview in this channel"
        return {"response_type": "ephemeral",
                "text": (f"There's already an open matching preview (from {user(outcome.created_by)}). Confirm or "
                         f"cancel {where} first, then click *Find a new partner* again.")}
    if isinstance(outcome, NotPosted):
        return {"response_type": "ephemeral",
                "text": f"Slack didn't take the preview ({esc(outcome.error)}), so nothing was proposed. Try again in a minute."}
    return None


def rematch_refusal(e: s.NotInPool) -> str:
    why = {
        "paired": "is already in a pair again",
        "paused": "is taking a break, so they aren't waiting for a partner",
        "left": "has left the program",
    }.get(e.why, "isn't waiting for a partner")
    return f"{user(e.user_id)} {why}. Nothing was changed."


NOT_A_PERSON_BUTTON = "That button doesn't name anyone I know. Nothing was changed."


# --- pairing two people by hand -----------------------------------------------------------

PAIR_USAGE = (f"Tell me who to pair: `{COMMAND} {Sub.PAIR} @mentor @mentee` (two people, as Slack mentions). "
              "Nothing was changed.")


def _until(d: date | None) -> str:
    return f" until {fmt_day(d)}" if d else ""


def hand_pair_refusal(e: Refusal) -> str:
    if isinstance(e, s.SamePerson):
        return "A person can't be paired with themselves. Nothing was changed."
    if isinstance(e, s.NotInProgram):
        return (f"{user(e.user_id)} isn't in the program: they can join with `{COMMAND} {Sub.JOIN}`. "
                "Nothing was changed.")
    if isinstance(e, s.Busy):
        if e.why == "paused":
            return (f"{user(e.user_id)} is taking a break{_until(e.until)}, so I can't pair them now. "
                    "Nothing was changed.")
        return (f"{user(e.user_id)} already has as many partners as they signed up for. End a pair first with "
                f"`{COMMAND} {Sub.END} @{'person'}` if it should change. Nothing was changed.")
    return "Those two can't be paired. Nothing was changed."


def build_hand_pair_check(check: s.HandPairCheck) -> dict:
    """Rules the pair would break, and the choice to pair them anyway."""
    lines = "\n".join(f"• {esc(r)}" for r in check.broken)
    n = len(check.broken)
    blocks = [
        section(f"{user(check.mentor)} mentoring {user(check.mentee)} breaks "
                f"{'a matching rule' if n == 1 else f'{n} matching rules'}:\n{lines}"),
        actions(
            button("Pair them anyway", Action.HAND_PAIR_CONFIRM, value=hand_pair_value(check.mentor, check.mentee),
                   style="primary"),
            button("Don't pair them", Action.HAND_PAIR_CANCEL, value="cancel"),
        ),
        context("Pairing them anyway introduces them in a group DM, as a matching round does."),
    ]
    return {"response_type": "ephemeral", "text": f"Pairing them breaks {n} matching rule{'s' if n != 1 else ''}.",
            "blocks": blocks}


def hand_paired_text(result: s.HandPaired, *, by: str) -> str:
    """For everyone in the admin channel."""
    text = f":handshake: {user(by)} paired {user(result.mentor)} (mentor) with {user(result.mentee)} by hand"
    if result.broken:
        text += f", past {len(result.broken)} matching rule{'s' if len(result.broken) != 1 else ''}"
    return text + ". I'm introducing them in a group DM now."


HAND_PAIR_CANCELLED = "OK, I haven't paired them. Nothing was changed."
NOT_A_HAND_PAIR = "That button doesn't name two people I know. Nothing was changed."
END_NOT_AN_ADMIN = "Only program admins can end a pair. Nothing was changed."
