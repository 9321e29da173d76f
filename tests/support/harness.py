"""Test harness: the real Bolt app, built by the real composition root, talking to FakeSlack.

Two ways in, the same signed requests either way (tests/support/slackreq.py):
- `start_harness(fake, db)`: in process, through Bolt's `app.dispatch` (as bolt-python's own
  scenario tests do): Bolt still verifies every signature; fast, no sockets on our side.
- `start_harness(fake, db, http=True)`: behind the real HTTP server (waitress), as Slack reaches
  the bot in production.

Every port is OS-assigned and every database is private to the test, so tests run in parallel.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from slack_bolt import App, BoltRequest

from bot.delivery.sender import Pacer
from bot.deps import Deps, build_deps
from bot.server import HttpServer
from bot.settings import Settings
from bot.slack.app import create_app
from storage.db import Database
from tests.support.fakeslack import FakeSlack
from tests.support.slackreq import SlackRequests

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
    app: App
    slack: SlackRequests
    server: HttpServer | None = None  # None: requests are dispatched in process

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.port}"

    def close(self) -> None:
        """Stop taking requests, then let every listener still at work (listeners go on after
        their ack) finish, while the fake Slack they talk to is still up."""
        if self.server is not None:
            self.server.close()
        self.app.listener_runner.listener_executor.shutdown(wait=True)

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


def _dispatcher(app: App):
    def dispatch(body: bytes, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        resp = app.dispatch(BoltRequest(body=body.decode("utf-8"), headers=headers))
        flat = {k.title(): (v[0] if isinstance(v, list | tuple) else v) for k, v in resp.headers.items()}
        return resp.status, flat, (resp.body or "").encode("utf-8")
    return dispatch


def start_harness(fake: FakeSlack, db: Database, *, http: bool = False, threads: int = 8,
                  pacer: Pacer | None = None, **settings_overrides) -> BotHarness:
    """`pacer`: the app's pace per workspace; by default far faster than production's (tests of
    pacing pass their own), so that journeys don't wait a second per message."""
    clock = Clock()
    fake.add_channel(ADMIN_CHANNEL, name="mentoring-admins", members=[])
    deps = build_deps(make_settings(fake, db.url, **settings_overrides), db, clock=clock,
                      pacer=pacer or Pacer(rate=1000, burst=1000))
    app = create_app(deps)
    server = None
    url = "in-process"
    if http:
        server = HttpServer(app, host="127.0.0.1", port=0, threads=threads, check=lambda: db.check())
        server.start_in_thread()
        url = f"http://127.0.0.1:{server.port}/slack/events"
    slack = SlackRequests(url, SIGNING_SECRET, team_id=TEAM, response_url_base=fake.hooks_base_url,
                          dispatch=None if http else _dispatcher(app))
    return BotHarness(fake=fake, db=db, deps=deps, clock=clock, app=app, slack=slack, server=server)
