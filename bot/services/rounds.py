"""Matching rounds: preview, confirm, cancel.

A round is proposed from the current pool and posted to the admin channel; one open proposal
per workspace (the unique `open_slot`). Confirming re-checks that the pool is the one the
preview was computed from (its fingerprint), then moves the round to `introducing` with a
compare-and-set and creates its pairs in the same transaction, so double clicks, two admins
and Slack's retries create the pairs once. The introductions run in the background
(bot/delivery/introductions.py).

The round's message in the admin channel is a `RoundBoard` (bot/slack/round_board.py); each
use case returns a typed outcome that bot/blocks/rounds.py puts into words.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from bot.deps import Deps
from bot.domain import catalog
from bot.domain.matching import Candidate, Proposal, Rules, propose
from bot.domain.skills import Entry, SkillCatalog
from storage.db import Database, is_unique_violation
from storage.models import (
    ROUND_CANCELLED,
    ROUND_INTRODUCING,
    ROUND_KIND_ROUND,
    ROUND_PROPOSED,
    ROUND_STALE,
    MatchRound,
)
from storage.repositories import erasure
from storage.repositories import pairs as pairs_repo
from storage.repositories import participants as people
from storage.repositories import rounds as repo
from storage.repositories import settings as settings_repo
from storage.repositories import skills as skills_repo

log = logging.getLogger(__name__)

# A proposal row whose preview never reached Slack (the process died in between) stops
# blocking new previews after this long.
ORPHAN_AFTER = timedelta(minutes=2)


# --- the pool -----------------------------------------------------------------------------


def candidate(p) -> Candidate:
    """A Participant (or a row of its matching columns) as the engine's Candidate."""
    return Candidate(
        user_id=p.slack_user_id, name=p.name or p.slack_user_id, side=p.side,
        skills_share=frozenset(p.skills_share or ()), skills_learn=frozenset(p.skills_learn or ()),
        seniority_years=p.seniority_years, department=p.department, timezone=p.timezone or "UTC",
        capacity=p.capacity, manager_id=p.manager_slack_id,
    )


@dataclass(frozen=True)
class Snapshot:
    pool: list  # rows of repo.POOL_COLUMNS
    history: list[tuple[str, str]]
    rules: Rules
    fingerprint: str
    skill_labels: dict = field(default_factory=lambda: dict(catalog.SKILL_LABELS))  # the workspace's
    # people left unmatched by the last round that went ahead: paired first this time
    left_out: frozenset[str] = frozenset()
    # (mentor, mentee) pairs of the latest preview: kept among equally good proposals
    keep: tuple[tuple[str, str], ...] = ()

    @property
    def user_ids(self) -> frozenset[str]:
        return frozenset(p.slack_user_id for p in self.pool)


def _fingerprint(pool: list, active_pairs: list[tuple[int, str, str]], rules: Rules) -> str:
    """A hash of everything a proposal depends on: the pool's rows (with updated_at), the active
    pairs and the rules. repr() of tuples of str/int/None/date/datetime is stable and unambiguous.
    Not the previous preview's pairs (Snapshot.keep): they only choose among equally good proposals,
    and once a preview is posted it is itself the latest one, so its own confirm would look stale."""
    h = hashlib.sha256()
    for p in sorted(pool, key=lambda p: p.slack_user_id):
        h.update(repr((p.slack_user_id, p.side, sorted(p.skills_share or ()), sorted(p.skills_learn or ()),
                       p.seniority_years, p.department, p.timezone, p.capacity, p.manager_slack_id, p.status,
                       p.paused_until, p.updated_at)).encode())
        h.update(b"\n")
    h.update(repr((list(active_pairs), rules.max_tz_diff_hours, rules.allow_same_department)).encode())
    return h.hexdigest()


def snapshot_rules(session: Session, *, team_id: str, now: datetime) -> Rules:
    """The workspace's matching rules, as of `now`."""
    settings = settings_repo.get(session, team_id=team_id)
    return Rules(max_tz_diff_hours=settings.max_tz_diff_hours,
                 allow_same_department=settings.allow_same_department, reference_time=now)


