"""Onboarding: store a person's profile, say where they stand, let them leave.

The join modal is read into a `ProfileInput` by bot/slack/forms.py (field errors included);
everything here works on that typed input.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.exc import IntegrityError

from bot.domain import catalog
from bot.domain.timezones import valid_zone
from storage.db import Database
from storage.models import (
    END_REASON_LEFT,
    PAIR_ACTIVE,
    PAIR_ENDED,
    PARTICIPANT_LEFT,
    Participant,
    ParticipantCreate,
)
from storage.repositories import erasure
from storage.repositories import pairs as pairs_repo
from storage.repositories import participants as repo
from storage.repositories.erasure import Erased
from storage.types import utcnow

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ProfileInput:
    side: str
    skills_share: list[str]
    skills_learn: list[str]
    seniority_years: int
    department: str
    meeting_mode: str
    meeting_frequency: str
    intro: str


def save_profile(db: Database, *, team_id: str, user_id: str, profile: ProfileInput,
                 name: str | None, timezone: str | None) -> tuple[Participant, bool]:
    """Store the profile; returns (participant, created). Time zone and name come from Slack.

    Two first submissions at once (the App Home button and the command) race to insert the same
    person: the loser of that race tries again, as an update.
    """
    try:
        return _save_profile(db, team_id=team_id, user_id=user_id, profile=profile, name=name, timezone=timezone)
    except IntegrityError:
        return _save_profile(db, team_id=team_id, user_id=user_id, profile=profile, name=name, timezone=timezone)


def _save_profile(db: Database, *, team_id: str, user_id: str, profile: ProfileInput,
                  name: str | None, timezone: str | None) -> tuple[Participant, bool]:
    with db.session() as s:
        existing = repo.get(s, team_id=team_id, user_id=user_id)
        tz = valid_zone(timezone) or (existing.timezone if existing else "UTC")
        data = ParticipantCreate(
            team_id=team_id,
            slack_user_id=user_id,
            name=(name or (existing.name if existing else "") or "")[: catalog.MAX_NAME_LEN],
            timezone=tz,
            capacity=existing.capacity if existing else 1,
            manager_slack_id=existing.manager_slack_id if existing else None,
            **profile.__dict__,
        )
        return repo.upsert(s, data=data)


def get_profile(db: Database, *, team_id: str, user_id: str) -> Participant | None:
    with db.session(read_only=True) as s:
        return repo.get(s, team_id=team_id, user_id=user_id)


@dataclass(frozen=True)
class PairedWith:
    """One of the person's active pairs, seen from their side."""

    partner_id: str
    role: str  # the partner's role for the person: "mentee" or "reverse mentor"
    since: date
    pair_id: int


@dataclass(frozen=True)
class Standing:
    """`partner_id`, `partner_role`, `paired_since`, `pair_id`: the newest active pair;
    `pairs`: every active pair, newest first (a mentor with capacity > 1 can have several);
    `completed_with`: with no active pair, the partner of their last pair whose program ran its
    course (None when there is none, or that partner's data was deleted)."""

    profile: Participant | None
    partner_id: str | None = None
    partner_role: str | None = None
    paired_since: date | None = None
    pair_id: int | None = None
    pairs: tuple[PairedWith, ...] = ()
    completed_with: str | None = None


def standing(db: Database, *, team_id: str, user_id: str) -> Standing:
    with db.session(read_only=True) as s:
        profile = repo.get(s, team_id=team_id, user_id=user_id)
        rows = pairs_repo.active_pairs_of(s, team_id=team_id, user_id=user_id)
        completed = (pairs_repo.last_completed_partner(s, team_id=team_id, user_id=user_id)
                     if profile is not None and not rows else None)
    pairs = tuple(
        PairedWith(partner_id=pairs_repo.partner_of(p, user_id),
                   role="mentee" if p.mentor_user_id == user_id else "reverse mentor",
                   since=(p.introduced_at or p.created_at).date(), pair_id=p.id)
        for p in rows if p.status == PAIR_ACTIVE
    )
    if not pairs:
        return Standing(profile, completed_with=None if erasure.is_code(completed) else completed)
    newest = pairs[0]
    return Standing(profile, newest.partner_id, newest.role, newest.since, newest.pair_id, pairs)


@dataclass(frozen=True)
class LeaveResult:
    """Falsy when the person wasn't a member. `ended`: (pair_id, partner_id) of every pair their
    leaving ended, newest first; `ended_pair_id`/`partner_id`: the newest of them. `erased`: what
    was deleted or scrubbed, when they asked for their data to be deleted."""

    member: bool
    ended: tuple[tuple[int, str], ...] = ()
    erased: Erased | None = None

    @property
    def ended_pair_id(self) -> int | None:
        return self.ended[0][0] if self.ended else None

    @property
    def partner_id(self) -> str | None:
        return self.ended[0][1] if self.ended else None

    def __bool__(self) -> bool:
        return self.member


def _end_pairs(s, *, team_id: str, user_id: str, now: datetime | None) -> tuple[tuple[int, str], ...]:
    pairs = pairs_repo.active_pairs_of(s, team_id=team_id, user_id=user_id)
    for pair in pairs:
        pair.status = PAIR_ENDED
        pair.ended_at = now or utcnow()
        pair.end_reason = END_REASON_LEFT
        s.add(pair)
    s.flush()
    return tuple((pair.id, pairs_repo.partner_of(pair, user_id)) for pair in pairs)


def leave(db: Database, *, team_id: str, user_id: str, delete_data: bool,
          now: datetime | None = None) -> LeaveResult:
    """Take the person out of the pool and end all their active pairs in the same transaction, so
    each partner is back in the pool. With `delete_data`, see `forget` (someone who had left
    already can still ask for it)."""
    if delete_data:
        return forget(db, team_id=team_id, user_id=user_id, now=now)
    with db.session() as s:
        profile = repo.get(s, team_id=team_id, user_id=user_id)
        if profile is None:
            return LeaveResult(False)
        if profile.status == PARTICIPANT_LEFT:  # a second click: nothing more to do
            return LeaveResult(True)
        ended = _end_pairs(s, team_id=team_id, user_id=user_id, now=now)
        repo.mark_left(s, team_id=team_id, user_id=user_id)
    return LeaveResult(True, ended)


def forget(db: Database, *, team_id: str, user_id: str, now: datetime | None = None) -> LeaveResult:
    """Right to erasure, in one transaction: end the person's active pairs (each partner back in
    the pool), delete their profile, goals and check-ins, and take their Slack ID, name and words
    out of every other row (storage/repositories/erasure.py). Only a one-way code of their Slack ID
    stays, in the pairs they were in, so they are never paired with the same person again.
    `member`: they had a profile (left or not)."""
    with db.session() as s:
        member = repo.get(s, team_id=team_id, user_id=user_id) is not None
        ended = _end_pairs(s, team_id=team_id, user_id=user_id, now=now)
        erased = erasure.forget(s, team_id=team_id, user_id=user_id)
    if erased.anything:
        log.info("Deleted the data of a person of %s at their request (%s)", team_id, erased)
    return LeaveResult(member, ended, erased)
