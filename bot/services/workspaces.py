"""The admin channel each workspace's admins chose in Slack (`/mentoring admin-channel`)."""

from __future__ import annotations

import logging

from bot.deps import Deps
from storage.repositories import workspaces as repo

log = logging.getLogger(__name__)


def set_admin_channel(deps: Deps, *, team_id: str, channel_id: str) -> str | None:
    """Make the channel the workspace's admin channel; returns the one it had before."""
    with deps.db.session() as s:
        before = repo.set_admin_channel(s, team_id=team_id, channel_id=channel_id)
    log.info("Workspace %s's admin channel is now %s (was %s)", team_id, channel_id,
             before or deps.settings.admin_channel or "none")
    return before or deps.settings.admin_channel
