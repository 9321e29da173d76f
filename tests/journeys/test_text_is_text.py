"""Text is text, through the real HTTP server: a person whose Slack name, department and intro
are Slack markup joins, checks their status and is matched; nothing they typed turns into a
mention, a channel-wide notification or a link in any message the app sends."""

from __future__ import annotations

import json

from bot.slack.ids import Action, JoinBlock
from tests.support.factories import participant_create, seed_participants
from tests.support.harness import ADMIN_CHANNEL
from tests.support.onboarding import dms_to, open_join_modal, valid_values
from tests.support.rounds import ADMIN, click, intro_posts, preview, wait_round
from tests.support.slackreq import multi, number, plain, radio

HOSTILE = "Hi <!channel> *bold* <@U123> & <https://x|y> <!here>"
MARKUP = ("<!channel>", "<!here>", "<@U123>", "<https://x|y>")
ANA, BEN = "U0ANA", "U0BEN"


def shown(call) -> str:
    """What Slack would parse as mrkdwn in a message: its text and its blocks."""
    return json.dumps([call.params.get("text"), call.json("blocks")], ensure_ascii=False)


def assert_inert(text: str) -> None:
    assert not [m for m in MARKUP if m in text], text
    assert "&lt;!channel&gt;" in text  # the words are still there, as text


def test_markup_typed_by_a_person_is_shown_as_text_everywhere(bot):
    bot.fake.add_user(ANA, name=HOSTILE, tz="Europe/London")
    view = open_join_modal(bot, ANA)
    status, _, body = bot.slack.view_submission(ANA, view, valid_values(
        view, **{JoinBlock.SIDE: radio("mentee"), JoinBlock.SKILLS_SHARE: multi(["leadership"]),
                 JoinBlock.SKILLS_LEARN: multi(["ai_tools"]), JoinBlock.SENIORITY: number(20),
                 JoinBlock.DEPARTMENT: plain(HOSTILE), JoinBlock.INTRO: plain(HOSTILE)}))
    assert status == 200 and not body
    welcome = bot.wait_until(lambda: dms_to(bot, ANA), what="the welcome DM")[0]
    assert_inert(shown(welcome))

    status, _, reply = bot.slack.command(ANA, "status")
    assert status == 200
    assert_inert(json.dumps(reply, ensure_ascii=False))

    bot.fake.add_user(ADMIN, name="Ada Admin")
    bot.fake.set_channel_members(ADMIN_CHANNEL, [ADMIN])
    bot.fake.add_user(BEN, name=HOSTILE)
    seed_participants(bot.db, [participant_create(slack_user_id=BEN, name=HOSTILE, intro=HOSTILE,
                                                  department="Engineering")])
    _, call = preview(bot)
    assert_inert(shown(call))
    click(bot, call, Action.MATCH_CONFIRM)
    wait_round(bot, "done")
    [intro] = intro_posts(bot)
    assert_inert(shown(intro))
