"""The "Set our goals" / "Edit goals" buttons and the check-in buttons of the pair's prompts."""

from __future__ import annotations

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot.blocks import checkins as checkin_words
from bot.blocks import goals as goals_words
from bot.blocks.checkins import build_checkin_modal
from bot.blocks.goals import build_goals_modal
from bot.deps import Deps
from bot.services import checkins, goals
from bot.services.errors import PairNotFound, Refusal
from bot.slack.forms import checkin_target, clicked_value, positive_int
from bot.slack.ids import Action
from bot.slack.trouble import explained


def register(app: App, deps: Deps) -> None:
    @app.action(Action.OPEN_GOALS)
    @explained
    def open_goals(ack: Ack, body: dict, context: BoltContext, client: WebClient, respond: Respond) -> None:
        ack()
        try:
            pair_id = positive_int(clicked_value(body))
            if pair_id is None:
                raise PairNotFound()
            ctx = goals.open_goals(deps.db, team_id=context.team_id, user_id=context.user_id, pair_id=pair_id)
        except Refusal as e:
            respond(text=goals_words.refusal(e), response_type="ephemeral", replace_original=False)
            return
        client.views_open(trigger_id=body["trigger_id"], view=build_goals_modal(
            pair_id=ctx.pair.id, role=ctx.role, partner_id=ctx.partner_id, goals=ctx.goals,
            partner_goals=ctx.partner_goals))

    @app.action(Action.OPEN_CHECKIN)
    @explained
    def open_checkin(ack: Ack, body: dict, context: BoltContext, client: WebClient, respond: Respond) -> None:
        ack()
        try:
            ctx = checkins.open_checkin(deps.db, team_id=context.team_id, user_id=context.user_id,
                                        target=checkin_target(clicked_value(body)), now=deps.now())
        except Refusal as e:
            respond(text=checkin_words.refusal(e), response_type="ephemeral", replace_original=False)
            return
        client.views_open(trigger_id=body["trigger_id"], view=build_checkin_modal(
            pair_id=ctx.pair.id, cycle=ctx.cycle, kind=ctx.kind, partner_name=ctx.partner_name,
            goals=ctx.goals, existing=ctx.existing, period=ctx.period))
