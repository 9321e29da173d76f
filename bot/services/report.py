"""The program's health: figures for the current cohort and overall, each pair's health, and the
week-by-week series the chart draws. Typed results only; the words are in bot/blocks/report.py.

Definitions (the report and the export use the same ones):
- A pair *started* when it was introduced in its group DM. Its sessions follow its own rhythm from
  then, exactly as the dispatcher sends them (bot/domain/schedule.py `progress`): the pair's
  cadence (PairSchedule, else the program's), in the pair's time zone, moved out by its breaks
  (finished ones and each person's pause under way). A session is *asked* once its check-in
  prompt has gone out (before the pair ended; a prompt a pause swallowed was not asked), and
  *done* once the next session has begun (the last one at the closing message).
- *On a break*: active pairs with someone whose pause is under way now (a dated pause whose
  first day back has come is over). *Extended*: active pairs whose program end has moved out
  because of their breaks (a pause still open-ended counts once it is over).
- *Meetings reported*: the cycles in which someone in the pair said they met.
- *Check-in response rate*: check-ins answered / check-ins asked (two per asked cycle).
- *Current cohort*: the pairs of the newest confirmed matching round (and pairs made by hand
  since). With one cohort so far, only the overall figures are given.
- *Small bases*: a share of fewer than `SMALL_BASE` is given as counts, never as a percentage.
- Pair health, for active pairs: *Needs attention* when, over the last `quiet_cycles` sessions
  (the workspace's setting), nobody checked in, or nobody reported meeting, or the sessions were
  rated 2 of 5 or lower on average; or when someone reported a blocker in the latest check-in.
  *Too early to tell* before the first session is done, while someone is on a break, or before
  `quiet_cycles` sessions without a meeting. *On track* otherwise.

Free text never enters a `Report`, except the blockers people chose to share with the program
team (storage/repositories/reporting.py reads nothing else).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime

from bot.domain.schedule import (
    Progress,
    Rhythm,
    is_paused,
    missed_slots,
    n_cycles,
    normalise_pauses,
    pair_pauses,
    progress,
)
from bot.domain.timezones import pair_zone
from storage.db import Database
from storage.models import (
    CHECKIN_FINAL,
    CHECKIN_REGULAR,
    GOAL_MENTEE,
    GOAL_MENTOR,
    PAIR_ACTIVE,
    PARTICIPANT_LEFT,
    PARTICIPANT_PAUSED,
)
from storage.repositories import reporting
from storage.repositories import settings as settings_repo
from storage.repositories.reporting import CheckinRow, GoalRow, PairRow, PersonRow, RoundRow

SMALL_BASE = 5
COMPLETE_REASON = "Program complete"

ON_TRACK = "on_track"
NEEDS_ATTENTION = "needs_attention"
TOO_EARLY = "too_early"
HEALTHS = (NEEDS_ATTENTION, TOO_EARLY, ON_TRACK)

# Pair status as the report and the export name it.
ACTIVE = "active"
COMPLETED = "completed"
ENDED_EARLY = "ended_early"

PROGRESS_KEYS = ("not_started", "some", "on_track", "done")
UNREPORTED = "unreported"
ANSWERS = ("yes", "maybe", "no")

# Reason kinds (bot/blocks/report.py words them).
NOT_INTRODUCED = "not_introduced"
FIRST_SESSION = "first_session"
ON_A_BREAK = "on_a_break"
NO_MEETING_YET = "no_meeting_yet"  # fewer than quiet_cycles sessions done, none with a meeting
SILENT = "silent"
NEVER_MET = "never_met"
NOT_MET = "not_met"
BLOCKER = "blocker"
LOW_USEFULNESS = "low_usefulness"
MET = "met"
LOW_SCORE = 2.0


@dataclass(frozen=True)
class Ratio:
    k: int
    n: int

    @property
    def pct(self) -> int | None:
        """The share in whole per cent; None when the base is too small to be one."""
        return round(100 * self.k / self.n) if self.n >= SMALL_BASE else None


@dataclass(frozen=True)
class Mean:
    total: float
    n: int

    @property
    def value(self) -> float | None:
        return round(self.total / self.n, 1) if self.n else None


@dataclass(frozen=True)
class PeopleFigures:
    total: int
    in_pool: int  # signed up, active, waiting for a partner
    paired: int  # in an active pair and not on a break
    paused: int
    left: int


@dataclass(frozen=True)
class GoalFigures:
    pairs_with_goals: Ratio  # of started pairs
    goals: int
    goal_progress: dict[str, int]  # PROGRESS_KEYS and UNREPORTED -> goals, by the latest check-in
    learn_back: int  # mentors' learn-back items
    pairs_with_learn_back: Ratio
    learn_back_progress: dict[str, int]


@dataclass(frozen=True)
class SurveyFigures:
    answers: int  # final surveys answered
    overall: Mean  # overall usefulness, 1-5
    recommend: dict[str, int]  # yes / maybe / no
    keep_meeting: dict[str, int]

    @property
    def recommend_base(self) -> int:
        return sum(self.recommend.values())

    @property
    def nps(self) -> int | None:
        """NPS-style: % yes minus % no (maybe counts in the base only); None on a small base."""
        base = self.recommend_base
        if base < SMALL_BASE:
            return None
        return round(100 * (self.recommend.get("yes", 0) - self.recommend.get("no", 0)) / base)


@dataclass(frozen=True)
class Figures:
    people: PeopleFigures
    pairs: int
    active: int
    completed: int
    ended_early: int
    started: int  # introduced
    met_once: Ratio  # started pairs that reported meeting at least once
    met_last_cycle: Ratio  # active pairs with a session done that met in the last one
    meetings: Mean  # meetings reported, per started pair
    response: Ratio  # check-ins answered / asked
    usefulness: Mean  # 1-5, over regular check-ins
    goals: GoalFigures
    survey: SurveyFigures
    health: dict[str, int]  # HEALTHS -> active pairs
    on_break: int = 0  # active pairs with someone on a break now
    extended: int = 0  # active pairs whose program ends later because of their breaks


@dataclass(frozen=True)
class Reason:
    kind: str
    cycles: int = 0  # SILENT, NOT_MET, NO_MEETING_YET: sessions; MET, BLOCKER: the session
    who: str | None = None  # BLOCKER, ON_A_BREAK: the person
    who_name: str = ""
    score: float | None = None  # LOW_USEFULNESS
    shared: str | None = None  # BLOCKER: the words, when the person shared them with the program team
    until: date | None = None  # ON_A_BREAK


@dataclass(frozen=True)
class PairHealth:
    pair_id: int
    mentor_id: str
    mentor_name: str
    mentee_id: str
    mentee_name: str
    status: str  # ACTIVE, COMPLETED, ENDED_EARLY
    health: str | None  # HEALTHS for active pairs, None for ended ones
    reasons: tuple[Reason, ...]
    started: date | None
    ended: date | None
    cycles_done: int
    checkins: int
    meetings_reported: int
    usefulness: Mean
    goals: int
    goals_progress: dict[str, int]
    in_cohort: bool
    channel_id: str | None


@dataclass(frozen=True)
class WeekPoint:
    week: int  # program week (1-based, from each pair's first session) its sessions asked started in
    cycle: int  # the earliest session asked that week (pairs at other cadences or back from a break differ)
    pairs: int  # pairs asked to check in for a session that started that week
    met: Ratio
    response: Ratio
    usefulness: Mean


@dataclass(frozen=True)
class Report:
    team_id: str
    generated_at: datetime
    overall: Figures
    cohort: Figures | None  # None: one cohort so far (the overall figures are the cohort's)
    cohort_since: date | None
    pairs: tuple[PairHealth, ...]
    weeks: tuple[WeekPoint, ...]  # the current cohort's (or everyone's, with one cohort)
    quiet_cycles: int
    cadence_weeks: int
    n_cycles: int

    @property
    def attention(self) -> list[PairHealth]:
        return [p for p in self.pairs if p.health == NEEDS_ATTENTION]

    @property
    def active(self) -> list[PairHealth]:
        return [p for p in self.pairs if p.status == ACTIVE]


@dataclass
class ReportData:
    """Everything the report is computed from, as read in bulk."""

    team_id: str
    rhythm: Rhythm
    quiet_cycles: int
    people: list[PersonRow]
    pairs: list[PairRow]
    checkins: list[CheckinRow]
    goals: list[GoalRow]
    shared: dict[tuple[int, str, int, str], str]
    latest_round: RoundRow | None


def load(db: Database, *, team_id: str) -> ReportData:
    with db.session(read_only=True) as s:
        settings = settings_repo.get(s, team_id=team_id)
        try:
            rhythm = Rhythm.from_settings(settings)
        except ValueError:
            rhythm = Rhythm()
        return ReportData(
            team_id=team_id, rhythm=rhythm, quiet_cycles=max(1, getattr(settings, "quiet_cycles", 2) or 2),
            people=reporting.people(s, team_id=team_id), pairs=reporting.pairs(s, team_id=team_id),
            checkins=reporting.checkins(s, team_id=team_id), goals=reporting.goals(s, team_id=team_id),
            shared=reporting.shared_blockers(s, team_id=team_id),
            latest_round=reporting.latest_round(s, team_id=team_id),
        )


def build(db: Database, *, team_id: str, now: datetime) -> Report:
    """The workspace's program health report as of `now`."""
    return compute(load(db, team_id=team_id), now=now)


