"""The end-a-pair modal's submission: the reason is checked (field errors keep the modal open),
the pair ends once, and both people and the admin channel are told once (ledgered)."""

from __future__ import annotations

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot.blocks import steering as words
from bot.delivery import keys
from bot.delivery.outbox import Item
from bot.deps import Deps
from bot.services import steering
from bot.services.errors import Refusal
from bot.slack import forms
from bot.slack.ids import EndBlock, View
from bot.slack.trouble import explained


def notes(ended: steering.Ended, admin_channel: str | None) -> list[Item]:
    """A kind note to each of the two still in the program, and the admins' record."""
    items = [Item(key=keys.pair_ended_by_admin(ended.pair_id, uid), kind="pair_ended", channel=uid,
                  text=words.pair_ended_person_note(user_id=uid, partner_id=ended.mentee if uid == ended.mentor
                                                    else ended.mentor),
                  pair_id=ended.pair_id, user_id=uid)
             for uid in ended.tell]
    if admin_channel:
        message = words.build_pair_ended_admins(ended)
        items.append(Item(key=keys.pair_ended_admins(ended.pair_id), kind="pair_ended_admin", channel=admin_channel,
                          text=message["text"], blocks=message["blocks"], pair_id=ended.pair_id))
    return items


def register(app: App, deps: Deps) -> None:
    @app.view(View.END_PAIR)
    @explained
    def end_pair_submitted(ack: Ack, view: dict, context: BoltContext, client: WebClient) -> None:
        team_id, user_id = context.team_id, context.user_id
        if not deps.admins.is_admin(client, team_id=team_id, user_id=user_id):
            ack(response_action="errors", errors={EndBlock.REASON: words.END_NOT_AN_ADMIN})
            return
        answer, errors = forms.parse_end_submission(forms.state_values(view), reasons=steering.END_REASONS,
                                                    max_note=words.MAX_END_NOTE)
        if errors:
            ack(response_action="errors", errors=errors)
            return
        reason, note = answer
        pair_id = forms.positive_int(view.get("private_metadata"))
        try:
            ended = steering.end_pair(deps, team_id=team_id, pair_id=pair_id, by=user_id, reason=reason, note=note)
        except steering.PairAlreadyEnded as e:
            if e.ended is not None:  # a retry of this very submission: make sure both are told
                deps.outbox.deliver_all(client, deps.outbox.claim_ids(
                    team_id=team_id, items=notes(e.ended, deps.admins.channel(team_id))))
            ack(response_action="errors", errors={EndBlock.REASON: words.end_refusal(e)})
            return
        except Refusal as e:
            ack(response_action="errors", errors={EndBlock.REASON: words.end_refusal(e)})
            return
        # In the ledger before anything else can fail: what isn't delivered below, recovery sends.
        claimed = deps.outbox.claim_ids(team_id=team_id, items=notes(ended, deps.admins.channel(team_id)))
        ack()
        deps.outbox.deliver_all(client, claimed)
