"""Journey-test harness: the real Bolt app behind the real HTTP server, talking to FakeSlack.

Every port is OS-assigned and every database is private to the test, so tests run in parallel.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from bot.deps import Deps, build_deps
from bot.server import HttpServer
from bot.settings import Settings
from bot.slack.app import create_app
from storage.db import Database
from tests.fakeslack import FakeSlack
from tests.slackreq import SlackRequests

SIGNING_SECRET = "8f742231b10e8888abcd99111222a5a5"
TEAM = "T0001"
ADMIN_CHANNEL = "C0ADMIN"


class Clock:
    """The app's notion of now: real time unless a test pins it."""

    def __init__(self) -> None:
        self._pinned: datetime | None = None
        self._lock = threading.Lock()

    def __call__(self) -> datetime:
        with self._lock:
            return self._pinned or datetime.now(UTC)

    def set(self, when: datetime) -> None:
        with self._lock:
            self._pinned = when

    def unpin(self) -> None:
        with self._lock:
            self._pinned = None


@dataclass
class BotHarness:
    fake: FakeSlack
    db: Database
    deps: Deps
    clock: Clock
    server: HttpServer
    slack: SlackRequests

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.port}"

    def wait_until(self, predicate: Callable[[], object], timeout: float = 5.0, what: str = "condition"):
        """Listeners keep working after they ack; wait for the effect they promise."""
        deadline = time.monotonic() + timeout
        while True:
            value = predicate()
            if value:
                return value
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}")
            time.sleep(0.01)


def make_settings(fake: FakeSlack, database_url: str, **overrides) -> Settings:
    values = dict(
        bot_token="xoxb-test",
        signing_secret=SIGNING_SECRET,
        app_token=None,
        database_url=database_url,
        slack_api_url=fake.base_url,
        admin_channel=ADMIN_CHANNEL,
        port=0,
        host="127.0.0.1",
    )
    values.update(overrides)
    return Settings(**values)


def start_harness(fake: FakeSlack, db: Database, *, threads: int = 8, **settings_overrides) -> BotHarness:
    clock = Clock()
    fake.add_channel(ADMIN_CHANNEL, name="mentoring-admins", members=[])
    deps = build_deps(make_settings(fake, db.url, **settings_overrides), db, clock=clock)
    app = create_app(deps)
    server = HttpServer(app, host="127.0.0.1", port=0, threads=threads)
    server.start_in_thread()
    slack = SlackRequests(f"http://127.0.0.1:{server.port}/slack/events", SIGNING_SECRET, team_id=TEAM,
                          response_url_base=fake.hooks_base_url)
    return BotHarness(fake=fake, db=db, deps=deps, clock=clock, server=server, slack=slack)
