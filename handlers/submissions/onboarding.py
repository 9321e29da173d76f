"""The join modal's submission."""

from __future__ import annotations

import logging

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.exc import SQLAlchemyError

from bot.blocks.onboarding import build_joined_dm, build_not_saved_dm
from bot.delivery import keys
from bot.delivery.outbox import Item
from bot.deps import Deps
from bot.services import onboarding, skills
from bot.slack.forms import parse_join_submission, state_values, view_id
from bot.slack.ids import View
from bot.slack.trouble import explained

log = logging.getLogger(__name__)


def register(app: App, deps: Deps) -> None:
    @app.view(View.JOIN)
    @explained
    def join_submitted(ack: Ack, view: dict, context: BoltContext, client: WebClient) -> None:
        current = onboarding.get_profile(deps.db, team_id=context.team_id, user_id=context.user_id)
        catalog = skills.catalog_for(deps.db, team_id=context.team_id)
        profile, errors = parse_join_submission(
            state_values(view), skills=catalog,
            kept=[*(current.skills_share or ()), *(current.skills_learn or ())] if current is not None else ())
        if errors:
            ack(response_action="errors", errors=errors)
            return
        ack()
        team_id, user_id = context.team_id, context.user_id
        name, tz = _slack_identity(client, user_id)
        try:
            row, created = onboarding.save_profile(
                deps.db, team_id=team_id, user_id=user_id, profile=profile, name=name, timezone=tz
            )
        except SQLAlchemyError:
            # The modal has closed already: tell the person, rather than leave them guessing.
            log.exception("Couldn't save the profile of %s", user_id)
            client.chat_postMessage(channel=user_id, text=build_not_saved_dm())
            return
        message = build_joined_dm(row, created=created, skills=catalog)
        deps.outbox.send_once(client, team_id=team_id, item=Item(
            key=keys.joined(user_id, view_id(view)), kind="joined", channel=user_id,
            text=message["text"], blocks=message["blocks"], user_id=user_id))


def _slack_identity(client: WebClient, user_id: str) -> tuple[str | None, str | None]:
    """Name and IANA time zone from users.info; (None, None) if Slack won't say."""
    try:
        user = client.users_info(user=user_id)["user"]
    except SlackApiError as e:
        log.warning("users.info failed for %s: %s; keeping the stored time zone", user_id, e.response.get("error"))
        return None, None
    profile = user.get("profile") or {}
    name = profile.get("real_name") or user.get("real_name") or user.get("name")
    return name, user.get("tz")