# --- computing ----------------------------------------------------------------------------


def _status(p: PairRow) -> str:
    if p.status == PAIR_ACTIVE:
        return ACTIVE
    return COMPLETED if (p.end_reason or "") == COMPLETE_REASON else ENDED_EARLY


def _away(people: dict[str, PersonRow], pair: PairRow) -> list[PersonRow]:
    """The pair's people whose pause is under way (by their status; its span says until when)."""
    return [q for uid in (pair.mentee_id, pair.mentor_id)
            if (q := people.get(uid)) is not None and q.status == PARTICIPANT_PAUSED]


def _spans(breaks, away: list[PersonRow], tz: str):
    return pair_pauses(breaks, [(q.paused_at, q.paused_until, q.timezone) for q in away], tz=tz)


def _latest_progress(rows: list[CheckinRow]) -> dict[str, str]:
    latest: dict[str, str] = {}
    for c in sorted(rows, key=lambda c: (c.cycle, c.kind == CHECKIN_FINAL, c.updated_at)):
        for goal_id, key in (c.goal_progress or {}).items():
            if key in PROGRESS_KEYS:
                latest[str(goal_id)] = key
    return latest


def _count_progress(goals: list[GoalRow], latest: dict[str, str]) -> dict[str, int]:
    out = dict.fromkeys((*PROGRESS_KEYS, UNREPORTED), 0)
    for g in goals:
        out[latest.get(str(g.id), UNREPORTED)] += 1
    return out


