"""Taking a break: `/mentoring pause` and `/mentoring resume`.

A pause is `Participant.status == "paused"` with `paused_until` = the first day the person is
active again (None: until they resume by hand). Nothing needs to happen when a dated pause runs
out: the dispatcher and the matching pool treat a pause whose day has come as over. The result
names every active pair of the person, so that each partner can be told once (the notes are
built and ledgered by bot/delivery/notes.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.deps import Deps
from bot.domain.schedule import parse_pause
from bot.domain.timezones import local_today
from bot.services.errors import HasLeft, NotPaused, NotSignedUp, UnreadablePause
from storage.models import PARTICIPANT_LEFT, PARTICIPANT_PAUSED, Pair
from storage.repositories import pairs as pairs_repo
from storage.repositories import participants as people


@dataclass(frozen=True)
class PartnerToTell:
    """One of the person's active pairs, and where its partner hears about it."""

    pair_id: int
    partner_id: str
    channel: str  # the pair's group DM, or the partner's DM before the pair's introduction


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


def _partners(pairs: list[Pair], user_id: str) -> tuple[PartnerToTell, ...]:
    return tuple(PartnerToTell(pair_id=p.id, partner_id=pairs_repo.partner_of(p, user_id),
                               channel=p.channel_id or pairs_repo.partner_of(p, user_id)) for p in pairs)


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
        people.set_paused(s, team_id=team_id, user_id=user_id, until=until, now=deps.now(), open_ended=until is None)
        pairs = pairs_repo.active_pairs_of(s, team_id=team_id, user_id=user_id)
    return Paused(user_id=user_id, until=until, today=today, partners=_partners(pairs, user_id))


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
        people.set_paused(s, team_id=team_id, user_id=user_id, until=None)
        pairs = pairs_repo.active_pairs_of(s, team_id=team_id, user_id=user_id)
    return Resumed(user_id=user_id, today=today, ended_on=ended_on,
                   partners=() if ended_on else _partners(pairs, user_id))
