"""Taking a break: `/mentoring pause` and `/mentoring resume`.

A pause is `Participant.status == "paused"` with `paused_until` = the first day the person is
active again (None: until they resume by hand). Nothing needs to happen when a dated pause runs
out: the dispatcher and the matching pool treat a pause whose day has come as over. The result
names every active pair of the person, so that each partner can be told once (the notes are
built and ledgered by bot/delivery/notes.py).

A pause extends the program: the cycles it covers are not spent (bot/domain/schedule.py). The
pause under way is the participant's; when it is over (resumed, or replaced by a new pause after
a dated one ran out) it is recorded as a finished break on each of the person's active pairs
(`PairSchedule.pauses`), from when it began until it ended, never later than now, so the past of
every pair's timetable never changes. The result says, per pair, by how many sessions and to
which day the program's end moves, for the admins' note.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from bot.deps import Deps
from bot.domain.schedule import Rhythm, bounds, current_pause, missed_slots, parse_pause
from bot.domain.timezones import local_today, pair_zone, valid_zone, zone
from bot.services.errors import HasLeft, NotPaused, NotSignedUp, UnreadablePause
from storage.models import PARTICIPANT_LEFT, PARTICIPANT_PAUSED, Pair
from storage.repositories import pair_schedules
from storage.repositories import pairs as pairs_repo
from storage.repositories import participants as people
from storage.repositories import settings as settings_repo


@dataclass(frozen=True)
class PartnerToTell:
    """One of the person's active pairs, and where its partner hears about it."""

    pair_id: int
    partner_id: str
    channel: str  # the pair's group DM, or the partner's DM before the pair's introduction
    mentor_id: str = ""
    mentee_id: str = ""
    # For the admins: sessions the pair's pauses have moved so far (this one counted, when it has
    # an end) and the day its program now ends (in the pair's zone); None before its introduction
    # or while an open-ended pause holds it.
    sessions_moved: int = 0
    ends_on: date | None = None


@dataclass(frozen=True)
class Paused:
    user_id: str
    until: date | None  # the first day back; None: until they resume
    today: date  # in the person's time zone
    partners: tuple[PartnerToTell, ...]


@dataclass(frozen=True)
class Resumed:
    user_id: str
    today: date
    ended_on: date | None  # their dated break had already ended on that day: nothing changes for anyone
    partners: tuple[PartnerToTell, ...]


def _partners(pairs: list[Pair], user_id: str, s=None, now: datetime | None = None) -> tuple[PartnerToTell, ...]:
    out = []
    for p in pairs:
        moved, ends = _program_end(s, p, now) if s is not None and now is not None else (0, None)
        out.append(PartnerToTell(pair_id=p.id, partner_id=pairs_repo.partner_of(p, user_id),
                                 channel=p.channel_id or pairs_repo.partner_of(p, user_id),
                                 mentor_id=p.mentor_user_id, mentee_id=p.mentee_user_id,
                                 sessions_moved=moved, ends_on=ends))
    return tuple(out)


def _zone(person) -> str:
    return valid_zone(person.timezone) if person is not None and valid_zone(person.timezone) else "UTC"


def _program_end(s, pair: Pair, now: datetime) -> tuple[int, date | None]:
    """(sessions moved by pauses, the day the program ends) for a started pair, with the pauses
    as they stand now; (moved so far, None) while an open-ended pause holds it."""
    if pair.introduced_at is None:
        return 0, None
    mentee = people.get(s, team_id=pair.team_id, user_id=pair.mentee_user_id)
    mentor = people.get(s, team_id=pair.team_id, user_id=pair.mentor_user_id)
    tz = pair_zone(mentee.timezone if mentee else None, mentor.timezone if mentor else None)
    own = pair_schedules.get(s, pair_id=pair.id)
    try:
        rhythm = Rhythm.from_settings(settings_repo.get(s, team_id=pair.team_id)).for_pair(
            own.cadence_weeks if own else None)
    except ValueError:  # invalid settings: the dispatcher says so; no figure here
        return 0, None
    spans = list(pair_schedules.parse_spans(own.pauses if own else None))
    open_ended = False
    for m in (mentee, mentor):
        if m is not None and m.status == PARTICIPANT_PAUSED:
            span = current_pause(m.paused_at, m.paused_until, _zone(m))
            open_ended = open_ended or span[1] is None
            spans.append(span)
    if open_ended:
        spans = [sp for sp in spans if sp[1] is not None]
    moved = missed_slots(rhythm, anchor=pair.introduced_at, tz=tz, pauses=spans)
    if open_ended:
        return moved, None
    end = bounds(rhythm, anchor=pair.introduced_at, tz=tz, pauses=spans)[1]
    return moved, end.astimezone(zone(tz)).date()


def _close_break(s, *, team_id: str, profile, pairs: list[Pair], now: datetime) -> None:
    """Record the person's pause as a finished break on their pairs: from when it began until it
    ended, or now if it hasn't."""
    if profile.status != PARTICIPANT_PAUSED or profile.paused_at is None:
        return
    end = current_pause(profile.paused_at, profile.paused_until, _zone(profile))[1]
    end = now if end is None or end > now else end
    pair_schedules.add_break(s, team_id=team_id, pair_ids=[p.id for p in pairs], start=profile.paused_at, end=end)


def pause(deps: Deps, *, team_id: str, user_id: str, text: str) -> Paused:
    """`/mentoring pause [until DATE | 2w | 10 days]`. Raises NotSignedUp, or UnreadablePause
    (nothing changes unless the text is understood)."""
    with deps.db.session() as s:
        profile = people.get(s, team_id=team_id, user_id=user_id)
        if profile is None:
            raise NotSignedUp()
        if profile.status == PARTICIPANT_LEFT:
            raise HasLeft()
        today = local_today(deps.now(), profile.timezone)
        try:
            until = parse_pause(text, today=today)
        except ValueError as e:
            raise UnreadablePause(str(e)) from None
        now = deps.now()
        pairs = pairs_repo.active_pairs_of(s, team_id=team_id, user_id=user_id)
        if profile.status == PARTICIPANT_PAUSED and profile.paused_until is not None and profile.paused_until <= today:
            # Their last break had run out: it is history, and this one begins now.
            _close_break(s, team_id=team_id, profile=profile, pairs=pairs, now=now)
            people.set_paused(s, team_id=team_id, user_id=user_id, until=None)
        people.set_paused(s, team_id=team_id, user_id=user_id, until=until, now=now, open_ended=until is None)
        partners = _partners(pairs, user_id, s, now)
    return Paused(user_id=user_id, until=until, today=today, partners=partners)


def resume(deps: Deps, *, team_id: str, user_id: str) -> Resumed:
    """`/mentoring resume`: back to active now. Raises NotSignedUp or NotPaused."""
    with deps.db.session() as s:
        profile = people.get(s, team_id=team_id, user_id=user_id)
        if profile is None:
            raise NotSignedUp()
        if profile.status == PARTICIPANT_LEFT:
            raise HasLeft()
        if profile.status != PARTICIPANT_PAUSED:
            raise NotPaused()
        today = local_today(deps.now(), profile.timezone)
        ended_on = profile.paused_until if profile.paused_until and profile.paused_until <= today else None
        pairs = pairs_repo.active_pairs_of(s, team_id=team_id, user_id=user_id)
        _close_break(s, team_id=team_id, profile=profile, pairs=pairs, now=deps.now())
        people.set_paused(s, team_id=team_id, user_id=user_id, until=None)
    return Resumed(user_id=user_id, today=today, ended_on=ended_on,
                   partners=() if ended_on else _partners(pairs, user_id))
