"""`/mentoring join | status | leave`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.blocks.onboarding import (
    build_join_modal,
    build_leave_confirm,
    build_not_a_member_message,
    build_status_message,
    standing_line,
)
from bot.deps import Deps
from bot.services import onboarding
from bot.slack.ids import Sub

if TYPE_CHECKING:
    from handlers.commands import CommandRequest


def routes(deps: Deps) -> dict:
    return {Sub.JOIN: join, Sub.STATUS: status, Sub.LEAVE: leave}


def join(req: CommandRequest) -> None:
    req.ack()
    profile = onboarding.get_profile(req.deps.db, team_id=req.team_id, user_id=req.user_id)
    # Someone who left and comes back sees their old answers (unless they asked for deletion).
    req.client.views_open(trigger_id=req.body["trigger_id"], view=build_join_modal(profile))


def status_text(deps: Deps, *, team_id: str, user_id: str):
    st = onboarding.standing(deps.db, team_id=team_id, user_id=user_id)
    line = standing_line(st.profile, partner_id=st.partner_id, partner_role=st.partner_role,
                         paired_since=st.paired_since, today=deps.now().date(), partners=st.pairs)
    return st, line


def status(req: CommandRequest) -> None:
    st, line = status_text(req.deps, team_id=req.team_id, user_id=req.user_id)
    profile = st.profile if st.profile is not None and st.profile.status != "left" else None
    req.ack(**build_status_message(profile, standing=line))


def leave(req: CommandRequest) -> None:
    st = onboarding.standing(req.deps.db, team_id=req.team_id, user_id=req.user_id)
    if st.profile is None or st.profile.status == "left":
        req.ack(text=build_not_a_member_message(), response_type="ephemeral")
        return
    req.ack(**build_leave_confirm(in_pair=st.partner_id is not None))