@dataclass
class _PairFacts:
    row: PairRow
    status: str
    timeline: Progress | None
    regular: list[CheckinRow]
    finals: list[CheckinRow]
    met_cycles: set[int]
    mentee_goals: list[GoalRow]
    learn_back: list[GoalRow]
    progress: dict[str, str]
    on_break: tuple[PersonRow, ...] = ()  # the people on a break now
    extended: bool = False  # the pair's program ends later because of its breaks


def _health(f: _PairFacts, *, people: dict[str, PersonRow], shared: dict, quiet: int) -> tuple[str | None, tuple]:
    p = f.row
    if f.status != ACTIVE:
        return None, ()
    if f.timeline is None:
        return TOO_EARLY, (Reason(NOT_INTRODUCED),)
    for person in f.on_break:
        return TOO_EARLY, (Reason(ON_A_BREAK, who=person.user_id, who_name=person.name, until=person.paused_until),)
    done = f.timeline.done
    if done == 0:
        return TOO_EARLY, (Reason(FIRST_SESSION),)
    window = set(range(max(1, done - quiet + 1), done + 2))  # the last `quiet` sessions done, and this one
    recent = [c for c in f.regular if c.cycle in window]
    reasons: list[Reason] = []
    if done >= quiet:
        if not recent:
            reasons.append(Reason(SILENT, cycles=quiet))
        elif not (f.met_cycles & window):
            reasons.append(Reason(NEVER_MET if not f.met_cycles else NOT_MET, cycles=quiet))
    if recent:
        last = max(c.cycle for c in recent)
        for c in recent:
            if c.cycle == last and c.has_blocker:
                person = people.get(c.user_id)
                text = shared.get((p.id, c.user_id, c.cycle, c.kind)) if c.share_blocker else None
                reasons.append(Reason(BLOCKER, cycles=c.cycle, who=c.user_id,
                                      who_name=person.name if person else "", shared=text))
        ratings = [c.usefulness for c in recent if c.usefulness]
        if ratings and sum(ratings) / len(ratings) <= LOW_SCORE:
            reasons.append(Reason(LOW_USEFULNESS, score=round(sum(ratings) / len(ratings), 1)))
    if reasons:
        return NEEDS_ATTENTION, tuple(reasons)
    if not f.met_cycles:
        return TOO_EARLY, (Reason(NO_MEETING_YET, cycles=done),)
    return ON_TRACK, (Reason(MET, cycles=max(f.met_cycles)),)


