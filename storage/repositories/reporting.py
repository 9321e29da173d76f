"""Bulk reads for the program's health report and the CSV export: one query per table, columns
only, for one workspace.

Privacy lives here too: nothing below reads a person's free-text words (their intro, goals,
learn-back items, check-in answers), except the blockers a person chose to share with the
program team (`shared_blockers`). A check-in's blocker is read as "there is one", never as text.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import String, func, type_coerce
from sqlmodel import Session, col, select

from storage.models import (
    ROUND_DONE,
    ROUND_INTRODUCING,
    CheckIn,
    Goal,
    MatchRound,
    Pair,
    PairSchedule,
    Participant,
)
from storage.repositories.pair_schedules import parse_spans


@dataclass(frozen=True)
class PersonRow:
    user_id: str
    name: str
    status: str
    side: str
    skills_share: tuple[str, ...]
    skills_learn: tuple[str, ...]
    seniority_years: int
    department: str
    timezone: str
    meeting_mode: str
    meeting_frequency: str
    capacity: int
    joined_at: datetime
    paused_until: date | None
    left_at: datetime | None
    paused_at: datetime | None = None  # when the pause under way began


@dataclass(frozen=True)
class PairRow:
    id: int
    round_id: int | None
    mentor_id: str
    mentee_id: str
    status: str
    channel_id: str | None
    created_at: datetime
    introduced_at: datetime | None
    ended_at: datetime | None
    end_reason: str | None
    cadence_weeks: int | None = None  # the pair's own (storage/repositories/pair_schedules.py); None: the program's
    breaks: tuple[tuple[datetime, datetime], ...] = ()  # the pair's finished breaks


@dataclass(frozen=True)
class CheckinRow:
    """A check-in's numbers and choices; `has_blocker` says whether a blocker was written, not what."""

    pair_id: int
    user_id: str
    cycle: int
    kind: str
    met: bool
    usefulness: int | None
    has_blocker: bool
    share_blocker: bool
    goal_progress: dict
    overall_usefulness: int | None
    recommend: str | None
    keep_meeting: str | None
    updated_at: datetime


@dataclass(frozen=True)
class GoalRow:
    id: int
    pair_id: int
    role: str
    position: int
    target_date: date | None


@dataclass(frozen=True)
class RoundRow:
    id: int
    created_at: datetime
    decided_at: datetime | None


def _aware(value):
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def people(session: Session, *, team_id: str) -> list[PersonRow]:
    """Everyone who ever signed up, without their intro (free text)."""
    # Core rows (session.connection()): no ORM bookkeeping for tens of thousands of tuples.
    rows = session.connection().execute(
        select(Participant.slack_user_id, Participant.name, Participant.status, Participant.side,
               Participant.skills_share, Participant.skills_learn, Participant.seniority_years,
               Participant.department, Participant.timezone, Participant.meeting_mode,
               Participant.meeting_frequency, Participant.capacity, Participant.joined_at,
               Participant.paused_until, Participant.left_at, Participant.paused_at)
        .where(Participant.team_id == team_id).order_by(Participant.slack_user_id)
    )
    return [PersonRow(uid, name or "", status, side, tuple(share or ()), tuple(learn or ()), seniority,
                      department, tz, mode, freq, capacity, _aware(joined), until, _aware(left), _aware(since))
            for (uid, name, status, side, share, learn, seniority, department, tz, mode, freq, capacity,
                 joined, until, left, since) in rows]


def pairs(session: Session, *, team_id: str) -> list[PairRow]:
    """Every pair, with its own rhythm (cadence and finished breaks) when it has one."""
    rows = session.exec(
        select(Pair.id, Pair.round_id, Pair.mentor_user_id, Pair.mentee_user_id, Pair.status, Pair.channel_id,
               Pair.created_at, Pair.introduced_at, Pair.ended_at, Pair.end_reason, PairSchedule.cadence_weeks,
               PairSchedule.pauses)
        .select_from(Pair).outerjoin(PairSchedule, PairSchedule.pair_id == Pair.id)
        .where(Pair.team_id == team_id).order_by(Pair.id)
    )
    return [PairRow(pid, rid, mentor, mentee, status, channel, _aware(created), _aware(introduced),
                    _aware(ended), reason, cadence, parse_spans(breaks))
            for pid, rid, mentor, mentee, status, channel, created, introduced, ended, reason, cadence, breaks
            in rows]


def _progress_map(value) -> dict:
    """A check-in's goal_progress read as text (most are `{}`: no JSON parse for those), or as
    the dict a driver that decodes JSON itself hands back."""
    if isinstance(value, dict):
        return value
    if not value or value == "{}":
        return {}
    value = json.loads(value)
    return value if isinstance(value, dict) else {}


def checkins(session: Session, *, team_id: str) -> list[CheckinRow]:
    """Every check-in and final survey: numbers and choices only."""
    has_blocker = func.length(func.coalesce(CheckIn.blockers, "")) > 0
    rows = session.connection().execute(
        select(CheckIn.pair_id, CheckIn.user_id, CheckIn.cycle, CheckIn.kind, CheckIn.met, CheckIn.usefulness,
               has_blocker, CheckIn.share_blocker, type_coerce(CheckIn.goal_progress, String), CheckIn.overall_usefulness,
               CheckIn.recommend, CheckIn.keep_meeting, CheckIn.updated_at)
        .where(CheckIn.team_id == team_id).order_by(CheckIn.pair_id, CheckIn.cycle, CheckIn.user_id, CheckIn.kind)
    )
    return [CheckinRow(pid, uid, cycle, kind, bool(met), usefulness, bool(blocker), bool(share),
                       _progress_map(progress), overall, recommend, keep, _aware(updated))
            for (pid, uid, cycle, kind, met, usefulness, blocker, share, progress, overall, recommend, keep,
                 updated) in rows]


def shared_blockers(session: Session, *, team_id: str) -> dict[tuple[int, str, int, str], str]:
    """{(pair_id, user_id, cycle, kind): blocker} for the blockers people chose to share with the
    program team; the only free text this module reads."""
    rows = session.exec(
        select(CheckIn.pair_id, CheckIn.user_id, CheckIn.cycle, CheckIn.kind, CheckIn.blockers)
        .where(CheckIn.team_id == team_id, col(CheckIn.share_blocker).is_(True), CheckIn.blockers != "")
    )
    return {(pid, uid, cycle, kind): text for pid, uid, cycle, kind, text in rows}


def goals(session: Session, *, team_id: str) -> list[GoalRow]:
    """Goals and learn-back items, without their words."""
    rows = session.exec(
        select(Goal.id, Goal.pair_id, Goal.role, Goal.position, Goal.target_date)
        .where(Goal.team_id == team_id).order_by(Goal.pair_id, Goal.role, Goal.position)
    )
    return [GoalRow(gid, pid, role, position, target) for gid, pid, role, position, target in rows]


def latest_round(session: Session, *, team_id: str) -> RoundRow | None:
    """The newest confirmed matching round: the current cohort's."""
    row = session.exec(
        select(MatchRound.id, MatchRound.created_at, MatchRound.decided_at)
        .where(MatchRound.team_id == team_id, col(MatchRound.status).in_((ROUND_DONE, ROUND_INTRODUCING)))
        .order_by(col(MatchRound.id).desc()).limit(1)
    ).first()
    if row is None:
        return None
    return RoundRow(row[0], _aware(row[1]), _aware(row[2]))
