"""Goals: who may open the goals modal, and storing what they set, in one transaction.

The mentee of a pair sets one to three development goals; the mentor adds what they'd like to
learn back. Both are `Goal` rows of the pair (role "mentee" / "mentor"), one per modal slot. The
modal is read into `GoalSlot`s by bot/slack/forms.py; refusals are `bot.services.errors`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from bot.domain.timezones import local_today
from bot.services.errors import (
    HasLeft,
    NotInPair,
    NotMatched,
    NotSignedUp,
    PairEnded,
    PairNotFound,
    ProgramComplete,
    RoleChanged,
)
from storage.db import Database
from storage.models import GOAL_MENTEE, GOAL_MENTOR, PAIR_ACTIVE, PARTICIPANT_LEFT, Goal, Pair
from storage.repositories import erasure
from storage.repositories import goals as goals_repo
from storage.repositories import pairs as pairs_repo
from storage.repositories import participants as people
from storage.repositories.goals import GoalSlot

__all__ = ["GoalSlot", "GoalsContext", "SaveResult", "open_goals", "role_in", "save_goals", "submission"]


@dataclass(frozen=True)
class GoalsContext:
    pair: Pair
    role: str
    partner_id: str
    goals: list[Goal]  # the opener's role
    partner_goals: list[Goal] = field(default_factory=list)


def role_in(pair: Pair, user_id: str) -> str | None:
    if pair.mentee_user_id == user_id:
        return GOAL_MENTEE
    if pair.mentor_user_id == user_id:
        return GOAL_MENTOR
    return None


def _context(s, pair: Pair, user_id: str) -> GoalsContext:
    role = role_in(pair, user_id)
    all_goals = goals_repo.list_for_pair(s, team_id=pair.team_id, pair_id=pair.id)
    return GoalsContext(pair=pair, role=role, partner_id=pairs_repo.partner_of(pair, user_id),
                        goals=[g for g in all_goals if g.role == role],
                        partner_goals=[g for g in all_goals if g.role != role])


def _pair_for(s, *, team_id: str, user_id: str, pair_id: int | None) -> Pair:
    """The pair, if the person may set its goals; raises the refusal otherwise."""
    pair = pairs_repo.get(s, team_id=team_id, pair_id=pair_id) if pair_id is not None else None
    if pair is None:
        raise PairNotFound()
    if role_in(pair, user_id) is None:  # someone whose data was deleted is a code in the pair now
        raise NotSignedUp() if erasure.was_in(s, team_id=team_id, user_id=user_id, pair=pair) else NotInPair()
    if pair.status != PAIR_ACTIVE:
        raise PairEnded()
    return pair


def open_goals(db: Database, *, team_id: str, user_id: str, pair_id: int | None = None) -> GoalsContext:
    """What the goals modal needs. `pair_id` None: the person's newest active pair.
    Raises NotSignedUp, NotMatched, PairNotFound, NotInPair or PairEnded."""
    with db.session(read_only=True) as s:
        if pair_id is None:
            pair = pairs_repo.active_pair_of(s, team_id=team_id, user_id=user_id)
            if pair is None:
                profile = people.get(s, team_id=team_id, user_id=user_id)
                if profile is None:
                    raise NotSignedUp()
                if profile.status == PARTICIPANT_LEFT:
                    raise HasLeft()
                partner = pairs_repo.last_completed_partner(s, team_id=team_id, user_id=user_id)
                if partner is not None and not erasure.is_code(partner):
                    raise ProgramComplete(partner)
                raise NotMatched()
        else:
            pair = _pair_for(s, team_id=team_id, user_id=user_id, pair_id=pair_id)
        return _context(s, pair, user_id)


@dataclass(frozen=True)
class Submission:
    """What reading a goals modal needs: whose goals, and the day it is for the person."""

    pair: Pair
    role: str
    today: date


def submission(db: Database, *, team_id: str, user_id: str, pair_id: int | None, role: str,
               now: datetime) -> Submission:
    """Check that the person may still save goals for the pair in the role the modal was made for.
    Raises PairNotFound, NotInPair, PairEnded or RoleChanged."""
    with db.session(read_only=True) as s:
        pair = _pair_for(s, team_id=team_id, user_id=user_id, pair_id=pair_id)
        if role_in(pair, user_id) != role:
            raise RoleChanged()
        profile = people.get(s, team_id=team_id, user_id=user_id)
    return Submission(pair=pair, role=role, today=local_today(now, profile.timezone if profile else None))


@dataclass(frozen=True)
class SaveResult:
    pair: Pair
    role: str
    goals: list[Goal]
    updated: bool  # the role had goals before


def save_goals(db: Database, *, team_id: str, user_id: str, pair_id: int, role: str,
               slots: list[GoalSlot]) -> SaveResult:
    """Replace the person's goals for the pair with `slots`, all or nothing (re-checked in the
    same transaction: a pair that ended meanwhile raises PairEnded)."""
    with db.session() as s:
        pair = _pair_for(s, team_id=team_id, user_id=user_id, pair_id=pair_id)
        if role_in(pair, user_id) != role:
            raise RoleChanged()
        rows, had = goals_repo.replace_for_role(s, team_id=team_id, pair_id=pair.id, role=role,
                                                author_user_id=user_id, slots=slots)
        return SaveResult(pair=pair, role=role, goals=rows, updated=had)
