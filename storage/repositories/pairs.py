"""Pairs: the pairs a round creates, their group DMs and introductions, who is in which pair,
and the started pairs the prompt dispatcher reads in bulk.

Keyword-only functions over a Session; no commits, no Slack. The dispatcher's reads are written
for thousands of pairs: one query (or one per 500 ids), never one per pair.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import update
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from storage.models import (
    END_REASON_COMPLETE,
    PAIR_ACTIVE,
    PAIR_ENDED,
    PARTICIPANT_PAUSED,
    Pair,
    PairSchedule,
    Participant,
)
from storage.repositories.pair_schedules import parse_spans
from storage.repositories.workspaces import not_uninstalled

_CHUNK = 500


def get(session: Session, *, team_id: str, pair_id: int) -> Pair | None:
    """The pair, if it belongs to the workspace."""
    row = session.get(Pair, pair_id)
    return row if row is not None and row.team_id == team_id else None


def partner_of(pair: Pair, user_id: str) -> str:
    """The other person of the pair."""
    return pair.mentee_user_id if pair.mentor_user_id == user_id else pair.mentor_user_id


def active_pairs_of(session: Session, *, team_id: str, user_id: str) -> list[Pair]:
    """Every active pair the person is in, newest first (a mentor with capacity > 1 has several)."""
    return list(session.exec(
        select(Pair)
        .where(
            Pair.team_id == team_id,
            Pair.status == PAIR_ACTIVE,
            (Pair.mentor_user_id == user_id) | (Pair.mentee_user_id == user_id),
        )
        .order_by(col(Pair.id).desc())
    ))


def active_pair_of(session: Session, *, team_id: str, user_id: str) -> Pair | None:
    """The person's newest active pair."""
    pairs = active_pairs_of(session, team_id=team_id, user_id=user_id)
    return pairs[0] if pairs else None


def last_completed_partner(session: Session, *, team_id: str, user_id: str) -> str | None:
    """The partner of the person's newest pair whose program ran its course, if any."""
    pair = session.exec(
        select(Pair)
        .where(Pair.team_id == team_id, Pair.status == PAIR_ENDED, Pair.end_reason == END_REASON_COMPLETE,
               (Pair.mentor_user_id == user_id) | (Pair.mentee_user_id == user_id))
        .order_by(col(Pair.id).desc())
    ).first()
    return partner_of(pair, user_id) if pair is not None else None


def history(session: Session, *, team_id: str) -> list[tuple[str, str]]:
    """(mentor, mentee) of every pair ever made in the workspace, whatever its status."""
    return [(m, e) for m, e in session.exec(
        select(Pair.mentor_user_id, Pair.mentee_user_id).where(Pair.team_id == team_id))]


def active_pair_keys(session: Session, *, team_id: str) -> list[tuple[int, str, str]]:
    return sorted(session.exec(
        select(Pair.id, Pair.mentor_user_id, Pair.mentee_user_id)
        .where(Pair.team_id == team_id, Pair.status == PAIR_ACTIVE)))


def create_pairs(session: Session, *, team_id: str, round_id: int, pairs: Iterable[dict],
                 created_at: datetime) -> list[Pair]:
    rows = [
        Pair(team_id=team_id, round_id=round_id, mentor_user_id=p["mentor"], mentee_user_id=p["mentee"],
             score=int(p.get("score") or 0), reasons=list(p.get("reasons") or []), status=PAIR_ACTIVE,
             created_at=created_at)
        for p in pairs
    ]
    session.add_all(rows)
    session.flush()
    return rows


def pairs_of_round(session: Session, *, round_id: int) -> list[Pair]:
    return list(session.exec(select(Pair).where(Pair.round_id == round_id).order_by(col(Pair.id))))


def set_pair_channel(session: Session, *, pair_id: int, channel_id: str) -> None:
    session.execute(update(Pair).where(col(Pair.id) == pair_id).values(channel_id=channel_id))


def mark_introduced(session: Session, *, pair_id: int, when: datetime) -> bool:
    """Set `introduced_at` once (the program's schedule is anchored on it)."""
    result = session.execute(
        update(Pair).where(col(Pair.id) == pair_id, col(Pair.introduced_at).is_(None)).values(introduced_at=when))
    return result.rowcount == 1


def end_unintroduced(session: Session, *, pair_id: int, when: datetime, reason: str) -> bool:
    """End a pair that could not be introduced; its two people go back to the pool."""
    result = session.execute(
        update(Pair)
        .where(col(Pair.id) == pair_id, col(Pair.introduced_at).is_(None), col(Pair.status) == PAIR_ACTIVE)
        .values(status=PAIR_ENDED, ended_at=when, end_reason=reason[:200]))
    return result.rowcount == 1


# --- started pairs, for the dispatcher ---------------------------------------------------


