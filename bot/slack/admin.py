"""Who may run the program: members of the admin channel, plus workspace admins and owners.

Admin subcommands (`bot.slack.ids.ADMIN_SUBCOMMANDS`) and admin buttons are accepted only in the
workspace's admin channel and only from an admin; anything else gets an ephemeral refusal that
says why (bot/blocks/admin.py), and changes nothing. A workspace's admin channel is the one its
admins chose with `/mentoring admin-channel` (stored per workspace), else
`MENTORING_ADMIN_CHANNEL` (one workspace served with a bot token).

The channel's member list is cached for a minute per workspace, so twenty admins clicking at
once cost one `conversations.members` walk, not twenty. Nothing is cached across workspaces.
The composition root (bot/deps.py) makes one `AdminDirectory` per process.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from enum import StrEnum

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.slack.ttl import TTLCache
from storage.db import Database
from storage.repositories import workspaces

log = logging.getLogger(__name__)

MEMBERS_TTL_SECONDS = 60.0
USER_TTL_SECONDS = 60.0


class Refusal(StrEnum):
    """Why someone can't do an admin thing here."""

    NO_ADMIN_CHANNEL = "no_admin_channel"
    WRONG_CHANNEL = "wrong_channel"
    NOT_AN_ADMIN = "not_an_admin"


class AdminDirectory:
    def __init__(self, admin_channel: str | None, *, db: Database | None = None,
                 clock: Callable[[], float] = time.monotonic):
        """`admin_channel`: MENTORING_ADMIN_CHANNEL; `db`: where each workspace's choice is kept."""
        self.admin_channel = admin_channel
        self.db = db
        # Keys start with the team ID: one workspace never sees another's answers.
        self._members = TTLCache(MEMBERS_TTL_SECONDS, clock)
        self._workspace_admins = TTLCache(USER_TTL_SECONDS, clock)
        # One walk of the member list at a time per (team, channel): the others wait for its answer.
        self._walk_locks: dict[tuple, threading.Lock] = {}
        self._walk_locks_guard = threading.Lock()

    def channel(self, team_id: str) -> str | None:
        """The workspace's admin channel (read afresh: another replica may just have moved it)."""
        if self.db is not None and team_id:
            with self.db.session(read_only=True) as s:
                chosen = workspaces.admin_channel(s, team_id=team_id)
            if chosen:
                return chosen
        return self.admin_channel

    def _walk_lock(self, key: tuple) -> threading.Lock:
        with self._walk_locks_guard:
            return self._walk_locks.setdefault(key, threading.Lock())

    def channel_members(self, client: WebClient, *, team_id: str, channel_id: str) -> frozenset[str]:
        """Members of the channel (all pages), cached briefly. Empty if Slack won't tell us."""
        key = (team_id, channel_id)
        cached = self._members.get(key)
        if cached is not None:
            return cached
        with self._walk_lock(key):
            cached = self._members.get(key)
            if cached is not None:
                return cached
            members: set[str] = set()
            try:
                for page in client.conversations_members(channel=channel_id, limit=500):
                    members.update(page.get("members") or [])
            except SlackApiError as e:
                # channel_not_found / not_in_channel / missing_scope: fall back to workspace roles.
                log.warning("Can't list members of the admin channel %s: %s", channel_id, e.response.get("error"))
                return frozenset()
            result = frozenset(members)
            self._members.put(key, result)
            return result

    def is_workspace_admin(self, client: WebClient, *, team_id: str, user_id: str) -> bool:
        key = (team_id, user_id)
        cached = self._workspace_admins.get(key)
        if cached is not None:
            return bool(cached)
        try:
            user = client.users_info(user=user_id).get("user") or {}
        except SlackApiError as e:
            log.warning("users.info for %s failed: %s", user_id, e.response.get("error"))
            return False
        answer = bool(user.get("is_admin") or user.get("is_owner") or user.get("is_primary_owner"))
        if user.get("deleted"):
            answer = False
        self._workspace_admins.put(key, answer)
        return answer

    def is_admin(self, client: WebClient, *, team_id: str, user_id: str, channel: str | None = None) -> bool:
        """Member of the admin channel, or a workspace admin or owner."""
        channel = channel or self.channel(team_id)
        if channel and user_id in self.channel_members(client, team_id=team_id, channel_id=channel):
            return True
        return self.is_workspace_admin(client, team_id=team_id, user_id=user_id)

    def refusal(self, client: WebClient, *, team_id: str, user_id: str, channel_id: str) -> Refusal | None:
        """Why this person can't do an admin thing in this channel, or None if they may."""
        admin_channel = self.channel(team_id)
        if not admin_channel:
            return Refusal.NO_ADMIN_CHANNEL
        if channel_id != admin_channel:
            return Refusal.WRONG_CHANNEL
        if not self.is_admin(client, team_id=team_id, user_id=user_id, channel=admin_channel):
            return Refusal.NOT_AN_ADMIN
        return None
