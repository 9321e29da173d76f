"""`/mentoring report`: the program health report, posted in the admin channel, with its chart.
`/mentoring export`: the program's pairs, people and check-ins as CSV files in the admin channel.

The router has already answered Slack and checked that an admin runs it in the admin channel
(bot/slack/admin.py); the report is built, then posted for every admin to see.
"""

from __future__ import annotations

import logging

from slack_sdk.errors import SlackApiError
from sqlalchemy.exc import SQLAlchemyError

from bot.blocks.report import REPORT_FAILED
from bot.delivery.reports import report_items, share_chart, share_export
from bot.services import report as report_service
from bot.slack.ids import Sub
from handlers.commands.request import CommandRequest

log = logging.getLogger(__name__)


def routes() -> dict:
    return {Sub.REPORT: report, Sub.EXPORT: export}


def report(req: CommandRequest) -> None:
    channel = req.admin_channel or req.channel_id
    request = req.trigger_id or f"{req.user_id}:{req.deps.now().isoformat()}"
    try:
        built = report_service.build(req.deps.db, team_id=req.team_id, now=req.deps.now())
        req.deps.outbox.send_all(req.client, team_id=req.team_id,
                                 items=report_items(built, channel=channel, request=request))
    except (SQLAlchemyError, SlackApiError, OSError):
        log.exception("The health report failed")
        req.respond(response_type="ephemeral", text=REPORT_FAILED)
        return
    share_chart(req.deps.outbox, req.client, built, channel=channel, request=request)


def export(req: CommandRequest) -> None:
    request = req.trigger_id or f"{req.user_id}:{req.deps.now().isoformat()}"
    problem = share_export(req.deps, req.client, team_id=req.team_id, channel=req.admin_channel or req.channel_id,
                           request=request)
    if problem:
        req.respond(response_type="ephemeral", text=problem)
