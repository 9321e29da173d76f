"""Settings from the environment (and a `.env` file), checked all at once.

`load_settings()` either returns a complete `Settings` or raises `SettingsError` whose message
names every problem and how to fix it; the entry point prints that message and exits non-zero.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlparse

import dotenv as _dotenv

from storage.db import DEFAULT_DATABASE_URL, normalise_database_url

DEFAULT_SLACK_API_URL = "https://slack.com/api/"
DEFAULT_MAX_SEND_RATE = 25.0
DEFAULT_PORT = 3000
DEFAULT_DATA_GRACE_DAYS = 30
MAX_DATA_GRACE_DAYS = 3650

_CHANNEL_ID = re.compile(r"^[CG][A-Z0-9]{2,}$")
_CLIENT_ID = re.compile(r"^[0-9]+\.[0-9]+$")  # like 1234567890.1234567890


class SettingsError(Exception):
    """Raised with one readable message listing every problem found."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        lines = ["The bot can't start; please fix its settings:"]
        lines += [f"  - {p}" for p in problems]
        lines.append("Set them in the environment or in a .env file (see .env.example and README.md).")
        super().__init__("\n".join(lines))


@dataclass(frozen=True)
class Settings:
    """One workspace with `bot_token`, or many installed over OAuth with `client_id` and
    `client_secret` (never both: `load_settings` refuses that)."""

    bot_token: str
    signing_secret: str
    app_token: str | None
    database_url: str
    slack_api_url: str
    admin_channel: str | None
    port: int
    host: str = "0.0.0.0"
    log_level: str = "INFO"
    max_send_rate: float = DEFAULT_MAX_SEND_RATE  # messages a second per workspace, at most
    client_id: str | None = None  # OAuth installs: Basic Information > App Credentials
    client_secret: str | None = None
    redirect_uri: str | None = None  # only when the app lists several redirect URLs
    data_grace_days: int = DEFAULT_DATA_GRACE_DAYS  # after an uninstall; 0 = delete at once

    @property
    def socket_mode(self) -> bool:
        return bool(self.app_token)

    @property
    def oauth(self) -> bool:
        """Installed in many workspaces over OAuth, each with its own tokens in the database."""
        return bool(self.client_id and self.client_secret)


def read_dotenv() -> None:
    """Load `.env` from the directory the bot is started in (or the nearest parent that has one),
    as every dotenv user expects. Variables already in the environment win."""
    path = _dotenv.find_dotenv(usecwd=True)
    if path:
        _dotenv.load_dotenv(path, override=False)


