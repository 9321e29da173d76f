"""Onboarding through the real HTTP server, as Slack reaches the bot: a join from command to DM,
forged and stale requests refused, the health check, two first submissions racing."""

from __future__ import annotations

import time

from bot.slack.ids import View
from tests.support.onboarding import USER, dms_to, open_join_modal, participants, valid_values


def test_join_stores_the_participant_with_slack_time_zone_and_confirms_in_a_dm(bot):
    bot.fake.add_user(USER, name="Ana Silva", tz="America/New_York")
    view = open_join_modal(bot)
    call = bot.fake.last_call("views.open")
    assert call.params["trigger_id"]  # the command's trigger_id was used

    status, _, body = bot.slack.view_submission(USER, view, valid_values(view))
    assert status == 200 and not body  # closes the modal

    dm = bot.wait_until(lambda: dms_to(bot, USER), what="the welcome DM")[0]
    assert "Welcome to reverse mentoring" in dm.params["text"]
    [row] = participants(bot)
    assert (row.team_id, row.slack_user_id, row.name) == ("T0001", USER, "Ana Silva")
    assert row.side == "mentor"
    assert row.skills_share == ["ai_tools", "social_media"]
    assert row.skills_learn == ["leadership"]
    assert row.seniority_years == 3
    assert row.department == "Customer Success"
    assert row.timezone == "America/New_York"
    assert row.status == "active"


def test_bad_signature_and_stale_timestamp_are_refused_and_change_nothing(bot):
    status, _, _ = bot.slack.command(USER, "join", bad_signature=True)
    assert status == 401
    status, _, _ = bot.slack.command(USER, "join", timestamp=int(time.time()) - 6 * 60)
    assert status == 401
    view = {"type": "modal", "callback_id": View.JOIN, "blocks": []}
    status, _, _ = bot.slack.view_submission(USER, view, {}, bad_signature=True)
    assert status == 401
    time.sleep(0.2)
    assert bot.fake.calls_to("views.open") == []
    assert participants(bot) == []


def test_healthz(bot):
    import urllib.request

    with urllib.request.urlopen(f"{bot.url}/healthz", timeout=5) as resp:
        assert resp.status == 200


def test_two_first_submissions_at_once_leave_one_record(bot):
    import threading

    view = open_join_modal(bot)
    values = valid_values(view)
    barrier = threading.Barrier(2)

    def submit():
        barrier.wait()
        bot.slack.view_submission(USER, view, values)

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    bot.wait_until(lambda: len(dms_to(bot, USER)) == 2, what="two confirmations")
    assert len(participants(bot)) == 1
