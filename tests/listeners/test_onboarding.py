"""Onboarding listeners, with signed requests dispatched in process: help, the join modal and its
errors, status, leaving, App Home; Web API calls and rows out."""

from __future__ import annotations

import time

from bot.blocks.common import FOREIGN_WORKSPACE
from bot.blocks.onboarding import build_join_modal
from bot.slack.ids import Action, JoinBlock, View
from tests.support.harness import SIGNING_SECRET
from tests.support.onboarding import USER, dms_to, open_join_modal, participants, valid_values
from tests.support.slackreq import SlackRequests, multi, number, plain, radio, values_from_view


def test_help_for_no_text_unknown_text_and_help(bot):
    for text in ("", "help"):
        status, _, body = bot.slack.command(USER, text)
        assert status == 200
        assert body["response_type"] == "ephemeral"
        assert "/mentoring join" in body["blocks"][0]["text"]["text"]
    status, _, body = bot.slack.command(USER, "dance please")
    assert status == 200
    assert "I don't know `dance` yet" in body["blocks"][0]["text"]["text"]
    assert participants(bot) == []


def test_invalid_join_answers_field_errors_and_stores_nothing(bot):
    view = open_join_modal(bot)
    cases = [
        ({JoinBlock.SIDE: radio("mentor"), JoinBlock.SKILLS_SHARE: multi([])},
         {JoinBlock.SKILLS_SHARE}),
        ({JoinBlock.SIDE: radio("mentee"), JoinBlock.SKILLS_LEARN: multi([])},
         {JoinBlock.SKILLS_LEARN}),
        ({JoinBlock.SIDE: radio("either"), JoinBlock.SKILLS_SHARE: multi([]), JoinBlock.SKILLS_LEARN: multi([])},
         {JoinBlock.SKILLS_SHARE, JoinBlock.SKILLS_LEARN}),
        ({JoinBlock.SENIORITY: number("61")}, {JoinBlock.SENIORITY}),
        ({JoinBlock.SENIORITY: {"type": "number_input", "value": "2.5"}}, {JoinBlock.SENIORITY}),
        ({JoinBlock.DEPARTMENT: plain("   ")}, {JoinBlock.DEPARTMENT}),
    ]
    for overrides, expected_blocks in cases:
        status, _, body = bot.slack.view_submission(USER, view, valid_values(view, **overrides))
        assert status == 200
        assert body["response_action"] == "errors", overrides
        assert set(body["errors"]) == expected_blocks, overrides
    time.sleep(0.2)  # give a wrongly-continuing listener time to write or send
    assert participants(bot) == []
    assert bot.fake.calls_to("chat.postMessage") == []
    assert bot.fake.calls_to("users.info") == []


def test_forged_skill_keys_are_refused(bot):
    view = open_join_modal(bot)
    values = valid_values(view)
    values[JoinBlock.SKILLS_SHARE][JoinBlock.SKILLS_SHARE] = {
        "type": "multi_static_select",
        "selected_options": [{"text": {"type": "plain_text", "text": "x"}, "value": "hacking"}],
    }
    status, _, body = bot.slack.view_submission(USER, view, values)
    assert body == {"response_action": "errors",
                    "errors": {JoinBlock.SKILLS_SHARE: "Pick skills from the list."}}
    assert participants(bot) == []


def test_join_again_opens_the_modal_prefilled_and_updates_the_same_record(bot):
    view = open_join_modal(bot)
    bot.slack.view_submission(USER, view, valid_values(view))
    bot.wait_until(lambda: dms_to(bot, USER), what="the welcome DM")
    [first] = participants(bot)

    view2 = open_join_modal(bot)
    assert view2["title"]["text"] == "Edit your profile"
    prefilled = values_from_view(view2)  # what Slack would submit untouched
    assert prefilled[JoinBlock.SIDE][JoinBlock.SIDE]["selected_option"]["value"] == "mentor"
    assert [o["value"] for o in prefilled[JoinBlock.SKILLS_SHARE][JoinBlock.SKILLS_SHARE]["selected_options"]] \
        == ["ai_tools", "social_media"]
    assert prefilled[JoinBlock.DEPARTMENT][JoinBlock.DEPARTMENT]["value"] == "Customer Success"

    prefilled[JoinBlock.DEPARTMENT] = {JoinBlock.DEPARTMENT: plain("Finance")}
    bot.slack.view_submission(USER, view2, prefilled)
    dms = bot.wait_until(lambda: len(dms_to(bot, USER)) == 2 and dms_to(bot, USER), what="second DM")
    assert "updated" in dms[1].params["text"]
    [second] = participants(bot)
    assert second.id == first.id
    assert second.department == "Finance"
    assert second.skills_share == ["ai_tools", "social_media"]


