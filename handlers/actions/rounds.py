"""Confirm and Cancel on a matching preview in the admin channel."""

from __future__ import annotations

from collections.abc import Callable

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.deps import Deps
from bot.services import rounds
from bot.slack import admin
from bot.slack.ids import COMMAND, Action, Sub


def register(app: App, deps: Deps) -> None:
    def _decide(body: dict, client: WebClient, respond: Respond, service: Callable, what: str) -> None:
        team_id = body["team"]["id"]
        user_id = body["user"]["id"]
        channel_id = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id", "")
        refusal = admin.refusal(client, deps.settings, team_id=team_id, user_id=user_id, channel_id=channel_id,
                                what=what)
        if refusal:
            respond(text=refusal, response_type="ephemeral", replace_original=False)
            return
        round_id = rounds.parse_round_id((body.get("actions") or [{}])[0].get("value"))
        if round_id is None:
            respond(text=f"That button doesn't belong to a matching round I know. Run `{COMMAND} {Sub.MATCH}` "
                         "for a new preview.", response_type="ephemeral", replace_original=False)
            return
        reply = service(deps, client, team_id=team_id, round_id=round_id, user_id=user_id)
        if reply.message:
            respond(**reply.message, replace_original=False)

    @app.action(Action.MATCH_CONFIRM)
    def match_confirm(ack: Ack, body: dict, client: WebClient, respond: Respond) -> None:
        ack()
        _decide(body, client, respond, rounds.confirm, "confirming a matching round")

    @app.action(Action.MATCH_CANCEL)
    def match_cancel(ack: Ack, body: dict, client: WebClient, respond: Respond) -> None:
        ack()
        _decide(body, client, respond, rounds.cancel, "cancelling a matching round")
