"""Every send ledger key, made here and nowhere else.

A key is unique per workspace and names one message that must go out once: the same event
(a retried request, a double click, a second replica, a restart) makes the same key, so the
ledger lets only one of them send it.
"""

from __future__ import annotations

from datetime import date, datetime

DIGEST = "digest"


def prompt(kind: str, pair_id: int, cycle: int, slot: int | None = None) -> str:
    """A pair's scheduled prompt: nudge, feedback, reminder, final_survey, survey_reminder, closing.

    `cycle` is the session; `slot` the calendar cycle it sits in, which a pause moves it to
    (bot/domain/schedule.py). Unmoved, the key is the one it always was ("nudge:7:3"); moved, it
    names both ("nudge:7:3@5"), so it can never be a key recorded before the move."""
    if slot is None or slot == cycle:
        return f"{kind}:{pair_id}:{cycle}"
    return f"{kind}:{pair_id}:{cycle}@{slot}"


def digest(team_id: str, slot_local: datetime) -> str:
    """The admins' weekly digest, by the ISO week of its slot in the digest's time zone."""
    year, week, _ = slot_local.isocalendar()
    return f"{DIGEST}:{team_id}:{year}-W{week:02d}"


def intro(pair_id: int) -> str:
    return f"intro:{pair_id}"


def invitation(pair_id: int) -> str:
    """The pair's recurring calendar invitation (.ics), shared in its group DM with the intro."""
    return f"invitation:{pair_id}"


def intro_failed(pair_id: int, user_id: str) -> str:
    return f"intro_failed:{pair_id}:{user_id}"


def unmatched(round_id: int, user_id: str) -> str:
    return f"unmatched:{round_id}:{user_id}"


def joined(user_id: str, view_id: str) -> str:
    """The welcome DM after a join modal was saved. Each modal Slack opens has its own view ID,
    and a retry of the same submission (from Slack, or landing on another replica) carries the same."""
    return f"joined:{user_id}:{view_id}"


def goals(pair_id: int, role: str, view_id: str, channel: str) -> str:
    """The goals posted to the pair after a goals modal was saved (same rule as `joined`)."""
    return f"goals:{pair_id}:{role}:{view_id}:{channel}"


def pause_note(pair_id: int, user_id: str, until: date | None, today: date) -> str:
    """The note to a partner that someone paused: until a date, or open-ended from today."""
    return f"pause:{pair_id}:{user_id}:{until.isoformat() if until else f'open-{today.isoformat()}'}"


def pause_admin_note(pair_id: int, user_id: str, until: date | None, today: date) -> str:
    """The admins' line that a pair paused (and how far its program moves), once per pause."""
    return f"pause_admins:{pair_id}:{user_id}:{until.isoformat() if until else f'open-{today.isoformat()}'}"


def resume_note(pair_id: int, user_id: str, today: date) -> str:
    return f"resume:{pair_id}:{user_id}:{today.isoformat()}"


def pair_ended_partner(pair_id: int) -> str:
    return f"pair_ended:{pair_id}:partner"


def pair_ended_admins(pair_id: int) -> str:
    return f"pair_ended:{pair_id}:admins"


def app_problem(error: str, day: date) -> str:
    """The admins' note that Slack refuses the app itself: once a day per problem."""
    return f"app_problem:{error}:{day.isoformat()}"


def report(team_id: str, request: str, page: int) -> str:
    """One message of the health report an admin asked for (`request`: the command's trigger ID),
    or of the weekly digest (`request`: its week, as in `digest`)."""
    return f"report:{team_id}:{request}:{page}"


def report_chart(team_id: str, request: str) -> str:
    """The chart shared with that report."""
    return f"chart:{team_id}:{request}"


def pair_note(pair_id: int, day: date) -> str:
    """An admin's "Message the pair": one kind note per pair and day, however many clicks."""
    return f"pair_note:{pair_id}:{day.isoformat()}"


def export(team_id: str, request: str) -> str:
    """The CSV files of one export an admin asked for."""
    return f"export:{team_id}:{request}"


def pair_ended_by_admin(pair_id: int, user_id: str) -> str:
    """The kind note to one of the two people of a pair an admin ended."""
    return f"pair_ended:{pair_id}:{user_id}"


def join_invitation(user_id: str, day: date) -> str:
    """An admin's invitation to join (`/mentoring add`): at most one a day per person."""
    return f"invite:{user_id}:{day.isoformat()}"


def settings_changed(view_id: str) -> str:
    """The admin channel's note that the settings modal changed the settings (one per modal)."""
    return f"settings:{view_id}"
