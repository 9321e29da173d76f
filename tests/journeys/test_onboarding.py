"""Onboarding through the real HTTP server, as Slack reaches the bot: a join from command to DM,
forged and stale requests refused, the health check, two first submissions racing."""

from __future__ import annotations

import http.client
import time
import urllib.error
import urllib.request

import pytest
from sqlalchemy.exc import OperationalError

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
    with urllib.request.urlopen(f"{bot.url}/healthz", timeout=5) as resp:
        assert resp.status == 200


def test_healthz_says_503_while_the_database_is_unreachable(bot, monkeypatch):
    def unreachable():
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    monkeypatch.setattr(bot.db, "check", unreachable)
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(f"{bot.url}/healthz", timeout=5)
    assert e.value.code == 503 and e.value.read() == b"database unreachable\n"
    monkeypatch.undo()
    with urllib.request.urlopen(f"{bot.url}/healthz", timeout=5) as resp:
        assert resp.status == 200


def test_a_body_over_a_megabyte_is_refused_before_it_is_read(bot):
    """Slack's payloads are tens of kilobytes; nothing unsigned gets to fill the memory. The 413
    comes as soon as the headers announce 2 MB, before a byte of the body is sent."""
    conn = http.client.HTTPConnection("127.0.0.1", bot.server.port, timeout=10)
    conn.putrequest("POST", "/slack/events")
    conn.putheader("Content-Type", "application/x-www-form-urlencoded")
    conn.putheader("Content-Length", str(2 * 1024 * 1024))
    conn.endheaders()
    resp = conn.getresponse()
    assert resp.status == 413
    conn.close()
    assert participants(bot) == [] and [c.method for c in bot.fake.calls] == ["auth.test"]  # Bolt's start-up check only


def test_a_chunked_body_over_a_megabyte_is_refused(bot):
    conn = http.client.HTTPConnection("127.0.0.1", bot.server.port, timeout=10)
    chunks = iter([b"payload="] + [b"x" * 65536] * 40)
    try:
        conn.request("POST", "/slack/events", body=chunks, encode_chunked=True,
                     headers={"Content-Type": "application/x-www-form-urlencoded", "Transfer-Encoding": "chunked"})
        status = conn.getresponse().status
    except (BrokenPipeError, ConnectionResetError):
        status = 413  # refused so early that the rest of the body couldn't even be sent
    assert status == 413
    conn.close()
    assert participants(bot) == []


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
