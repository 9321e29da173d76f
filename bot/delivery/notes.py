"""Notes to partners and admins that a person's choice sets off (a pause, a return, leaving),
as ledger items: each goes out once, whatever retries or double clicks happen."""

from __future__ import annotations

from collections.abc import Iterable

from bot.blocks import pauses as words
from bot.delivery import keys
from bot.delivery.outbox import Item
from bot.services.pauses import Paused, Resumed


def pause_notes(result: Paused, *, admin_channel: str | None = None) -> list[Item]:
    text = words.pause_note(result)
    items = [Item(key=keys.pause_note(p.pair_id, result.user_id, result.until, result.today), kind="pause_note",
                  channel=p.channel, text=text, pair_id=p.pair_id, user_id=p.partner_id)
             for p in result.partners]
    if admin_channel:  # the admins see that the pair paused and how far its program moves: figures only
        items += [Item(key=keys.pause_admin_note(p.pair_id, result.user_id, result.until, result.today),
                       kind="pause_admin", channel=admin_channel, pair_id=p.pair_id,
                       text=words.pause_admin_note(result, p))
                  for p in result.partners]
    return items


def resume_notes(result: Resumed) -> list[Item]:
    text = words.resume_note(result)
    return [Item(key=keys.resume_note(p.pair_id, result.user_id, result.today), kind="resume_note",
                 channel=p.channel, text=text, pair_id=p.pair_id, user_id=p.partner_id)
            for p in result.partners]


def pair_ended_notes(*, leaver_id: str | None, ended: Iterable[tuple[int, str]],
                     admin_channel: str | None) -> list[Item]:
    """For every pair a leaver ended (`ended`: (pair_id, partner_id)): a kind note to the partner
    and a line for the admins. `leaver_id` None: the leaver's data was deleted, so no note names them."""
    items = []
    for pair_id, partner_id in ended:
        items.append(Item(key=keys.pair_ended_partner(pair_id), kind="pair_ended", channel=partner_id,
                          pair_id=pair_id, user_id=partner_id,
                          text=words.pair_ended_partner_note(leaver_id=leaver_id)))
        if admin_channel:
            items.append(Item(key=keys.pair_ended_admins(pair_id), kind="pair_ended_admin", channel=admin_channel,
                              pair_id=pair_id,
                              text=words.pair_ended_admin_note(leaver_id=leaver_id, partner_id=partner_id)))
    return items
