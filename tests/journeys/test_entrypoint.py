"""Settings are checked all at once; `python -m bot` starts, or says exactly what is missing."""

from __future__ import annotations

import signal
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from bot.delivery.outbox import Item, Outbox
from bot.settings import SettingsError, load_settings
from storage import schema
from storage.db import Database
from storage.models import SEND_CLAIMED, SEND_SENT, SendLedger
from tests.support.processes import child_env, free_port, wait_healthy

GOOD = {"SLACK_BOT_TOKEN": "xoxb-1-2-abc", "SLACK_SIGNING_SECRET": "0123456789abcdef0123456789abcdef"}


def test_defaults():
    s = load_settings(GOOD, dotenv=False)
    assert s.database_url == "sqlite:///mentoring.db"
    assert s.slack_api_url == "https://slack.com/api/"
    assert s.port == 3000 and not s.socket_mode and s.admin_channel is None


def test_values_are_normalised():
    s = load_settings({**GOOD, "DATABASE_URL": "postgres://u@db/x", "SLACK_API_URL": "https://slack-gov.com/api",
                       "SLACK_APP_TOKEN": "xapp-1-A", "MENTORING_ADMIN_CHANNEL": "C0ADMIN", "PORT": "8080"},
                      dotenv=False)
    assert s.database_url == "postgresql+psycopg://u@db/x"
    assert s.slack_api_url == "https://slack-gov.com/api/"
    assert s.socket_mode and s.port == 8080 and s.admin_channel == "C0ADMIN"


def test_every_problem_is_named_at_once():
    with pytest.raises(SettingsError) as e:
        load_settings({"SLACK_BOT_TOKEN": "xoxp-user-token", "SLACK_APP_TOKEN": "bad", "PORT": "http",
                       "MENTORING_ADMIN_CHANNEL": "#mentoring-admins", "DATABASE_URL": "mysql://x",
                       "SLACK_API_URL": "slack.com"}, dotenv=False)
    text = str(e.value)
    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "PORT",
                 "MENTORING_ADMIN_CHANNEL", "DATABASE_URL", "SLACK_API_URL"):
        assert name in text
    assert len(e.value.problems) == 7


def test_the_send_rate_is_learnt_unless_capped():
    assert load_settings(GOOD, dotenv=False).max_send_rate == 25.0
    assert load_settings({**GOOD, "SLACK_MAX_SEND_RATE": "2.5"}, dotenv=False).max_send_rate == 2.5


@pytest.mark.parametrize("raw", ["fast", "0", "0.05", "101", "-3", "1e3", "٣"])
def test_a_send_rate_out_of_range_is_named(raw):
    with pytest.raises(SettingsError) as e:
        load_settings({**GOOD, "SLACK_MAX_SEND_RATE": raw}, dotenv=False)
    assert e.value.problems == [f"SLACK_MAX_SEND_RATE must be a number of messages a second from 0.1 to 100 "
                                f"(got '{raw}'); leave it unset to let the bot find Slack's pace."]


def test_commands_without_slack_need_no_tokens():
    s = load_settings({}, dotenv=False, require_slack=False)
    assert s.bot_token == "" and s.database_url == "sqlite:///mentoring.db"


def test_python_m_bot_without_settings_exits_with_one_clear_message(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "bot"], cwd=tmp_path, env=child_env(),
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert "SLACK_BOT_TOKEN is missing" in proc.stderr
    assert "SLACK_SIGNING_SECRET is missing" in proc.stderr
    assert proc.stdout == ""


def test_python_m_bot_serves_http_and_healthz_then_stops_on_sigterm(tmp_path, fake_slack):
    port = free_port()
    env = child_env(SLACK_API_URL=fake_slack.base_url, PORT=str(port), HOST="127.0.0.1",
               DATABASE_URL=f"sqlite:///{tmp_path / 'bot.db'}", **GOOD)
    proc = subprocess.Popen([sys.executable, "-m", "bot"], cwd=tmp_path, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        wait_healthy(proc, port, timeout=30)
        assert fake_slack.calls_to("auth.test")  # it checked its token with Slack
        assert (tmp_path / "bot.db").exists()
    finally:
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=20)
    assert proc.returncode == 0, out
    assert "Traceback" not in out, out


