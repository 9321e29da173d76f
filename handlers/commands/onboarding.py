"""`/mentoring join | status | leave`."""

from __future__ import annotations

from bot.blocks.onboarding import (
    build_already_left,
    build_join_modal,
    build_leave_confirm,
    build_not_a_member_message,
    build_status,
)
from bot.services import onboarding, skills
from bot.slack.ids import Sub
from handlers.commands.request import CommandRequest


def routes() -> dict:
    return {Sub.JOIN: join, Sub.STATUS: status, Sub.LEAVE: leave}


def join(req: CommandRequest) -> None:
    req.ack()
    profile = onboarding.get_profile(req.deps.db, team_id=req.team_id, user_id=req.user_id)
    # Someone who left and comes back sees their old answers (unless they asked for deletion).
    req.client.views_open(trigger_id=req.trigger_id, view=build_join_modal(
        profile, skills.catalog_for(req.deps.db, team_id=req.team_id)))


def status(req: CommandRequest) -> None:
    st = onboarding.standing(req.deps.db, team_id=req.team_id, user_id=req.user_id)
    req.ack(**build_status(st, today=req.deps.now().date(),
                           skills=skills.catalog_for(req.deps.db, team_id=req.team_id)))


def leave(req: CommandRequest) -> None:
    st = onboarding.standing(req.deps.db, team_id=req.team_id, user_id=req.user_id)
    if st.profile is None:
        req.ack(text=build_not_a_member_message(), response_type="ephemeral")
        return
    if st.profile.status == "left":
        req.ack(**build_already_left(has_data=True))
        return
    req.ack(**build_leave_confirm(in_pair=st.partner_id is not None))
