"""The one place that makes Slack Web API clients, one set per workspace, built once, and the
one place that decides which token a workspace's client carries.

Three kinds, for three ways of treating a 429 (Slack did not act on the call, so a retry is
always safe) and a dropped connection (Slack may have acted: never retried blindly, the send
ledger in bot/delivery/outbox.py settles it from the conversation's history):

- `listener()` (the client Bolt hands to listeners) and `for_team(team)` (background work):
  wait out 429s (Retry-After), 5 times.
- `sending(team)`: everything that goes out at the workspace's pace (prompts, introductions,
  notes, recovery; bot/delivery/sender.py). No retries of its own: it records the last 429's
  Retry-After so the pacer can stop that workspace's sending for that long.

Tokens
    One workspace (`SLACK_BOT_TOKEN`): every client carries that token.

    Many workspaces installed over OAuth (`SLACK_CLIENT_ID`/`SLACK_CLIENT_SECRET`): a workspace's
    clients look its bot token up in the installation store on each call (`WorkspaceTokens`,
    bot/slack/installations.py: kept a minute per workspace, rotated before it expires), so a
    client made once stays right across rotations. A workspace with no installation (never
    installed, or uninstalled: its tokens are deleted at once) has no token: its clients make no
    call at all and raise `NotInstalled`, a SlackApiError whose error is `not_installed`, so a
    message to it stays due in the ledger like any Slack refusal (and is deleted with the
    workspace's data after the grace period). Bolt's listeners get the token of the workspace a
    request comes from through `bot(team)` (bot/slack/oauth.py), from the same lookup.
    Clients and tokens are kept per workspace, never shared between workspaces.
"""

from __future__ import annotations

import threading

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.oauth.installation_store.models.bot import Bot
from slack_sdk.oauth.token_rotation import TokenRotator
from slack_sdk.web import SlackResponse

from bot.settings import Settings
from bot.slack.installations import InstallationStore, WorkspaceTokens
from storage.db import Database

TIMEOUT = 15  # seconds per Web API call
LISTENER_RATE_LIMIT_RETRIES = 5
MAX_TRUSTED_RETRY_AFTER = 900.0  # a Retry-After beyond 15 minutes is taken as 15 minutes
NOT_INSTALLED = "not_installed"


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


class NotInstalled(SlackApiError):
    """The workspace has no installation: no call was made (see the module docstring)."""

    def __init__(self, client: WebClient, team_id: str, method: str):
        response = SlackResponse(client=client, http_verb="POST", api_url=f"{client.base_url}{method}",
                                 req_args={}, data={"ok": False, "error": NOT_INSTALLED}, headers={},
                                 status_code=200)
        super().__init__(f"The app isn't installed in workspace {team_id}; {method} was not called", response)
        self.team_id = team_id


class _InstalledWorkspace:
    """A client whose token is the workspace's, looked up on every call."""

    _team_id: str
    _tokens: WorkspaceTokens

    @property
    def token(self) -> str | None:
        return self._tokens.token(self._team_id)

    @token.setter
    def token(self, _value) -> None:  # WebClient.__init__ sets it; the installation decides
        pass

    def _check_installed(self, method: str) -> None:
        if self._tokens.token(self._team_id) is None:
            raise NotInstalled(self, self._team_id, method)


class _WaitingWorkspaceClient(_InstalledWorkspace, WebClient):
    def __init__(self, tokens: WorkspaceTokens, team_id: str, **kwargs):
        self._tokens, self._team_id = tokens, team_id
        super().__init__(**kwargs)

    def api_call(self, api_method: str, **kwargs):
        self._check_installed(api_method)
        return super().api_call(api_method, **kwargs)


class _SendingWorkspaceClient(_InstalledWorkspace, RateLimitAwareClient):
    def __init__(self, tokens: WorkspaceTokens, team_id: str, **kwargs):
        self._tokens, self._team_id = tokens, team_id
        super().__init__(**kwargs)

    def api_call(self, api_method: str, **kwargs):
        self._local.retry_after = None
        self._check_installed(api_method)
        return super().api_call(api_method, **kwargs)


class SlackClients:
    """Every workspace's clients, made on first use and kept (WebClient is safe to share).

    `token`: one workspace's bot token; or `tokens`: each installed workspace's (OAuth)."""

    def __init__(self, *, token: str = "", base_url: str, tokens: WorkspaceTokens | None = None):
        self.token = token
        self.base_url = base_url
        self.tokens = tokens
        self._made: dict[tuple[str, str], WebClient] = {}
        self._lock = threading.Lock()

    @classmethod
    def for_settings(cls, settings: Settings, db: Database) -> SlackClients:
        """One workspace's bot token, or (OAuth) each installed workspace's, from `db`."""
        if not settings.oauth:
            return cls(token=settings.bot_token, base_url=settings.slack_api_url)
        rotator = TokenRotator(client_id=settings.client_id, client_secret=settings.client_secret,
                               client=WebClient(base_url=settings.slack_api_url, timeout=TIMEOUT))
        store = InstallationStore(db, client_id=settings.client_id)
        return cls(base_url=settings.slack_api_url, tokens=WorkspaceTokens(store, rotator=rotator))

    @property
    def oauth(self) -> bool:
        return self.tokens is not None

    def _get(self, kind: str, team_id: str, make) -> WebClient:
        with self._lock:
            client = self._made.get((kind, team_id))
            if client is None:
                client = self._made[(kind, team_id)] = make()
            return client

    def _waiting(self) -> dict:
        return dict(base_url=self.base_url, timeout=TIMEOUT,
                    retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=LISTENER_RATE_LIMIT_RETRIES)])

    def _waiting_client(self) -> WebClient:
        return WebClient(token=self.token or None, **self._waiting())

    def listener(self) -> WebClient:
        """The client the Bolt app hands to listeners (Bolt gives each request a copy carrying the
        token of the request's workspace; with OAuth this one carries none)."""
        return self._get("listener", "", self._waiting_client)

    def for_team(self, team_id: str) -> WebClient:
        """For work done outside a Slack request (reads, updates of the admins' messages)."""
        if self.tokens is not None:
            return self._get("background", team_id, lambda: _WaitingWorkspaceClient(
                self.tokens, team_id, **self._waiting()))
        return self._get("background", team_id, self._waiting_client)

    def sending(self, team_id: str) -> RateLimitAwareClient:
        if self.tokens is not None:
            return self._get("sending", team_id, lambda: _SendingWorkspaceClient(
                self.tokens, team_id, base_url=self.base_url, timeout=TIMEOUT, retry_handlers=[]))
        return self._get("sending", team_id, lambda: RateLimitAwareClient(
            token=self.token, base_url=self.base_url, timeout=TIMEOUT, retry_handlers=[]))

    def bot(self, team_id: str) -> Bot | None:
        """OAuth: the workspace's installation with a fresh bot token (None: not installed)."""
        return self.tokens.bot(team_id) if self.tokens is not None else None

    def uninstalled(self, team_id: str) -> None:
        """The workspace uninstalled the app or revoked its token: forget its tokens at once, so
        that none of its clients makes another call. (One bot token: nothing to forget here; its
        calls fail as Slack refuses the revoked token.)"""
        if self.tokens is not None:
            self.tokens.store.delete_team(team_id)
            self.tokens.forget(team_id)

    def installed(self, team_id: str) -> None:
        """The workspace installed the app (again): look its token up afresh."""
        if self.tokens is not None:
            self.tokens.forget(team_id)