def snapshot(session: Session, *, team_id: str, now: datetime) -> Snapshot:
    pool = people.matchable_rows(session, team_id=team_id, today=now.date())
    rules = snapshot_rules(session, team_id=team_id, now=now)
    active = pairs_repo.active_pair_keys(session, team_id=team_id)
    labels = SkillCatalog.with_changes(Entry(r.key, r.label, r.group, r.retired_at is not None)
                                       for r in skills_repo.entries(session, team_id=team_id)).labels
    history = pairs_repo.history(session, team_id=team_id)
    pool, history = _with_returners(session, team_id=team_id, pool=pool, history=history)
    return Snapshot(pool=pool, history=history, rules=rules, fingerprint=_fingerprint(pool, active, rules),
                    skill_labels=labels, left_out=repo.last_left_out(session, team_id=team_id),
                    keep=repo.last_preview_pairs(session, team_id=team_id))


def _with_returners(session: Session, *, team_id: str, pool: list, history: list) -> tuple[list, list]:
    """Someone whose data was deleted is a one-way code in the pairs they were in (and as the
    manager of the people they manage): if they are back in the pool, their code becomes their
    ID again here, so they are never paired with the same person twice and never with their
    reports."""
    codes = erasure.resolve(session, team_id=team_id, user_ids=[p.slack_user_id for p in pool],
                            values=[*(u for pair in history for u in pair), *(p.manager_slack_id for p in pool)])
    if not codes:
        return pool, history
    history = [(codes.get(a, a), codes.get(b, b)) for a, b in history]
    pool = [p._replace(manager_slack_id=codes[p.manager_slack_id]) if p.manager_slack_id in codes else p
            for p in pool]
    return pool, history


def proposal_for(snap: Snapshot) -> Proposal:
    return propose([candidate(p) for p in snap.pool], snap.history, snap.rules, skill_labels=snap.skill_labels,
                   left_out=snap.left_out, keep=snap.keep)


def dry_run(db: Database, *, team_id: str, now: datetime) -> tuple[Proposal, Snapshot]:
    """The proposal for the current pool; touches neither the database nor Slack."""
    with db.session(read_only=True) as s:
        snap = snapshot(s, team_id=team_id, now=now)
    return proposal_for(snap), snap


def proposal_user_ids(proposal: dict) -> frozenset[str]:
    ids = {u["user"] for u in proposal.get("unmatched") or []}
    for p in proposal.get("pairs") or []:
        ids.update((p["mentor"], p["mentee"]))
    return frozenset(ids)


@dataclass(frozen=True)
class PoolChange:
    """How the pool moved since a preview: people who joined (or came back), people who left (or
    paused, or got paired). Both 0: someone's profile, a pair or the settings changed."""

    joined: int
    left: int


def pool_change(before: frozenset[str], after: frozenset[str]) -> PoolChange:
    return PoolChange(joined=len(after - before), left=len(before - after))


# --- the admin channel's message ----------------------------------------------------------


class BoardError(Exception):
    """The round's message couldn't be posted; `error` is Slack's reason."""

    def __init__(self, error: str):
        super().__init__(error)
        self.error = error


class RoundBoard(Protocol):
    """The round's message in the admin channel, kept in step with the round (best effort but
    for `post_preview`). bot/slack/round_board.py is the Slack one."""

    channel: str | None

    def post_preview(self, rnd: MatchRound) -> tuple[str, str]:
        """Post the preview; (channel, ts). Raises BoardError."""

    def permalink(self, rnd: MatchRound) -> str | None: ...

    def show_progress(self, rnd: MatchRound, *, decided_by: str, introduced: int, total: int,
                      waiting: bool = False) -> None: ...

    def show_finished(self, rnd: MatchRound, *, decided_by: str, introduced: int, total: int, unmatched: int,
                      failed: list[tuple[str, str, str]]) -> None: ...

    def show_cancelled(self, rnd: MatchRound, *, cancelled_by: str) -> None: ...

    def show_stale(self, rnd: MatchRound, *, change: PoolChange) -> None: ...

    def show_preview(self, rnd: MatchRound, *, page: int) -> None:
        """The open proposal's preview again, at `page` (after paging, or a pair dropped)."""

    def show_emptied(self, rnd: MatchRound, *, dropped_by: str) -> None: ...


