"""`/mentoring admin-channel`: each workspace's admins choose, in Slack, the channel where the
program is run (matching rounds, the weekly digest); only they may, and only in a channel the
app is in. MENTORING_ADMIN_CHANNEL stays the default with one bot token."""

from __future__ import annotations

import pytest

from bot.blocks.admin import (
    ADMIN_CHANNEL_ALREADY,
    ADMIN_CHANNEL_INVITE_ME,
    ADMIN_CHANNEL_NOT_IN_A_DM,
)
from storage.models import MatchRound, Workspace
from tests.support.harness import ADMIN_CHANNEL, TEAM, start_harness
from tests.support.rounds import ADMIN, all_rows, command_reply, seed

BOSS = "U0BOSS"  # a workspace admin
PEOPLE = "C0PEOPLE"  # the channel the admins pick


@pytest.fixture
def bot(fake_slack, sqlite_db):
    """No MENTORING_ADMIN_CHANNEL: the workspace has no admin channel until someone picks one."""
    harness = start_harness(fake_slack, sqlite_db, admin_channel=None)
    fake_slack.add_user(BOSS, "Bo Boss", is_admin=True)
    fake_slack.add_channel(PEOPLE, "people-team", members=[BOSS, ADMIN], is_private=True)
    yield harness
    harness.close()


def run(bot, user, channel) -> dict:
    before = len(bot.fake.calls_to("response_url"))
    status, _, body = bot.slack.command(user, "admin-channel", channel_id=channel)
    assert status == 200 and not body
    return bot.fake.wait_for("response_url", count=before + 1)[-1].params


def chosen(bot) -> str | None:
    with bot.db.session() as s:
        row = s.get(Workspace, TEAM)
        return row.admin_channel if row else None


def test_a_workspace_admin_makes_a_channel_the_admin_channel_and_the_program_runs_there(bot):
    seed(bot)
    refused = command_reply(bot, ADMIN, channel=PEOPLE)
    assert "none is set up yet" in refused["text"] and "`/mentoring admin-channel` there" in refused["text"]

    reply = run(bot, BOSS, PEOPLE)
    assert reply["response_type"] == "in_channel"
    assert reply["text"].startswith(f"<@{BOSS}> made this channel the program's admin channel.")
    assert "`/mentoring match`" in reply["text"] and "It was" not in reply["text"]
    assert chosen(bot) == PEOPLE

    # Its members may now run the program there, and only there.
    command_reply(bot, ADMIN, channel=PEOPLE)
    preview = bot.fake.wait_for("chat.postMessage")[-1]
    assert preview.params["channel"] == PEOPLE
    bot.wait_until(lambda: [r.channel_id for r in all_rows(bot, MatchRound)] == [PEOPLE],
                   what="the round's message stored with its channel")
    elsewhere = command_reply(bot, ADMIN, channel="C0GENERAL")
    assert f"only works in the program's admin channel, <#{PEOPLE}>" in elsewhere["text"]


def test_only_admins_may_choose_and_a_member_of_the_admin_channel_may_move_it(bot):
    bot.fake.add_user("U0NOBODY", "Nobody")
    refused = run(bot, "U0NOBODY", PEOPLE)
    assert refused["response_type"] == "ephemeral"
    assert refused["text"] == ("Only workspace admins and owners can choose where the program is run. "
                               "Nothing was changed.")
    assert chosen(bot) is None

    run(bot, BOSS, PEOPLE)
    bot.fake.add_channel("C0LANDD", "l-and-d", members=[ADMIN])
    refused = run(bot, "U0NOBODY", "C0LANDD")
    assert f"members of the program's admin channel <#{PEOPLE}>" in refused["text"]
    moved = run(bot, ADMIN, "C0LANDD")  # ADMIN is a member of #people-team, not a workspace admin
    assert f"(It was <#{PEOPLE}> until now.)" in moved["text"]
    assert chosen(bot) == "C0LANDD"
    assert run(bot, ADMIN, "C0LANDD")["text"] == ADMIN_CHANNEL_ALREADY


def test_it_must_be_a_channel_the_app_is_in(bot):
    assert run(bot, BOSS, "D0BOSS")["text"] == ADMIN_CHANNEL_NOT_IN_A_DM
    assert run(bot, BOSS, "G0SECRET")["text"] == ADMIN_CHANNEL_INVITE_ME  # private, without the app
    bot.fake.add_channel("C0PUBLIC", "public", members=[BOSS], is_member=False)  # public: visible, not joined
    assert run(bot, BOSS, "C0PUBLIC")["text"] == ADMIN_CHANNEL_INVITE_ME
    assert chosen(bot) is None


def test_the_channel_chosen_in_slack_wins_over_mentoring_admin_channel(fake_slack, sqlite_db):
    bot = start_harness(fake_slack, sqlite_db)  # MENTORING_ADMIN_CHANNEL=C0ADMIN
    try:
        fake_slack.add_user(BOSS, "Bo Boss", is_admin=True)
        fake_slack.add_channel(PEOPLE, "people-team", members=[BOSS])
        assert bot.deps.admins.channel(TEAM) == ADMIN_CHANNEL
        reply = run(bot, BOSS, PEOPLE)
        assert f"(It was <#{ADMIN_CHANNEL}> until now.)" in reply["text"]
        assert bot.deps.admins.channel(TEAM) == PEOPLE
        assert bot.deps.admins.channel("T0OTHER01") == ADMIN_CHANNEL  # per workspace
    finally:
        bot.close()