def _figures(facts: list[_PairFacts], people_rows: list[PersonRow], active_pair_members: set[str],
             health: dict[int, str | None], *, all_people: bool) -> Figures:
    members = {u for f in facts for u in (f.row.mentor_id, f.row.mentee_id)}
    persons = [q for q in people_rows if all_people or q.user_id in members]
    left = sum(1 for q in persons if q.status == PARTICIPANT_LEFT)
    paused = sum(1 for q in persons if q.status == PARTICIPANT_PAUSED)
    paired = sum(1 for q in persons if q.status not in (PARTICIPANT_LEFT, PARTICIPANT_PAUSED)
                 and q.user_id in active_pair_members)
    people = PeopleFigures(total=len(persons), in_pool=len(persons) - left - paused - paired, paired=paired,
                           paused=paused, left=left)

    started = [f for f in facts if f.timeline is not None]
    active_done = [f for f in started if f.status == ACTIVE and f.timeline.done > 0]
    asked = sum(2 * len(f.timeline.asked) for f in started)
    answered = 0
    for f in started:
        cycles = set(f.timeline.asked)
        answered += len({(c.user_id, c.cycle) for c in f.regular if c.cycle in cycles})
    ratings = [c.usefulness for f in facts for c in f.regular if c.usefulness]
    mentee_goals = [g for f in started for g in f.mentee_goals]
    learn_back = [g for f in started for g in f.learn_back]
    latest = {k: v for f in started for k, v in f.progress.items()}
    finals = [c for f in facts for c in f.finals]
    overall = [c.overall_usefulness for c in finals if c.overall_usefulness]
    return Figures(
        people=people,
        pairs=len(facts),
        active=sum(1 for f in facts if f.status == ACTIVE),
        completed=sum(1 for f in facts if f.status == COMPLETED),
        ended_early=sum(1 for f in facts if f.status == ENDED_EARLY),
        started=len(started),
        met_once=Ratio(sum(1 for f in started if f.met_cycles), len(started)),
        met_last_cycle=Ratio(sum(1 for f in active_done if f.timeline.done in f.met_cycles), len(active_done)),
        meetings=Mean(sum(len(f.met_cycles) for f in started), len(started)),
        response=Ratio(answered, asked),
        usefulness=Mean(sum(ratings), len(ratings)),
        goals=GoalFigures(
            pairs_with_goals=Ratio(sum(1 for f in started if f.mentee_goals), len(started)),
            goals=len(mentee_goals), goal_progress=_count_progress(mentee_goals, latest),
            learn_back=len(learn_back),
            pairs_with_learn_back=Ratio(sum(1 for f in started if f.learn_back), len(started)),
            learn_back_progress=_count_progress(learn_back, latest),
        ),
        survey=SurveyFigures(
            answers=len(finals), overall=Mean(sum(overall), len(overall)),
            recommend={a: sum(1 for c in finals if c.recommend == a) for a in ANSWERS},
            keep_meeting={a: sum(1 for c in finals if c.keep_meeting == a) for a in ANSWERS},
        ),
        health={h: sum(1 for f in facts if health.get(f.row.id) == h) for h in HEALTHS},
        on_break=sum(1 for f in facts if f.status == ACTIVE and f.on_break),
        extended=sum(1 for f in facts if f.status == ACTIVE and f.extended),
    )