@dataclass(frozen=True)
class Member:
    user_id: str
    timezone: str | None  # None: the person has no profile any more (data deleted)
    status: str | None
    paused_until: date | None
    wants: tuple[str, ...] = ()  # skills they want to learn (for topics)
    paused_at: datetime | None = None  # when the current pause began

    @property
    def paused(self) -> bool:
        return self.status == PARTICIPANT_PAUSED


@dataclass(frozen=True)
class StartedPair:
    """An active pair that has been introduced in its group DM, with both people's state."""

    id: int
    team_id: str
    channel_id: str
    introduced_at: datetime
    mentor: Member
    mentee: Member
    members: tuple[Member, ...] = field(init=False, repr=False, compare=False)
    cadence_weeks: int | None = None  # the pair's own cadence; None: the program's
    breaks: tuple[tuple[datetime, datetime], ...] = ()  # finished pauses (storage/repositories/pair_schedules.py)

    def __post_init__(self) -> None:
        object.__setattr__(self, "members", (self.mentor, self.mentee))


def teams_with_started_pairs(session: Session) -> list[str]:
    """Workspaces with a pair under way, but none that has uninstalled the app."""
    return list(session.exec(
        select(Pair.team_id).distinct().where(
            Pair.status == PAIR_ACTIVE, col(Pair.channel_id).is_not(None),
            col(Pair.introduced_at).is_not(None), not_uninstalled(Pair.team_id),
        ).order_by(Pair.team_id)
    ))


def started_pairs(session: Session, *, team_id: str) -> list[StartedPair]:
    """Active pairs with a group DM and an introduction time, joined to both participants."""
    mentor = aliased(Participant)
    mentee = aliased(Participant)
    q = (
        select(
            Pair.id, Pair.channel_id, Pair.introduced_at, Pair.mentor_user_id, Pair.mentee_user_id,
            mentor.timezone, mentor.status, mentor.paused_until, mentor.skills_learn, mentor.paused_at,
            mentee.timezone, mentee.status, mentee.paused_until, mentee.skills_learn, mentee.paused_at,
            PairSchedule.cadence_weeks, PairSchedule.pauses,
        )
        .select_from(Pair)
        .outerjoin(mentor, (mentor.team_id == Pair.team_id) & (mentor.slack_user_id == Pair.mentor_user_id))
        .outerjoin(mentee, (mentee.team_id == Pair.team_id) & (mentee.slack_user_id == Pair.mentee_user_id))
        .outerjoin(PairSchedule, PairSchedule.pair_id == Pair.id)
        .where(Pair.team_id == team_id, Pair.status == PAIR_ACTIVE,
               col(Pair.channel_id).is_not(None), col(Pair.introduced_at).is_not(None))
        .order_by(Pair.id)
    )
    out = []
    for (pid, channel, introduced, mentor_id, mentee_id, r_tz, r_status, r_until, r_wants, r_since,
         e_tz, e_status, e_until, e_wants, e_since, cadence, breaks) in session.exec(q):
        out.append(StartedPair(
            id=pid, team_id=team_id, channel_id=channel, introduced_at=introduced,
            mentor=Member(mentor_id, r_tz, r_status, r_until, tuple(r_wants or ()), r_since),
            mentee=Member(mentee_id, e_tz, e_status, e_until, tuple(e_wants or ()), e_since),
            cadence_weeks=cadence, breaks=parse_spans(breaks),
        ))
    return out



def end_completed_pairs(session: Session, *, team_id: str, pair_ids: Iterable[int], at: datetime) -> int:
    """Mark pairs whose program is over as ended, so both people can join the next cohort."""
    ids = sorted(set(pair_ids))
    n = 0
    for start in range(0, len(ids), _CHUNK):
        result = session.execute(
            update(Pair)
            .where(Pair.team_id == team_id, col(Pair.id).in_(ids[start:start + _CHUNK]),
                   Pair.status == PAIR_ACTIVE)
            .values(status=PAIR_ENDED, ended_at=at, end_reason=END_REASON_COMPLETE)
        )
        n += result.rowcount or 0
    return n



def end_by_admin(session: Session, *, team_id: str, pair_id: int, when: datetime, by: str, reason: str,
                 note: str | None) -> bool:
    """End an active pair at an admin's request (a compare-and-set: a second click ends nothing)."""
    result = session.execute(
        update(Pair)
        .where(col(Pair.id) == pair_id, Pair.team_id == team_id, col(Pair.status) == PAIR_ACTIVE)
        .values(status=PAIR_ENDED, ended_at=when, end_reason=reason[:200], ended_by=by,
                end_note=(note or None) and note[:500]))
    return result.rowcount == 1


def active_count_of(session: Session, *, team_id: str, user_id: str) -> int:
    """How many active pairs the person is in (either side)."""
    return len(active_pairs_of(session, team_id=team_id, user_id=user_id))
