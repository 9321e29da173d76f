"""Driving onboarding through the app, as people do: open the join modal, fill it in."""

from __future__ import annotations

from sqlmodel import select

from bot.slack.ids import JoinBlock, View
from storage.models import Participant
from tests.support.slackreq import multi, number, plain, radio, values_from_view

USER = "U0ANA"


def participants(bot) -> list[Participant]:
    with bot.db.session() as s:
        return list(s.exec(select(Participant)))


def open_join_modal(bot, user=USER) -> dict:
    before = len(bot.fake.calls_to("views.open"))
    status, _, body = bot.slack.command(user, "join")
    assert status == 200 and not body  # a bare ack; the modal does the talking
    call = bot.fake.wait_for("views.open", count=before + 1)[-1]
    view = call.json("view")
    assert view["callback_id"] == View.JOIN
    return view


def valid_values(view, **overrides):
    values = {
        JoinBlock.SIDE: radio("mentor"),
        JoinBlock.SKILLS_SHARE: multi(["ai_tools", "social_media"]),
        JoinBlock.SKILLS_LEARN: multi(["leadership"]),
        JoinBlock.SENIORITY: number(3),
        JoinBlock.DEPARTMENT: plain("  Customer   Success "),
    }
    values.update(overrides)
    return values_from_view(view, values)


def dms_to(bot, user):
    return [c for c in bot.fake.calls_to("chat.postMessage") if c.params.get("channel") == user]