# --- outcomes (bot/blocks/rounds.py words them) -------------------------------------------


@dataclass(frozen=True)
class OpenProposal:
    """A proposal is already open: confirm or cancel it first."""

    round_id: int | None
    created_by: str
    permalink: str | None


@dataclass(frozen=True)
class NothingToMatch:
    pool_size: int
    unmatched: list[dict]


@dataclass(frozen=True)
class NotPosted:
    """The preview couldn't be posted to the admin channel, so nothing was proposed."""

    round_id: int
    error: str
    channel: str | None


@dataclass(frozen=True)
class Previewed:
    round_id: int


@dataclass(frozen=True)
class Moved:
    """The round had moved on (another click, another admin, a retry): its status now."""

    round_id: int
    status: str  # a ROUND_* status, or "missing"
    decided_by: str | None


@dataclass(frozen=True)
class Stale:
    round_id: int
    change: PoolChange


@dataclass(frozen=True)
class Confirmed:
    round_id: int
    pairs: int


@dataclass(frozen=True)
class Cancelled:
    round_id: int


@dataclass(frozen=True)
class Dropped:
    round_id: int
    pairs_left: int


@dataclass(frozen=True)
class NotInProposal:
    """The pair to drop isn't in the proposal (dropped already: a double click, another admin)."""

    round_id: int


@dataclass(frozen=True)
class LastPairDropped:
    """The proposal's last pair was dropped: the round is closed (cancelled)."""

    round_id: int


@dataclass(frozen=True)
class Shown:
    round_id: int


# --- preview ------------------------------------------------------------------------------


def _open_or_orphan(session: Session, *, team_id: str, now: datetime) -> MatchRound | None:
    """The open proposal, after clearing one whose preview never got posted."""
    rnd = repo.open_proposal(session, team_id=team_id)
    if rnd is not None and rnd.message_ts is None and rnd.created_at < now - ORPHAN_AFTER:
        repo.move(session, round_id=rnd.id, expected=ROUND_PROPOSED, to=ROUND_CANCELLED, open_slot=None,
                  decided_at=now)
        log.info("Cleared matching round %s: its preview was never posted", rnd.id)
        return None
    return rnd


def open_proposal(deps: Deps, board: RoundBoard, *, team_id: str) -> OpenProposal | None:
    """The proposal `/mentoring match` must not replace, if one is open."""
    with deps.db.session() as s:
        rnd = _open_or_orphan(s, team_id=team_id, now=deps.now())
    if rnd is None:
        return None
    return OpenProposal(rnd.id, rnd.created_by, board.permalink(rnd))


def preview(deps: Deps, board: RoundBoard, *, team_id: str,
            user_id: str) -> Previewed | NothingToMatch | OpenProposal | NotPosted:
    """Propose a round for the current pool and post it to the admin channel."""
    now = deps.now()
    with deps.db.session(read_only=True) as s:
        snap = snapshot(s, team_id=team_id, now=now)
    proposal = proposal_for(snap)
    data = proposal.to_json_dict()
    if not proposal.pairs:
        return NothingToMatch(pool_size=len(snap.pool), unmatched=data["unmatched"])
    return post_proposal(deps, board, team_id=team_id, user_id=user_id, snap=snap, data=data, now=now)


