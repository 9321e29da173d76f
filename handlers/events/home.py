"""App Home: an admin's program dashboard, and each participant's own program (bot/slack/home.py)."""

from __future__ import annotations

from slack_bolt import App, BoltContext
from slack_sdk import WebClient

from bot.deps import Deps
from bot.slack import home
from bot.slack.ids import Event
from bot.slack.trouble import explained


def register(app: App, deps: Deps) -> None:
    @app.event(Event.APP_HOME_OPENED)
    @explained
    def home_opened(event: dict, context: BoltContext, client: WebClient) -> None:
        if event.get("tab") not in (None, "home"):
            return
        home.publish(deps, client, team_id=context.team_id, user_id=event["user"])
