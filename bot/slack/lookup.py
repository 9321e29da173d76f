"""People by email address, from Slack (`users.lookupByEmail`, scope `users:read.email`): what
`/mentoring add` needs to know of each address, as typed results the services and the words use."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

log = logging.getLogger(__name__)

# Slack escapes an address in a command's text as <mailto:a@b.com|a@b.com>.
_MAILTO = re.compile(r"^<mailto:([^|>]+)(?:\|[^>]*)?>$")
_EMAIL = re.compile(r"^[^@\s<>|,;]+@[^@\s<>|,;]+\.[^@\s<>|,;]+$")

# What Slack may say about an address (Lookup.problem).
NOT_AN_EMAIL = "not_an_email"
NOT_FOUND = "not_found"  # nobody in this workspace has it
IS_BOT = "is_bot"
DEACTIVATED = "deactivated"
SLACK_BUSY = "slack_busy"  # rate limited or unreachable: try again later
SLACK_REFUSED = "slack_refused"  # e.g. the scope is missing


@dataclass(frozen=True)
class Lookup:
    typed: str  # the address as the admin wrote it (without Slack's mailto wrapping)
    user_id: str | None = None
    problem: str | None = None  # one of the constants above; None: a person who can be invited
    error: str | None = None  # Slack's error, for SLACK_REFUSED


def address(word: str) -> str:
    """A word of the command as the address the admin typed."""
    m = _MAILTO.match(word)
    return (m.group(1) if m else word).strip().strip(",;")


def lookup_emails(client: WebClient, words: list[str]) -> list[Lookup]:
    """Each distinct address in `words`, in order, looked up once."""
    seen: set[str] = set()
    out: list[Lookup] = []
    for word in words:
        typed = address(word)
        if not typed or typed.casefold() in seen:
            continue
        seen.add(typed.casefold())
        out.append(_one(client, typed))
    return out


def _one(client: WebClient, typed: str) -> Lookup:
    if not _EMAIL.match(typed):
        return Lookup(typed, problem=NOT_AN_EMAIL)
    try:
        user = client.users_lookupByEmail(email=typed).get("user") or {}
    except SlackApiError as e:
        error = e.response.get("error") if isinstance(e.response.data, dict) else None
        if error == "users_not_found":
            return Lookup(typed, problem=NOT_FOUND)
        if error == "ratelimited" or e.response.status_code == 429:
            return Lookup(typed, problem=SLACK_BUSY)
        log.warning("users.lookupByEmail refused: %s", error)
        return Lookup(typed, problem=SLACK_REFUSED, error=error or f"http_{e.response.status_code}")
    except OSError:
        return Lookup(typed, problem=SLACK_BUSY)
    uid = user.get("id")
    if not uid:
        return Lookup(typed, problem=NOT_FOUND)
    if user.get("is_bot") or user.get("is_app_user") or uid == "USLACKBOT":
        return Lookup(typed, uid, problem=IS_BOT)
    if user.get("deleted"):
        return Lookup(typed, uid, problem=DEACTIVATED)
    return Lookup(typed, uid)
