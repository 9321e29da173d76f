"""Workspaces install the app over OAuth, through the real HTTP server as a person's browser goes
(/slack/install, Slack's consent screen, back to /slack/oauth_redirect), against the fake Slack;
each is then served with its own token, and a workspace that hasn't installed it is refused."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from datetime import datetime
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import insert, select
from sqlalchemy.exc import OperationalError

from bot.blocks.common import NOT_INSTALLED
from bot.slack.oauth import BOT_SCOPES
from storage.models import (
    SLACK_BOTS,
    SLACK_INSTALLATIONS,
    SLACK_OAUTH_STATES,
    Participant,
    Workspace,
)
from tests.support.harness import SIGNING_SECRET
from tests.support.installs import (
    CLIENT_ID,
    CLIENT_SECRET,
    STATE_COOKIE,
    consent_link,
    get,
    install,
    requests_for,
    start_oauth_harness,
)
from tests.support.processes import child_env, free_port, wait_healthy

ACME, GLOBEX = "T0ACME001", "T0GLOBEX1"


@pytest.fixture
def bot(fake_slack, sqlite_db):
    harness = start_oauth_harness(fake_slack, sqlite_db)
    yield harness
    harness.close()


def bots(bot) -> list[dict]:
    with bot.db.engine.connect() as conn:
        return [dict(r) for r in conn.execute(select(SLACK_BOTS)).mappings()]


def installations(bot) -> list[dict]:
    with bot.db.engine.connect() as conn:
        return [dict(r) for r in conn.execute(select(SLACK_INSTALLATIONS)).mappings()]


def test_a_workspace_installs_the_app_and_is_served_with_its_own_token(bot):
    page = install(bot, ACME, "Acme")
    assert page.status == 200
    assert "Reverse Mentoring is installed in Acme" in page.body
    assert "<code>/mentoring admin-channel</code>" in page.body and "Welcome back" not in page.body
    assert page.cookie(STATE_COOKIE) == "deleted"
    assert f'href="{bot.fake.root_url}/app_redirect?app=A0APP&amp;team={ACME}"' in page.body  # next to the API

    [consent] = bot.fake.consents
    assert consent["client_id"] == CLIENT_ID and consent["scope"].split(",") == list(BOT_SCOPES)
    assert not consent.get("user_scope")
    [exchange] = bot.fake.calls_to("oauth.v2.access")
    assert exchange.client_credentials == (CLIENT_ID, CLIENT_SECRET) and exchange.params["code"]
    [token] = bot.fake.tokens_of(ACME)
    [row] = bots(bot)
    assert (row["team_id"], row["bot_token"], row["client_id"]) == (ACME, token, CLIENT_ID)
    with bot.db.session() as s:
        workspace = s.get(Workspace, ACME)
        assert workspace.installed_at is not None and workspace.uninstalled_at is None

    acme = requests_for(bot, ACME)
    bot.fake.add_user("U0ACMEANA", "Ana", team_id=ACME)
    status, _, body = acme.command("U0ACMEANA", "join")
    assert status == 200 and not body
    [opened] = bot.fake.wait_for("views.open")
    assert opened.token == token and opened.team_hint == ACME


def test_a_signed_request_from_a_workspace_without_the_app_is_refused_and_changes_nothing(bot):
    install(bot, ACME, "Acme")
    bot.fake.clear()
    globex = requests_for(bot, GLOBEX)
    status, _, body = globex.command("U0GLOBEX1", "join")
    assert status == 200 and not body
    [reply] = bot.fake.wait_for("response_url")
    assert reply.params["text"] == NOT_INSTALLED
    status, _, body = globex.app_home_opened("U0GLOBEX1")
    assert status == 200 and body == NOT_INSTALLED
    status, _, body = globex.block_action("U0GLOBEX1", "leave_confirm", "leave")
    assert status == 200
    time.sleep(0.2)
    assert [c.method for c in bot.fake.calls] == ["response_url", "response_url"]  # nothing but the replies
    with bot.db.session() as s:
        assert s.exec(select(Participant)).all() == []
        assert s.get(Workspace, GLOBEX) is None


def test_cancelling_on_slacks_consent_screen_installs_nothing(bot):
    page = install(bot, ACME, "Acme", cancel=True)
    assert page.status == 200 and "Nothing was installed" in page.body and 'href="/slack/install"' in page.body
    assert bot.fake.calls_to("oauth.v2.access") == [] and bots(bot) == [] and installations(bot) == []


def test_an_install_that_comes_back_to_another_browser_or_twice_is_refused(bot):
    bot.fake.next_install(ACME, team_name="Acme")
    start = get(f"{bot.url}/slack/install")
    consent = get(consent_link(start))
    back = consent.headers["Location"]
    elsewhere = get(back)  # no state cookie: not the browser the install started in
    assert elsewhere.status == 400 and "This install link has expired" in elsewhere.body
    assert bot.fake.calls_to("oauth.v2.access") == [] and bots(bot) == []

    state = parse_qs(urlsplit(back).query)["state"][0]
    first = get(back, cookie=f"{STATE_COOKIE}={state}")
    assert first.status == 200
    again = get(back, cookie=f"{STATE_COOKIE}={state}")  # the same state, replayed
    assert again.status == 401 and "This install link has expired" in again.body
    assert len(bots(bot)) == 1


def test_visits_to_the_install_page_forget_the_states_that_expired_unused(bot):
    with bot.db.engine.begin() as conn:
        conn.execute(insert(SLACK_OAUTH_STATES).values(state="old", expire_at=datetime(2026, 1, 1)))
    assert get(f"{bot.url}/slack/install").status == 200
    with bot.db.engine.connect() as conn:
        states = conn.execute(select(SLACK_OAUTH_STATES.c.state)).scalars().all()
    assert len(states) == 1 and states != ["old"]


def test_an_org_wide_enterprise_grid_install_is_refused_kindly_and_its_token_revoked(bot):
    page = install(bot, "E0GRID001", enterprise_id="E0GRID001", enterprise_name="Initech", org_wide=True)
    assert page.status == 500
    assert "Please install it one workspace at a time" in page.body
    assert "Enterprise Grid organization" in page.body and 'href="/slack/install"' in page.body
    [issued] = bot.fake.tokens_of("E0GRID001")
    [revoke] = bot.fake.calls_to("auth.revoke")
    assert revoke.token == issued and issued in bot.fake.revoked_tokens
    assert bots(bot) == [] and installations(bot) == []


def test_a_workspace_of_an_enterprise_grid_organization_installs_like_any_other(bot):
    page = install(bot, ACME, "Acme", enterprise_id="E0GRID001", enterprise_name="Initech")
    assert page.status == 200 and "installed in Acme" in page.body
    [row] = bots(bot)
    assert (row["enterprise_id"], row["team_id"], row["is_enterprise_install"]) == ("E0GRID001", ACME, False)
    # Background work knows only the team ID, and finds the token.
    bot.fake.add_channel("C0ACMEGEN", "general", team_id=ACME)
    bot.deps.slack.sending(ACME).chat_postMessage(channel="C0ACMEGEN", text="hello")
    assert bot.fake.last_call("chat.postMessage").token == bot.fake.tokens_of(ACME)[0]


def test_python_m_bot_with_a_client_id_serves_the_install_pages_and_says_so(tmp_path, fake_slack):
    port = free_port()
    env = child_env(SLACK_API_URL=fake_slack.base_url, PORT=str(port), HOST="127.0.0.1", LOG_LEVEL="INFO",
                    DATABASE_URL=f"sqlite:///{tmp_path / 'bot.db'}", SLACK_CLIENT_ID=CLIENT_ID,
                    SLACK_CLIENT_SECRET=CLIENT_SECRET, SLACK_SIGNING_SECRET=SIGNING_SECRET)
    proc = subprocess.Popen([sys.executable, "-m", "bot"], cwd=tmp_path, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        wait_healthy(proc, port, timeout=30)
        page = get(f"http://127.0.0.1:{port}/slack/install")
        assert page.status == 200 and "Add Reverse Mentoring to Slack" in page.body
        assert consent_link(page).startswith(f"{fake_slack.root_url}/oauth/v2/authorize?")
        assert fake_slack.calls == []  # no workspace, no token: nothing to check with Slack at start
    finally:
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=20)
    assert proc.returncode == 0, out
    assert "GET /slack/install (workspaces install the app from there), GET /slack/oauth_redirect" in out
    assert "Traceback" not in out


def test_an_install_the_database_can_not_save_says_so_and_can_be_done_again(bot, monkeypatch):
    store = bot.deps.slack.tokens.store
    real = store.save

    def unreachable(installation):
        raise OperationalError("INSERT", {}, Exception("database is locked"))

    monkeypatch.setattr(store, "save", unreachable)
    page = install(bot, ACME, "Acme")
    assert page.status == 500 and "The install couldn&#x27;t be saved" in page.body and "Traceback" not in page.body
    assert bots(bot) == []
    monkeypatch.setattr(store, "save", real)
    assert install(bot, ACME, "Acme").status == 200 and len(bots(bot)) == 1
