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

_CHANNEL_ID = re.compile(r"^[CG][A-Z0-9]{2,}$")


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

    @property
    def socket_mode(self) -> bool:
        return bool(self.app_token)


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
    if not bot_token and not require_slack:
        pass
    elif not bot_token:
        problems.append("SLACK_BOT_TOKEN is missing: copy the Bot User OAuth Token (xoxb-...) "
                        "from your app's OAuth & Permissions page.")
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
    )
