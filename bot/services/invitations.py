"""`/mentoring add`: which of the people an admin named are already in the program (the others
get an invitation to join, once a day at most: bot/delivery/keys.py `invitation`)."""

from __future__ import annotations

from collections.abc import Iterable

from bot.deps import Deps
from storage.models import PARTICIPANT_LEFT
from storage.repositories import participants as people


def already_in(deps: Deps, *, team_id: str, user_ids: Iterable[str]) -> set[str]:
    """Those of `user_ids` who are signed up now (taking a break counts; having left doesn't)."""
    with deps.db.session(read_only=True) as s:
        views = people.import_views(s, team_id=team_id, user_ids=list(user_ids))
    return {uid for uid, v in views.items() if v.status != PARTICIPANT_LEFT}
