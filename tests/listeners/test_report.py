"""`/mentoring report` in the admin channel and the "Message the pair" button, through signed
requests and the fake Slack."""

from __future__ import annotations

import pytest

from bot.slack.ids import Action
from storage.models import SendLedger
from tests.support.harness import ADMIN_CHANNEL
from tests.support.program import SHARED_BLOCKER, seed_program_in_slack
from tests.support.rounds import ADMIN, all_rows


@pytest.fixture
def program(bot_on):
    return seed_program_in_slack(bot_on)


def run_report(bot, user=ADMIN, channel=ADMIN_CHANNEL):
    status, _, body = bot.slack.command(user, "report", channel_id=channel)
    assert status == 200 and not body  # answered at once; the report follows


def report_posts(bot):
    return [c for c in bot.fake.calls_to("chat.postMessage") if c.params["channel"] == ADMIN_CHANNEL]


def test_an_admin_gets_the_report_and_its_chart_in_the_admin_channel(bot_on, program):
    run_report(bot_on)
    posts = bot_on.fake.wait_for("chat.postMessage", count=2)
    bot_on.wait_until(lambda: bot_on.fake.files_in(ADMIN_CHANNEL), what="the chart")
    assert [c.params["channel"] for c in posts] == [ADMIN_CHANNEL] * 2
    assert "Program health" in posts[0].params["text"]
    figures = str(posts[0].json("blocks"))
    assert "Met at least once:* 4 of 7 pairs (57 %)" in figures
    assert SHARED_BLOCKER in str(posts[1].json("blocks"))
    [chart] = bot_on.fake.files_in(ADMIN_CHANNEL)
    assert chart["name"] == "program-health.png" and chart["content"].startswith(b"\x89PNG")
    width = int.from_bytes(chart["content"][16:20], "big")
    assert width >= 800
    keys = sorted(r.key.split(":")[0] for r in all_rows(bot_on, SendLedger))
    assert keys == ["chart", "report", "report"]


def test_someone_who_isnt_an_admin_is_refused_and_nothing_is_posted(bot_on, program):
    bot_on.fake.add_user("U0NOPE")
    run_report(bot_on, user="U0NOPE")
    [reply] = bot_on.fake.wait_for("response_url")
    assert "Only program admins" in reply.params["text"]
    assert report_posts(bot_on) == [] and bot_on.fake.shared_files() == []


def test_message_the_pair_sends_one_kind_note_however_many_clicks(bot_on, program):
    run_report(bot_on)
    posts = bot_on.fake.wait_for("chat.postMessage", count=2)
    attention = posts[1]
    message = {"blocks": attention.json("blocks"), "text": attention.params["text"], "ts": attention.response["ts"]}
    pair_id = str(program["silent"])
    for _ in range(2):
        status, _, _ = bot_on.slack.block_action(ADMIN, Action.MESSAGE_PAIR, pair_id, channel_id=ADMIN_CHANNEL,
                                                 message=message, message_ts=attention.response["ts"])
        assert status == 200
    replies = bot_on.fake.wait_for("response_url", count=2)
    notes = [c for c in bot_on.fake.calls_to("chat.postMessage") if c.params["channel"] == "G0PAIR2"]
    assert len(notes) == 1 and "<@U0R2>" in str(notes[0].json("blocks"))
    texts = sorted(r.params["text"] for r in replies)
    assert texts[0].startswith("<@U0R2> and <@U0E2> already got a note")
    assert texts[1].startswith("Sent a friendly note to <@U0R2> and <@U0E2>")


def test_message_the_pair_refuses_an_ended_pair_and_a_non_admin(bot_on, program):
    bot_on.fake.add_user("U0NOPE")
    for user, pair in ((ADMIN, program["ended"]), ("U0NOPE", program["silent"])):
        bot_on.slack.block_action(user, Action.MESSAGE_PAIR, str(pair), channel_id=ADMIN_CHANNEL,
                                  message={"blocks": [], "text": "x", "ts": "1.2"}, message_ts="1.2")
    replies = bot_on.fake.wait_for("response_url", count=2)
    assert sorted(r.params["text"][:20] for r in replies) == sorted(
        ["That pair has ended,"[:20], "Only program admins can do that"[:20]])
    assert [c for c in bot_on.fake.calls_to("chat.postMessage") if c.params["channel"].startswith("G0PAIR")] == []


def test_export_shares_three_csv_files_in_the_admin_channel_once(bot_on, program):
    status, _, body = bot_on.slack.command(ADMIN, "export", channel_id=ADMIN_CHANNEL)
    assert status == 200 and not body
    files = bot_on.wait_until(lambda: bot_on.fake.files_in(ADMIN_CHANNEL), what="the export")
    assert [f["name"] for f in files] == ["pairs.csv", "people.csv", "checkins.csv"]
    assert files[0]["content"].decode("utf-8").startswith("pair_id,mentor_id,mentor_name,mentee_id,")
    assert "7 pairs, 14 people, 13 check-ins" in files[0]["initial_comment"]
    def settled():
        return [r.status for r in all_rows(bot_on, SendLedger) if r.key.startswith("export:")] == ["sent"]
    bot_on.wait_until(settled, what="the export's ledger row settled as sent")


def test_export_elsewhere_or_by_someone_else_is_refused(bot_on, program):
    bot_on.fake.add_user("U0NOPE")
    bot_on.slack.command(ADMIN, "export", channel_id="C0GENERAL")
    bot_on.slack.command("U0NOPE", "export", channel_id=ADMIN_CHANNEL)
    replies = bot_on.fake.wait_for("response_url", count=2)
    assert sorted(r.params["text"][:30] for r in replies) == sorted([
        "`/mentoring export` only works"[:30], "Only program admins can do that"[:30]])
    assert bot_on.fake.shared_files() == []
