"""What people are told about pauses, and what partners are told when someone pauses, resumes
or leaves. Pure functions returning mrkdwn text."""

from __future__ import annotations

from bot.blocks.common import esc, fmt_day, people, user
from bot.services.errors import HasLeft, NotPaused, NotSignedUp, Refusal, UnreadablePause
from bot.services.pauses import PartnerToTell, Paused, Resumed
from bot.slack.ids import COMMAND, Sub

NOT_SIGNED_UP_PAUSE = (f"You're not signed up, so there's nothing to pause. `{COMMAND} {Sub.JOIN}` "
                       "to join.")
NOT_SIGNED_UP_RESUME = f"You're not signed up, so there's nothing to resume. `{COMMAND} {Sub.JOIN}` to join."
LEFT_PAUSE = f"You've left the program, so there's nothing to pause. `{COMMAND} {Sub.JOIN}` brings you back."
LEFT_RESUME = f"You've left the program, so there's nothing to resume. `{COMMAND} {Sub.JOIN}` brings you back."
NOT_PAUSED = "You're not paused, so there's nothing to resume: everything is running as usual."


def pause_refusal(e: Refusal) -> str:
    if isinstance(e, UnreadablePause):
        return f"{esc(str(e))} Nothing has changed."
    if isinstance(e, HasLeft):
        return LEFT_PAUSE
    if isinstance(e, NotSignedUp):
        return NOT_SIGNED_UP_PAUSE
    raise ValueError(f"no words for {e!r}")


def resume_refusal(e: Refusal) -> str:
    if isinstance(e, HasLeft):
        return LEFT_RESUME
    if isinstance(e, NotSignedUp):
        return NOT_SIGNED_UP_RESUME
    if isinstance(e, NotPaused):
        return NOT_PAUSED
    raise ValueError(f"no words for {e!r}")


def paused_reply(result: Paused) -> str:
    until, n = result.until, len(result.partners)
    resume_hint = f"`{COMMAND} {Sub.RESUME}` to come back sooner."
    if not n:
        return (f"Paused until {fmt_day(until)}: I won't match you until then, and you'll be back "
                f"in the pool on your own. {resume_hint}" if until else
                f"Paused: I won't match you until you're back. `{COMMAND} {Sub.RESUME}` when you are.")
    partners = people(p.partner_id for p in result.partners)
    yours = "your pair gets" if n == 1 else "your pairs get"
    if until:
        return (f"Paused until {fmt_day(until)}: {yours} no prompts until then, and "
                f"{'picks' if n == 1 else 'pick'} up on {'its' if n == 1 else 'their'} "
                f"own. I've let {partners} know. {resume_hint}")
    return (f"Paused: {yours} no prompts until you're back. I've let {partners} "
            f"know. `{COMMAND} {Sub.RESUME}` when you're ready.")


def pause_note(result: Paused) -> str:
    """To each partner of someone who paused."""
    if result.until:
        return (f"{user(result.user_id)} is taking a break until {fmt_day(result.until)}, so I'll hold your "
                "pair's prompts until then and pick up again on my own. Nothing for you to do.")
    return (f"{user(result.user_id)} is taking a break for a while, so I'll hold your pair's "
            "prompts until they're back. Nothing for you to do.")


def resumed_reply(result: Resumed) -> str:
    if result.ended_on is not None:
        return f"Your break already ended on {fmt_day(result.ended_on)}, so you're back: nothing else to do."
    if not result.partners:
        return "Welcome back! You're in the pool for the next matching round."
    yours = "Your pair's prompts pick" if len(result.partners) == 1 else "Your pairs' prompts pick"
    return (f"Welcome back! {yours} up again from the next one. "
            f"I've let {people(p.partner_id for p in result.partners)} know.")


def resume_note(result: Resumed) -> str:
    return (f"{user(result.user_id)} is back from their break, so your pair's prompts pick up "
            "again from the next one.")


def pair_ended_partner_note(*, leaver_id: str | None) -> str:
    """`leaver_id` None: the leaver asked for their data to be deleted, so the note doesn't name them."""
    who = user(leaver_id) if leaver_id else "Your reverse-mentoring partner"
    return (f"{who} has stepped out of reverse mentoring, so your pairing has come "
            "to an end. Thank you for the time and care you put into it. You're back in the pool, "
            "and I'll let you know when the next matching round finds you a new partner.")


def pair_ended_admin_note(*, leaver_id: str | None, partner_id: str) -> str:
    if leaver_id is None:
        return (f"Someone left the program and asked for their data to be deleted, which ends their pair "
                f"with {user(partner_id)}. {user(partner_id)} is back in the pool for the next round.")
    return (f"{user(leaver_id)} left the program, which ends their pair with "
            f"{user(partner_id)}. {user(partner_id)} is back in the pool for the next round.")


def pause_admin_note(result: Paused, pair: PartnerToTell) -> str:
    """To the admin channel when someone in a pair pauses: that the pair paused, until when, and
    how far its program moves (figures and dates, never anything anyone wrote)."""
    who = f"{user(pair.mentor_id)} and {user(pair.mentee_id)}"
    until = f"until {fmt_day(result.until)}" if result.until else "until they're back"
    if pair.ends_on is None:  # an open-ended break, or a pair not introduced yet
        so_far = f"{_sessions(pair.sessions_moved)} moved out so far; " if pair.sessions_moved else ""
        return (f"Pair paused: {who}, {until}. {so_far}Their program runs longer by every session the "
                "break takes, so none is lost.")
    if not pair.sessions_moved:
        return (f"Pair paused: {who}, {until}. No session falls in the break, so their program still "
                f"ends on {fmt_day(pair.ends_on)}.")
    return (f"Pair paused: {who}, {until}. {_sessions(pair.sessions_moved)} moved out rather than "
            f"missed, so their program now ends on {fmt_day(pair.ends_on)}.")


def _sessions(n: int) -> str:
    return f"{n} session{'' if n == 1 else 's'}"
