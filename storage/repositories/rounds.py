"""Matching rounds: the open proposal, its status, and how far its introductions have got.

Keyword-only functions over a Session: no commits (the caller's unit of work commits), no Slack.
Status changes are compare-and-set (`UPDATE ... WHERE status = :expected`), so double clicks,
two admins and two processes can't both move a round.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from storage.models import ROUND_DONE, ROUND_INTRODUCING, ROUND_KIND_ROUND, MatchRound, Pair
from storage.repositories.workspaces import not_uninstalled


def get(session: Session, *, team_id: str, round_id: int, for_update: bool = False) -> MatchRound | None:
    """The round, if it belongs to the workspace; `for_update`: locked until the transaction ends."""
    row = session.get(MatchRound, round_id, with_for_update=for_update)
    if row is None or row.team_id != team_id:
        return None
    return row


def open_proposal(session: Session, *, team_id: str) -> MatchRound | None:
    return session.exec(select(MatchRound).where(MatchRound.open_slot == team_id)).first()


def insert_proposal(session: Session, *, team_id: str, created_by: str, fingerprint: str,
                    proposal: dict, created_at: datetime, kind: str = "round") -> MatchRound:
    """A new open proposal. Raises IntegrityError (unique `open_slot`) if one is already open."""
    row = MatchRound(team_id=team_id, open_slot=team_id, created_by=created_by, created_at=created_at,
                     pool_fingerprint=fingerprint, proposal=proposal, kind=kind)
    session.add(row)
    session.flush()
    return row


def last_left_out(session: Session, *, team_id: str) -> frozenset[str]:
    """User IDs left unmatched by the workspace's latest matching round that went ahead
    (confirmed; not a one-person rematch or a pair made by hand): the engine prefers pairing them
    this time."""
    row = session.exec(
        select(MatchRound)
        .where(MatchRound.team_id == team_id, MatchRound.kind == ROUND_KIND_ROUND,
               col(MatchRound.status).in_((ROUND_INTRODUCING, ROUND_DONE)))
        .order_by(col(MatchRound.id).desc())
    ).first()
    if row is None:
        return frozenset()
    return frozenset(u["user"] for u in (row.proposal or {}).get("unmatched") or [] if u.get("user"))


def last_preview_pairs(session: Session, *, team_id: str) -> tuple[tuple[str, str], ...]:
    """(mentor, mentee) user IDs of the workspace's latest matching round preview, whatever became
    of it (open, cancelled, stale or confirmed; not a one-person rematch or a pair made by hand):
    among equally good proposals the engine keeps these pairs, so one change in the pool moves few."""
    row = session.exec(
        select(MatchRound)
        .where(MatchRound.team_id == team_id, MatchRound.kind == ROUND_KIND_ROUND)
        .order_by(col(MatchRound.id).desc())
    ).first()
    if row is None:
        return ()
    return tuple((p["mentor"], p["mentee"]) for p in (row.proposal or {}).get("pairs") or []
                 if p.get("mentor") and p.get("mentee"))


def set_message(session: Session, *, round_id: int, channel_id: str, message_ts: str) -> None:
    session.execute(update(MatchRound).where(col(MatchRound.id) == round_id)
                    .values(channel_id=channel_id, message_ts=message_ts))


def move(session: Session, *, round_id: int, expected: str, to: str, **values) -> bool:
    """Compare-and-set the round's status; True if this call moved it."""
    result = session.execute(
        update(MatchRound)
        .where(col(MatchRound.id) == round_id, col(MatchRound.status) == expected)
        .values(status=to, **values)
    )
    return result.rowcount == 1


def introducing(session: Session, *, team_id: str | None = None) -> list[MatchRound]:
    """Rounds whose pairs are being introduced, but none of a workspace that uninstalled the app."""
    q = select(MatchRound).where(MatchRound.status == ROUND_INTRODUCING, not_uninstalled(MatchRound.team_id))
    if team_id:
        q = q.where(MatchRound.team_id == team_id)
    return list(session.exec(q.order_by(col(MatchRound.id))))


def refresh_progress(session: Session, *, round_id: int) -> int:
    """Store and return how many of the round's pairs have been introduced."""
    done = session.exec(
        select(func.count()).select_from(Pair)
        .where(Pair.round_id == round_id, col(Pair.introduced_at).is_not(None))
    ).one()
    session.execute(update(MatchRound).where(col(MatchRound.id) == round_id).values(pairs_introduced=done))
    return int(done)

