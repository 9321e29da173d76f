"""Installing the app over OAuth the way a person does it in a browser, against the real HTTP
server and the fake Slack's consent screen: /slack/install (a page and a state cookie) → Slack's
consent screen → back to /slack/oauth_redirect with a code and the state."""

from __future__ import annotations

import html
import re
import urllib.error
import urllib.request
from dataclasses import dataclass

from tests.support.harness import SIGNING_SECRET, BotHarness, start_harness
from tests.support.slackreq import SlackRequests

CLIENT_ID = "1111111111.2222222222"
CLIENT_SECRET = "00112233445566778899aabbccddeeff"
STATE_COOKIE = "slack-app-oauth-state"


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_browser = urllib.request.build_opener(_NoRedirects)


@dataclass
class Page:
    status: int
    headers: dict[str, str]
    body: str

    def cookie(self, name: str) -> str | None:
        """The value the page sets for a cookie ("deleted" when it deletes it)."""
        for k, v in self.headers.items():
            if k.lower() == "set-cookie" and v.startswith(f"{name}="):
                return v.split(";", 1)[0].split("=", 1)[1]
        return None


def get(url: str, *, cookie: str | None = None) -> Page:
    req = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    try:
        with _browser.open(req, timeout=10) as resp:
            return Page(resp.status, dict(resp.headers.items()), resp.read().decode())
    except urllib.error.HTTPError as e:
        return Page(e.code, dict(e.headers.items()), e.read().decode())


def start_oauth_harness(fake, db, *, token_rotation: bool = False, expires_in: int = 43200,
                        **settings) -> BotHarness:
    """The whole app in OAuth mode (no bot token) behind the real HTTP server, with the fake Slack
    knowing the app's credentials and redirect URL (and, with `token_rotation`, issuing tokens
    that last `expires_in` seconds)."""
    settings = {"bot_token": "", "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "admin_channel": None,
                **settings}
    bot = start_harness(fake, db, http=True, **settings)
    fake.enable_oauth(client_id=CLIENT_ID, client_secret=CLIENT_SECRET, redirect_url=f"{bot.url}/slack/oauth_redirect",
                      token_rotation=token_rotation, expires_in=expires_in)
    return bot


def consent_link(page: Page) -> str:
    """The install page's link to Slack's consent screen."""
    return html.unescape(re.search(r'href="([^"]*/oauth/v2/authorize\?[^"]*)"', page.body).group(1))


def install(bot: BotHarness, team_id: str, team_name: str | None = None, **choice) -> Page:
    """Someone installs the app in `team_id` from the bot's install page; returns the page Slack's
    redirect ends on. `choice` goes to `fake.next_install` (org_wide, cancel, enterprise_id...)."""
    bot.fake.next_install(team_id, team_name=team_name, **choice)
    start = get(f"{bot.url}/slack/install")
    assert start.status == 200, start
    state = start.cookie(STATE_COOKIE)
    assert state
    consent = get(consent_link(start))
    assert consent.status == 302, consent
    return get(consent.headers["Location"], cookie=f"{STATE_COOKIE}={state}")


def requests_for(bot: BotHarness, team_id: str, team_domain: str | None = None) -> SlackRequests:
    """Signed requests as Slack sends them for workspace `team_id`, to the same bot."""
    return SlackRequests(f"{bot.url}/slack/events", SIGNING_SECRET, team_id=team_id,
                         team_domain=team_domain or team_id.lower(), response_url_base=bot.fake.hooks_base_url)
