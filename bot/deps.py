"""What listeners and services need, built once by the entry point and passed explicitly."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from slack_sdk import WebClient

from bot.settings import Settings
from storage.db import Database
from storage.types import utcnow


@dataclass
class Deps:
    settings: Settings
    db: Database
    clock: Callable[[], datetime] = field(default=utcnow)
    _clients: dict[str, WebClient] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def now(self) -> datetime:
        return self.clock()

    def slack_client(self, team_id: str) -> WebClient:
        """The Web API client for a workspace, for work done outside a Slack request.

        One bot token serves one workspace today; with OAuth installs this looks the token up
        in the installation store instead.
        """
        with self._lock:
            client = self._clients.get(team_id)
            if client is None:
                from bot.slack.app import build_client

                client = self._clients[team_id] = build_client(self)
            return client
