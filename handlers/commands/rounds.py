"""`/mentoring match`: preview a matching round in the admin channel.

The router has already checked that an admin runs it in the admin channel (bot/admin.py).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from slack_sdk.errors import SlackApiError
from sqlalchemy.exc import SQLAlchemyError

from bot.blocks.rounds import build_working
from bot.deps import Deps
from bot.services import rounds
from bot.slack.ids import Sub

if TYPE_CHECKING:
    from handlers.commands import CommandRequest


log = logging.getLogger(__name__)

PREVIEW_FAILED = ("Sorry, something went wrong while I was preparing the preview, so there's no proposal "
                  "and nothing has changed. Please run the command again in a minute.")


def routes(deps: Deps) -> dict:
    return {Sub.MATCH: match}


def match(req: CommandRequest) -> None:
    already = rounds.open_proposal_reply(req.deps, req.client, team_id=req.team_id)
    if already is not None:
        req.ack(**already.message)
        return
    # Matching thousands of people takes a second or two: answer Slack first.
    req.ack(**build_working())
    try:
        reply = rounds.preview(req.deps, req.client, team_id=req.team_id, user_id=req.user_id)
    except (SQLAlchemyError, SlackApiError, OSError):
        # The admin was told a preview is coming: say it isn't, rather than leave them waiting.
        log.exception("The matching preview failed")
        req.respond(response_type="ephemeral", text=PREVIEW_FAILED)
        return
    if reply.message:
        req.respond(**reply.message)
