"""`/mentoring admin-channel`: a workspace admin (or a member of the current admin channel) makes
the channel they run it in the program's admin channel, where matching rounds are run and the
weekly digest goes. Each workspace chooses its own (bot/services/workspaces.py)."""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.blocks.admin import (
    ADMIN_CHANNEL_ALREADY,
    ADMIN_CHANNEL_INVITE_ME,
    ADMIN_CHANNEL_NOT_IN_A_DM,
    admin_channel_refusal,
    admin_channel_set,
)
from bot.services import workspaces
from bot.slack.ids import Sub
from handlers.commands.request import CommandRequest

log = logging.getLogger(__name__)


def routes() -> dict:
    return {Sub.ADMIN_CHANNEL: admin_channel}


def _channel_problem(client: WebClient, channel_id: str) -> str | None:
    """Why this conversation can't be the admin channel, or None."""
    if channel_id.startswith("D"):
        return ADMIN_CHANNEL_NOT_IN_A_DM
    try:
        channel = client.conversations_info(channel=channel_id)["channel"]
    except SlackApiError as e:
        error = e.response.get("error")
        if error == "missing_scope":  # a group DM or a DM: the app may not read those
            return ADMIN_CHANNEL_NOT_IN_A_DM
        log.info("Can't see channel %s to make it the admin channel: %s", channel_id, error)
        return ADMIN_CHANNEL_INVITE_ME
    if channel.get("is_im") or channel.get("is_mpim"):
        return ADMIN_CHANNEL_NOT_IN_A_DM
    if not channel.get("is_member"):
        return ADMIN_CHANNEL_INVITE_ME
    return None


def admin_channel(req: CommandRequest) -> None:
    # Checking who may, and the channel, asks Slack: answer Slack first, then reply.
    req.ack()
    current = req.admin_channel
    if current and req.channel_id == current:
        req.respond(response_type="ephemeral", text=ADMIN_CHANNEL_ALREADY)
        return
    if not req.deps.admins.is_admin(req.client, team_id=req.team_id, user_id=req.user_id):
        req.respond(response_type="ephemeral", text=admin_channel_refusal(current))
        return
    problem = _channel_problem(req.client, req.channel_id)
    if problem:
        req.respond(response_type="ephemeral", text=problem)
        return
    before = workspaces.set_admin_channel(req.deps, team_id=req.team_id, channel_id=req.channel_id)
    req.respond(response_type="in_channel", text=admin_channel_set(user_id=req.user_id, before=before))
