"""What a participant's App Home shows: their standing, each of their pairs with its goals and
their progress, when the pair's next prompt comes, and their own check-ins."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.domain.schedule import Rhythm, cycles_started, n_cycles, next_due, pair_pauses
from bot.domain.timezones import pair_zone
from bot.services.onboarding import Standing, standing
from storage.db import Database
from storage.models import GOAL_MENTEE, PARTICIPANT_PAUSED, CheckIn
from storage.repositories import checkins as checkins_repo
from storage.repositories import goals as goals_repo
from storage.repositories import pair_schedules
from storage.repositories import pairs as pairs_repo
from storage.repositories import participants as people
from storage.repositories import settings as settings_repo


@dataclass(frozen=True)
class GoalView:
    role: str  # GOAL_MENTEE (the mentee's goal) or GOAL_MENTOR (a learn-back item)
    what: str
    progress: str | None  # the latest progress key reported, None if none yet


@dataclass(frozen=True)
class CheckinView:
    cycle: int
    kind: str
    met: bool
    usefulness: int | None


@dataclass(frozen=True)
class NextPrompt:
    kind: str  # bot.domain.schedule kinds
    at: datetime  # in the pair's time zone
    zone: str


@dataclass(frozen=True)
class PairView:
    pair_id: int
    partner_id: str
    partner_role: str  # what the partner is for the person: "mentee" or "reverse mentor"
    introduced: bool
    session: int  # sessions begun
    sessions: int  # in the whole program
    next_prompt: NextPrompt | None
    goals: tuple[GoalView, ...]
    my_checkins: tuple[CheckinView, ...]


@dataclass(frozen=True)
class ParticipantHome:
    standing: Standing
    pairs: tuple[PairView, ...]


def _latest_progress(rows: list[CheckIn]) -> dict[str, str]:
    latest: dict[str, str] = {}
    for c in sorted(rows, key=lambda c: (c.cycle, c.kind == "final", c.updated_at)):
        latest.update({str(k): v for k, v in (c.goal_progress or {}).items()})
    return latest


def participant_home(db: Database, *, team_id: str, user_id: str, now: datetime) -> ParticipantHome:
    st = standing(db, team_id=team_id, user_id=user_id)
    views = []
    with db.session(read_only=True) as s:
        try:
            rhythm = Rhythm.from_settings(settings_repo.get(s, team_id=team_id))
        except ValueError:
            rhythm = Rhythm()
        for pair in pairs_repo.active_pairs_of(s, team_id=team_id, user_id=user_id):
            partner_id = pairs_repo.partner_of(pair, user_id)
            rows = checkins_repo.list_for_pair(s, team_id=team_id, pair_id=pair.id)
            latest = _latest_progress(rows)
            goals = tuple(GoalView(g.role, g.what, latest.get(str(g.id)))
                          for g in goals_repo.list_for_pair(s, team_id=team_id, pair_id=pair.id))
            session = 0
            nxt = None
            own = pair_schedules.get(s, pair_id=pair.id)
            pair_rhythm = rhythm.for_pair(own.cadence_weeks if own else None)  # the pair's cadence
            if pair.introduced_at is not None:
                mentee = people.get(s, team_id=team_id, user_id=pair.mentee_user_id)
                mentor = people.get(s, team_id=team_id, user_id=pair.mentor_user_id)
                tz = pair_zone(mentee.timezone if mentee else None, mentor.timezone if mentor else None)
                # The pair's breaks, as the dispatcher counts them: sessions move out, prompts skip.
                spans = pair_pauses(pair_schedules.parse_spans(own.pauses if own else None),
                                    [(m.paused_at, m.paused_until, m.timezone) for m in (mentee, mentor)
                                     if m is not None and m.status == PARTICIPANT_PAUSED], tz=tz)
                session = cycles_started(pair_rhythm, anchor=pair.introduced_at, tz=tz, now=now, pauses=spans)
                upcoming = next_due(pair_rhythm, anchor=pair.introduced_at, tz=tz, now=now, pauses=spans)
                if upcoming is not None:
                    nxt = NextPrompt(upcoming.kind, upcoming.local, tz)
            views.append(PairView(
                pair_id=pair.id, partner_id=partner_id,
                partner_role="mentee" if pair.mentor_user_id == user_id else "reverse mentor",
                introduced=pair.introduced_at is not None, session=session, sessions=n_cycles(pair_rhythm),
                next_prompt=nxt, goals=tuple(sorted(goals, key=lambda g: g.role != GOAL_MENTEE)),
                my_checkins=tuple(CheckinView(c.cycle, c.kind, c.met, c.usefulness) for c in rows
                                  if c.user_id == user_id),
            ))
    return ParticipantHome(standing=st, pairs=tuple(views))