def _weeks(facts: list[_PairFacts], rhythm: Rhythm) -> tuple[WeekPoint, ...]:
    """Per program week: the pairs asked about a session that started that week of their program
    (slot s of a pair at a cadence of c weeks starts in week (s - 1) * c + 1)."""
    asked: dict[int, int] = defaultdict(int)
    first: dict[int, int] = {}
    met: dict[int, int] = defaultdict(int)
    answered: dict[int, int] = defaultdict(int)
    ratings: dict[int, list[int]] = defaultdict(list)
    for f in facts:
        if f.timeline is None:
            continue
        cadence = rhythm.for_pair(f.row.cadence_weeks).cadence_weeks
        week_of = {k: (slot - 1) * cadence + 1 for k, slot in zip(f.timeline.asked, f.timeline.asked_slots,
                                                                  strict=True)}
        for k, w in week_of.items():
            asked[w] += 1
            first[w] = min(first.get(w, k), k)
            if k in f.met_cycles:
                met[w] += 1
        for c in f.regular:
            if c.cycle in week_of:
                w = week_of[c.cycle]
                answered[w] += 1
                if c.usefulness:
                    ratings[w].append(c.usefulness)
    return tuple(
        WeekPoint(week=w, cycle=first[w], pairs=asked[w], met=Ratio(met[w], asked[w]),
                  response=Ratio(min(answered[w], 2 * asked[w]), 2 * asked[w]),
                  usefulness=Mean(sum(ratings[w]), len(ratings[w])))
        for w in sorted(asked)
    )


