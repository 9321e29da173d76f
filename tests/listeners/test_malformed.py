"""Modal submissions and clicks whose payloads have the wrong types (forged, or from a client
with a bug) get field errors or a kind refusal, never an HTTP 500; NUL characters never reach
the database (PostgreSQL refuses them)."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest
from sqlmodel import select

from bot.blocks.checkins import build_checkin_modal
from bot.blocks.goals import build_goals_modal
from bot.blocks.onboarding import build_join_modal
from bot.slack.ids import Action, CheckinBlock, JoinBlock
from storage.models import CheckIn
from tests.support.onboarding import USER, open_join_modal, participants, valid_values
from tests.support.slackreq import plain

NOW = datetime(2026, 3, 6, 15, 30, tzinfo=UTC)
JUNK = [None, 0, 7, -1, 3.5, True, "", "x", "\x00", [], [1, "a"], {}, {"value": 5}, {"selected_option": "3"},
        {"selected_options": "a"}, {"selected_options": [None, 3, {"value": {}}]}, {"value": ["a"]},
        {"selected_date": 20260301}, {"selected_option": {"value": None}}]


def junk_values(view: dict, rng: random.Random) -> dict:
    """view.state.values with each input's state replaced by something of a wrong type."""
    out = {}
    for block in view["blocks"]:
        if block.get("type") != "input":
            continue
        bid = block["block_id"]
        shape = rng.randrange(3)
        out[bid] = rng.choice(JUNK) if shape == 0 else {bid: rng.choice(JUNK)} if shape == 1 else {"other": {}}
    return out


def submit_raw(bot, user, view, values):
    payload = bot.slack.view_submission_payload(user, view)
    payload["view"]["state"] = {"values": values}
    return bot.slack.send_payload(payload)


@pytest.mark.parametrize("seed", range(6))
def test_malformed_modal_states_get_field_errors_not_a_500(bot, pair, seed):
    rng = random.Random(seed)
    views = [build_join_modal(None),
             build_goals_modal(pair_id=pair.id, role="mentee", partner_id="U0BEN", goals=[]),
             build_goals_modal(pair_id=pair.id, role="mentor", partner_id="U0ANA", goals=[]),
             build_checkin_modal(pair_id=pair.id, cycle=2, kind="checkin", partner_name="Ben", goals=[]),
             build_checkin_modal(pair_id=pair.id, cycle=12, kind="final", partner_name="Ben", goals=[])]
    user = {0: "U0NEW", 1: "U0ANA", 2: "U0BEN", 3: "U0ANA", 4: "U0ANA"}
    for i, view in enumerate(views):
        for _ in range(5):
            status, _, body = submit_raw(bot, user[i], view, junk_values(view, rng))
            assert status == 200, (i, body)
            assert body["response_action"] == "errors" and body["errors"], (i, body)
    for state in (None, [], "x", {"values": None}, {"values": ["a"]}):
        payload = bot.slack.view_submission_payload("U0NEW", views[0])
        payload["view"]["state"] = state
        status, _, body = bot.slack.send_payload(payload)
        assert status == 200 and body["response_action"] == "errors"
    assert [p.slack_user_id for p in participants(bot)] == ["U0ANA", "U0BEN"]  # nobody new stored


@pytest.mark.parametrize("value", [None, "", "0", "-3", "1_0", "٣", "x" * 3000, "12:1:weekly"])
def test_malformed_button_values_are_refused_kindly(bot, pair, value):
    for action in (Action.OPEN_GOALS, Action.OPEN_CHECKIN):
        before = len(bot.fake.replies("actions"))
        status, _, _ = bot.slack.block_action("U0ANA", action, value, channel_id="G0PAIR")
        assert status == 200
        reply = bot.wait_until(lambda n=before: bot.fake.replies("actions")[n:], what="the reply")[-1]
        assert reply.params["response_type"] == "ephemeral"
        assert "I couldn't find" in reply.params["text"] or "doesn't look right" in reply.params["text"]
    assert bot.fake.calls_to("views.open") == []


def test_nul_characters_never_reach_the_database(bot_on):
    bot = bot_on
    view = open_join_modal(bot)
    values = valid_values(view, **{JoinBlock.DEPARTMENT: plain("Fin\x00ance"), JoinBlock.INTRO: plain("Hi\x00 there")})
    status, _, body = bot.slack.view_submission(USER, view, values)
    assert status == 200 and not body
    row = bot.wait_until(lambda: participants(bot), what="the profile")[0]
    assert (row.department, row.intro) == ("Finance", "Hi there")


def test_a_checkin_with_nul_characters_is_stored_without_them(bot_on, pair):
    bot = bot_on
    view = build_checkin_modal(pair_id=pair.id, cycle=2, kind="checkin", partner_name="Ben", goals=[])
    payload = bot.slack.view_submission_payload("U0ANA", view)
    payload["view"]["state"] = {"values": {
        CheckinBlock.MET: {CheckinBlock.MET: {"type": "radio_buttons", "selected_option": {"value": "no"}}},
        CheckinBlock.BLOCKERS: {CheckinBlock.BLOCKERS: {"type": "plain_text_input", "value": "Time\x00 off"}}}}
    status, _, body = bot.slack.send_payload(payload)
    assert status == 200 and not body
    with bot.db.session() as s:
        [row] = list(s.exec(select(CheckIn)))
    assert row.blockers == "Time off"
