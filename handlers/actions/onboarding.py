"""Leave confirmation buttons and the App Home join button."""

from __future__ import annotations

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.blocks.onboarding import build_join_modal, build_left_message, build_not_a_member_message
from bot.deps import Deps
from bot.services import onboarding
from bot.services import pauses as pausing
from bot.slack.ids import Action


def register(app: App, deps: Deps) -> None:
    def _leave(body: dict, respond: Respond, client: WebClient, *, delete_data: bool) -> None:
        team_id = body["team"]["id"]
        user_id = body["user"]["id"]
        left = onboarding.leave(deps.db, team_id=team_id, user_id=user_id, delete_data=delete_data,
                                now=deps.now())
        # The partners' and admins' notes are in the ledger before anything else can fail:
        # whatever isn't delivered below, recovery sends.
        claimed = pausing.claim_pair_ended(deps, team_id=team_id, leaver_id=user_id, ended=left.ended)
        text = build_left_message(deleted=delete_data) if left else build_not_a_member_message()
        respond(text=text, replace_original=True)
        pausing.deliver_claimed(deps, client, claimed)

    @app.action(Action.LEAVE_CONFIRM)
    def leave_confirm(ack: Ack, body: dict, respond: Respond, client: WebClient) -> None:
        ack()
        _leave(body, respond, client, delete_data=False)

    @app.action(Action.LEAVE_AND_DELETE)
    def leave_and_delete(ack: Ack, body: dict, respond: Respond, client: WebClient) -> None:
        ack()
        _leave(body, respond, client, delete_data=True)

    @app.action(Action.LEAVE_CANCEL)
    def leave_cancel(ack: Ack, respond: Respond) -> None:
        ack()
        respond(text="Glad you're staying. Nothing has changed.", replace_original=True)

    @app.action(Action.HOME_JOIN)
    def home_join(ack: Ack, body: dict, client: WebClient) -> None:
        ack()
        profile = onboarding.get_profile(deps.db, team_id=body["team"]["id"], user_id=body["user"]["id"])
        client.views_open(trigger_id=body["trigger_id"], view=build_join_modal(profile))
