"""The one place that makes Slack Web API clients, one set per workspace, built once.

Three kinds, for three ways of treating a 429 (Slack did not act on the call, so a retry is
always safe) and a dropped connection (Slack may have acted: never retried blindly, the send
ledger in bot/delivery/outbox.py settles it from the conversation's history):

- `listener()` (the client Bolt hands to listeners) and `for_team(team)` (background work):
  wait out 429s (Retry-After), 5 times.
- `sending(team)`: everything that goes out at the workspace's pace (prompts, introductions,
  notes, recovery; bot/delivery/sender.py). No retries of its own: it records the last 429's
  Retry-After so the pacer can stop that workspace's sending for that long.

One bot token serves one workspace today; with OAuth installs the token will come from the
installation store here, and nowhere else.
"""

from __future__ import annotations

import threading

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

TIMEOUT = 15  # seconds per Web API call
LISTENER_RATE_LIMIT_RETRIES = 5
MAX_TRUSTED_RETRY_AFTER = 900.0  # a Retry-After beyond 15 minutes is taken as 15 minutes


def retry_after_seconds(headers, *, default: float = 1.0) -> float:
    """Slack's Retry-After header in seconds (capped at MAX_TRUSTED_RETRY_AFTER)."""
    for k, v in (headers or {}).items():
        if k.lower() == "retry-after":
            v = v[0] if isinstance(v, list | tuple) else v
            try:
                return min(MAX_TRUSTED_RETRY_AFTER, max(0.0, float(v)))
            except (TypeError, ValueError):
                break
    return default


class RateLimitAwareClient(WebClient):
    """Remembers the Retry-After of the last 429 (per thread), whatever the method."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._local = threading.local()

    def take_retry_after(self) -> float | None:
        value = getattr(self._local, "retry_after", None)
        self._local.retry_after = None
        return value

    def api_call(self, *args, **kwargs):
        self._local.retry_after = None
        try:
            return super().api_call(*args, **kwargs)
        except SlackApiError as e:
            if e.response.status_code == 429:
                self._local.retry_after = retry_after_seconds(e.response.headers)
            raise


class SlackClients:
    """Every workspace's clients, made on first use and kept (WebClient is safe to share)."""

    def __init__(self, *, token: str, base_url: str):
        self.token = token
        self.base_url = base_url
        self._made: dict[tuple[str, str], WebClient] = {}
        self._lock = threading.Lock()

    def _get(self, kind: str, team_id: str, make) -> WebClient:
        with self._lock:
            client = self._made.get((kind, team_id))
            if client is None:
                client = self._made[(kind, team_id)] = make()
            return client

    def _waiting_client(self) -> WebClient:
        return WebClient(token=self.token, base_url=self.base_url, timeout=TIMEOUT,
                         retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=LISTENER_RATE_LIMIT_RETRIES)])

    def listener(self) -> WebClient:
        """The client the Bolt app hands to its listeners."""
        return self._get("listener", "", self._waiting_client)

    def for_team(self, team_id: str) -> WebClient:
        """For work done outside a Slack request (reads, updates of the admins' messages)."""
        return self._get("background", team_id, self._waiting_client)

    def sending(self, team_id: str) -> RateLimitAwareClient:
        return self._get("sending", team_id, lambda: RateLimitAwareClient(
            token=self.token, base_url=self.base_url, timeout=TIMEOUT, retry_handlers=[]))