def test_python_m_bot_with_a_refused_token_says_so(tmp_path, fake_slack):
    fake_slack.fail_next("auth.test", error="invalid_auth")
    env = child_env(SLACK_API_URL=fake_slack.base_url,
               DATABASE_URL=f"sqlite:///{tmp_path / 'bot.db'}", **GOOD)
    proc = subprocess.run([sys.executable, "-m", "bot"], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert "invalid_auth" in proc.stderr


def test_the_env_file_is_read_from_where_the_bot_is_started(tmp_path):
    """A .env in the working directory (or the nearest parent that has one) is read; variables
    already set in the environment win over it."""
    (tmp_path / ".env").write_text(f"SLACK_BOT_TOKEN={GOOD['SLACK_BOT_TOKEN']}\n"
                                   f"SLACK_SIGNING_SECRET={GOOD['SLACK_SIGNING_SECRET']}\n"
                                   "PORT=http\nLOG_LEVEL=loud\n")
    (tmp_path / "deploy").mkdir()
    proc = subprocess.run([sys.executable, "-m", "bot"], cwd=tmp_path / "deploy",
                          env=child_env(LOG_LEVEL="INFO"), capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 2
    assert "PORT must be a number between 1 and 65535 (got 'http')" in proc.stderr
    assert "SLACK_BOT_TOKEN" not in proc.stderr and "SLACK_SIGNING_SECRET" not in proc.stderr
    assert "LOG_LEVEL" not in proc.stderr  # the environment's INFO won over the file's "loud"


def test_sigterm_during_a_burst_stops_sending_at_once_and_leaves_the_rest_due(tmp_path, fake_slack):
    """The bot starts with 30 messages left over in the ledger (a crash before sending them), all
    for one conversation: recovery sends them at most one a second, as Slack allows into one
    conversation. SIGTERM mid-burst: the bot exits
    within seconds, not after draining the queue, and whatever it didn't send is still due."""
    db = Database(f"sqlite:///{tmp_path / 'bot.db'}")
    schema.upgrade(db)
    fake_slack.add_user("U0ANA")
    long_ago = datetime.now(UTC) - timedelta(hours=1)
    Outbox(db, clock=lambda: long_ago).claim(team_id="T0001", items=[
        Item(key=f"pair_ended:{i}:partner", kind="pair_ended", channel="U0ANA", text=f"note {i}") for i in range(30)])
    db.dispose()
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "bot"], cwd=tmp_path, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True,
                            env=child_env(SLACK_API_URL=fake_slack.base_url, PORT=str(port), HOST="127.0.0.1",
                                          DATABASE_URL=f"sqlite:///{tmp_path / 'bot.db'}", **GOOD))
    try:
        wait_healthy(proc, port)
        fake_slack.wait_for("chat.postMessage", count=3, timeout=30)
    finally:
        proc.send_signal(signal.SIGTERM)
    out, _ = proc.communicate(timeout=15)  # draining would take 27 s more
    assert proc.returncode == 0, out
    assert "Traceback" not in out, out
    db = Database(f"sqlite:///{tmp_path / 'bot.db'}")
    with db.session() as s:
        statuses = [r.status for r in s.exec(select(SendLedger))]
    db.dispose()
    posted = [m["metadata"]["event_payload"]["key"] for msgs in fake_slack.history.values() for m in msgs]
    assert len(posted) == len(set(posted)) == statuses.count(SEND_SENT) < 30
    assert statuses.count(SEND_CLAIMED) == 30 - len(posted)  # still due, for the next start
