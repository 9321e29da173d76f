"""Publishing a person's App Home: an admin's dashboard (the health report's headline figures
and the pairs that need attention) above their own program; a participant's own program."""

from __future__ import annotations

from slack_sdk import WebClient

from bot.blocks.home import build_home
from bot.deps import Deps
from bot.services import home as home_service
from bot.services import report as report_service


def publish(deps: Deps, client: WebClient, *, team_id: str, user_id: str, notice: str | None = None) -> None:
    now = deps.now()
    participant = home_service.participant_home(deps.db, team_id=team_id, user_id=user_id, now=now)
    report = None
    if deps.admins.is_admin(client, team_id=team_id, user_id=user_id):
        report = report_service.build(deps.db, team_id=team_id, now=now)
    client.views_publish(user_id=user_id, view=build_home(participant=participant, today=now.date(), report=report,
                                                          notice=notice))
