"""Steering pairs from the admin channel: end a pair, find one person a new partner (a one-person
round with the usual preview), pair two people by hand.

Typed inputs in, typed outcomes out (bot/blocks/steering.py words them); no Slack, no words.
Each write is one transaction with a compare-and-set or row locks, so double clicks, two admins
and Slack's retries change things once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session

from bot.deps import Deps
from bot.domain import catalog
from bot.domain import steering as rules_of
from bot.domain.matching import Candidate
from bot.domain.skills import Entry, SkillCatalog
from bot.services import rounds
from bot.services.errors import PairNotFound, Refusal
from storage.models import (
    PAIR_ACTIVE,
    PARTICIPANT_LEFT,
    PARTICIPANT_PAUSED,
    ROUND_INTRODUCING,
    ROUND_KIND_HAND,
    ROUND_KIND_REMATCH,
    MatchRound,
    Pair,
    Participant,
)
from storage.repositories import ledger
from storage.repositories import pairs as pairs_repo
from storage.repositories import participants as people
from storage.repositories import skills as skills_repo

log = logging.getLogger(__name__)

# Why an admin ended a pair: the keys stored in Pair.end_reason (bot/blocks/steering.py words them).
END_REASONS = ("not_meeting", "asked_to_end", "not_a_fit", "schedules", "role_change", "other")


# --- refusals -----------------------------------------------------------------------------


class NotAPerson(Refusal):
    """The command doesn't name a person the way Slack does (`@name`)."""


class NotInProgram(Refusal):
    """The person named isn't signed up (never joined, or left)."""

    def __init__(self, user_id: str):
        super().__init__(user_id)
        self.user_id = user_id


class NoActivePair(Refusal):
    def __init__(self, user_id: str):
        super().__init__(user_id)
        self.user_id = user_id


class PairAlreadyEnded(Refusal):
    """`ended`: how an admin ended it (so a retry can still make sure both people are told)."""

    def __init__(self, pair: Pair, ended: Ended | None = None):
        super().__init__(pair.id)
        self.pair_id = pair.id
        self.mentor = pair.mentor_user_id
        self.mentee = pair.mentee_user_id
        self.ended_by = pair.ended_by
        self.ended = ended


class SamePerson(Refusal):
    """`/mentoring pair @a @a`."""


class Busy(Refusal):
    """Someone can't take a new partner now: `why` is "paired" (at capacity) or "paused"."""

    def __init__(self, user_id: str, why: str, until=None):
        super().__init__(user_id, why)
        self.user_id = user_id
        self.why = why
        self.until = until


class NotInPool(Refusal):
    """A rematch for someone who isn't waiting for a partner (in a pair again, paused, or left)."""

    def __init__(self, user_id: str, why: str):
        super().__init__(user_id, why)
        self.user_id = user_id
        self.why = why  # "paired" | "paused" | "left"


# --- ending a pair ------------------------------------------------------------------------


@dataclass(frozen=True)
class PairView:
    """A pair as an admin sees it before ending it."""

    id: int
    mentor: str
    mentee: str
    introduced: bool


def _view(pair: Pair) -> PairView:
    return PairView(pair.id, pair.mentor_user_id, pair.mentee_user_id, pair.introduced_at is not None)


def pair_to_end(deps: Deps, *, team_id: str, pair_id: int | None) -> PairView:
    """The active pair an End button or command is about. Raises PairNotFound or PairAlreadyEnded."""
    with deps.db.session(read_only=True) as s:
        pair = pairs_repo.get(s, team_id=team_id, pair_id=pair_id) if pair_id else None
    if pair is None:
        raise PairNotFound()
    if pair.status != PAIR_ACTIVE:
        raise PairAlreadyEnded(pair)
    return _view(pair)


def pairs_of(deps: Deps, *, team_id: str, user_id: str) -> list[PairView]:
    """The person's active pairs (`/mentoring end @person`). Raises NotInProgram or NoActivePair."""
    with deps.db.session(read_only=True) as s:
        person = people.get(s, team_id=team_id, user_id=user_id)
        found = pairs_repo.active_pairs_of(s, team_id=team_id, user_id=user_id)
    if not found:
        if person is None or person.status == PARTICIPANT_LEFT:
            raise NotInProgram(user_id)
        raise NoActivePair(user_id)
    return [_view(p) for p in found]


@dataclass(frozen=True)
class Ended:
    pair_id: int
    mentor: str
    mentee: str
    ended_by: str
    reason: str
    note: str
    # Who is told (still in the program): the others have left or deleted their data.
    tell: tuple[str, ...] = field(default=())


