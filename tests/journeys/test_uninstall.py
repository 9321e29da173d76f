"""A workspace removes the app (Slack's `app_uninstalled` and `tokens_revoked`): nothing more is
sent there, at once; its data is deleted after DATA_GRACE_DAYS (logged), unless it installs the
app again first. Other workspaces carry on untouched."""

from __future__ import annotations

import logging
import signal
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from bot.blocks.common import NOT_INSTALLED
from bot.delivery.dispatcher import Dispatcher
from bot.services import workspaces
from storage import schema
from storage.db import Database
from storage.models import SLACK_BOTS, Workspace
from storage.repositories import workspaces as repo
from tests.support.factories import started_pair
from tests.support.harness import SIGNING_SECRET, start_harness
from tests.support.installs import install, requests_for, start_oauth_harness
from tests.support.processes import child_env, free_port, wait_healthy

ACME, GLOBEX = "T0ACME001", "T0GLOBEX1"
INTRODUCED = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)  # a Wednesday
MONDAY = datetime(2026, 3, 9, 10, 5, tzinfo=UTC)  # cycle 2's nudge is due (London = UTC in March)


def rows_of(bot, team_id: str) -> int:
    with bot.db.session(read_only=True) as s:
        return sum(s.execute(select(func.count()).select_from(t).where(t.c.team_id == team_id)).scalar_one()
                   for t in repo.team_tables())


def workspace(bot, team_id: str) -> Workspace | None:
    with bot.db.session(read_only=True) as s:
        return s.get(Workspace, team_id)


def two_programs(bot):
    """Acme and Globex installed over OAuth, each with a pair under way in its own group DM."""
    pairs = {}
    for team, name in ((ACME, "Acme"), (GLOBEX, "Globex")):
        install(bot, team, name)
        pairs[team] = started_pair(bot.db, bot.fake, team_id=team, token=bot.fake.tokens_of(team)[-1],
                                   introduced_at=INTRODUCED)
    return pairs


class _Stops(logging.Handler):
    """Counts the service's "sending stopped" lines for a workspace: one per event handled."""

    def __init__(self, team_id: str) -> None:
        super().__init__(logging.INFO)
        self.team_id, self.count = team_id, 0

    def emit(self, record: logging.LogRecord) -> None:
        text = record.getMessage()
        if self.team_id in text and "sending stopped" in text:
            self.count += 1


def uninstall(bot, team_id: str) -> None:
    """What Slack does when a workspace removes the app: revoke its tokens, then tell the app.
    Waits until both events are handled (Bolt handles them after the ack, in its own threads: a
    handler still running could otherwise record the uninstall again after a test reinstalls)."""
    bot.fake.uninstall(team_id)
    slack = requests_for(bot, team_id)
    log = logging.getLogger("bot.services.workspaces")
    stops, level = _Stops(team_id), log.level
    log.addHandler(stops)
    log.setLevel(logging.INFO)
    try:
        assert slack.event({"type": "app_uninstalled"})[0] == 200
        assert slack.event({"type": "tokens_revoked", "tokens": {"oauth": [], "bot": ["U0BOT"]}})[0] == 200
        bot.wait_until(lambda: stops.count == 2, what="both events handled")
    finally:
        log.removeHandler(stops)
        log.setLevel(level)
    assert workspace(bot, team_id).uninstalled_at is not None


@pytest.fixture
def bot(fake_slack, sqlite_db):
    harness = start_oauth_harness(fake_slack, sqlite_db)
    harness.clock.set(MONDAY - timedelta(hours=1))
    yield harness
    harness.close()


def test_uninstalling_stops_sending_there_at_once_and_deletes_its_data_after_the_grace_period(bot, caplog):
    caplog.set_level(logging.INFO, logger="bot.services.workspaces")
    pairs = two_programs(bot)
    uninstall(bot, ACME)
    assert "Workspace T0ACME001 uninstalled the app: sending stopped; its data will be deleted on " \
           "2026-04-08 09:05 UTC (DATA_GRACE_DAYS=30)" in caplog.text
    with bot.db.engine.connect() as conn:
        assert conn.execute(select(SLACK_BOTS.c.team_id)).scalars().all() == [GLOBEX]  # Acme's token forgotten

    bot.fake.clear()
    report = Dispatcher(bot.deps).tick(MONDAY)
    assert report.teams == 1 and report.sent == 1
    [nudge] = bot.fake.calls_to("chat.postMessage")
    assert (nudge.params["channel"], nudge.token) == (pairs[GLOBEX].channel_id, bot.fake.tokens_of(GLOBEX)[-1])
    assert all(c.team_hint == GLOBEX for c in bot.fake.calls)  # not one call for Acme
    status, _, _ = requests_for(bot, ACME).command("U0ACME", "status")
    assert status == 200 and bot.fake.wait_for("response_url")[-1].params["text"] == NOT_INSTALLED

    before = rows_of(bot, GLOBEX)
    bot.clock.set(MONDAY + timedelta(days=29))
    assert workspaces.delete_due(bot.deps) == [] and rows_of(bot, ACME) > 0  # not yet
    bot.clock.set(MONDAY + timedelta(days=30))
    [deleted] = workspaces.delete_due(bot.deps)
    assert deleted.team_id == ACME and deleted.total > 0
    assert rows_of(bot, ACME) == 0 and workspace(bot, ACME) is None
    assert rows_of(bot, GLOBEX) == before
    assert ("Deleted the data of workspace T0ACME001, which uninstalled the app on 2026-03-09 09:05 UTC: "
            f"{deleted.total} rows (") in caplog.text
    assert workspaces.delete_due(bot.deps) == []


