"""`/mentoring end @person` and `/mentoring pair @a @b`: steering pairs from the admin channel.

The router has already checked that an admin runs them in the admin channel (bot/slack/admin.py)
and answered Slack; replies go through the response URL (`req.ack` does that here)."""

from __future__ import annotations

from bot.blocks import steering as words
from bot.delivery import introductions
from bot.services import steering
from bot.services.errors import Refusal
from bot.slack.forms import mentioned_user
from bot.slack.ids import Sub
from handlers.commands.request import CommandRequest


def routes() -> dict:
    return {Sub.END: end, Sub.PAIR: pair}


def end(req: CommandRequest) -> None:
    who = mentioned_user(req.args[0]) if len(req.args) == 1 else None
    if who is None:
        req.ack(text=words.END_USAGE, response_type="ephemeral")
        return
    try:
        pairs = steering.pairs_of(req.deps, team_id=req.team_id, user_id=who)
    except Refusal as e:
        req.ack(text=words.end_refusal(e), response_type="ephemeral")
        return
    if len(pairs) > 1:
        req.ack(**words.build_choose_pair(who, pairs))
        return
    req.client.views_open(trigger_id=req.trigger_id, view=words.build_end_modal(pairs[0]))


def pair(req: CommandRequest) -> None:
    ids = [mentioned_user(w) for w in req.args]
    if len(ids) != 2 or None in ids:
        req.ack(text=words.PAIR_USAGE, response_type="ephemeral")
        return
    a, b = ids
    try:
        check = steering.check_hand_pair(req.deps, team_id=req.team_id, a=a, b=b)
    except Refusal as e:
        req.ack(text=words.hand_pair_refusal(e), response_type="ephemeral")
        return
    if check.broken:
        req.ack(**words.build_hand_pair_check(check))
        return
    pair_by_hand(req.deps, req.client, req.respond, team_id=req.team_id, user_id=req.user_id,
                 mentor=check.mentor, mentee=check.mentee)


def pair_by_hand(deps, client, respond, *, team_id: str, user_id: str, mentor: str, mentee: str) -> None:
    """Make the pair, say so in the admin channel, and start its introduction (as a round's)."""
    try:
        result = steering.make_hand_pair(deps, team_id=team_id, mentor=mentor, mentee=mentee, by=user_id)
    except Refusal as e:
        respond(text=words.hand_pair_refusal(e), response_type="ephemeral", replace_original=False)
        return
    respond(text=words.hand_paired_text(result, by=user_id), response_type="in_channel", replace_original=False)
    introductions.start_in_background(deps, result.round_id)
