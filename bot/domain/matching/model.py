"""Types and constants of the matching engine: sides, score weights, limits, the input
(:class:`Candidate`, :class:`Rules`) and the output (:class:`Proposal`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

# The sides are defined once, with the program's vocabularies; re-exported from here.
from bot.domain.catalog import EITHER, MENTEE, MENTOR, SIDES

__all__ = [
    "EITHER", "MENTEE", "MENTOR", "SIDES",
    "MAX_REASON_LEN", "W_BACK", "W_CROSS_DEPT", "W_TZ_MAX", "W_WANTED", "WORK_DAY_MINUTES",
    "Candidate", "Proposal", "ProposedPair", "Rules", "UnmatchedPerson",
]

# Score weights (integers; documented in bench/MATCHING.md).
W_WANTED = 10  # per skill the mentee wants to learn that the mentor can share
W_BACK = 4  # per skill the mentor wants to learn that the mentee can share back
W_CROSS_DEPT = 3  # the two work in different departments
W_TZ_MAX = 3  # working-hours overlap: overlap hours // 2, at most 3
WORK_DAY_MINUTES = 8 * 60  # 9:00-17:00 local

MAX_REASON_LEN = 150


@dataclass(frozen=True)
class Candidate:
    user_id: str  # Slack user ID
    name: str
    side: str  # "mentor" (junior, shares digital skills) | "mentee" (senior) | "either"
    skills_share: frozenset[str]
    skills_learn: frozenset[str]
    seniority_years: int
    department: str  # compared case-insensitively, stripped
    timezone: str  # IANA name, e.g. "Europe/Paris"
    capacity: int = 1  # max mentees when acting as mentor
    manager_id: str | None = None  # Slack ID of their manager


@dataclass(frozen=True)
class Rules:
    max_tz_diff_hours: float = 6
    allow_same_department: bool = False
    # UTC instant at which UTC offsets are evaluated (DST); default: now.
    reference_time: datetime | None = None
    # Wall-time budget of one propose() call. Only pools where "either" people make the round
    # a general matching can need it: when it runs out, the best valid proposal found so far
    # is returned with stats["proven_optimal"] = False and stats["optimality_gap"].
    time_budget_s: float = 20.0


@dataclass(frozen=True)
class ProposedPair:
    mentor: str
    mentee: str
    score: int
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class UnmatchedPerson:
    user_id: str
    reason: str


@dataclass(frozen=True)
class Proposal:
    pairs: tuple[ProposedPair, ...]
    unmatched: tuple[UnmatchedPerson, ...]
    stats: dict = field(default_factory=dict)

    def to_json_dict(self) -> dict:
        return {
            "pairs": [
                {"mentor": p.mentor, "mentee": p.mentee, "score": p.score, "reasons": list(p.reasons)}
                for p in self.pairs
            ],
            "unmatched": [{"user": u.user_id, "reason": u.reason} for u in self.unmatched],
            "stats": dict(self.stats),
        }
