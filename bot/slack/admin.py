"""Who may run the program: members of the admin channel, plus workspace admins and owners.

Admin subcommands (`bot.slack.ids.ADMIN_SUBCOMMANDS`) and admin buttons are accepted only in the admin
channel (`MENTORING_ADMIN_CHANNEL`) and only from an admin; anything else gets an ephemeral
refusal that says why, and changes nothing.

The channel's member list is cached for a minute per workspace, so twenty admins clicking at
once cost one `conversations.members` walk, not twenty. Nothing is cached across workspaces.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.settings import Settings
from bot.slack.ids import COMMAND

log = logging.getLogger(__name__)

MEMBERS_TTL_SECONDS = 60.0
USER_TTL_SECONDS = 60.0


class _TTLCache:
    def __init__(self, ttl: float, clock: Callable[[], float] = time.monotonic):
        self.ttl = ttl
        self.clock = clock
        self._data: dict[tuple, tuple[float, object]] = {}
        self._lock = threading.Lock()

    def get(self, key: tuple):
        with self._lock:
            hit = self._data.get(key)
            if hit is None or hit[0] <= self.clock():
                self._data.pop(key, None)
                return None
            return hit[1]

    def put(self, key: tuple, value: object) -> None:
        with self._lock:
            self._data[key] = (self.clock() + self.ttl, value)

    def clear(self) -> None:
        with self._lock:
            self._data.clear()


# Keys start with the API endpoint and the team ID: one workspace never sees another's answers
# (and each fake Slack in the tests is an endpoint of its own).
_members = _TTLCache(MEMBERS_TTL_SECONDS)
_workspace_admins = _TTLCache(USER_TTL_SECONDS)
# One walk of the member list at a time per (team, channel): the others wait for its answer.
_walk_locks: dict[tuple, threading.Lock] = {}
_walk_locks_guard = threading.Lock()


def clear_caches() -> None:
    """Forget cached memberships (tests, and after the admin channel changes)."""
    _members.clear()
    _workspace_admins.clear()


def _walk_lock(key: tuple) -> threading.Lock:
    with _walk_locks_guard:
        return _walk_locks.setdefault(key, threading.Lock())


def _scope(client: WebClient, team_id: str) -> tuple[str, str]:
    return (str(getattr(client, "base_url", "")), team_id)


def channel_members(client: WebClient, *, team_id: str, channel_id: str) -> frozenset[str]:
    """Members of the channel (all pages), cached briefly. Empty if Slack won't tell us."""
    key = (*_scope(client, team_id), channel_id)
    cached = _members.get(key)
    if cached is not None:
        return cached
    with _walk_lock(key):
        cached = _members.get(key)
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
        _members.put(key, result)
        return result


def is_workspace_admin(client: WebClient, *, team_id: str, user_id: str) -> bool:
    key = (*_scope(client, team_id), user_id)
    cached = _workspace_admins.get(key)
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
    _workspace_admins.put(key, answer)
    return answer


def is_admin(client: WebClient, settings: Settings, *, team_id: str, user_id: str) -> bool:
    """Member of the admin channel, or a workspace admin or owner."""
    channel = settings.admin_channel
    if channel and user_id in channel_members(client, team_id=team_id, channel_id=channel):
        return True
    return is_workspace_admin(client, team_id=team_id, user_id=user_id)


def refusal(client: WebClient, settings: Settings, *, team_id: str, user_id: str, channel_id: str,
            what: str) -> str | None:
    """Why this person can't do `what` here (mrkdwn), or None if they may.

    `what` names the thing in the message, e.g. "`/mentoring match`" or "confirming a round".
    """
    admin_channel = settings.admin_channel
    if not admin_channel:
        return (f"{what[:1].upper()}{what[1:]} needs a program admin channel, and none is set up yet. "
                "Ask whoever runs the bot to set `MENTORING_ADMIN_CHANNEL` to your admins' channel ID "
                "(like C0123ABCD: channel details > About), restart the bot, and run it there.")
    if channel_id != admin_channel:
        return (f"{what[:1].upper()}{what[1:]} only works in the program's admin channel, <#{admin_channel}>, "
                "so the other admins can see it. Nothing was changed.")
    if not is_admin(client, settings, team_id=team_id, user_id=user_id):
        return (f"Only program admins can do that: members of <#{admin_channel}> and workspace admins. "
                "If you help run the program, ask to be added to the channel. Nothing was changed.")
    return None


def admin_command_refusal(client: WebClient, settings: Settings, *, team_id: str, user_id: str,
                          channel_id: str, sub: str) -> str | None:
    return refusal(client, settings, team_id=team_id, user_id=user_id, channel_id=channel_id,
                   what=f"`{COMMAND} {sub}`")
