"""App Home: a person's profile and standing, with a button to join or edit."""

from __future__ import annotations

from slack_bolt import App, BoltContext
from slack_sdk import WebClient

from bot.blocks.onboarding import build_home
from bot.deps import Deps
from bot.services import onboarding
from bot.slack.ids import Event
from bot.slack.trouble import explained


def register(app: App, deps: Deps) -> None:
    @app.event(Event.APP_HOME_OPENED)
    @explained
    def home_opened(event: dict, context: BoltContext, client: WebClient) -> None:
        if event.get("tab") not in (None, "home"):
            return
        st = onboarding.standing(deps.db, team_id=context.team_id, user_id=event["user"])
        client.views_publish(user_id=event["user"], view=build_home(st, today=deps.now().date()))
