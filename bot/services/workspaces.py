"""A workspace's life with the app: installed, uninstalled, its data deleted after the grace
period, and the admin channel its admins chose.

Uninstall (Slack's `app_uninstalled`, or `tokens_revoked` for the bot token): the time is
recorded at once, and from then on nothing is sent to the workspace: the dispatcher doesn't plan
for it, introductions and recovery skip it (the repositories leave it out), and its tokens are
forgotten (bot/slack/clients.py). Messages already recorded in the send ledger stay there, due,
for a reinstall. `DATA_GRACE_DAYS` (default 30) later, `delete_due` deletes every row of the
workspace, in every table that has a `team_id` (people, pairs, goals, check-ins, settings,
rounds, the ledger, its pace, its installation, its admin channel), and logs it; with `DATA_GRACE_DAYS=0` that
happens as soon as the uninstall is recorded. Installing the app again before then cancels the
deletion: everything is as it was.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.deps import Deps
from storage.repositories import workspaces as repo

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Installed:
    team_id: str
    deletion_cancelled: datetime | None  # when it had uninstalled the app, if it had


@dataclass(frozen=True)
class Uninstalled:
    team_id: str
    uninstalled_at: datetime
    deleted_on: datetime  # when its data goes (now, with DATA_GRACE_DAYS=0)
    deleted: dict[str, int] | None  # rows deleted per table, when that was at once


@dataclass(frozen=True)
class Deleted:
    team_id: str
    uninstalled_at: datetime
    rows: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.rows.values())


def _grace(deps: Deps) -> timedelta:
    return timedelta(days=deps.settings.data_grace_days)


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


def working_again(deps: Deps, *, team_id: str) -> datetime | None:
    """One bot token: the bot started with a token that works for the workspace, so the app is
    installed there again. Cancels a pending deletion (returns when it had been uninstalled);
    records nothing otherwise."""
    with deps.db.session() as s:
        if not repo.is_uninstalled(s, team_id=team_id):
            return None
        cancelled = repo.record_install(s, team_id=team_id, enterprise_id=None, at=deps.now())
    log.info("Workspace %s works with the bot again (it had uninstalled the app on %s): its data stays, and "
             "nothing will be deleted", team_id, f"{cancelled:%Y-%m-%d %H:%M} UTC")
    return cancelled


def uninstalled(deps: Deps, *, team_id: str, why: str) -> Uninstalled:
    """Slack said the app was uninstalled from the workspace (or its bot token revoked): nothing
    is sent there from now on, and its data is deleted after the grace period."""
    with deps.db.session() as s:
        at = repo.record_uninstall(s, team_id=team_id, at=deps.now())
    deleted_on = at + _grace(deps)
    if deps.settings.data_grace_days == 0:
        log.info("Workspace %s %s: sending stopped; its data is deleted now (DATA_GRACE_DAYS=0)", team_id, why)
        done = delete_team(deps, team_id=team_id)
        return Uninstalled(team_id, at, deleted_on, done.rows if done else {})
    log.info("Workspace %s %s: sending stopped; its data will be deleted on %s (DATA_GRACE_DAYS=%d) unless "
             "it installs the app again before then", team_id, why, f"{deleted_on:%Y-%m-%d %H:%M} UTC",
             deps.settings.data_grace_days)
    return Uninstalled(team_id, at, deleted_on, None)


def delete_team(deps: Deps, *, team_id: str) -> Deleted | None:
    """Delete the workspace's data now if it is due (uninstalled at least the grace period ago,
    and not installed again since)."""
    cutoff = deps.now() - _grace(deps)
    with deps.db.session() as s:
        row = repo.get(s, team_id=team_id)
        uninstalled_at = row.uninstalled_at if row is not None else None
        rows = repo.delete_team_data(s, team_id=team_id, uninstalled_before=cutoff)
    if rows is None or uninstalled_at is None:
        return None
    done = Deleted(team_id, uninstalled_at, rows)
    kept = {t: n for t, n in sorted(rows.items()) if n}
    log.info("Deleted the data of workspace %s, which uninstalled the app on %s: %d rows (%s)", team_id,
             f"{uninstalled_at:%Y-%m-%d %H:%M} UTC", done.total,
             ", ".join(f"{t} {n}" for t, n in kept.items()) or "nothing else was stored")
    return done


def delete_due(deps: Deps) -> list[Deleted]:
    """Delete the data of every workspace whose grace period is over (a background job)."""
    with deps.db.session(read_only=True) as s:
        due = repo.due_for_deletion(s, uninstalled_before=deps.now() - _grace(deps))
    return [d for w in due if (d := delete_team(deps, team_id=w.team_id)) is not None]


def set_admin_channel(deps: Deps, *, team_id: str, channel_id: str) -> str | None:
    """Make the channel the workspace's admin channel; returns the one it had before."""
    with deps.db.session() as s:
        before = repo.set_admin_channel(s, team_id=team_id, channel_id=channel_id)
    log.info("Workspace %s's admin channel is now %s (was %s)", team_id, channel_id,
             before or deps.settings.admin_channel or "none")
    return before or deps.settings.admin_channel
