"""Buttons that steer pairs: "End the pair" (admin channel, App Home, the health report), "Find a
new partner" after an end, and "Pair them anyway" / "Don't pair them" after `/mentoring pair`.

Each is for program admins only: in a channel, only the admin channel (bot/slack/admin.py); on
the App Home tab (no channel), any admin."""

from __future__ import annotations

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot.blocks import steering as words
from bot.blocks.admin import refusal_text
from bot.delivery import introductions
from bot.deps import Deps
from bot.services import steering
from bot.services.errors import Refusal
from bot.slack.admin import Refusal as AdminRefusal
from bot.slack.forms import clicked_value, positive_int, slack_user_id
from bot.slack.ids import Action, parse_hand_pair_value
from bot.slack.round_board import SlackRoundBoard
from bot.slack.trouble import explained


def channel_of(body: dict, context: BoltContext) -> str:
    return context.channel_id or (body.get("container") or {}).get("channel_id", "") \
        or (body.get("channel") or {}).get("id", "")


def admin_refusal(deps: Deps, client: WebClient, *, team_id: str, user_id: str, channel_id: str) -> AdminRefusal | None:
    """Why this person may not steer pairs from here (None: they may). Without a channel (the App
    Home tab, a modal) being an admin is enough."""
    if channel_id:
        return deps.admins.refusal(client, team_id=team_id, user_id=user_id, channel_id=channel_id)
    if deps.admins.is_admin(client, team_id=team_id, user_id=user_id):
        return None
    return AdminRefusal.NOT_AN_ADMIN


def register(app: App, deps: Deps) -> None:
    def refused(body: dict, context: BoltContext, client: WebClient, respond: Respond, what: str) -> bool:
        refusal = admin_refusal(deps, client, team_id=context.team_id, user_id=context.user_id,
                                channel_id=channel_of(body, context))
        if refusal is None:
            return False
        text = refusal_text(refusal, what=what, admin_channel=deps.admins.channel(context.team_id),
                            env_setting=not deps.settings.oauth)
        if body.get("response_url") or channel_of(body, context):
            respond(text=text, response_type="ephemeral", replace_original=False)
        else:  # the App Home tab: no message to answer under, so their DM with the app
            client.chat_postMessage(channel=context.user_id, text=text)
        return True

    @app.action(Action.END_PAIR)
    @explained
    def end_pair_open(ack: Ack, body: dict, context: BoltContext, client: WebClient, respond: Respond) -> None:
        ack()
        if refused(body, context, client, respond, "ending a pair"):
            return
        try:
            pair = steering.pair_to_end(deps, team_id=context.team_id, pair_id=positive_int(clicked_value(body)))
        except Refusal as e:
            text = words.end_refusal(e)
            if body.get("response_url"):
                respond(text=text, response_type="ephemeral", replace_original=False)
            else:
                client.chat_postMessage(channel=context.user_id, text=text)
            return
        client.views_open(trigger_id=body["trigger_id"], view=words.build_end_modal(pair))

    @app.action(Action.REMATCH)
    @explained
    def rematch(ack: Ack, body: dict, context: BoltContext, client: WebClient, respond: Respond) -> None:
        ack()
        if refused(body, context, client, respond, "finding someone a new partner"):
            return
        who = slack_user_id(clicked_value(body))
        if who is None:
            respond(text=words.NOT_A_PERSON_BUTTON, response_type="ephemeral", replace_original=False)
            return
        board = SlackRoundBoard(client, deps.admins.channel(context.team_id))
        try:
            outcome = steering.rematch(deps, board, team_id=context.team_id, user_id=who, by=context.user_id)
        except steering.NotInPool as e:
            respond(text=words.rematch_refusal(e), response_type="ephemeral", replace_original=False)
            return
        reply = words.rematch_reply(outcome)
        if reply:
            respond(**reply, replace_original=False)

    @app.action(Action.HAND_PAIR_CONFIRM)
    @explained
    def hand_pair_confirm(ack: Ack, body: dict, context: BoltContext, client: WebClient, respond: Respond) -> None:
        ack()
        if refused(body, context, client, respond, "pairing people by hand"):
            return
        parsed = parse_hand_pair_value(clicked_value(body))
        if parsed is None:
            respond(text=words.NOT_A_HAND_PAIR, response_type="ephemeral", replace_original=False)
            return
        try:
            result = steering.make_hand_pair(deps, team_id=context.team_id, mentor=parsed[0], mentee=parsed[1],
                                             by=context.user_id)
        except Refusal as e:
            respond(text=words.hand_pair_refusal(e), response_type="ephemeral", replace_original=True)
            return
        respond(delete_original=True)  # the question goes; the channel hears the answer
        respond(text=words.hand_paired_text(result, by=context.user_id), response_type="in_channel",
                replace_original=False)
        introductions.start_in_background(deps, result.round_id)

    @app.action(Action.HAND_PAIR_CANCEL)
    @explained
    def hand_pair_cancel(ack: Ack, respond: Respond) -> None:
        ack()
        respond(text=words.HAND_PAIR_CANCELLED, response_type="ephemeral", replace_original=True)
