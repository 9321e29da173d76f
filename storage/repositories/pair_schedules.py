"""Each pair's own rhythm (`PairSchedule`): its cadence, fixed when it is introduced, and the
breaks it has finished. No row: the program's cadence and no finished break.

Keyword-only functions over a Session; no commits, no Slack. A break is a (start, end) pair of
aware UTC instants, stored as ISO strings.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from storage.models import PairSchedule

Span = tuple[datetime, datetime]


def _iso(t: datetime) -> str:
    return t.astimezone(UTC).isoformat()


def parse_spans(raw: Iterable | None) -> tuple[Span, ...]:
    """The stored breaks as aware datetimes (anything unreadable is left out)."""
    out = []
    for item in raw or ():
        try:
            start, end = (datetime.fromisoformat(v) for v in item)
        except (TypeError, ValueError):
            continue
        if start.tzinfo is None or end.tzinfo is None:
            continue
        out.append((start.astimezone(UTC), end.astimezone(UTC)))
    return tuple(out)


def get(session: Session, *, pair_id: int) -> PairSchedule | None:
    return session.get(PairSchedule, pair_id)


def of_pairs(session: Session, *, pair_ids: Iterable[int]) -> dict[int, PairSchedule]:
    ids = sorted(set(pair_ids))
    out: dict[int, PairSchedule] = {}
    for start in range(0, len(ids), 500):
        for row in session.exec(select(PairSchedule).where(col(PairSchedule.pair_id).in_(ids[start:start + 500]))):
            out[row.pair_id] = row
    return out


def _locked_row(session: Session, *, team_id: str, pair_id: int) -> PairSchedule:
    """The pair's row, created if missing (two writers racing create it once) and locked for
    this transaction on PostgreSQL, so that read-modify-writes don't lose each other's changes."""
    insert = sqlite.insert if session.get_bind().dialect.name == "sqlite" else postgresql.insert
    session.execute(insert(PairSchedule).values(pair_id=pair_id, team_id=team_id, cadence_weeks=None, pauses=[])
                    .on_conflict_do_nothing(index_elements=["pair_id"]))
    return session.exec(select(PairSchedule).where(PairSchedule.pair_id == pair_id)
                        .with_for_update().execution_options(populate_existing=True)).one()


def fix_cadence(session: Session, *, team_id: str, pair_id: int, cadence_weeks: int) -> int:
    """Set the pair's cadence unless it has one already; returns the pair's cadence."""
    row = _locked_row(session, team_id=team_id, pair_id=pair_id)
    if row.cadence_weeks is None:
        row.cadence_weeks = cadence_weeks
        session.add(row)
        session.flush()
    return row.cadence_weeks


def add_break(session: Session, *, team_id: str, pair_ids: Iterable[int], start: datetime, end: datetime) -> None:
    """Record a finished break [start, end) on each of the pairs (once: the same span twice is one)."""
    if end <= start:
        return
    span = [_iso(start), _iso(end)]
    for pair_id in sorted(set(pair_ids)):
        row = _locked_row(session, team_id=team_id, pair_id=pair_id)
        if span not in (row.pauses or []):
            row.pauses = [*(row.pauses or []), span]  # a new list: SQLAlchemy sees the change
            session.add(row)
    session.flush()
