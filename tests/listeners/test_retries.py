"""Slack retries what it thinks went unanswered (X-Slack-Retry-Num). A retry of work already done
does nothing visible twice: in the process that did it, and on another replica."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import select

from bot.slack.ids import GoalBlock, View
from storage.models import Goal
from tests.support.factories import paired
from tests.support.harness import start_harness
from tests.support.onboarding import USER, dms_to, open_join_modal, participants, valid_values
from tests.support.slackreq import plain, values_from_view

RETRY = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def submitted_view(view: dict, view_id: str) -> dict:
    """The modal as Slack holds it: the same view ID in the submission and in its retries."""
    return {**view, "id": view_id, "hash": "1700000000.abcdef"}


def test_a_retried_join_sends_one_welcome(bot):
    view = submitted_view(open_join_modal(bot), "V0JOIN")
    values = valid_values(view)
    assert bot.slack.view_submission(USER, view, values)[0] == 200
    bot.fake.wait_for("chat.postMessage")
    assert bot.slack.view_submission(USER, view, values, headers=RETRY)[0] == 200
    assert bot.slack.view_submission(USER, view, values, headers={**RETRY, "X-Slack-Retry-Num": "2"})[0] == 200
    assert len(dms_to(bot, USER)) == 1
    assert len(bot.fake.calls_to("users.info", include_failed=True)) == 1  # the retries weren't even handled
    assert len(participants(bot)) == 1


def test_a_retry_landing_on_another_replica_sends_no_second_welcome(bot, fake_slack):
    view = submitted_view(open_join_modal(bot), "V0JOIN")
    values = valid_values(view)
    assert bot.slack.view_submission(USER, view, values)[0] == 200
    bot.fake.wait_for("chat.postMessage")
    replica = start_harness(fake_slack, bot.db)  # a second copy of the bot on the same database
    try:
        assert replica.slack.view_submission(USER, view, values, headers=RETRY)[0] == 200
    finally:
        replica.close()  # and its listener has finished
    assert len(dms_to(bot, USER)) == 1  # the welcome went through the ledger under the view's key
    assert len(participants(bot)) == 1


def test_a_retried_app_home_event_publishes_once(bot):
    for retry in (None, 1, 2):
        status, _, _ = bot.slack.app_home_opened(USER, event_id="Ev0HOME", retry_num=retry)
        assert status == 200
        if retry is None:
            bot.fake.wait_for("views.publish")
    bot.close()
    assert len(bot.fake.calls_to("views.publish")) == 1


def test_retried_goals_are_posted_once(bot, fake_slack):
    bot.clock.set(NOW)
    _, _, pair = paired(bot.db, mentee=dict(slack_user_id="U0ANA", name="Ana"), mentor=dict(slack_user_id="U0BEN"))
    status, _, _ = bot.slack.command("U0ANA", "goals")
    assert status == 200
    view = submitted_view(bot.fake.wait_for("views.open")[-1].json("view"), "V0GOALS")
    assert view["callback_id"] == View.GOALS
    values = values_from_view(view, {GoalBlock.slot(GoalBlock.WHAT, 1): plain("Use AI for my updates")})
    assert bot.slack.view_submission("U0ANA", view, values)[0] == 200
    bot.fake.wait_for("chat.postMessage")
    bot.slack.view_submission("U0ANA", view, values, headers=RETRY)
    replica = start_harness(fake_slack, bot.db)
    replica.clock.set(NOW)
    replica.slack.view_submission("U0ANA", view, values, headers=RETRY)
    replica.close()
    bot.close()
    assert len([c for c in bot.fake.calls_to("chat.postMessage") if c.params["channel"] == pair.channel_id]) == 1
    with bot.db.session() as s:
        assert [g.what for g in s.exec(select(Goal))] == ["Use AI for my updates"]
