"""The send ledger's rows (bot/delivery/outbox.py owns the protocol; this module owns its SQL).

Keyword-only functions over a Session; no commits, no Slack.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from storage.models import SEND_CLAIMED, SEND_QUEUED, SEND_STALE, Pair, SendLedger
from storage.repositories.workspaces import not_uninstalled


def claim(session: Session, *, rows: Iterable[dict]) -> dict[str, int]:
    """Insert rows whose (team_id, key) is new; returns {key: id} of the ones inserted.

    One cached INSERT ... ON CONFLICT (team_id, key) DO NOTHING RETURNING statement runs for all
    rows (SQLAlchemy batches it), rather than compiling a huge VALUES list; rows go in key order,
    so two claimers on PostgreSQL lock keys in the same order and can't deadlock.
    """
    ordered = sorted(rows, key=lambda r: r["key"])
    if not ordered:
        return {}
    table = SendLedger.__table__
    insert = sqlite.insert if session.get_bind().dialect.name == "sqlite" else postgresql.insert
    stmt = (insert(table).on_conflict_do_nothing(index_elements=["team_id", "key"])
            .returning(table.c.key, table.c.id))
    return {key: row_id for key, row_id in session.connection().execute(stmt, ordered)}


def start_attempt(session: Session, *, row_id: int, seen_attempts: int, at: datetime) -> bool:
    """Compare-and-set the next attempt of a claimed row; True if this call got it."""
    result = session.execute(
        update(SendLedger)
        .where(col(SendLedger.id) == row_id, col(SendLedger.status) == SEND_CLAIMED,
               col(SendLedger.attempts) == seen_attempts)
        .values(attempts=seen_attempts + 1, claimed_at=at, in_doubt=True)
    )
    return result.rowcount == 1


def finish(session: Session, *, row_id: int, **values) -> None:
    session.execute(update(SendLedger).where(col(SendLedger.id) == row_id).values(**values))


def get(session: Session, *, row_id: int) -> SendLedger | None:
    return session.get(SendLedger, row_id)


def by_key(session: Session, *, team_id: str, key: str) -> SendLedger | None:
    return session.exec(select(SendLedger).where(SendLedger.team_id == team_id, SendLedger.key == key)).first()


def unsettled(session: Session, *, claimed_before: datetime, team_id: str | None = None,
              limit: int = 200) -> list[SendLedger]:
    """Rows still `claimed` whose claim (or last attempt) is older than `claimed_before`; none of a
    workspace that uninstalled the app (they stay due, for a reinstall, until its data goes)."""
    q = select(SendLedger).where(col(SendLedger.status) == SEND_CLAIMED, col(SendLedger.claimed_at) < claimed_before,
                                 not_uninstalled(SendLedger.team_id))
    if team_id:
        q = q.where(SendLedger.team_id == team_id)
    return list(session.exec(q.order_by(SendLedger.id).limit(limit)))


def recent_keys(session: Session, *, team_id: str, since: datetime) -> set[str]:
    """Keys the ledger recorded for the team since `since` (an optimisation only: the ledger's
    unique key is what guarantees exactly once)."""
    return set(session.exec(
        select(SendLedger.key).where(SendLedger.team_id == team_id, col(SendLedger.claimed_at) >= since)
    ))


def take_queued(session: Session, *, team_id: str, limit: int, at: datetime) -> list[int]:
    """Claim the team's `limit` oldest queued rows for the caller; returns their ids, oldest first.

    Two statements in one transaction: pick the ids, then mark them claimed. On PostgreSQL the
    pick locks them and skips rows another replica is taking (FOR UPDATE SKIP LOCKED), so
    concurrent takers get disjoint slices without waiting on each other; on SQLite the session
    holds the write lock from its start (BEGIN IMMEDIATE). (A single UPDATE ... WHERE id IN
    (SELECT ... LIMIT n FOR UPDATE SKIP LOCKED) is not enough on PostgreSQL: measured, it let
    one taker claim the whole queue.)"""
    pick = (select(SendLedger.id)
            .where(SendLedger.team_id == team_id, col(SendLedger.status) == SEND_QUEUED,
                   not_uninstalled(SendLedger.team_id))
            .order_by(SendLedger.id).limit(limit))
    if session.get_bind().dialect.name != "sqlite":
        pick = pick.with_for_update(skip_locked=True)
    ids = list(session.exec(pick))
    if not ids:
        return []
    session.execute(update(SendLedger).where(col(SendLedger.id).in_(ids)).values(status=SEND_CLAIMED, claimed_at=at))
    return sorted(ids)


def release(session: Session, *, row_ids: Iterable[int]) -> int:
    """Put claimed rows nobody has tried to send back in the queue; returns how many."""
    ids = list(row_ids)
    if not ids:
        return 0
    result = session.execute(
        update(SendLedger)
        .where(col(SendLedger.id).in_(ids), col(SendLedger.status) == SEND_CLAIMED, col(SendLedger.attempts) == 0)
        .values(status=SEND_QUEUED)
    )
    return result.rowcount


def teams_with_queued(session: Session) -> list[str]:
    """Workspaces with queued rows, but none that uninstalled the app (its rows stay queued, for
    a reinstall, until its data goes)."""
    return sorted(session.exec(select(SendLedger.team_id).distinct().where(
        col(SendLedger.status) == SEND_QUEUED, not_uninstalled(SendLedger.team_id))))


def drop_queued_of_pair(session: Session, *, team_id: str, pair_id: int, reason: str) -> int:
    """The pair's prompts still waiting in the queue will never go out: recorded as stale."""
    result = session.execute(
        update(SendLedger)
        .where(SendLedger.team_id == team_id, SendLedger.pair_id == pair_id, SendLedger.status == SEND_QUEUED)
        .values(status=SEND_STALE, error=reason[:300]))
    return result.rowcount or 0


def untried(session: Session, *, team_id: str, kind: str, round_id: int) -> list[tuple[int, str]]:
    """(row id, channel) of the rows of `kind` for the pairs of a round that are claimed and
    were never tried: recorded by a run that stopped before sending them."""
    rows = session.exec(
        select(SendLedger.id, SendLedger.channel_id)
        .join(Pair, col(Pair.id) == col(SendLedger.pair_id))
        .where(SendLedger.team_id == team_id, SendLedger.kind == kind, SendLedger.status == SEND_CLAIMED,
               SendLedger.attempts == 0, Pair.round_id == round_id)
        .order_by(SendLedger.id)
    )
    return [(row_id, channel) for row_id, channel in rows]
