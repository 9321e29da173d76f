"""The health report in the admin channel: its messages through the send ledger, and its chart
uploaded once (bot/delivery/uploads.py), for `/mentoring report` and the weekly digest; and the
export's CSV files, uploaded once, for `/mentoring export` and the App Home's Export button."""

from __future__ import annotations

import logging

from sqlalchemy.exc import SQLAlchemyError

from bot.blocks.chart import chart_title, draw_chart
from bot.blocks.export import EXPORT_FAILED, EXPORT_LOST, EXPORT_REFUSED, WRITERS, export_comment
from bot.blocks.report import CHART_COMMENT, CHART_LOST, report_messages
from bot.delivery import keys
from bot.delivery.outbox import Item, Outbox, Outcome
from bot.delivery.uploads import FILE_KIND, Upload, upload_once
from bot.deps import Deps
from bot.services import export as export_service
from bot.services.report import Report

log = logging.getLogger(__name__)

REPORT_KIND = "report"


def report_items(report: Report, *, channel: str, request: str) -> list[Item]:
    """The report's messages, each under its own key for this request."""
    return [Item(key=keys.report(report.team_id, request, n), kind=REPORT_KIND, channel=channel,
                 text=m["text"], blocks=m["blocks"])
            for n, m in enumerate(report_messages(report), start=1)]


def share_chart(outbox: Outbox, client, report: Report, *, channel: str, request: str) -> Outcome | None:
    """Draw the report's chart and share it in the channel once; None when there is nothing to draw yet."""
    key = keys.report_chart(report.team_id, request)
    png = draw_chart(report.weeks, cohort=report.cohort is not None)
    if png is None:
        # Recorded, so that the weekly digest doesn't keep coming back for a chart there isn't.
        outbox.record_stale(team_id=report.team_id, items=[Item(key=key, kind=FILE_KIND, channel=channel, text="")],
                            reason="skipped: no check-in asked yet, nothing to chart")
        return None
    return upload_once(outbox, client, team_id=report.team_id, key=key,
                       channel=channel, comment=CHART_COMMENT, fallback=CHART_LOST,
                       uploads=[Upload("program-health.png", png, chart_title(cohort=report.cohort is not None))])


def share_export(deps: Deps, client, *, team_id: str, channel: str, request: str) -> str | None:
    """Upload pairs.csv, people.csv and checkins.csv to the channel, once for `request`; what went
    wrong, in words, or None."""
    try:
        data = export_service.build(deps.db, team_id=team_id, now=deps.now())
    except SQLAlchemyError:
        log.exception("The export failed")
        return EXPORT_FAILED
    files = [Upload(f"{kind}.csv", writer(data).encode("utf-8"), f"{kind}.csv") for kind, writer in WRITERS.items()]
    outcome = upload_once(deps.outbox, client, team_id=team_id, key=keys.export(team_id, request), channel=channel,
                          uploads=files, comment=export_comment(data), fallback=EXPORT_LOST)
    return EXPORT_REFUSED if outcome is Outcome.FAILED else None
