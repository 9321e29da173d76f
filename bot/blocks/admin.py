"""What a person is told when they try an admin thing they can't do here. Pure functions."""

from __future__ import annotations

from bot.slack.admin import Refusal
from bot.slack.ids import COMMAND


def refusal_text(reason: Refusal, *, what: str, admin_channel: str | None) -> str:
    """`what` names the thing, e.g. "`/mentoring match`" or "confirming a round" (mrkdwn)."""
    what = f"{what[:1].upper()}{what[1:]}"
    if reason is Refusal.NO_ADMIN_CHANNEL:
        return (f"{what} needs a program admin channel, and none is set up yet. "
                "Ask whoever runs the bot to set `MENTORING_ADMIN_CHANNEL` to your admins' channel ID "
                "(like C0123ABCD: channel details > About), restart the bot, and run it there.")
    if reason is Refusal.WRONG_CHANNEL:
        return (f"{what} only works in the program's admin channel, <#{admin_channel}>, "
                "so the other admins can see it. Nothing was changed.")
    return (f"Only program admins can do that: members of <#{admin_channel}> and workspace admins. "
            "If you help run the program, ask to be added to the channel. Nothing was changed.")


def command_refusal_text(reason: Refusal, *, sub: str, admin_channel: str | None) -> str:
    return refusal_text(reason, what=f"`{COMMAND} {sub}`", admin_channel=admin_channel)