def end_pair(deps: Deps, *, team_id: str, pair_id: int | None, by: str, reason: str, note: str) -> Ended:
    """End an active pair: its prompts stop (queued ones are dropped), both people are back in the
    pool. Raises PairNotFound or PairAlreadyEnded (a second click, another admin, a retry)."""
    if reason not in END_REASONS:
        raise ValueError(reason)
    now = deps.now()
    with deps.db.session() as s:
        pair = pairs_repo.get(s, team_id=team_id, pair_id=pair_id) if pair_id else None
        if pair is None:
            raise PairNotFound()
        if not pairs_repo.end_by_admin(s, team_id=team_id, pair_id=pair.id, when=now, by=by, reason=reason,
                                       note=note):
            s.refresh(pair)
            before = None
            if pair.ended_by:
                before = Ended(pair.id, pair.mentor_user_id, pair.mentee_user_id, pair.ended_by,
                               pair.end_reason or "other", pair.end_note or "",
                               tuple(u for u in (pair.mentor_user_id, pair.mentee_user_id)
                                     if _still_in(s, team_id, u)))
            raise PairAlreadyEnded(pair, before)
        dropped = ledger.drop_queued_of_pair(s, team_id=team_id, pair_id=pair.id, reason="stale: the pair was ended")
        tell = tuple(uid for uid in (pair.mentor_user_id, pair.mentee_user_id) if _still_in(s, team_id, uid))
    log.info("Pair %s ended by %s (%s); %d queued prompts dropped", pair.id, by, reason, dropped)
    return Ended(pair.id, pair.mentor_user_id, pair.mentee_user_id, by, reason, note, tell)


def _still_in(s: Session, team_id: str, user_id: str) -> bool:
    person = people.get(s, team_id=team_id, user_id=user_id)
    return person is not None and person.status != PARTICIPANT_LEFT


# --- a new partner for one person ---------------------------------------------------------


@dataclass(frozen=True)
class NoPartner:
    """Nobody waiting in the pool fits the person now: they stay in the pool."""

    user_id: str
    pool_size: int


def _sides(pool: list) -> dict:
    counts = {catalog.MENTOR: 0, catalog.MENTEE: 0, catalog.EITHER: 0}
    for p in pool:
        counts[p.side] = counts.get(p.side, 0) + 1
    return counts


def _one_pair_proposal(pair, pool: list, mentee: Candidate, mentor: Candidate) -> dict:
    sides = _sides(pool)
    covered = 1 if mentee.skills_learn & mentor.skills_share else 0
    return {
        "pairs": [{"mentor": pair.mentor, "mentee": pair.mentee, "score": pair.score, "reasons": list(pair.reasons)}],
        "unmatched": [],
        "stats": {"pairs": 1, "participants": len(pool), "mentors": sides[catalog.MENTOR],
                  "mentees": sides[catalog.MENTEE], "either": sides[catalog.EITHER],
                  "mentees_with_wanted_skill_covered": covered,
                  "mentees_with_wanted_skill_covered_share": float(covered), "mean_score": pair.score,
                  "unmatched": 0, "proven_optimal": True},
    }


def rematch(deps: Deps, board: rounds.RoundBoard, *, team_id: str, user_id: str,
            by: str) -> rounds.Previewed | rounds.OpenProposal | rounds.NotPosted | NoPartner:
    """A one-person round: the best partner for `user_id` in the pool, posted to the admin
    channel as a round's preview (confirmed or cancelled with its buttons, as any round).
    Raises NotInPool when the person isn't waiting for a partner."""
    now = deps.now()
    with deps.db.session(read_only=True) as s:
        snap = rounds.snapshot(s, team_id=team_id, now=now)
        person = people.get(s, team_id=team_id, user_id=user_id)
        busy = pairs_repo.active_count_of(s, team_id=team_id, user_id=user_id)
    row = next((p for p in snap.pool if p.slack_user_id == user_id), None)
    if row is None:
        if person is None or person.status == PARTICIPANT_LEFT:
            raise NotInPool(user_id, "left")
        raise NotInPool(user_id, "paired" if busy else "paused")
    me = rounds.candidate(row)
    others = [rounds.candidate(p) for p in snap.pool if p.slack_user_id != user_id]
    pair = rules_of.best_partner(me, others, snap.rules, snap.history, skill_labels=snap.skill_labels)
    if pair is None:
        return NoPartner(user_id, len(snap.pool))
    by_id = {c.user_id: c for c in [me, *others]}
    data = _one_pair_proposal(pair, snap.pool, by_id[pair.mentee], by_id[pair.mentor])
    return rounds.post_proposal(deps, board, team_id=team_id, user_id=by, snap=snap, data=data,
                                kind=ROUND_KIND_REMATCH, now=now)