def post_proposal(deps: Deps, board: RoundBoard, *, team_id: str, user_id: str, snap: Snapshot, data: dict,
                  now: datetime, kind: str = ROUND_KIND_ROUND) -> Previewed | OpenProposal | NotPosted:
    """Store `data` (a proposal for `snap`'s pool) as the workspace's open proposal and post its
    preview; a matching round's, or a one-person round's (bot/services/steering.py)."""
    try:
        with deps.db.session() as s:
            if _open_or_orphan(s, team_id=team_id, now=now) is None:
                rnd = repo.insert_proposal(s, team_id=team_id, created_by=user_id, fingerprint=snap.fingerprint,
                                           proposal=data, created_at=now, kind=kind)
            else:
                rnd = None
    except IntegrityError as e:
        if not is_unique_violation(e):
            raise
        rnd = None
    if rnd is None:  # someone else's preview got in first
        return open_proposal(deps, board, team_id=team_id) or OpenProposal(None, user_id, None)

    try:
        channel, ts = board.post_preview(rnd)
    except BoardError as e:
        log.warning("Couldn't post the matching preview to %s: %s", board.channel, e.error)
        with deps.db.session() as s:
            repo.move(s, round_id=rnd.id, expected=ROUND_PROPOSED, to=ROUND_CANCELLED, open_slot=None,
                      decided_at=deps.now())
        return NotPosted(rnd.id, e.error, board.channel)
    with deps.db.session() as s:
        repo.set_message(s, round_id=rnd.id, channel_id=channel, message_ts=ts)
    log.info("Matching round %s (%s) proposed by %s: %d pairs", rnd.id, kind, user_id, len(data.get("pairs") or []))
    return Previewed(rnd.id)


# --- confirm and cancel -------------------------------------------------------------------


def _moved(deps: Deps, *, team_id: str, round_id: int) -> Moved:
    with deps.db.session(read_only=True) as s:
        rnd = repo.get(s, team_id=team_id, round_id=round_id)
    return Moved(round_id, rnd.status if rnd is not None else "missing", rnd.decided_by if rnd else None)


def confirm(deps: Deps, board: RoundBoard, *, team_id: str, round_id: int, user_id: str,
            introduce: Callable[[int], object] | None = None) -> Confirmed | Stale | Moved:
    """Confirm a proposal: its pairs are created once, however many clicks race. `introduce(round_id)`
    starts the introductions (bot/delivery/introductions.py) when the round is confirmed."""
    now = deps.now()
    outcome: Confirmed | Stale | None = None
    with deps.db.session() as s:
        # Locked: a pair dropped at the same moment is either in the proposal read here or refused.
        rnd = repo.get(s, team_id=team_id, round_id=round_id, for_update=True)
        if rnd is not None and rnd.status == ROUND_PROPOSED:
            snap = snapshot(s, team_id=team_id, now=now)
            pairs = rnd.proposal.get("pairs") or []
            if snap.fingerprint != rnd.pool_fingerprint:
                if repo.move(s, round_id=round_id, expected=ROUND_PROPOSED, to=ROUND_STALE, open_slot=None,
                             decided_by=user_id, decided_at=now):
                    outcome = Stale(round_id, pool_change(proposal_user_ids(rnd.proposal), snap.user_ids))
            elif repo.move(s, round_id=round_id, expected=ROUND_PROPOSED, to=ROUND_INTRODUCING, open_slot=None,
                           decided_by=user_id, decided_at=now, pairs_total=len(pairs)):
                pairs_repo.create_pairs(s, team_id=team_id, round_id=round_id, pairs=pairs, created_at=now)
                outcome = Confirmed(round_id, len(pairs))
    if outcome is None:  # it had moved on already: another click, another admin, a retry
        return _moved(deps, team_id=team_id, round_id=round_id)

    if isinstance(outcome, Stale):
        log.info("Matching round %s is stale: %s", round_id, outcome.change)
        board.show_stale(rnd, change=outcome.change)
        return outcome
    log.info("Matching round %s confirmed by %s: introducing %d pairs", round_id, user_id, outcome.pairs)
    board.show_progress(rnd, decided_by=user_id, introduced=0, total=outcome.pairs)
    if introduce is not None:
        introduce(round_id)
    return outcome


def cancel(deps: Deps, board: RoundBoard, *, team_id: str, round_id: int,
           user_id: str) -> Cancelled | Moved:
    with deps.db.session() as s:
        rnd = repo.get(s, team_id=team_id, round_id=round_id)
        moved = rnd is not None and repo.move(
            s, round_id=round_id, expected=ROUND_PROPOSED, to=ROUND_CANCELLED, open_slot=None,
            decided_by=user_id, decided_at=deps.now())
    if not moved:
        if rnd is not None and rnd.status == ROUND_CANCELLED:
            return Cancelled(round_id)  # a second click: already done, nothing to say
        return _moved(deps, team_id=team_id, round_id=round_id)
    log.info("Matching round %s cancelled by %s", round_id, user_id)
    board.show_cancelled(rnd, cancelled_by=user_id)
    return Cancelled(round_id)


