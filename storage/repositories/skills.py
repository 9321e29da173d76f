"""Skill entries: a workspace's changes to the built-in skill catalog.

Keyword-only functions over a Session; no commits, no Slack."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from storage.models import SkillEntry


def entries(session: Session, *, team_id: str) -> list[SkillEntry]:
    """The workspace's entries, oldest change first (added skills keep the order they were added in)."""
    return list(session.exec(select(SkillEntry).where(SkillEntry.team_id == team_id)
                             .order_by(col(SkillEntry.updated_at), col(SkillEntry.key))))


def put(session: Session, *, team_id: str, key: str, label: str, group: str, retired_at: datetime | None,
        by: str, at: datetime, created: bool) -> SkillEntry:
    """Write the workspace's entry for `key` (locked first). `created`: an added skill, whose row
    must not exist yet (a unique violation tells the caller someone got there first)."""
    row = None if created else session.get(SkillEntry, (team_id, key), with_for_update=True)
    if row is None:
        row = SkillEntry(team_id=team_id, key=key, label=label, group=group, retired_at=retired_at, updated_by=by,
                         updated_at=at)
    else:
        row.label, row.group, row.retired_at, row.updated_by = label, group, retired_at, by
        # updated_at keeps the order of added skills: it stays the time the row was first written
    session.add(row)
    session.flush()
    return row
