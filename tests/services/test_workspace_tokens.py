"""With OAuth installs, every client the app makes carries its own workspace's token from the
installation store, rotated before it expires; a workspace with no installation gets no call
made at all, and its messages stay due."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.cli import main
from bot.delivery.outbox import Item, Outcome
from bot.deps import build_deps
from bot.slack.clients import NOT_INSTALLED, NotInstalled
from storage.models import SEND_CLAIMED, SLACK_BOTS
from tests.support.factories import started_pair
from tests.support.harness import SIGNING_SECRET
from tests.support.installs import (
    CLIENT_ID,
    CLIENT_SECRET,
    install,
    requests_for,
    start_oauth_harness,
)

ACME, GLOBEX = "T0ACME001", "T0GLOBEX1"


@pytest.fixture
def bot(fake_slack, sqlite_db):
    harness = start_oauth_harness(fake_slack, sqlite_db)
    for team in (ACME, GLOBEX):
        fake_slack.add_channel(f"C{team}", "general", team_id=team)
    yield harness
    harness.close()


def post(bot, team_id: str, kind: str = "sending"):
    client = getattr(bot.deps.slack, kind)(team_id)
    client.chat_postMessage(channel=f"C{team_id}", text="hello")
    return bot.fake.last_call("chat.postMessage")


def stored_tokens(bot, team_id: str) -> list[str]:
    with bot.db.engine.connect() as conn:
        return list(conn.execute(select(SLACK_BOTS.c.bot_token).where(SLACK_BOTS.c.team_id == team_id)).scalars())


def test_each_workspaces_clients_carry_its_own_token_and_are_never_shared(bot):
    install(bot, ACME, "Acme")
    install(bot, GLOBEX, "Globex")
    [acme_token], [globex_token] = bot.fake.tokens_of(ACME), bot.fake.tokens_of(GLOBEX)
    for kind in ("sending", "for_team"):
        assert post(bot, ACME, kind).token == acme_token
        assert post(bot, GLOBEX, kind).token == globex_token
    slack = bot.deps.slack
    assert slack.sending(ACME) is slack.sending(ACME) and slack.sending(ACME) is not slack.sending(GLOBEX)
    assert slack.for_team(ACME) is not slack.for_team(GLOBEX)
    assert slack.listener().token is None  # Bolt gives each request its workspace's token
    bot.fake.assert_clean()


def test_a_workspace_without_an_installation_gets_no_call_and_its_message_stays_due(bot):
    install(bot, ACME, "Acme")
    bot.fake.clear()
    with pytest.raises(NotInstalled) as e:
        post(bot, GLOBEX)
    assert e.value.response["error"] == NOT_INSTALLED
    outcome = bot.deps.outbox.send_once(bot.deps.slack.sending(GLOBEX), team_id=GLOBEX, item=Item(
        key="welcome:U1", kind="welcome", channel=f"C{GLOBEX}", text="Welcome"))
    assert outcome is Outcome.RETRY_LATER
    row = bot.deps.outbox.row(team_id=GLOBEX, key="welcome:U1")
    assert (row.status, row.error) == (SEND_CLAIMED, NOT_INSTALLED)
    assert bot.fake.calls == []  # nothing reached Slack


def test_an_uninstalled_workspaces_clients_stop_at_once(bot):
    install(bot, ACME, "Acme")
    install(bot, GLOBEX, "Globex")
    sending = bot.deps.slack.sending(ACME)
    post(bot, ACME)
    bot.deps.slack.uninstalled(ACME)
    bot.fake.clear()
    with pytest.raises(NotInstalled):
        sending.chat_postMessage(channel=f"C{ACME}", text="after")
    assert stored_tokens(bot, ACME) == []
    assert post(bot, GLOBEX).token == bot.fake.tokens_of(GLOBEX)[0]  # the other workspace carries on
    assert [c.team_hint for c in bot.fake.calls] == [GLOBEX]


def test_an_expiring_token_is_rotated_once_and_the_new_one_is_used_and_kept(fake_slack, db):
    # Tokens that last an hour: within the two hours before expiry, so rotated at first use.
    bot = start_oauth_harness(fake_slack, db, token_rotation=True, expires_in=3600)
    try:
        fake_slack.add_channel(f"C{ACME}", "general", team_id=ACME)
        install(bot, ACME, "Acme")
        [first] = fake_slack.tokens_of(ACME)
        fake_slack.set_token_lifetime(43200)
        assert post(bot, ACME).token != first
        [refresh] = fake_slack.calls_to("oauth.v2.access")[1:]
        assert refresh.params["grant_type"] == "refresh_token" and refresh.params["refresh_token"].startswith("xoxe-1-")
        [_, second] = fake_slack.tokens_of(ACME)
        assert stored_tokens(bot, ACME) == [second]
        for _ in range(3):
            assert post(bot, ACME).token == second
        assert len(fake_slack.calls_to("oauth.v2.access")) == 2  # installed once, refreshed once

        # A listener's request from the workspace carries the rotated token too.
        fake_slack.add_user("U0ACMEANA", "Ana", team_id=ACME)
        requests_for(bot, ACME).command("U0ACMEANA", "join")
        assert fake_slack.wait_for("views.open")[0].token == second
    finally:
        bot.close()


def test_a_token_another_replica_just_rotated_is_picked_up_from_the_store(fake_slack, sqlite_db):
    """Slack's refresh tokens are single-use: when another copy of the bot rotated the token a
    moment ago, this one's exchange fails, and the new token in the store is used."""
    # Tokens that last an hour: within the two hours before expiry, so rotated at first use.
    bot = start_oauth_harness(fake_slack, sqlite_db, token_rotation=True, expires_in=3600)
    try:
        fake_slack.add_channel(f"C{ACME}", "general", team_id=ACME)
        install(bot, ACME, "Acme")
        other = build_deps(bot.deps.settings, bot.db)  # another replica, on the same database
        stale = other.slack.tokens.store.find_bot_by_team(ACME)
        fake_slack.set_token_lifetime(43200)
        rotated = post(bot, ACME).token  # this replica rotates first

        store = other.slack.tokens.store
        reads = iter([stale])
        real = store.find_bot_by_team
        store.find_bot_by_team = lambda team: next(reads, None) or real(team)  # read just before the rotation
        other.slack.sending(ACME).chat_postMessage(channel=f"C{ACME}", text="from the other replica")
        assert fake_slack.last_call("chat.postMessage").token == rotated
        failed = fake_slack.calls_to("oauth.v2.access", include_failed=True)[-1]
        assert failed.error == "invalid_refresh_token"
        assert stored_tokens(bot, ACME) == [rotated]
    finally:
        bot.close()


