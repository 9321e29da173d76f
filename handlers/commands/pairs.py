"""`/mentoring goals | pause | resume`."""

from __future__ import annotations

from bot.blocks import goals as goals_words
from bot.blocks import pauses as pause_words
from bot.blocks.goals import build_goals_modal
from bot.delivery import notes
from bot.services import goals, pauses
from bot.services.errors import Refusal
from bot.slack.ids import Sub
from handlers.commands.request import CommandRequest


def routes() -> dict:
    return {Sub.GOALS: open_goals, Sub.PAUSE: pause, Sub.RESUME: resume}


def open_goals(req: CommandRequest) -> None:
    try:
        ctx = goals.open_goals(req.deps.db, team_id=req.team_id, user_id=req.user_id)
    except Refusal as e:
        req.ack(text=goals_words.refusal(e), response_type="ephemeral")
        return
    req.ack()
    req.client.views_open(trigger_id=req.trigger_id, view=build_goals_modal(
        pair_id=ctx.pair.id, role=ctx.role, partner_id=ctx.partner_id, goals=ctx.goals,
        partner_goals=ctx.partner_goals))


def pause(req: CommandRequest) -> None:
    req.ack()  # the write below may wait for the database: answer Slack first
    try:
        result = pauses.pause(req.deps, team_id=req.team_id, user_id=req.user_id, text=" ".join(req.args))
    except Refusal as e:
        req.respond(text=pause_words.pause_refusal(e), response_type="ephemeral")
        return
    req.respond(text=pause_words.paused_reply(result), response_type="ephemeral")
    req.deps.outbox.send_all(req.client, team_id=req.team_id, items=notes.pause_notes(
        result, admin_channel=req.deps.admins.channel(req.team_id)))


def resume(req: CommandRequest) -> None:
    req.ack()
    try:
        result = pauses.resume(req.deps, team_id=req.team_id, user_id=req.user_id)
    except Refusal as e:
        req.respond(text=pause_words.resume_refusal(e), response_type="ephemeral")
        return
    req.respond(text=pause_words.resumed_reply(result), response_type="ephemeral")
    req.deps.outbox.send_all(req.client, team_id=req.team_id, items=notes.resume_notes(result))