def compute(data: ReportData, *, now: datetime) -> Report:
    people = {q.user_id: q for q in data.people}
    by_pair: dict[int, list[CheckinRow]] = defaultdict(list)
    for c in data.checkins:
        by_pair[c.pair_id].append(c)
    goals_by_pair: dict[int, list[GoalRow]] = defaultdict(list)
    for g in data.goals:
        goals_by_pair[g.pair_id].append(g)

    facts: list[_PairFacts] = []
    for p in data.pairs:
        timeline = None
        mentee, mentor = people.get(p.mentee_id), people.get(p.mentor_id)
        tz = pair_zone(mentee.timezone if mentee else None, mentor.timezone if mentor else None)
        away = _away(people, p)
        spans = _spans(p.breaks, away, tz)
        on_break = tuple(q for q in away if is_paused(normalise_pauses(_spans((), [q], tz)), now))
        extended = False
        if p.introduced_at is not None:
            rhythm = data.rhythm.for_pair(p.cadence_weeks)
            cutoff = min(now, p.ended_at) if p.ended_at else now
            timeline = progress(rhythm, anchor=p.introduced_at, tz=tz, now=cutoff, pauses=spans)
            if spans:
                closed = [sp for sp in spans if sp[1] is not None]  # an open-ended pause moves the end once over
                extended = bool(closed) and missed_slots(rhythm, anchor=p.introduced_at, tz=tz, pauses=closed) > 0
        rows = by_pair.get(p.id, [])
        regular = [c for c in rows if c.kind == CHECKIN_REGULAR]
        goals = goals_by_pair.get(p.id, [])
        status = _status(p)
        if status == ACTIVE and timeline is not None and timeline.over:
            status = COMPLETED  # the program is over; the dispatcher is about to end the pair
        facts.append(_PairFacts(
            row=p, status=status, timeline=timeline, regular=regular,
            finals=[c for c in rows if c.kind == CHECKIN_FINAL],
            met_cycles={c.cycle for c in regular if c.met},
            mentee_goals=[g for g in goals if g.role == GOAL_MENTEE],
            learn_back=[g for g in goals if g.role == GOAL_MENTOR],
            progress=_latest_progress(rows), on_break=on_break, extended=extended,
        ))

    cohort_ids: set[int] | None = None
    since = None
    r = data.latest_round
    if r is not None:
        start = r.decided_at or r.created_at
        cohort_ids = {p.id for p in data.pairs
                      if p.round_id == r.id or (p.round_id is None and p.created_at >= start)}
        since = start.date()
        if cohort_ids == {p.id for p in data.pairs}:
            cohort_ids = None

    health: dict[int, str | None] = {}
    pairs: list[PairHealth] = []
    for f in facts:
        h, reasons = _health(f, people=people, shared=data.shared, quiet=data.quiet_cycles)
        health[f.row.id] = h
        mentor, mentee = people.get(f.row.mentor_id), people.get(f.row.mentee_id)
        ratings = [c.usefulness for c in f.regular if c.usefulness]
        pairs.append(PairHealth(
            pair_id=f.row.id, mentor_id=f.row.mentor_id, mentor_name=mentor.name if mentor else "",
            mentee_id=f.row.mentee_id, mentee_name=mentee.name if mentee else "", status=f.status,
            health=h, reasons=reasons,
            started=f.row.introduced_at.date() if f.row.introduced_at else None,
            ended=f.row.ended_at.date() if f.row.ended_at and f.status != ACTIVE else None,
            cycles_done=f.timeline.done if f.timeline else 0, checkins=len(f.regular),
            meetings_reported=len(f.met_cycles), usefulness=Mean(sum(ratings), len(ratings)),
            goals=len(f.mentee_goals), goals_progress=_count_progress(f.mentee_goals, f.progress),
            in_cohort=cohort_ids is None or f.row.id in cohort_ids, channel_id=f.row.channel_id,
        ))

    active_members = {u for f in facts if f.status == ACTIVE for u in (f.row.mentor_id, f.row.mentee_id)}
    overall = _figures(facts, data.people, active_members, health, all_people=True)
    cohort = None
    chart_facts = facts
    if cohort_ids is not None:
        chart_facts = [f for f in facts if f.row.id in cohort_ids]
        cohort = _figures(chart_facts, data.people, active_members, health, all_people=False)
    order = {NEEDS_ATTENTION: 0, TOO_EARLY: 1, ON_TRACK: 2, None: 3}
    pairs.sort(key=lambda p: (order[p.health], -len(p.reasons), p.pair_id))
    return Report(
        team_id=data.team_id, generated_at=now, overall=overall, cohort=cohort, cohort_since=since,
        pairs=tuple(pairs), weeks=_weeks(chart_facts, data.rhythm), quiet_cycles=data.quiet_cycles,
        cadence_weeks=data.rhythm.cadence_weeks, n_cycles=n_cycles(data.rhythm),
    )
