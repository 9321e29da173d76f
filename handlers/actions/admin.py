"""Buttons on the health report (admin channel) and on the App Home: "Message the pair", and the
Home tab's "Run a matching round", "Export", "Take a break" and "I'm back"."""

from __future__ import annotations

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot.blocks import pauses as pause_words
from bot.blocks import report as words
from bot.blocks.admin import refusal_text
from bot.blocks.rounds import preview_reply
from bot.delivery import keys, notes
from bot.delivery.outbox import Item, Outcome
from bot.delivery.reports import share_export
from bot.deps import Deps
from bot.services import pair_notes, pauses, rounds
from bot.services.errors import NotStarted, PairEnded, Refusal
from bot.slack import home
from bot.slack.admin import Refusal as AdminRefusal
from bot.slack.forms import clicked_value, positive_int
from bot.slack.ids import Action
from bot.slack.round_board import SlackRoundBoard
from bot.slack.trouble import explained

_REFUSALS = {PairEnded: words.PAIR_NOT_ACTIVE, NotStarted: words.PAIR_NO_CONVERSATION}


def _from_home(body: dict) -> bool:
    return (body.get("container") or {}).get("type") == "view"


def register(app: App, deps: Deps) -> None:
    def allowed(body: dict, context: BoltContext, client: WebClient, what: str, tell) -> bool:
        team_id, user_id = context.team_id, context.user_id
        if _from_home(body):
            if deps.admins.is_admin(client, team_id=team_id, user_id=user_id):
                return True
            tell(words.HOME_NOT_AN_ADMIN)
            return False
        channel_id = context.channel_id or (body.get("container") or {}).get("channel_id", "")
        refusal = deps.admins.refusal(client, team_id=team_id, user_id=user_id, channel_id=channel_id)
        if refusal:
            tell(refusal_text(refusal, what=what, admin_channel=deps.admins.channel(team_id),
                              env_setting=not deps.settings.oauth))
            return False
        return True

    def teller(body: dict, context: BoltContext, client: WebClient, respond: Respond):
        def tell(text: str) -> None:
            if _from_home(body):  # no response URL on the Home tab: the tab again, with a note on top
                home.publish(deps, client, team_id=context.team_id, user_id=context.user_id, notice=text)
            else:
                respond(text=text, response_type="ephemeral", replace_original=False)
        return tell

    def home_admin(body: dict, context: BoltContext, client: WebClient, respond: Respond, what: str):
        """(the admin channel, tell) when an admin clicked on their Home tab; None having said why not."""
        tell = teller(body, context, client, respond)
        channel = deps.admins.channel(context.team_id)
        if not channel:
            tell(refusal_text(AdminRefusal.NO_ADMIN_CHANNEL, what=what, admin_channel=None,
                              env_setting=not deps.settings.oauth))
            return None
        if not deps.admins.is_admin(client, team_id=context.team_id, user_id=context.user_id):
            tell(words.HOME_NOT_AN_ADMIN)
            return None
        return channel, tell

    @app.action(Action.HOME_MATCH)
    @explained
    def home_match(ack: Ack, body: dict, context: BoltContext, client: WebClient, respond: Respond) -> None:
        ack()
        checked = home_admin(body, context, client, respond, "running a matching round")
        if checked is None:
            return
        channel, tell = checked
        board = SlackRoundBoard(client, channel)
        outcome = rounds.open_proposal(deps, board, team_id=context.team_id)
        if outcome is None:
            outcome = rounds.preview(deps, board, team_id=context.team_id, user_id=context.user_id)
        reply = preview_reply(outcome)
        tell(reply["text"] if reply else words.preview_posted(channel))

    @app.action(Action.HOME_EXPORT)
    @explained
    def home_export(ack: Ack, body: dict, context: BoltContext, client: WebClient, respond: Respond) -> None:
        ack()
        checked = home_admin(body, context, client, respond, "exporting the program's data")
        if checked is None:
            return
        channel, tell = checked
        problem = share_export(deps, client, team_id=context.team_id, channel=channel,
                               request=body.get("trigger_id") or f"{context.user_id}:{deps.now().isoformat()}")
        tell(problem or words.export_posted(channel))

    @app.action(Action.HOME_PAUSE)
    @explained
    def home_pause(ack: Ack, body: dict, context: BoltContext, client: WebClient, respond: Respond) -> None:
        ack()
        action = (body.get("actions") or [{}])[0]
        choice = ((action.get("selected_option") or {}).get("value") or "") if isinstance(action, dict) else ""
        try:
            result = pauses.pause(deps, team_id=context.team_id, user_id=context.user_id,
                                  text="" if choice == "open" else choice)
        except Refusal as e:
            home.publish(deps, client, team_id=context.team_id, user_id=context.user_id,
                         notice=pause_words.pause_refusal(e))
            return
        deps.outbox.send_all(client, team_id=context.team_id, items=notes.pause_notes(result))
        home.publish(deps, client, team_id=context.team_id, user_id=context.user_id,
                     notice=pause_words.paused_reply(result))

    @app.action(Action.HOME_RESUME)
    @explained
    def home_resume(ack: Ack, body: dict, context: BoltContext, client: WebClient, respond: Respond) -> None:
        ack()
        try:
            result = pauses.resume(deps, team_id=context.team_id, user_id=context.user_id)
        except Refusal as e:
            home.publish(deps, client, team_id=context.team_id, user_id=context.user_id,
                         notice=pause_words.resume_refusal(e))
            return
        deps.outbox.send_all(client, team_id=context.team_id, items=notes.resume_notes(result))
        home.publish(deps, client, team_id=context.team_id, user_id=context.user_id,
                     notice=pause_words.resumed_reply(result))

    @app.action(Action.MESSAGE_PAIR)
    @explained
    def message_pair(ack: Ack, body: dict, context: BoltContext, client: WebClient, respond: Respond) -> None:
        ack()
        tell = teller(body, context, client, respond)
        if not allowed(body, context, client, "messaging a pair", tell):
            return
        try:
            target = pair_notes.note_target(deps.db, team_id=context.team_id,
                                            pair_id=positive_int(clicked_value(body)))
        except Refusal as e:
            tell(_REFUSALS.get(type(e), words.PAIR_NOT_FOUND))
            return
        msg = words.pair_nudge(mentor=target.mentor_id, mentee=target.mentee_id)
        outcome = deps.outbox.send_once(client, team_id=context.team_id, item=Item(
            key=keys.pair_note(target.pair_id, deps.now().date()), kind="pair_note", channel=target.channel_id,
            text=msg["text"], blocks=msg["blocks"], pair_id=target.pair_id, user_id=context.user_id))
        if outcome is Outcome.SENT:
            tell(words.pair_nudged(mentor=target.mentor_id, mentee=target.mentee_id))
        elif outcome is Outcome.DUPLICATE:
            tell(words.pair_already_nudged(mentor=target.mentor_id, mentee=target.mentee_id))
        else:
            tell(words.PAIR_NUDGE_FAILED)
