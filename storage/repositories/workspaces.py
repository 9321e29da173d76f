"""Workspaces: the admin channel each chose, when it installed or uninstalled the app, and the
deletion of an uninstalled workspace's data.

Keyword-only functions over a Session; no commits, no Slack.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, delete, exists
from sqlmodel import Session, SQLModel, col, select

from storage.models import SLACK_BOTS, SLACK_INSTALLATIONS, Workspace


def not_uninstalled(team_id_column) -> ColumnElement[bool]:
    """SQL: the row's workspace has not uninstalled the app (nothing may be sent to it)."""
    return ~exists().where(col(Workspace.team_id) == team_id_column, col(Workspace.uninstalled_at).is_not(None))


def get(session: Session, *, team_id: str) -> Workspace | None:
    return session.get(Workspace, team_id)


def admin_channel(session: Session, *, team_id: str) -> str | None:
    """The admin channel the workspace chose in Slack, if any."""
    return session.exec(select(Workspace.admin_channel).where(Workspace.team_id == team_id)).first()


def set_admin_channel(session: Session, *, team_id: str, channel_id: str) -> str | None:
    """Make `channel_id` the workspace's admin channel; returns the one it replaces."""
    row = session.get(Workspace, team_id, with_for_update=True)
    if row is None:
        session.add(Workspace(team_id=team_id, admin_channel=channel_id))
        session.flush()
        return None
    before = row.admin_channel
    row.admin_channel = channel_id
    session.add(row)
    return before


def record_install(session: Session, *, team_id: str, enterprise_id: str | None, at: datetime) -> datetime | None:
    """The workspace installed the app (again). Returns when it had uninstalled it, if it had: that
    uninstall's deletion is now cancelled."""
    row = session.get(Workspace, team_id, with_for_update=True)
    if row is None:
        session.add(Workspace(team_id=team_id, enterprise_id=enterprise_id, installed_at=at))
        session.flush()
        return None
    cancelled = row.uninstalled_at
    row.enterprise_id = enterprise_id
    row.installed_at = at
    row.uninstalled_at = None
    session.add(row)
    return cancelled


def record_uninstall(session: Session, *, team_id: str, at: datetime) -> datetime:
    """The workspace uninstalled the app (or revoked its token): returns when that happened
    first (a second event for the same uninstall doesn't push the deletion back)."""
    row = session.get(Workspace, team_id, with_for_update=True)
    if row is None:
        session.add(Workspace(team_id=team_id, uninstalled_at=at))
        session.flush()
        return at
    if row.uninstalled_at is None:
        row.uninstalled_at = at
        session.add(row)
    return row.uninstalled_at


def is_uninstalled(session: Session, *, team_id: str) -> bool:
    return session.exec(select(Workspace.team_id).where(
        Workspace.team_id == team_id, col(Workspace.uninstalled_at).is_not(None))).first() is not None


def due_for_deletion(session: Session, *, uninstalled_before: datetime) -> list[Workspace]:
    """Workspaces that uninstalled the app at or before `uninstalled_before`, oldest first."""
    return list(session.exec(select(Workspace).where(
        col(Workspace.uninstalled_at).is_not(None), col(Workspace.uninstalled_at) <= uninstalled_before,
    ).order_by(col(Workspace.uninstalled_at))))


def team_tables() -> list:
    """Every table with a `team_id` column, dependents before what they depend on."""
    return [t for t in reversed(SQLModel.metadata.sorted_tables) if "team_id" in t.c]


def delete_team_data(session: Session, *, team_id: str, uninstalled_before: datetime) -> dict[str, int] | None:
    """Delete every row of the workspace, in every table that has a `team_id`, provided it is
    still uninstalled since `uninstalled_before` or earlier (checked and locked first, in this
    transaction: a reinstall that got there first wins). Returns rows deleted per table, or None
    when the workspace isn't due. Installations newer than the uninstall are kept, so a reinstall
    racing this deletion keeps its token."""
    row = session.get(Workspace, team_id, with_for_update=True)
    if row is None or row.uninstalled_at is None or row.uninstalled_at > uninstalled_before:
        return None
    uninstalled_at = row.uninstalled_at
    counts: dict[str, int] = {}
    for table in team_tables():
        stmt = delete(table).where(table.c.team_id == team_id)
        if table in (SLACK_BOTS, SLACK_INSTALLATIONS):  # slack_sdk stores naive UTC times
            stmt = stmt.where(table.c.installed_at <= uninstalled_at.replace(tzinfo=None))
        counts[table.name] = session.execute(stmt).rowcount or 0
    return counts
