"""The `/mentoring` slash command and its subcommand router.

Each feature module exposes `routes() -> dict[subcommand, handler]`; a handler gets a
`CommandRequest` and must call `req.ack(...)` first (Slack allows 3 seconds). Admin subcommands
are answered first, then checked (bot/slack/admin.py), then handled.
"""

from __future__ import annotations

from collections.abc import Callable

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot.blocks.admin import command_refusal_text
from bot.blocks.onboarding import build_help_message
from bot.deps import Deps
from bot.slack.ids import ADMIN_SUBCOMMANDS, COMMAND, Sub
from bot.slack.trouble import explained
from handlers.commands import (
    admins,
    invitations,
    onboarding,
    pairs,
    report,
    rounds,
    settings,
    skills,
    steering,
)
from handlers.commands.request import CommandRequest

Handler = Callable[[CommandRequest], None]


def _help(req: CommandRequest) -> None:
    req.ack(**build_help_message(is_admin_channel=req.in_admin_channel))


def build_routes() -> dict[str, Handler]:
    routes: dict[str, Handler] = {Sub.HELP: _help}
    for module in (onboarding, pairs, rounds, admins, report, steering, invitations, settings, skills):
        routes.update(module.routes())
    return routes


def register(app: App, deps: Deps) -> None:
    routes = build_routes()

    @app.command(COMMAND)
    @explained
    def mentoring(ack: Ack, respond: Respond, client: WebClient, body: dict, context: BoltContext) -> None:
        words = (body.get("text") or "").split()
        sub = words[0].lower() if words else Sub.HELP
        handler = routes.get(sub)
        req = CommandRequest(ack=ack, respond=respond, client=client, deps=deps, team_id=context.team_id or "",
                             user_id=context.user_id or "", channel_id=context.channel_id or "",
                             trigger_id=body.get("trigger_id", ""), args=words[1:])
        if handler is None:
            ack(**build_help_message(unknown=words[0], is_admin_channel=req.in_admin_channel))
            return
        if sub in ADMIN_SUBCOMMANDS:
            # Checking who is an admin asks Slack (and may wait out a rate limit): answer Slack
            # first, then reply through the response URL. The handler's own ack() does the same.
            ack()
            req.ack = _reply_via(respond)
            refusal = deps.admins.refusal(client, team_id=req.team_id, user_id=req.user_id,
                                          channel_id=req.channel_id)
            if refusal:  # not an admin, or not in the admin channel: say why, change nothing
                respond(response_type="ephemeral", text=command_refusal_text(
                    refusal, sub=sub, admin_channel=req.admin_channel, env_setting=not deps.settings.oauth))
                return
        handler(req)


def _reply_via(respond: Respond) -> Callable[..., None]:
    """An ack() stand-in for after the real ack: what it would have said goes to the response URL."""

    def reply(text: str = "", blocks: list | None = None, response_type: str = "ephemeral", **_: object) -> None:
        if text or blocks:
            respond(text=text, blocks=blocks, response_type=response_type)

    return reply
