"""An admin's "Message the pair": which pair, and whether it can be written to."""

from __future__ import annotations

from dataclasses import dataclass

from bot.services.errors import NotStarted, PairEnded, PairNotFound
from storage.db import Database
from storage.models import PAIR_ACTIVE
from storage.repositories import pairs as pairs_repo


@dataclass(frozen=True)
class NoteTarget:
    pair_id: int
    mentor_id: str
    mentee_id: str
    channel_id: str


def note_target(db: Database, *, team_id: str, pair_id: int | None) -> NoteTarget:
    """The pair's conversation; raises PairNotFound, PairEnded, or NotStarted (not introduced yet)."""
    if pair_id is None:
        raise PairNotFound()
    with db.session(read_only=True) as s:
        pair = pairs_repo.get(s, team_id=team_id, pair_id=pair_id)
    if pair is None:
        raise PairNotFound()
    if pair.status != PAIR_ACTIVE:
        raise PairEnded()
    if not pair.channel_id:
        raise NotStarted()
    return NoteTarget(pair.id, pair.mentor_user_id, pair.mentee_user_id, pair.channel_id)
