"""What a subcommand handler gets: the ids of the request (from Bolt's context), the ways to
answer, and the app's dependencies."""

from __future__ import annotations

from dataclasses import dataclass

from slack_bolt import Ack, Respond
from slack_sdk import WebClient

from bot.deps import Deps


@dataclass
class CommandRequest:
    ack: Ack
    respond: Respond
    client: WebClient
    deps: Deps
    team_id: str
    user_id: str
    channel_id: str
    trigger_id: str
    args: list[str]  # words after the subcommand

    @property
    def admin_channel(self) -> str | None:
        """The workspace's admin channel (bot/slack/admin.py)."""
        return self.deps.admins.channel(self.team_id)

    @property
    def in_admin_channel(self) -> bool:
        admin = self.admin_channel
        return bool(admin) and self.channel_id == admin
