"""Check-ins and final surveys: one row per (team, pair, person, cycle, kind).

Keyword-only functions; no commits, no Slack. A second submission updates the same row, also
when two submissions race (an atomic INSERT ... ON CONFLICT DO UPDATE). `checked_in` is
the prompt dispatcher's bulk read.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, func, select

from storage.models import CHECKIN_REGULAR, PAIR_ACTIVE, CheckIn, Pair
from storage.types import utcnow

_CHUNK = 500

# The answer columns a submission sets (everything but the key and the timestamps).
ANSWER_FIELDS = ("met", "usefulness", "learned", "will_try", "blockers", "share_blocker", "goal_progress",
                 "overall_usefulness", "recommend", "keep_meeting")


def get(session: Session, *, team_id: str, pair_id: int, user_id: str, cycle: int, kind: str) -> CheckIn | None:
    return session.exec(
        select(CheckIn).where(
            CheckIn.team_id == team_id, CheckIn.pair_id == pair_id, CheckIn.user_id == user_id,
            CheckIn.cycle == cycle, CheckIn.kind == kind,
        )
    ).first()


def upsert(session: Session, *, team_id: str, pair_id: int, user_id: str, cycle: int, kind: str,
           answers: dict) -> tuple[CheckIn, bool]:
    """Store the person's answers for that pair, cycle and kind; returns (row, created)."""
    unknown = set(answers) - set(ANSWER_FIELDS)
    if unknown:
        raise ValueError(f"not check-in answers: {sorted(unknown)}")
    existed = get(session, team_id=team_id, pair_id=pair_id, user_id=user_id, cycle=cycle, kind=kind) is not None
    now = utcnow()
    values = dict(team_id=team_id, pair_id=pair_id, user_id=user_id, cycle=cycle, kind=kind,
                  created_at=now, updated_at=now, **answers)
    insert = sqlite.insert if session.get_bind().dialect.name == "sqlite" else postgresql.insert
    stmt = insert(CheckIn).values(values)
    stmt = stmt.on_conflict_do_update(
        index_elements=["team_id", "pair_id", "user_id", "cycle", "kind"],
        set_={**{f: stmt.excluded[f] for f in answers}, "updated_at": stmt.excluded.updated_at},
    )
    session.execute(stmt)
    row = session.exec(
        select(CheckIn).where(
            CheckIn.team_id == team_id, CheckIn.pair_id == pair_id, CheckIn.user_id == user_id,
            CheckIn.cycle == cycle, CheckIn.kind == kind,
        ).execution_options(populate_existing=True)
    ).one()
    return row, not existed


def list_for_pair(session: Session, *, team_id: str, pair_id: int) -> list[CheckIn]:
    return list(session.exec(
        select(CheckIn).where(CheckIn.team_id == team_id, CheckIn.pair_id == pair_id)
        .order_by(CheckIn.cycle, CheckIn.user_id)
    ))


def checked_in(
    session: Session, *, team_id: str, pair_ids: Iterable[int]
) -> dict[tuple[int, int, str], set[str]]:
    """{(pair_id, cycle, kind): {user ids who checked in}} for the given pairs."""
    ids = sorted(set(pair_ids))
    out: dict[tuple[int, int, str], set[str]] = {}
    for start in range(0, len(ids), _CHUNK):
        rows = session.exec(
            select(CheckIn.pair_id, CheckIn.cycle, CheckIn.kind, CheckIn.user_id).where(
                CheckIn.team_id == team_id, col(CheckIn.pair_id).in_(ids[start:start + _CHUNK])
            )
        )
        for pair_id, cycle, kind, user_id in rows:
            out.setdefault((pair_id, cycle, kind), set()).add(user_id)
    return out


def meetings(session: Session, *, team_id: str) -> dict[int, dict[int, datetime]]:
    """{pair_id: {cycle: when the first "we met" check-in was made}} for the team's active pairs."""
    rows = session.exec(
        select(CheckIn.pair_id, CheckIn.cycle, func.min(CheckIn.created_at))
        .join(Pair, col(Pair.id) == col(CheckIn.pair_id))
        .where(CheckIn.team_id == team_id, Pair.status == PAIR_ACTIVE, col(CheckIn.met).is_(True))
        .group_by(CheckIn.pair_id, CheckIn.cycle)
    )
    out: dict[int, dict[int, datetime]] = {}
    for pair_id, cycle, first in rows:
        out.setdefault(pair_id, {})[cycle] = _aware(first)
    return out



def _aware(value: datetime) -> datetime:
    # Aggregates bypass the UTCDateTime column type: SQLite hands back text or naive values.
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def met_answers(session: Session, *, team_id: str, pair_ids: Iterable[int]) -> dict[tuple[int, int], set[bool]]:
    """{(pair_id, cycle): the "did you meet?" answers given} of the pairs' regular check-ins."""
    ids = sorted(set(pair_ids))
    out: dict[tuple[int, int], set[bool]] = {}
    for start in range(0, len(ids), _CHUNK):
        rows = session.exec(
            select(CheckIn.pair_id, CheckIn.cycle, CheckIn.met).where(
                CheckIn.team_id == team_id, col(CheckIn.pair_id).in_(ids[start:start + _CHUNK]),
                CheckIn.kind == CHECKIN_REGULAR)
        )
        for pair_id, cycle, met in rows:
            out.setdefault((pair_id, cycle), set()).add(bool(met))
    return out
