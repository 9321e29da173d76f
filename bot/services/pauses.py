"""Taking a break and stepping out: `/mentoring pause|resume`, and the notes sent when someone
leaves a pair.

A pause is `Participant.status == "paused"` with `paused_until` = the first day the person is
active again (None: until they resume by hand). Nothing needs to happen when a dated pause runs
out: the dispatcher and the matching pool treat a pause whose day has come as over.
Every note to a partner or the admins goes through the send ledger under a key that makes a
repeat (a retried request, a double click) a no-op.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from slack_sdk import WebClient

from bot.delivery.outbox import Item, Outbox, Outcome
from bot.deps import Deps
from bot.domain.schedule import parse_pause, zone
from bot.slack.ids import COMMAND, Sub
from storage.models import PARTICIPANT_LEFT, PARTICIPANT_PAUSED, Pair
from storage.repositories import participants as people
from storage.types import utcnow

NOT_SIGNED_UP = (f"You're not signed up, so there's nothing to pause. `{COMMAND} {Sub.JOIN}` "
                 "to join.")


def fmt_day(d: date) -> str:
    return f"{d:%A} {d.day} {d:%B}"


@dataclass(frozen=True)
class Answer:
    """What to tell the person (ephemerally), and the notes for their partners (one per active
    pair: a mentor with capacity > 1 can have several). `send(..., item=answer.note)` sends them."""

    reply: str
    notes: tuple[Item, ...] = ()

    @property
    def note(self) -> tuple[Item, ...] | None:
        return self.notes or None


def _today(deps: Deps, tz: str | None) -> date:
    try:
        return deps.now().astimezone(zone(tz)).date()
    except ValueError:
        return deps.now().date()


def _partner_of(pair: Pair, user_id: str) -> str:
    return pair.mentee_user_id if pair.mentor_user_id == user_id else pair.mentor_user_id


def pause(deps: Deps, *, team_id: str, user_id: str, text: str) -> Answer:
    """`/mentoring pause [until DATE | 2w | 10 days]`: nothing changes unless the text is understood."""
    with deps.db.session() as s:
        profile = people.get(s, team_id=team_id, user_id=user_id)
        if profile is None or profile.status == PARTICIPANT_LEFT:
            return Answer(NOT_SIGNED_UP)
        today = _today(deps, profile.timezone)
        try:
            until = parse_pause(text, today=today)
        except ValueError as e:
            return Answer(f"{e} Nothing has changed.")
        if until is not None:
            people.set_paused(s, team_id=team_id, user_id=user_id, until=until, now=deps.now())
        else:  # open-ended: paused until they resume
            if profile.status != PARTICIPANT_PAUSED:
                profile.paused_at = deps.now()
            profile.status = PARTICIPANT_PAUSED
            profile.paused_until = None
            profile.updated_at = utcnow()
            s.add(profile)
        pairs = people.active_pairs_of(s, team_id=team_id, user_id=user_id)

    resume_hint = f"`{COMMAND} {Sub.RESUME}` to come back sooner."
    if not pairs:
        reply = (f"Paused until {fmt_day(until)}: I won't match you until then, and you'll be back "
                 f"in the pool on your own. {resume_hint}" if until else
                 f"Paused: I won't match you until you're back. `{COMMAND} {Sub.RESUME}` when you are.")
        return Answer(reply)
    partners = _mentions([_partner_of(p, user_id) for p in pairs])
    yours = "your pair gets" if len(pairs) == 1 else "your pairs get"
    if until:
        reply = (f"Paused until {fmt_day(until)}: {yours} no prompts until then, and "
                 f"{'picks' if len(pairs) == 1 else 'pick'} up on {'its' if len(pairs) == 1 else 'their'} "
                 f"own. I've let {partners} know. {resume_hint}")
        note = (f"{_mention(user_id)} is taking a break until {fmt_day(until)}, so I'll hold your "
                "pair's prompts until then and pick up again on my own. Nothing for you to do.")
        key_part = until.isoformat()
    else:
        reply = (f"Paused: {yours} no prompts until you're back. I've let {partners} "
                 f"know. `{COMMAND} {Sub.RESUME}` when you're ready.")
        note = (f"{_mention(user_id)} is taking a break for a while, so I'll hold your pair's "
                "prompts until they're back. Nothing for you to do.")
        key_part = f"open-{today.isoformat()}"
    items = tuple(
        Item(key=f"pause:{p.id}:{user_id}:{key_part}", kind="pause_note",
             channel=p.channel_id or _partner_of(p, user_id), text=note, pair_id=p.id,
             user_id=_partner_of(p, user_id))
        for p in pairs)
    return Answer(reply, items)


def resume(deps: Deps, *, team_id: str, user_id: str) -> Answer:
    """`/mentoring resume`: back to active now."""
    with deps.db.session() as s:
        profile = people.get(s, team_id=team_id, user_id=user_id)
        if profile is None or profile.status == PARTICIPANT_LEFT:
            return Answer(f"You're not signed up, so there's nothing to resume. `{COMMAND} {Sub.JOIN}` to join.")
        today = _today(deps, profile.timezone)
        if profile.status != PARTICIPANT_PAUSED:
            return Answer("You're not paused, so there's nothing to resume: everything is running as usual.")
        ended_on = profile.paused_until if profile.paused_until and profile.paused_until <= today else None
        people.set_paused(s, team_id=team_id, user_id=user_id, until=None)
        pairs = people.active_pairs_of(s, team_id=team_id, user_id=user_id)
    if ended_on is not None:
        return Answer(f"Your break already ended on {fmt_day(ended_on)}, so you're back: nothing else to do.")
    if not pairs:
        return Answer("Welcome back! You're in the pool for the next matching round.")
    items = tuple(
        Item(key=f"resume:{p.id}:{user_id}:{today.isoformat()}", kind="resume_note",
             channel=p.channel_id or _partner_of(p, user_id), pair_id=p.id, user_id=_partner_of(p, user_id),
             text=f"{_mention(user_id)} is back from their break, so your pair's prompts pick up "
                  "again from the next one.")
        for p in pairs)
    yours = "Your pair's prompts pick" if len(pairs) == 1 else "Your pairs' prompts pick"
    return Answer(f"Welcome back! {yours} up again from the next one. "
                  f"I've let {_mentions([_partner_of(p, user_id) for p in pairs])} know.", items)


def send(deps: Deps, client: WebClient, *, team_id: str,
         item: Item | Iterable[Item] | None) -> Outcome | list[Outcome] | None:
    """Send a note, or each of several, through the ledger (once per key)."""
    if item is None:
        return None
    outbox = Outbox(deps.db, clock=deps.now)
    if isinstance(item, Item):
        return outbox.send_once(client, team_id=team_id, item=item)
    return [outbox.send_once(client, team_id=team_id, item=i) for i in item]


def _mention(user_id: str) -> str:
    return f"<@{user_id}>"


def _mentions(user_ids: list[str]) -> str:
    names = [_mention(u) for u in user_ids]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


# --- leaving a pair -----------------------------------------------------------------------

def pair_ended_items(deps: Deps, *, pair_id: int, leaver_id: str, partner_id: str) -> list[Item]:
    """The kind note to the partner and the line for the admins when someone leaves their pair."""
    items = [Item(
        key=f"pair_ended:{pair_id}:partner", kind="pair_ended", channel=partner_id,
        pair_id=pair_id, user_id=partner_id,
        text=(f"{_mention(leaver_id)} has stepped out of reverse mentoring, so your pairing has come "
              "to an end. Thank you for the time and care you put into it. You're back in the pool, "
              "and I'll let you know when the next matching round finds you a new partner."),
    )]
    admin = deps.settings.admin_channel
    if admin:
        items.append(Item(
            key=f"pair_ended:{pair_id}:admins", kind="pair_ended_admin", channel=admin, pair_id=pair_id,
            text=(f"{_mention(leaver_id)} left the program, which ends their pair with "
                  f"{_mention(partner_id)}. {_mention(partner_id)} is back in the pool for the next round."),
        ))
    return items


def claim_pair_ended(deps: Deps, *, team_id: str, leaver_id: str,
                     ended: Iterable[tuple[int, str]]) -> list[int]:
    """Record the notes for every pair a leaver ended (`ended`: (pair_id, partner_id)) in the
    ledger, before anything else can go wrong; returns the ledger rows this call claimed.
    Whatever `deliver_claimed` doesn't get to is sent by `Outbox.recover` once the lease ends."""
    items = [i for pair_id, partner_id in ended
             for i in pair_ended_items(deps, pair_id=pair_id, leaver_id=leaver_id, partner_id=partner_id)]
    won = Outbox(deps.db, clock=deps.now).claim(team_id=team_id, items=items)
    return [won[i.key] for i in items if i.key in won]


def deliver_claimed(deps: Deps, client: WebClient, row_ids: Iterable[int]) -> list[Outcome]:
    outbox = Outbox(deps.db, clock=deps.now)
    return [outbox.deliver(client, row_id) for row_id in row_ids]