# --- browsing a proposal and dropping pairs from it ---------------------------------------


def show_page(deps: Deps, board: RoundBoard, *, team_id: str, round_id: int, page: int) -> Shown | Moved:
    """Page through an open proposal's preview."""
    with deps.db.session(read_only=True) as s:
        rnd = repo.get(s, team_id=team_id, round_id=round_id)
    if rnd is None or rnd.status != ROUND_PROPOSED:
        return _moved(deps, team_id=team_id, round_id=round_id)
    board.show_preview(rnd, page=page)
    return Shown(round_id)


def _without(proposal: dict, index: int, covered: bool) -> dict:
    """The proposal with its pair at `index` taken out: both people join the unmatched, the
    figures follow."""
    pairs = list(proposal.get("pairs") or [])
    gone = pairs.pop(index)
    unmatched = list(proposal.get("unmatched") or [])
    unmatched += [{"user": gone["mentor"], "reason": DROPPED_REASON}, {"user": gone["mentee"], "reason": DROPPED_REASON}]
    stats = dict(proposal.get("stats") or {})
    stats["pairs"] = len(pairs)
    stats["unmatched"] = len(unmatched)
    stats["mean_score"] = round(sum(int(p.get("score") or 0) for p in pairs) / len(pairs), 2) if pairs else 0
    c = max(0, int(stats.get("mentees_with_wanted_skill_covered") or 0) - (1 if covered else 0))
    stats["mentees_with_wanted_skill_covered"] = c
    stats["mentees_with_wanted_skill_covered_share"] = round(c / len(pairs), 4) if pairs else 0.0
    stats["dropped_by_admin"] = int(stats.get("dropped_by_admin") or 0) + 1
    return {**proposal, "pairs": pairs, "unmatched": unmatched, "stats": stats}


# Said to people left out of a round because an admin dropped their pair (bot/blocks/rounds.py
# words every unmatched reason for them).
DROPPED_REASON = "Taken out of this round by an admin"


def drop_pair(deps: Deps, board: RoundBoard, *, team_id: str, round_id: int, mentor: str, mentee: str,
              user_id: str, page: int = 0) -> Dropped | NotInProposal | LastPairDropped | Moved:
    """Take one pair out of an open proposal before it is confirmed (the pool is unchanged, so
    the proposal stays valid); both people stay in the pool. The last pair dropped closes it."""
    now = deps.now()
    with deps.db.session() as s:
        rnd = repo.get(s, team_id=team_id, round_id=round_id, for_update=True)
        if rnd is None or rnd.status != ROUND_PROPOSED:
            outcome = None
        else:
            pairs = rnd.proposal.get("pairs") or []
            index = next((i for i, p in enumerate(pairs) if (p["mentor"], p["mentee"]) == (mentor, mentee)), None)
            if index is None:
                return NotInProposal(round_id)
            m, e = people.get(s, team_id=team_id, user_id=mentor), people.get(s, team_id=team_id, user_id=mentee)
            covered = bool(m and e and set(m.skills_share or ()) & set(e.skills_learn or ()))
            rnd.proposal = _without(rnd.proposal, index, covered)
            s.add(rnd)
            if not rnd.proposal["pairs"]:
                repo.move(s, round_id=round_id, expected=ROUND_PROPOSED, to=ROUND_CANCELLED, open_slot=None,
                          decided_by=user_id, decided_at=now)
                outcome = LastPairDropped(round_id)
            else:
                outcome = Dropped(round_id, len(rnd.proposal["pairs"]))
    if outcome is None:
        return _moved(deps, team_id=team_id, round_id=round_id)
    log.info("Matching round %s: %s dropped the pair %s → %s", round_id, user_id, mentor, mentee)
    if isinstance(outcome, LastPairDropped):
        board.show_emptied(rnd, dropped_by=user_id)
    else:
        board.show_preview(rnd, page=page)
    return outcome
