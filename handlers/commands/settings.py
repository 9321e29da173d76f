"""`/mentoring settings`: the program settings in a modal (admins, in the admin channel; the
router has checked). Its submission is handled in handlers/submissions/settings.py."""

from __future__ import annotations

from bot.blocks.settings import build_settings_modal
from bot.services import workspace_settings
from bot.slack.ids import Sub
from handlers.commands.request import CommandRequest


def routes() -> dict:
    return {Sub.SETTINGS: open_settings}


def open_settings(req: CommandRequest) -> None:
    row = workspace_settings.get(req.deps.db, team_id=req.team_id)
    req.client.views_open(trigger_id=req.trigger_id, view=build_settings_modal(row))