# --- pairing two people by hand -----------------------------------------------------------


@dataclass(frozen=True)
class HandPairCheck:
    """Two people an admin wants to pair: who would mentor whom, and every rule it breaks."""

    mentor: str
    mentee: str
    broken: tuple[str, ...]


def _free(s: Session, team_id: str, person: Participant | None, user_id: str, today) -> None:
    """Raise unless the person can take a new partner now."""
    if person is None or person.status == PARTICIPANT_LEFT:
        raise NotInProgram(user_id)
    if person.status == PARTICIPANT_PAUSED and (person.paused_until is None or person.paused_until > today):
        raise Busy(user_id, "paused", person.paused_until)
    active = pairs_repo.active_count_of(s, team_id=team_id, user_id=user_id)
    if active and (person.side == catalog.MENTEE or active >= max(1, person.capacity)):
        raise Busy(user_id, "paired")


def _check(s: Session, *, team_id: str, a: str, b: str, now: datetime, lock: bool = False):
    if a == b:
        raise SamePerson()
    snap_rules = rounds.snapshot_rules(s, team_id=team_id, now=now)
    rows = {}
    for uid in sorted((a, b)):  # locked in a fixed order: two admins can't deadlock
        rows[uid] = people.get_for_update(s, team_id=team_id, user_id=uid) if lock else \
            people.get(s, team_id=team_id, user_id=uid)
    for uid in (a, b):
        _free(s, team_id, rows[uid], uid, now.date())
    history = pairs_repo.history(s, team_id=team_id)
    mentor, mentee, broken = rules_of.orient(rounds.candidate(rows[a]), rounds.candidate(rows[b]), snap_rules,
                                             history)
    return mentor, mentee, broken, snap_rules


def check_hand_pair(deps: Deps, *, team_id: str, a: str, b: str) -> HandPairCheck:
    """May `a` and `b` be paired now, which way round, and which rules would it break.
    Raises SamePerson, NotInProgram or Busy."""
    with deps.db.session(read_only=True) as s:
        mentor, mentee, broken, _ = _check(s, team_id=team_id, a=a, b=b, now=deps.now())
    return HandPairCheck(mentor.user_id, mentee.user_id, tuple(broken))


@dataclass(frozen=True)
class HandPaired:
    round_id: int
    pair_id: int
    mentor: str
    mentee: str
    broken: tuple[str, ...]


def make_hand_pair(deps: Deps, *, team_id: str, mentor: str, mentee: str, by: str) -> HandPaired:
    """Pair two people by hand, `mentor` mentoring `mentee`, whatever rules it breaks (the admin
    has seen them): a one-pair round, confirmed at once, whose introduction goes out as any
    round's (bot/delivery/introductions.py). Both are checked again under lock, so a second click
    or another admin can't pair either of them twice. Raises SamePerson, NotInProgram or Busy."""
    now = deps.now()
    with deps.db.session() as s:
        m, e, broken, rules = _check(s, team_id=team_id, a=mentor, b=mentee, now=now, lock=True)
        if (m.user_id, e.user_id) != (mentor, mentee):  # the button says who mentors: keep it
            m, e = e, m
            broken = rules_of.broken_rules(m, e, rules, pairs_repo.history(s, team_id=team_id))
        labels = SkillCatalog.with_changes(Entry(r.key, r.label, r.group, r.retired_at is not None)
                                           for r in skills_repo.entries(s, team_id=team_id)).labels
        pair = rules_of.proposed(m, e, rules, labels)
        proposal = {"pairs": [{"mentor": pair.mentor, "mentee": pair.mentee, "score": pair.score,
                               "reasons": list(pair.reasons)}], "unmatched": [],
                    "stats": {"pairs": 1, "participants": 2, "by_hand": True, "rules_broken": list(broken)}}
        rnd = MatchRound(team_id=team_id, status=ROUND_INTRODUCING, open_slot=None, created_by=by, created_at=now,
                         decided_by=by, decided_at=now, pool_fingerprint="by hand", proposal=proposal,
                         pairs_total=1, kind=ROUND_KIND_HAND)
        s.add(rnd)
        s.flush()
        [row] = pairs_repo.create_pairs(s, team_id=team_id, round_id=rnd.id, pairs=proposal["pairs"], created_at=now)
        result = HandPaired(rnd.id, row.id, m.user_id, e.user_id, tuple(broken))
    log.info("Pair %s made by hand by %s (round %s), %d rules overridden", result.pair_id, by, result.round_id,
             len(result.broken))
    return result
