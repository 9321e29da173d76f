"""Admin buttons on the health report (admin channel) and on an admin's App Home: "Message the pair"."""

from __future__ import annotations

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot.blocks import report as words
from bot.blocks.admin import refusal_text
from bot.delivery import keys
from bot.delivery.outbox import Item, Outcome
from bot.deps import Deps
from bot.services import pair_notes
from bot.services.errors import NotStarted, PairEnded, Refusal
from bot.slack.forms import clicked_value, positive_int
from bot.slack.ids import Action
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
            if _from_home(body):  # no response URL on the Home tab: a DM from the app
                client.chat_postMessage(channel=context.user_id, text=text)
            else:
                respond(text=text, response_type="ephemeral", replace_original=False)
        return tell

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
