"""Confirm, Cancel, Drop (a pair) and Previous/Next (pages) on a matching preview in the admin channel."""

from __future__ import annotations

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot.blocks.admin import refusal_text
from bot.blocks.rounds import NOT_A_ROUND, decision_reply, drop_reply
from bot.delivery import introductions
from bot.deps import Deps
from bot.services import rounds
from bot.slack.forms import clicked_value, positive_int
from bot.slack.ids import Action, parse_proposal_drop_value, parse_proposal_page_value
from bot.slack.round_board import SlackRoundBoard
from bot.slack.trouble import explained


def register(app: App, deps: Deps) -> None:
    def _decide(body: dict, context: BoltContext, client: WebClient, respond: Respond, what: str, *,
                confirm: bool) -> None:
        team_id, user_id = context.team_id, context.user_id
        channel_id = context.channel_id or (body.get("container") or {}).get("channel_id", "")
        refusal = deps.admins.refusal(client, team_id=team_id, user_id=user_id, channel_id=channel_id)
        admin_channel = deps.admins.channel(team_id)
        if refusal:
            respond(text=refusal_text(refusal, what=what, admin_channel=admin_channel,
                                      env_setting=not deps.settings.oauth),
                    response_type="ephemeral", replace_original=False)
            return
        round_id = positive_int(clicked_value(body))
        if round_id is None:
            respond(text=NOT_A_ROUND, response_type="ephemeral", replace_original=False)
            return
        board = SlackRoundBoard(client, admin_channel)
        if confirm:
            outcome = rounds.confirm(deps, board, team_id=team_id, round_id=round_id, user_id=user_id,
                                     introduce=lambda rid: introductions.start_in_background(deps, rid))
        else:
            outcome = rounds.cancel(deps, board, team_id=team_id, round_id=round_id, user_id=user_id)
        reply = decision_reply(outcome)
        if reply:
            respond(**reply, replace_original=False)

    @app.action(Action.MATCH_CONFIRM)
    @explained
    def match_confirm(ack: Ack, body: dict, context: BoltContext, client: WebClient, respond: Respond) -> None:
        ack()
        _decide(body, context, client, respond, "confirming a matching round", confirm=True)

    @app.action(Action.MATCH_CANCEL)
    @explained
    def match_cancel(ack: Ack, body: dict, context: BoltContext, client: WebClient, respond: Respond) -> None:
        ack()
        _decide(body, context, client, respond, "cancelling a matching round", confirm=False)

    def _refused(body: dict, context: BoltContext, client: WebClient, respond: Respond, what: str) -> bool:
        channel_id = context.channel_id or (body.get("container") or {}).get("channel_id", "")
        refusal = deps.admins.refusal(client, team_id=context.team_id, user_id=context.user_id, channel_id=channel_id)
        if refusal:
            respond(text=refusal_text(refusal, what=what, admin_channel=deps.admins.channel(context.team_id),
                                      env_setting=not deps.settings.oauth),
                    response_type="ephemeral", replace_original=False)
        return refusal is not None

    @app.action(Action.PROPOSAL_DROP)
    @explained
    def proposal_drop(ack: Ack, body: dict, context: BoltContext, client: WebClient, respond: Respond) -> None:
        ack()
        if _refused(body, context, client, respond, "dropping a pair from a matching round"):
            return
        parsed = parse_proposal_drop_value(clicked_value(body))
        if parsed is None:
            respond(text=NOT_A_ROUND, response_type="ephemeral", replace_original=False)
            return
        round_id, page, mentor, mentee = parsed
        board = SlackRoundBoard(client, deps.admins.channel(context.team_id))
        outcome = rounds.drop_pair(deps, board, team_id=context.team_id, round_id=round_id, mentor=mentor,
                                   mentee=mentee, user_id=context.user_id, page=page)
        reply = drop_reply(outcome)
        if reply:
            respond(**reply, replace_original=False)

    def _page(ack: Ack, body: dict, context: BoltContext, client: WebClient, respond: Respond) -> None:
        ack()
        if _refused(body, context, client, respond, "paging through a matching round"):
            return
        parsed = parse_proposal_page_value(clicked_value(body))
        if parsed is None:
            respond(text=NOT_A_ROUND, response_type="ephemeral", replace_original=False)
            return
        board = SlackRoundBoard(client, deps.admins.channel(context.team_id))
        outcome = rounds.show_page(deps, board, team_id=context.team_id, round_id=parsed[0], page=parsed[1])
        reply = decision_reply(outcome)
        if reply:
            respond(**reply, replace_original=False)

    app.action(Action.PROPOSAL_PAGE)(explained(_page))
    app.action(Action.PROPOSAL_PAGE_BACK)(explained(_page))
