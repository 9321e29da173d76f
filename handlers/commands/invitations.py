"""`/mentoring add alice@example.com bob@example.com`: an admin invites people by email address.

The router has already checked that an admin runs it in the admin channel and answered Slack;
each address is looked up in Slack, and each person found gets one invitation (ledgered: at
most one a day, whatever retries or repeats). The admin's answer says, per address, what
happened."""

from __future__ import annotations

from bot.blocks import invitations as words
from bot.delivery import keys
from bot.delivery.outbox import Item, Outcome
from bot.services import invitations
from bot.slack.ids import Sub
from bot.slack.lookup import lookup_emails
from handlers.commands.request import CommandRequest

_OUTCOMES = {Outcome.SENT: "invited", Outcome.DUPLICATE: "already_invited", Outcome.FAILED: "not_sent",
             Outcome.RETRY_LATER: "queued"}


def routes() -> dict:
    return {Sub.ADD: add}


def add(req: CommandRequest) -> None:
    if not req.args:
        req.ack(text=words.ADD_USAGE, response_type="ephemeral")
        return
    if len(req.args) > words.MAX_ADDRESSES:
        req.ack(text=words.TOO_MANY, response_type="ephemeral")
        return
    found = lookup_emails(req.client, req.args)
    inside = invitations.already_in(req.deps, team_id=req.team_id,
                                    user_ids=[f.user_id for f in found if f.user_id and not f.problem])
    today = req.deps.now().date()
    lines = []
    for f in found:
        if f.problem:
            lines.append((f.typed, f.problem, f.user_id, f.error))
        elif f.user_id in inside:
            lines.append((f.typed, "already_in", f.user_id, None))
        else:
            message = words.build_invitation(user_id=f.user_id, invited_by=req.user_id)
            item = Item(key=keys.join_invitation(f.user_id, today), kind="join_invitation", channel=f.user_id,
                        text=message["text"], blocks=message["blocks"], user_id=f.user_id)
            outcome = req.deps.outbox.send_once(req.client, team_id=req.team_id, item=item)
            lines.append((f.typed, _OUTCOMES.get(outcome, "queued"), f.user_id, None))
    req.ack(**words.build_add_reply(lines))
