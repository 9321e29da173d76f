"""Profile checks in the join modal, through signed requests: a profile that contradicts itself
gets a field error that says what to change, and nothing is stored; consistent profiles, however
unusual, go through."""

from __future__ import annotations

import time

import pytest

from bot.slack.ids import JoinBlock
from tests.support.onboarding import USER, open_join_modal, participants, valid_values
from tests.support.slackreq import multi, radio

SIDE, SHARE, LEARN = JoinBlock.SIDE, JoinBlock.SKILLS_SHARE, JoinBlock.SKILLS_LEARN

CONTRADICTIONS = [
    ("either, the same skills both ways",
     {SIDE: radio("either"), SHARE: multi(["ai_tools", "leadership"]), LEARN: multi(["leadership", "ai_tools"])},
     {LEARN: "You picked the same skills to share and to learn. Keep each skill in one list: share what you "
             "know, learn what you don't."}),
    ("a skill in both lists",
     {SIDE: radio("mentor"), SHARE: multi(["ai_tools", "spreadsheets"]), LEARN: multi(["spreadsheets", "career"])},
     {LEARN: "You picked Excel & spreadsheets to share and to learn: keep it in one list."}),
    ("a mentee offering digital skills and asking for leadership ones",
     {SIDE: radio("mentee"), SHARE: multi(["ai_tools", "social_media"]), LEARN: multi(["leadership"])},
     {SIDE: "You offer digital skills and want to learn leadership ones: that's a reverse mentor. Pick "
            "\"I'll share digital skills\", or \"Both\" to do both."}),
    ("a mentor offering leadership and asking for digital skills",
     {SIDE: radio("mentor"), SHARE: multi(["leadership", "strategy"]), LEARN: multi(["ai_tools"])},
     {SIDE: "You offer leadership know-how and want to learn digital skills: that's the learning side. Pick "
            "\"I want to learn digital skills\", or \"Both\" to do both."}),
    ("a mentee who wants to learn no digital skill",
     {SIDE: radio("mentee"), SHARE: multi(["leadership"]), LEARN: multi(["career"])},
     {LEARN: "Pick at least one digital skill to learn: leadership know-how is what you share back."}),
    ("a mentor who can share no digital skill",
     {SIDE: radio("mentor"), SHARE: multi(["negotiation"]), LEARN: multi(["career"])},
     {SHARE: "Pick at least one digital skill you can share: reverse mentors share digital skills, and learn "
             "leadership know-how back."}),
]

CONSISTENT = [
    {SIDE: radio("mentor"), SHARE: multi(["ai_tools", "social_media"]), LEARN: multi(["leadership"])},
    {SIDE: radio("mentee"), SHARE: multi(["leadership", "data_viz"]), LEARN: multi(["ai_tools"])},
    {SIDE: radio("either"), SHARE: multi(["ai_tools", "negotiation"]), LEARN: multi(["career", "prompting"])},
    {SIDE: radio("mentor"), SHARE: multi(["ai_tools"]), LEARN: multi([])},  # learning back is optional
]


@pytest.mark.parametrize("case, overrides, errors", CONTRADICTIONS, ids=[c[0] for c in CONTRADICTIONS])
def test_a_contradictory_profile_gets_a_field_error_and_nothing_is_stored(bot, case, overrides, errors):
    view = open_join_modal(bot)
    status, _, body = bot.slack.view_submission(USER, view, valid_values(view, **overrides))
    assert status == 200
    assert body == {"response_action": "errors", "errors": errors}
    time.sleep(0.1)
    assert participants(bot) == [] and bot.fake.calls_to("chat.postMessage") == []


@pytest.mark.parametrize("overrides", CONSISTENT)
def test_a_consistent_profile_is_saved(bot, overrides):
    view = open_join_modal(bot)
    status, _, body = bot.slack.view_submission(USER, view, valid_values(view, **overrides))
    assert status == 200 and not body
    bot.wait_until(lambda: participants(bot), what="the profile")
