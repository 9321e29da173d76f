"""What a person is told when they try an admin thing they can't do here. Pure functions."""

from __future__ import annotations

from bot.slack.admin import Refusal
from bot.slack.ids import COMMAND, Sub


def refusal_text(reason: Refusal, *, what: str, admin_channel: str | None, env_setting: bool = True) -> str:
    """`what` names the thing, e.g. "`/mentoring match`" or "confirming a round" (mrkdwn).
    `env_setting`: whoever runs the bot could also set MENTORING_ADMIN_CHANNEL (one workspace)."""
    what = f"{what[:1].upper()}{what[1:]}"
    if reason is Refusal.NO_ADMIN_CHANNEL:
        text = (f"{what} needs a program admin channel, and none is set up yet. A workspace admin or owner "
                f"can set one up: invite me to your admins' channel (`/invite @Reverse Mentoring`) and run "
                f"`{COMMAND} {Sub.ADMIN_CHANNEL}` there.")
        if env_setting:
            text += (" Or whoever runs the bot can set `MENTORING_ADMIN_CHANNEL` to that channel's ID "
                     "(like C0123ABCD: channel details > About) and restart it.")
        return text
    if reason is Refusal.WRONG_CHANNEL:
        return (f"{what} only works in the program's admin channel, <#{admin_channel}>, "
                "so the other admins can see it. Nothing was changed.")
    return (f"Only program admins can do that: members of <#{admin_channel}> and workspace admins. "
            "If you help run the program, ask to be added to the channel. Nothing was changed.")


def command_refusal_text(reason: Refusal, *, sub: str, admin_channel: str | None, env_setting: bool = True) -> str:
    return refusal_text(reason, what=f"`{COMMAND} {sub}`", admin_channel=admin_channel, env_setting=env_setting)


# --- /mentoring admin-channel ---------------------------------------------------------------

ADMIN_CHANNEL_ALREADY = "This is already the program's admin channel. Nothing was changed."
ADMIN_CHANNEL_NOT_IN_A_DM = (f"Run `{COMMAND} {Sub.ADMIN_CHANNEL}` in the channel your program admins use, "
                             "not in a direct message. Nothing was changed.")
ADMIN_CHANNEL_INVITE_ME = ("I'm not in this channel yet, so I couldn't post the program's updates here. Invite me "
                           f"with `/invite @Reverse Mentoring`, then run `{COMMAND} {Sub.ADMIN_CHANNEL}` again. "
                           "Nothing was changed.")


def admin_channel_refusal(current: str | None) -> str:
    """Someone who isn't an admin tried to choose the admin channel."""
    if current:
        return (f"Only workspace admins and owners, and members of the program's admin channel <#{current}>, "
                "can choose where the program is run. Nothing was changed.")
    return "Only workspace admins and owners can choose where the program is run. Nothing was changed."


def admin_channel_set(*, user_id: str, before: str | None) -> str:
    """Said in the channel that has just become the admin channel, for everyone in it."""
    moved = f" (It was <#{before}> until now.)" if before else ""
    return (f"<@{user_id}> made this channel the program's admin channel.{moved} Admins run "
            f"`{COMMAND} {Sub.MATCH}` here to preview and confirm matching rounds and `{COMMAND} {Sub.REPORT}` "
            "for the program's health, which also comes here every week. Members of this channel and the workspace's admins and owners "
            "can run the program.")
