"""Leave confirmation buttons and the App Home join button."""

from __future__ import annotations

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot.blocks.onboarding import (
    STAYING,
    build_join_modal,
    build_left_message,
    build_not_a_member_message,
)
from bot.delivery import notes
from bot.deps import Deps
from bot.services import onboarding, skills
from bot.slack.ids import Action
from bot.slack.trouble import explained


def register(app: App, deps: Deps) -> None:
    def _leave(context: BoltContext, respond: Respond, client: WebClient, *, delete_data: bool) -> None:
        team_id, user_id = context.team_id, context.user_id
        left = onboarding.leave(deps.db, team_id=team_id, user_id=user_id, delete_data=delete_data,
                                now=deps.now())
        # The partners' and admins' notes are in the ledger before anything else can fail:
        # whatever isn't delivered below, recovery sends. After a deletion they don't name the leaver.
        claimed = deps.outbox.claim_ids(team_id=team_id, items=notes.pair_ended_notes(
            leaver_id=None if delete_data else user_id, ended=left.ended,
            admin_channel=deps.admins.channel(team_id) if left.ended else None))
        if delete_data:
            text = build_left_message(deleted=True, erased=left.erased, member=left.member)
        else:
            text = build_left_message(deleted=False) if left else build_not_a_member_message()
        respond(text=text, replace_original=True)
        deps.outbox.deliver_all(client, claimed)

    @app.action(Action.LEAVE_CONFIRM)
    @explained
    def leave_confirm(ack: Ack, context: BoltContext, respond: Respond, client: WebClient) -> None:
        ack()
        _leave(context, respond, client, delete_data=False)

    @app.action(Action.LEAVE_AND_DELETE)
    @explained
    def leave_and_delete(ack: Ack, context: BoltContext, respond: Respond, client: WebClient) -> None:
        ack()
        _leave(context, respond, client, delete_data=True)

    @app.action(Action.LEAVE_CANCEL)
    @explained
    def leave_cancel(ack: Ack, respond: Respond) -> None:
        ack()
        respond(text=STAYING, replace_original=True)

    @app.action(Action.HOME_JOIN)
    @explained
    def home_join(ack: Ack, body: dict, context: BoltContext, client: WebClient) -> None:
        ack()
        profile = onboarding.get_profile(deps.db, team_id=context.team_id, user_id=context.user_id)
        client.views_open(trigger_id=body["trigger_id"], view=build_join_modal(
            profile, skills.catalog_for(deps.db, team_id=context.team_id)))
