"""A workspace's life with the app: installed over OAuth, and the admin channel its admins chose
in Slack (`/mentoring admin-channel`)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from bot.deps import Deps
from storage.repositories import workspaces as repo

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Installed:
    team_id: str
    deletion_cancelled: datetime | None  # when it had uninstalled the app, if it had


def installed(deps: Deps, *, team_id: str, enterprise_id: str | None) -> Installed:
    """The workspace installed the app (again), over OAuth."""
    with deps.db.session() as s:
        cancelled = repo.record_install(s, team_id=team_id, enterprise_id=enterprise_id, at=deps.now())
    if cancelled is not None:
        log.info("Workspace %s installed the app again (it had uninstalled it on %s): its data stays, and "
                 "nothing will be deleted", team_id, f"{cancelled:%Y-%m-%d %H:%M} UTC")
    else:
        log.info("Workspace %s installed the app", team_id)
    return Installed(team_id, cancelled)


def set_admin_channel(deps: Deps, *, team_id: str, channel_id: str) -> str | None:
    """Make the channel the workspace's admin channel; returns the one it had before."""
    with deps.db.session() as s:
        before = repo.set_admin_channel(s, team_id=team_id, channel_id=channel_id)
    log.info("Workspace %s's admin channel is now %s (was %s)", team_id, channel_id,
             before or deps.settings.admin_channel or "none")
    return before or deps.settings.admin_channel