def load_settings(
    env: Mapping[str, str] | None = None, *, dotenv: bool = True, require_slack: bool = True
) -> Settings:
    """Read and check settings. `require_slack=False` is for commands that only use the
    database (CSV import, dry-run matching)."""
    if env is None:
        if dotenv:
            read_dotenv()
        env = os.environ

    def get(name: str) -> str:
        return (env.get(name) or "").strip()

    problems: list[str] = []

    bot_token = get("SLACK_BOT_TOKEN")
    client_id = get("SLACK_CLIENT_ID") or None
    client_secret = get("SLACK_CLIENT_SECRET") or None
    oauth = bool(client_id or client_secret)
    if oauth:
        if bot_token:
            problems.append("SLACK_BOT_TOKEN and SLACK_CLIENT_ID/SLACK_CLIENT_SECRET are both set: set "
                            "SLACK_BOT_TOKEN alone to serve one workspace, or the client ID and secret "
                            "alone to let any workspace install the app. Not both.")
        if not client_id:
            problems.append("SLACK_CLIENT_ID is missing: it goes with SLACK_CLIENT_SECRET; copy it from "
                            "Basic Information > App Credentials > Client ID.")
        elif not _CLIENT_ID.match(client_id):
            problems.append("SLACK_CLIENT_ID should look like 1234567890.1234567890; copy it again from "
                            "Basic Information > App Credentials > Client ID.")
        if not client_secret:
            problems.append("SLACK_CLIENT_SECRET is missing: it goes with SLACK_CLIENT_ID; copy it from "
                            "Basic Information > App Credentials > Client Secret.")
        elif not re.fullmatch(r"[0-9a-fA-F]{16,128}", client_secret):
            problems.append("SLACK_CLIENT_SECRET doesn't look like a client secret (a hex string); copy it "
                            "again from Basic Information > App Credentials > Client Secret.")
    elif not bot_token and not require_slack:
        pass
    elif not bot_token:
        problems.append("SLACK_BOT_TOKEN is missing: copy the Bot User OAuth Token (xoxb-...) "
                        "from your app's OAuth & Permissions page (or, to let many workspaces install "
                        "the app, set SLACK_CLIENT_ID and SLACK_CLIENT_SECRET instead).")
    elif not bot_token.startswith("xoxb-"):
        problems.append("SLACK_BOT_TOKEN should be a bot token starting with 'xoxb-' "
                        "(OAuth & Permissions > Bot User OAuth Token).")

    signing_secret = get("SLACK_SIGNING_SECRET")
    if not signing_secret and not require_slack:
        pass
    elif not signing_secret:
        problems.append("SLACK_SIGNING_SECRET is missing: copy it from Basic Information > "
                        "App Credentials > Signing Secret.")
    elif not re.fullmatch(r"[0-9a-fA-F]{16,128}", signing_secret):
        problems.append("SLACK_SIGNING_SECRET doesn't look like a signing secret (a hex string); "
                        "copy it again from Basic Information > App Credentials.")

    app_token = get("SLACK_APP_TOKEN") or None
    if app_token and not app_token.startswith("xapp-"):
        problems.append("SLACK_APP_TOKEN should be an app-level token starting with 'xapp-' "
                        "(Basic Information > App-Level Tokens, scope connections:write); "
                        "leave it unset to run in HTTP mode.")
    if app_token and oauth:
        problems.append("SLACK_APP_TOKEN (Socket Mode) can't go with SLACK_CLIENT_ID: workspaces install "
                        "the app through the bot's own web pages (/slack/install), which need HTTP mode. "
                        "Leave SLACK_APP_TOKEN unset.")

    redirect_uri = get("SLACK_REDIRECT_URI") or None
    if redirect_uri:
        parsed_redirect = urlparse(redirect_uri)
        if not oauth:
            problems.append("SLACK_REDIRECT_URI is only used with SLACK_CLIENT_ID and SLACK_CLIENT_SECRET "
                            "(installs over OAuth); leave it unset with SLACK_BOT_TOKEN.")
        elif (parsed_redirect.scheme not in ("http", "https") or not parsed_redirect.netloc
              or parsed_redirect.path != "/slack/oauth_redirect"):
            problems.append("SLACK_REDIRECT_URI must be your bot's public address ending in "
                            "/slack/oauth_redirect, e.g. https://mentoring.example.com/slack/oauth_redirect "
                            "(the same as in OAuth & Permissions > Redirect URLs).")

    database_url = normalise_database_url(get("DATABASE_URL") or DEFAULT_DATABASE_URL)
    scheme = urlparse(database_url).scheme.split("+")[0]
    if scheme not in ("sqlite", "postgresql"):
        problems.append(f"DATABASE_URL must be a sqlite:/// or postgresql:// URL (got scheme "
                        f"'{scheme or '(none)'}').")

    slack_api_url = get("SLACK_API_URL") or DEFAULT_SLACK_API_URL
    parsed = urlparse(slack_api_url)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        problems.append("SLACK_API_URL must be an http(s) URL such as https://slack.com/api/ "
                        "(or https://slack-gov.com/api/ for GovSlack).")
    elif not slack_api_url.endswith("/"):
        slack_api_url += "/"

    admin_channel = get("MENTORING_ADMIN_CHANNEL") or None
    if admin_channel and not _CHANNEL_ID.match(admin_channel):
        problems.append("MENTORING_ADMIN_CHANNEL must be a channel ID like C0123ABCD "
                        "(in Slack: channel details > About > Channel ID), not a channel name.")
    elif admin_channel and oauth:
        problems.append("MENTORING_ADMIN_CHANNEL names one workspace's channel, but with SLACK_CLIENT_ID "
                        "each workspace picks its own: a workspace admin runs `/mentoring admin-channel` "
                        "in their admins' channel. Leave MENTORING_ADMIN_CHANNEL unset.")

    port = DEFAULT_PORT
    raw_port = get("PORT")
    if raw_port:
        if raw_port.isdigit() and 0 < int(raw_port) < 65536:
            port = int(raw_port)
        else:
            problems.append(f"PORT must be a number between 1 and 65535 (got '{raw_port}').")

    max_send_rate = DEFAULT_MAX_SEND_RATE
    raw_rate = get("SLACK_MAX_SEND_RATE")
    if raw_rate:
        if re.fullmatch(r"[0-9]+(\.[0-9]+)?", raw_rate) and 0.1 <= float(raw_rate) <= 100:
            max_send_rate = float(raw_rate)
        else:
            problems.append(f"SLACK_MAX_SEND_RATE must be a number of messages a second from 0.1 to 100 "
                            f"(got '{raw_rate}'); leave it unset to let the bot find Slack's pace.")
    data_grace_days = DEFAULT_DATA_GRACE_DAYS
    raw_grace = get("DATA_GRACE_DAYS")
    if raw_grace:
        if re.fullmatch(r"[0-9]+", raw_grace, flags=re.ASCII) and int(raw_grace) <= MAX_DATA_GRACE_DAYS:
            data_grace_days = int(raw_grace)
        else:
            problems.append(f"DATA_GRACE_DAYS must be a whole number of days from 0 to {MAX_DATA_GRACE_DAYS}: "
                            f"how long a workspace's data is kept after it uninstalls the app (0 deletes "
                            f"it at once; got '{raw_grace}').")

    log_level = (get("LOG_LEVEL") or "INFO").upper()
    if log_level not in ("DEBUG", "INFO", "WARNING", "ERROR"):
        problems.append(f"LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR (got '{log_level}').")

    if problems:
        raise SettingsError(problems)
    return Settings(
        bot_token=bot_token,
        signing_secret=signing_secret,
        app_token=app_token,
        database_url=database_url,
        slack_api_url=slack_api_url,
        admin_channel=admin_channel,
        port=port,
        host=get("HOST") or "0.0.0.0",
        log_level=log_level,
        max_send_rate=max_send_rate,
        client_id=client_id if oauth else None,
        client_secret=client_secret if oauth else None,
        redirect_uri=redirect_uri,
        data_grace_days=data_grace_days,
    )