def test_installing_again_within_the_grace_period_cancels_the_deletion(bot):
    pairs = two_programs(bot)
    uninstall(bot, ACME)
    bot.clock.set(MONDAY - timedelta(minutes=30))
    page = install(bot, ACME, "Acme")
    assert "Welcome back: everything your workspace had in the program is still here" in page.body
    assert workspace(bot, ACME).uninstalled_at is None
    bot.clock.set(MONDAY + timedelta(days=31))
    assert workspaces.delete_due(bot.deps) == []

    bot.fake.clear()
    Dispatcher(bot.deps).tick(MONDAY)
    sent = {c.params["channel"]: c.token for c in bot.fake.calls_to("chat.postMessage")}
    assert sent == {pairs[ACME].channel_id: bot.fake.tokens_of(ACME)[-1],
                    pairs[GLOBEX].channel_id: bot.fake.tokens_of(GLOBEX)[-1]}
    assert bot.fake.tokens_of(ACME)[-1] not in bot.fake.revoked_tokens


def test_with_no_grace_period_the_data_goes_at_once(fake_slack, sqlite_db):
    bot = start_oauth_harness(fake_slack, sqlite_db, data_grace_days=0)
    try:
        two_programs(bot)
        before = rows_of(bot, GLOBEX)
        uninstall_at_once = requests_for(bot, ACME)
        fake_slack.uninstall(ACME)
        assert uninstall_at_once.event({"type": "app_uninstalled"})[0] == 200
        bot.wait_until(lambda: rows_of(bot, ACME) == 0, what="Acme's data deleted")
        assert workspace(bot, ACME) is None and rows_of(bot, GLOBEX) == before
    finally:
        bot.close()


def test_revoking_only_peoples_tokens_changes_nothing(bot):
    two_programs(bot)
    status, _, _ = requests_for(bot, ACME).event({"type": "tokens_revoked", "tokens": {"oauth": ["U0SOMEONE"]}})
    assert status == 200
    bot.clock.set(MONDAY + timedelta(days=60))
    assert workspace(bot, ACME).uninstalled_at is None and workspaces.delete_due(bot.deps) == []
    assert bot.deps.slack.bot(ACME) is not None


def test_with_one_bot_token_an_uninstall_stops_sending_and_restarting_with_a_working_token_cancels_it(
        tmp_path, fake_slack):
    """The workspace removes the app: nothing is sent there any more. It adds the app back, whoever
    runs the bot sets the new token and restarts it: the deletion is cancelled."""
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    db = Database(url)
    schema.upgrade(db)
    bot = start_harness(fake_slack, db)
    try:
        bot.clock.set(MONDAY - timedelta(hours=1))
        started_pair(db, fake_slack, introduced_at=INTRODUCED)
        assert bot.slack.event({"type": "app_uninstalled"})[0] == 200
        bot.wait_until(lambda: (w := workspace(bot, "T0001")) and w.uninstalled_at, what="the uninstall recorded")
        fake_slack.clear()
        assert Dispatcher(bot.deps).tick(MONDAY).teams == 0
        assert fake_slack.calls_to("chat.postMessage") == []
    finally:
        bot.close()

    port = free_port()
    env = child_env(SLACK_API_URL=fake_slack.base_url, PORT=str(port), HOST="127.0.0.1", DATABASE_URL=url,
                    SLACK_BOT_TOKEN="xoxb-new-token", SLACK_SIGNING_SECRET=SIGNING_SECRET, LOG_LEVEL="INFO")
    proc = subprocess.Popen([sys.executable, "-m", "bot"], cwd=tmp_path, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    try:
        wait_healthy(proc, port, timeout=30)
    finally:
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=20)
    assert proc.returncode == 0, out
    assert "Workspace T0001 works with the bot again (it had uninstalled the app on 2026-03-09 09:05 UTC)" in out
    with db.session(read_only=True) as s:
        assert s.get(Workspace, "T0001").uninstalled_at is None
    db.dispose()