def test_status_before_and_after_joining(bot):
    status, _, body = bot.slack.command(USER, "status")
    assert status == 200 and "haven't joined yet" in body["text"]

    view = open_join_modal(bot)
    bot.slack.view_submission(USER, view, valid_values(view))
    bot.wait_until(lambda: participants(bot), what="the participant row")

    status, _, body = bot.slack.command(USER, "status")
    assert body["response_type"] == "ephemeral"
    assert "in the pool" in body["text"]
    text = "\n".join(b["text"]["text"] for b in body["blocks"] if b["type"] == "section")
    assert "AI tools" in text and "Customer Success" in text and "3 years" in text


def test_leave_asks_first_then_removes_from_the_pool(bot):
    view = open_join_modal(bot)
    bot.slack.view_submission(USER, view, valid_values(view))
    bot.wait_until(lambda: participants(bot), what="the participant row")

    status, _, body = bot.slack.command(USER, "leave")
    assert "Leave reverse mentoring?" in body["text"]
    action_ids = [e["action_id"] for e in body["blocks"][1]["elements"]]
    assert action_ids == [Action.LEAVE_CONFIRM, Action.LEAVE_AND_DELETE, Action.LEAVE_CANCEL]
    assert participants(bot)[0].status == "active"  # asking changes nothing

    status, _, _ = bot.slack.block_action(USER, Action.LEAVE_CANCEL, "stay")
    assert status == 200
    reply = bot.fake.wait_for("response_url")[-1]
    assert "staying" in reply.params["text"]
    assert participants(bot)[0].status == "active"

    bot.slack.block_action(USER, Action.LEAVE_CONFIRM, "leave")
    reply = bot.fake.wait_for("response_url", count=2)[-1]
    assert reply.params["replace_original"] in (True, "true")
    assert "You've left" in reply.params["text"]
    [row] = participants(bot)
    assert row.status == "left" and row.left_at is not None

    status, _, body = bot.slack.command(USER, "leave")  # left already, the profile kept: delete it?
    assert body["text"].startswith("You've already left reverse mentoring. I've kept your profile")
    [delete] = [e for b in body["blocks"] if b["type"] == "actions" for e in b["elements"]
                if e["action_id"] == Action.LEAVE_AND_DELETE]
    assert delete["confirm"]["title"]["text"] == "Delete your data?"


def test_leave_and_delete_erases_the_profile(bot):
    view = open_join_modal(bot)
    bot.slack.view_submission(USER, view, valid_values(view))
    bot.wait_until(lambda: participants(bot), what="the participant row")
    bot.slack.block_action(USER, Action.LEAVE_AND_DELETE, "delete")
    reply = bot.fake.wait_for("response_url")[-1]
    assert "deleted" in reply.params["text"]
    assert participants(bot) == []


def test_app_home_shows_join_button_then_profile(bot):
    status, _, _ = bot.slack.app_home_opened(USER)
    assert status == 200
    home = bot.fake.wait_for("views.publish")[-1]
    assert home.params["user_id"] == USER
    blocks = home.json("view")["blocks"]
    assert any(e.get("action_id") == Action.HOME_JOIN for b in blocks if b["type"] == "actions"
               for e in b["elements"])

    bot.slack.block_action(USER, Action.HOME_JOIN, container={"type": "view", "view_id": "V1"})
    view = bot.fake.wait_for("views.open")[-1].json("view")
    assert view["callback_id"] == View.JOIN


def test_a_database_failure_after_the_modal_closed_is_explained_and_saves_nothing(bot, monkeypatch):
    from sqlalchemy.exc import OperationalError

    from bot.services import onboarding

    def broken(*_a, **_k):
        raise OperationalError("INSERT", {}, Exception("database is locked"))

    monkeypatch.setattr(onboarding, "_save_profile", broken)
    view = open_join_modal(bot)
    status, _, body = bot.slack.view_submission(USER, view, valid_values(view))
    assert status == 200 and not body
    dm = bot.wait_until(lambda: dms_to(bot, USER), what="the apology DM")[0]
    assert "couldn't save your profile just now, so nothing has changed" in dm.params["text"]
    assert participants(bot) == []


def test_a_workspace_the_bot_does_not_serve_is_refused_and_nothing_changes(bot):
    """Validly signed, but from team T0EVIL0001, not the token's workspace (T0001)."""
    evil = SlackRequests("in-process", SIGNING_SECRET, team_id="T0EVIL0001", dispatch=bot.slack.dispatch,
                         response_url_base=bot.fake.hooks_base_url)
    status, _, body = evil.command(USER, "join")
    assert status == 200 and body["text"] == FOREIGN_WORKSPACE and body["response_type"] == "ephemeral"
    view = build_join_modal(None)
    status, _, body = evil.view_submission(USER, view, valid_values(view))
    assert status == 200 and not body
    status, _, _ = evil.block_action(USER, Action.HOME_JOIN)
    assert status == 200
    status, _, _ = evil.app_home_opened(USER)
    assert status == 200
    assert participants(bot) == []
    assert [c.method for c in bot.fake.calls] == ["auth.test"]  # not one call made for that workspace
