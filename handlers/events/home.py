"""App Home: a person's profile and standing, with a button to join or edit."""

from __future__ import annotations

from slack_bolt import App
from slack_sdk import WebClient

from bot.blocks.onboarding import build_home_view
from bot.deps import Deps
from bot.slack.ids import Event
from handlers.commands.onboarding import status_text


def register(app: App, deps: Deps) -> None:
    @app.event(Event.APP_HOME_OPENED)
    def home_opened(event: dict, body: dict, client: WebClient) -> None:
        if event.get("tab") not in (None, "home"):
            return
        user_id = event["user"]
        st, line = status_text(deps, team_id=body["team_id"], user_id=user_id)
        profile = st.profile if st.profile is not None and st.profile.status != "left" else None
        client.views_publish(user_id=user_id, view=build_home_view(profile, standing=line))
