"""`/mentoring goals | pause | resume`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.blocks.goals import build_goals_modal
from bot.deps import Deps
from bot.services import goals
from bot.services import pauses as pausing
from bot.slack.ids import Sub

if TYPE_CHECKING:
    from handlers.commands import CommandRequest


def routes(deps: Deps) -> dict:
    return {Sub.GOALS: open_goals, Sub.PAUSE: pause, Sub.RESUME: resume}


def open_goals(req: CommandRequest) -> None:
    ctx, refusal = goals.open_goals(req.deps.db, team_id=req.team_id, user_id=req.user_id)
    if refusal:
        req.ack(text=refusal, response_type="ephemeral")
        return
    req.ack()
    req.client.views_open(trigger_id=req.body["trigger_id"], view=build_goals_modal(
        pair_id=ctx.pair.id, role=ctx.role, partner_id=ctx.partner_id, goals=ctx.goals,
        partner_goals=ctx.partner_goals))


def pause(req: CommandRequest) -> None:
    req.ack()  # the write below may wait for the database: answer Slack first
    answer = pausing.pause(req.deps, team_id=req.team_id, user_id=req.user_id, text=" ".join(req.args))
    req.respond(text=answer.reply, response_type="ephemeral")
    pausing.send(req.deps, req.client, team_id=req.team_id, item=answer.note)


def resume(req: CommandRequest) -> None:
    req.ack()
    answer = pausing.resume(req.deps, team_id=req.team_id, user_id=req.user_id)
    req.respond(text=answer.reply, response_type="ephemeral")
    pausing.send(req.deps, req.client, team_id=req.team_id, item=answer.note)
