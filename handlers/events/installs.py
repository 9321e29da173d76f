"""The app removed from a workspace: `app_uninstalled`, or `tokens_revoked` naming the bot's
token. Sending to that workspace stops at once (its tokens are forgotten, and nothing plans for
it any more); its data is deleted after the grace period (bot/services/workspaces.py).

Slack sends these events even though the workspace's token no longer works: Bolt lets them
through without looking for an installation."""

from __future__ import annotations

import logging

from slack_bolt import App, BoltContext

from bot.deps import Deps
from bot.services import workspaces
from bot.slack.ids import Event

log = logging.getLogger(__name__)


def register(app: App, deps: Deps) -> None:
    def stop(team_id: str | None, why: str) -> None:
        if not team_id:  # an org-wide install: never kept (bot/slack/oauth.py), nothing to stop
            return
        deps.slack.uninstalled(team_id)
        workspaces.uninstalled(deps, team_id=team_id, why=why)

    @app.event(Event.APP_UNINSTALLED)
    def app_uninstalled(context: BoltContext) -> None:
        stop(context.team_id, "uninstalled the app")

    @app.event(Event.TOKENS_REVOKED)
    def tokens_revoked(event: dict, context: BoltContext) -> None:
        if not ((event.get("tokens") or {}).get("bot")):
            return  # only people's own tokens (the app asks for none): nothing to stop
        stop(context.team_id, "revoked the app's token")
