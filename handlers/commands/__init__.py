"""The `/mentoring` slash command and its subcommand router.

Each feature module exposes `routes(deps) -> dict[subcommand, handler]`; a handler gets a
`CommandRequest` and must call `req.ack(...)` first (Slack allows 3 seconds).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.blocks.onboarding import build_help_message
from bot.deps import Deps
from bot.slack.admin import admin_command_refusal
from bot.slack.ids import ADMIN_SUBCOMMANDS, COMMAND, Sub
from handlers.commands import onboarding, pairs, rounds

log = logging.getLogger(__name__)


@dataclass
class CommandRequest:
    ack: Ack
    respond: Respond
    client: WebClient
    body: dict
    deps: Deps
    args: list[str]  # words after the subcommand

    @property
    def team_id(self) -> str:
        return self.body.get("team_id", "")

    @property
    def user_id(self) -> str:
        return self.body.get("user_id", "")

    @property
    def channel_id(self) -> str:
        return self.body.get("channel_id", "")

    @property
    def in_admin_channel(self) -> bool:
        admin = self.deps.settings.admin_channel
        return bool(admin) and self.channel_id == admin


Handler = Callable[[CommandRequest], None]


def _help(req: CommandRequest) -> None:
    req.ack(**build_help_message(is_admin_channel=req.in_admin_channel))


def build_routes(deps: Deps) -> dict[str, Handler]:
    routes: dict[str, Handler] = {Sub.HELP: _help}
    for module in (onboarding, pairs, rounds):
        routes.update(module.routes(deps))
    return routes


def register(app: App, deps: Deps) -> None:
    routes = build_routes(deps)

    @app.command(COMMAND)
    def mentoring(ack: Ack, respond: Respond, client: WebClient, body: dict) -> None:
        words = (body.get("text") or "").split()
        sub = words[0].lower() if words else Sub.HELP
        handler = routes.get(sub)
        req = CommandRequest(ack=ack, respond=respond, client=client, body=body, deps=deps, args=words[1:])
        if handler is None:
            ack(**build_help_message(unknown=words[0], is_admin_channel=req.in_admin_channel))
            return
        if sub in ADMIN_SUBCOMMANDS:
            # Checking who is an admin asks Slack (and may wait out a rate limit): answer Slack
            # first, then reply through the response URL. The handler's own ack() does the same.
            ack()
            req.ack = _reply_via(respond)
            refusal = admin_command_refusal(client, deps.settings, team_id=req.team_id, user_id=req.user_id,
                                            channel_id=req.channel_id, sub=sub)
            if refusal:  # not an admin, or not in the admin channel: say why, change nothing
                respond(response_type="ephemeral", text=refusal)
                return
        handler(req)


def _reply_via(respond: Respond) -> Callable[..., None]:
    """An ack() stand-in for after the real ack: what it would have said goes to the response URL."""

    def reply(text: str = "", blocks: list | None = None, response_type: str = "ephemeral", **_: object) -> None:
        if text or blocks:
            respond(text=text, blocks=blocks, response_type=response_type)

    return reply