def test_many_threads_of_one_workspace_rotate_its_token_once(fake_slack, sqlite_db):
    # Tokens that last an hour: within the two hours before expiry, so rotated at first use.
    bot = start_oauth_harness(fake_slack, sqlite_db, token_rotation=True, expires_in=3600)
    try:
        fake_slack.add_channel(f"C{ACME}", "general", team_id=ACME)
        install(bot, ACME, "Acme")
        fake_slack.set_token_lifetime(43200)
        fake_slack.set_delay("oauth.v2.access", 0.2)
        threads = [threading.Thread(target=post, args=(bot, ACME)) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert len(fake_slack.calls_to("oauth.v2.access")) == 2
        assert {c.token for c in fake_slack.calls_to("chat.postMessage")} == {fake_slack.tokens_of(ACME)[1]}
    finally:
        bot.close()


def test_the_command_line_tick_sends_and_recovers_with_each_workspaces_token(fake_slack, sqlite_db, clean_cli_env,
                                                                              monkeypatch, capsys):
    """`python -m bot tick` builds the same clients from the same settings: each workspace's
    nudges, and a send of each left unsettled (recovery), go out with that workspace's own token."""
    monday = datetime(2026, 3, 9, 10, 5, tzinfo=UTC)
    bot = start_oauth_harness(fake_slack, sqlite_db)
    try:
        bot.clock.set(monday - timedelta(hours=1))
        pairs = {}
        for team in (ACME, GLOBEX):
            install(bot, team, team)
            token = fake_slack.tokens_of(team)[0]
            pairs[team] = started_pair(bot.db, fake_slack, team_id=team, token=token,
                                       introduced_at=datetime(2026, 3, 4, 12, 0, tzinfo=UTC))
            bot.deps.outbox.claim(team_id=team, items=[Item(key=f"welcome:{pairs[team].mentee_user_id}",
                                                            kind="welcome", channel=pairs[team].mentee_user_id,
                                                            text="Welcome")])
    finally:
        bot.close()
    fake_slack.clear()
    for name, value in dict(DATABASE_URL=sqlite_db.url, SLACK_CLIENT_ID=CLIENT_ID, SLACK_CLIENT_SECRET=CLIENT_SECRET,
                            SLACK_SIGNING_SECRET=SIGNING_SECRET, SLACK_API_URL=fake_slack.base_url).items():
        monkeypatch.setenv(name, value)
    assert main(["tick", "--at", monday.isoformat()]) == 0
    assert "2 workspaces" in capsys.readouterr().out
    posts = {(c.params["channel"], c.token) for c in fake_slack.calls_to("chat.postMessage")}
    expected = set()
    for team in (ACME, GLOBEX):
        token = fake_slack.tokens_of(team)[0]
        expected |= {(pairs[team].channel_id, token), (pairs[team].mentee_user_id, token)}
    assert posts == expected
