"""A workspace's program settings (one row per workspace; absent means all defaults)."""

from __future__ import annotations

from sqlmodel import Session

from storage.models import ProgramSettings


def get(session: Session, *, team_id: str) -> ProgramSettings:
    """The workspace's program settings; an unsaved row of defaults when it has none."""
    row = session.get(ProgramSettings, team_id)
    return row if row is not None else ProgramSettings(team_id=team_id)
