"""`/mentoring match`: preview a matching round in the admin channel.

The router has already checked that an admin runs it in the admin channel (bot/slack/admin.py).
"""

from __future__ import annotations

import logging

from slack_sdk.errors import SlackApiError
from sqlalchemy.exc import SQLAlchemyError

from bot.blocks.rounds import PREVIEW_FAILED, build_working, preview_reply
from bot.services import rounds
from bot.slack.ids import Sub
from bot.slack.round_board import SlackRoundBoard
from handlers.commands.request import CommandRequest

log = logging.getLogger(__name__)


def routes() -> dict:
    return {Sub.MATCH: match}


def match(req: CommandRequest) -> None:
    board = SlackRoundBoard(req.client, req.deps.admins.channel(req.team_id))
    already = rounds.open_proposal(req.deps, board, team_id=req.team_id)
    if already is not None:
        req.ack(**preview_reply(already))
        return
    # Matching thousands of people takes a second or two: answer Slack first.
    req.ack(**build_working())
    try:
        outcome = rounds.preview(req.deps, board, team_id=req.team_id, user_id=req.user_id)
    except (SQLAlchemyError, SlackApiError, OSError):
        # The admin was told a preview is coming: say it isn't, rather than leave them waiting.
        log.exception("The matching preview failed")
        req.respond(response_type="ephemeral", text=PREVIEW_FAILED)
        return
    reply = preview_reply(outcome)
    if reply:
        req.respond(**reply)
