"""The "Set our goals" / "Edit goals" buttons and the check-in buttons of the pair's prompts."""

from __future__ import annotations

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.blocks.checkins import build_checkin_modal
from bot.blocks.goals import build_goals_modal
from bot.deps import Deps
from bot.services import checkins, goals
from bot.slack.ids import Action


def _clicked_value(body: dict) -> str | None:
    return ((body.get("actions") or [{}])[0]).get("value")


def register(app: App, deps: Deps) -> None:
    @app.action(Action.OPEN_GOALS)
    def open_goals(ack: Ack, body: dict, client: WebClient, respond: Respond) -> None:
        ack()
        pair_id = goals.parse_pair_button(_clicked_value(body))
        team_id, user_id = body["team"]["id"], body["user"]["id"]
        if pair_id is None:
            respond(text=goals.PAIR_GONE, response_type="ephemeral", replace_original=False)
            return
        ctx, refusal = goals.open_goals(deps.db, team_id=team_id, user_id=user_id, pair_id=pair_id)
        if refusal:
            respond(text=refusal, response_type="ephemeral", replace_original=False)
            return
        client.views_open(trigger_id=body["trigger_id"], view=build_goals_modal(
            pair_id=ctx.pair.id, role=ctx.role, partner_id=ctx.partner_id, goals=ctx.goals,
            partner_goals=ctx.partner_goals))

    @app.action(Action.OPEN_CHECKIN)
    def open_checkin(ack: Ack, body: dict, client: WebClient, respond: Respond) -> None:
        ack()
        ctx, refusal = checkins.open_checkin(deps.db, team_id=body["team"]["id"], user_id=body["user"]["id"],
                                             button_value=_clicked_value(body))
        if refusal:
            respond(text=refusal, response_type="ephemeral", replace_original=False)
            return
        client.views_open(trigger_id=body["trigger_id"], view=build_checkin_modal(
            pair_id=ctx.pair.id, cycle=ctx.cycle, kind=ctx.kind, partner_name=ctx.partner_name,
            goals=ctx.goals, existing=ctx.existing, period=ctx.period))
