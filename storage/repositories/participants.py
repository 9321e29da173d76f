"""Participants: profiles, pauses, leaving, and the matchable pool.

Keyword-only functions over a Session; no commits (the caller's unit of work commits), no Slack.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Iterable
from datetime import date, datetime

from sqlalchemy import insert, update
from sqlmodel import Session, col, select

from storage.models import (
    PAIR_ACTIVE,
    PARTICIPANT_ACTIVE,
    PARTICIPANT_LEFT,
    PARTICIPANT_PAUSED,
    Pair,
    Participant,
    ParticipantCreate,
)
from storage.types import utcnow

_CHUNK = 500


def get(session: Session, *, team_id: str, user_id: str) -> Participant | None:
    return session.exec(
        select(Participant).where(Participant.team_id == team_id, Participant.slack_user_id == user_id)
    ).first()


def get_for_update(session: Session, *, team_id: str, user_id: str) -> Participant | None:
    """The person's row, locked until the transaction ends (PostgreSQL; SQLite's writers queue)."""
    return session.exec(
        select(Participant).where(Participant.team_id == team_id, Participant.slack_user_id == user_id)
        .with_for_update()
    ).first()


def upsert(session: Session, *, data: ParticipantCreate, rejoin: bool = True) -> tuple[Participant, bool]:
    """Insert or update the participant; returns (row, created).

    Updating someone who had left brings them back into the pool when `rejoin` is true.
    """
    row = get(session, team_id=data.team_id, user_id=data.slack_user_id)
    created = row is None
    if row is None:
        row = Participant.model_validate(data)
    else:
        for field, value in data.model_dump(exclude={"team_id", "slack_user_id"}).items():
            setattr(row, field, value)
        row.updated_at = utcnow()
        if rejoin and row.status == PARTICIPANT_LEFT:
            row.status = PARTICIPANT_ACTIVE
            row.left_at = None
            row.paused_until = None
    session.add(row)
    session.flush()
    return row, created


def mark_left(session: Session, *, team_id: str, user_id: str) -> Participant | None:
    row = get(session, team_id=team_id, user_id=user_id)
    if row is None:
        return None
    row.status = PARTICIPANT_LEFT
    row.left_at = utcnow()
    row.paused_until = None
    row.paused_at = None
    row.updated_at = utcnow()
    session.add(row)
    session.flush()
    return row


def set_paused(session: Session, *, team_id: str, user_id: str, until: date | None,
               now: datetime | None = None, open_ended: bool = False) -> Participant | None:
    """Pause until `until` (the first day back), or until the person resumes by hand when
    `open_ended`; with neither, end the pause. A pause that is extended keeps the moment it began."""
    row = get(session, team_id=team_id, user_id=user_id)
    if row is None or row.status == PARTICIPANT_LEFT:
        return None
    pausing = until is not None or open_ended
    if pausing and row.status != PARTICIPANT_PAUSED:
        row.paused_at = now or utcnow()
    elif not pausing:
        row.paused_at = None
    row.status = PARTICIPANT_PAUSED if pausing else PARTICIPANT_ACTIVE
    row.paused_until = until
    row.updated_at = utcnow()
    session.add(row)
    session.flush()
    return row


# What an import needs to know of someone already stored.
ImportView = namedtuple("ImportView", "id slack_user_id status name capacity manager_slack_id")


def import_views(session: Session, *, team_id: str, user_ids: Iterable[str] | None = None) -> dict[str, ImportView]:
    """The team's participants as an import sees them, by Slack ID: all of them (one query; a
    list of 500 IDs at a time can be planned as a scan of the whole table while it is growing),
    or only `user_ids`."""
    q = select(Participant.id, Participant.slack_user_id, Participant.status, Participant.name,
               Participant.capacity, Participant.manager_slack_id).where(Participant.team_id == team_id)
    if user_ids is None:
        return {r.slack_user_id: ImportView._make(r) for r in session.exec(q)}
    ids = sorted(set(user_ids))
    out: dict[str, ImportView] = {}
    for start in range(0, len(ids), _CHUNK):
        for r in session.exec(q.where(col(Participant.slack_user_id).in_(ids[start:start + _CHUNK]))):
            out[r.slack_user_id] = ImportView._make(r)
    return out


def insert_many(session: Session, *, rows: list[dict]) -> None:
    """New participants, in one batched INSERT (each dict: every column but `id`)."""
    if rows:
        session.execute(insert(Participant), rows)


def update_many(session: Session, *, rows: list[dict]) -> None:
    """Updates by primary key, in one batched UPDATE (each dict: `id` and the columns to set)."""
    if rows:
        session.execute(update(Participant), rows)


def list_for_team(session: Session, *, team_id: str) -> list[Participant]:
    return list(
        session.exec(
            select(Participant).where(Participant.team_id == team_id).order_by(Participant.slack_user_id)
        )
    )



# What matching reads of a participant. Rows of plain columns load several times faster than
# ORM objects, which matters at 10,000 people.
POOL_COLUMNS = (
    Participant.slack_user_id, Participant.name, Participant.side, Participant.skills_share,
    Participant.skills_learn, Participant.seniority_years, Participant.department, Participant.timezone,
    Participant.capacity, Participant.manager_slack_id, Participant.status, Participant.paused_until,
    Participant.updated_at,
)
# The rows matchable_rows returns: plain named tuples, whose fields read much faster than a
# database Row's when the 10,000 rows are turned into candidates and fingerprinted.
PoolRow = namedtuple("PoolRow", [c.key for c in POOL_COLUMNS])


def matchable_rows(session: Session, *, team_id: str, today: date) -> list:
    """The matchable pool: active people not in an active pair (a pause that has ended counts as
    active), ordered by Slack ID, as light rows (POOL_COLUMNS)."""
    in_pair = set()
    for mentor, mentee in session.exec(select(Pair.mentor_user_id, Pair.mentee_user_id)
                                       .where(Pair.team_id == team_id, Pair.status == PAIR_ACTIVE)):
        in_pair.update((mentor, mentee))
    rows = session.exec(
        select(*POOL_COLUMNS)
        .where(Participant.team_id == team_id,
               col(Participant.status).in_([PARTICIPANT_ACTIVE, PARTICIPANT_PAUSED]))
        .order_by(Participant.slack_user_id))
    make = PoolRow._make
    return [make(r) for r in rows if r.slack_user_id not in in_pair
            and not (r.status == PARTICIPANT_PAUSED and (r.paused_until is None or r.paused_until > today))]

