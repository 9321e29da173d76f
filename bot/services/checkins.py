"""Check-ins and the final survey: who may open the modal from a prompt's button, and storing
the answers once per person, pair, cycle and kind.

Buttons and modals name their check-in as a `CheckinTarget` (read by bot/slack/forms.py); the
answers arrive as `CheckinAnswers`; refusals are `bot.services.errors`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TypedDict

from bot.domain.schedule import Rhythm, cycles_started, n_cycles, pair_pauses
from bot.domain.timezones import pair_zone
from bot.services.errors import Garbled, NotInPair, NotSignedUp, NotStarted, PairEnded, PairNotFound
from storage.db import Database
from storage.models import (
    CHECKIN_FINAL,
    CHECKIN_REGULAR,
    END_REASON_COMPLETE,
    PAIR_ENDED,
    PARTICIPANT_LEFT,
    PARTICIPANT_PAUSED,
    CheckIn,
    Goal,
    Pair,
)
from storage.repositories import checkins as checkins_repo
from storage.repositories import erasure, pair_schedules
from storage.repositories import goals as goals_repo
from storage.repositories import pairs as pairs_repo
from storage.repositories import participants as people
from storage.repositories import settings as settings_repo

KINDS = (CHECKIN_REGULAR, CHECKIN_FINAL)


@dataclass(frozen=True)
class CheckinTarget:
    """Which check-in a button or modal is for."""

    pair_id: int
    cycle: int
    kind: str  # CHECKIN_REGULAR or CHECKIN_FINAL


class CheckinAnswers(TypedDict, total=False):
    """A person's answers, as the CheckIn columns they fill."""

    met: bool
    usefulness: int | None  # 1-5, when they met
    learned: str
    will_try: str
    blockers: str
    share_blocker: bool  # the person shares `blockers` with the program team
    goal_progress: dict[str, str]  # {goal id: progress key}
    overall_usefulness: int | None  # final survey only
    recommend: str | None
    keep_meeting: str | None


@dataclass(frozen=True)
class CheckinContext:
    pair: Pair
    cycle: int
    kind: str
    partner_name: str
    goals: list[Goal]
    existing: CheckIn | None
    period: str


def _rhythm(s, team_id: str) -> Rhythm:
    try:
        return Rhythm.from_settings(settings_repo.get(s, team_id=team_id))
    except ValueError:
        return Rhythm()


def _pair_rhythm(s, team_id: str, pair_id: int) -> Rhythm:
    own = pair_schedules.get(s, pair_id=pair_id)
    return _rhythm(s, team_id).for_pair(own.cadence_weeks if own else None)


def _period(r: Rhythm) -> str:
    return "this week" if r.cadence_weeks == 1 else f"in the last {r.cadence_weeks} weeks"


def _locate(s, *, team_id: str, user_id: str, target: CheckinTarget | None, now: datetime) -> Pair:
    """The target's pair, if the person may check in for it now; raises the refusal otherwise:
    not one of the two (NotInPair), someone who has left or deleted their data (NotSignedUp), a
    pair that ended early: someone left or an admin ended it (PairEnded; a pair whose program is
    complete still takes its final survey), a cycle that hasn't begun (NotStarted) or can't exist (Garbled)."""
    if target is None or target.kind not in KINDS or target.cycle < 1:
        raise Garbled()
    pair = pairs_repo.get(s, team_id=team_id, pair_id=target.pair_id)
    if pair is None:
        raise PairNotFound()
    if user_id not in (pair.mentor_user_id, pair.mentee_user_id):
        # Someone whose data was deleted is a code in the pair now: no longer in the program.
        raise NotSignedUp() if erasure.was_in(s, team_id=team_id, user_id=user_id, pair=pair) else NotInPair()
    own = pair_schedules.get(s, pair_id=pair.id)
    rhythm = _rhythm(s, team_id).for_pair(own.cadence_weeks if own else None)
    if target.cycle > n_cycles(rhythm) or pair.introduced_at is None:
        raise Garbled()
    person = people.get(s, team_id=team_id, user_id=user_id)
    if person is None or person.status == PARTICIPANT_LEFT:
        raise NotSignedUp()
    if pair.status == PAIR_ENDED and pair.end_reason != END_REASON_COMPLETE:
        raise PairEnded()  # ended early (someone left, an admin ended it): only a finished one takes its survey
    mentee = people.get(s, team_id=team_id, user_id=pair.mentee_user_id)
    mentor = people.get(s, team_id=team_id, user_id=pair.mentor_user_id)
    tz = pair_zone(mentee.timezone if mentee else None, mentor.timezone if mentor else None)
    spans = pair_pauses(pair_schedules.parse_spans(own.pauses if own else None),
                        [(m.paused_at, m.paused_until, m.timezone) for m in (mentee, mentor)
                         if m is not None and m.status == PARTICIPANT_PAUSED], tz=tz)
    if target.cycle > cycles_started(rhythm, anchor=pair.introduced_at, tz=tz, now=now, pauses=spans):
        raise NotStarted()
    return pair


def open_checkin(db: Database, *, team_id: str, user_id: str, target: CheckinTarget | None,
                 now: datetime) -> CheckinContext:
    """What the clicker's check-in modal needs. Raises a refusal (see `_locate`)."""
    with db.session(read_only=True) as s:
        pair = _locate(s, team_id=team_id, user_id=user_id, target=target, now=now)
        partner = people.get(s, team_id=team_id, user_id=pairs_repo.partner_of(pair, user_id))
        return CheckinContext(
            pair=pair, cycle=target.cycle, kind=target.kind,
            partner_name=(partner.name if partner and partner.name else "your partner"),
            goals=goals_repo.list_for_pair(s, team_id=team_id, pair_id=pair.id),
            existing=checkins_repo.get(s, team_id=team_id, pair_id=pair.id, user_id=user_id,
                                       cycle=target.cycle, kind=target.kind),
            period=_period(_pair_rhythm(s, team_id, pair.id)),
        )


def goal_ids(db: Database, *, team_id: str, user_id: str, target: CheckinTarget | None,
             now: datetime) -> set[int]:
    """The ids of the pair's goals, which a submission may report progress on. Raises like
    `open_checkin`."""
    with db.session(read_only=True) as s:
        pair = _locate(s, team_id=team_id, user_id=user_id, target=target, now=now)
        return {g.id for g in goals_repo.list_for_pair(s, team_id=team_id, pair_id=pair.id)}


@dataclass(frozen=True)
class CheckinResult:
    row: CheckIn
    created: bool
    pair: Pair
    name: str | None
    weekly: bool


def submit_checkin(db: Database, *, team_id: str, user_id: str, target: CheckinTarget,
                   answers: CheckinAnswers, now: datetime) -> CheckinResult:
    """Store the person's answers (a second submission updates them), all or nothing."""
    with db.session() as s:
        pair = _locate(s, team_id=team_id, user_id=user_id, target=target, now=now)
        row, created = checkins_repo.upsert(s, team_id=team_id, pair_id=pair.id, user_id=user_id,
                                            cycle=target.cycle, kind=target.kind, answers=dict(answers))
        profile = people.get(s, team_id=team_id, user_id=user_id)
        return CheckinResult(row=row, created=created, pair=pair,
                             name=profile.name if profile and profile.name else None,
                             weekly=_pair_rhythm(s, team_id, pair.id).cadence_weeks == 1)
