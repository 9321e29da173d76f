"""The send ledger: every message that must go out once is recorded under a unique key first.

Protocol, safe across threads, processes and replicas sharing the database:

1. **Claim**: `INSERT ... ON CONFLICT (team_id, key) DO NOTHING RETURNING`. Only the writer
   whose row went in owns the send; everyone else sees nothing returned and moves on.
   Or **queue, then take**: the dispatcher records what is due as `queued` (the same insert),
   and each sender, in whichever replica, claims a slice of the queue at a time
   (`UPDATE ... WHERE id IN (SELECT ... FOR UPDATE SKIP LOCKED) RETURNING`): the replicas share
   the sending, and each row still has exactly one owner.
2. **Attempt**: before each post the owner bumps `attempts` with a compare-and-set
   (`UPDATE ... WHERE attempts = :seen`), so two processes can never post the same attempt.
3. **Post** with the key in the message's `metadata`, then mark the row `sent` (with its ts),
   or `failed` for errors that retrying can't fix (channel gone, user deactivated, ...). An
   answer that doesn't say whether Slack took the message (a dropped connection, an HTTP 5xx,
   a proxy's HTML 502) leaves the row in doubt.
4. **Recover**: a row still `claimed` after the lease means its process died or lost touch.
   `recover()` looks for the key in the channel's recent history: found, the row is marked
   `sent`; not found, it is posted again under a new attempt. So a crash between Slack
   accepting a message and the database recording it never produces a second copy, and a
   crash before posting never loses one.

The ledger's SQL is in storage/repositories/ledger.py; ledger keys are made in
bot/delivery/keys.py.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackRequestError

from storage.db import Database
from storage.models import SEND_CLAIMED, SEND_FAILED, SEND_QUEUED, SEND_SENT, SEND_STALE, SendLedger
from storage.repositories import ledger

log = logging.getLogger(__name__)

METADATA_EVENT_TYPE = "mentoring_send"
DEFAULT_LEASE = timedelta(minutes=10)

# Errors about the message or its conversation: sending it again would fail the same way.
PERMANENT_ERRORS = frozenset({
    "channel_not_found", "not_in_channel", "is_archived", "channel_is_archived", "user_not_found",
    "cannot_dm_bot", "invalid_blocks", "invalid_arguments", "msg_too_long", "no_text",
    "restricted_action", "user_disabled",
})
# Errors about the app itself (a revoked or wrong token, a scope missing after a reinstall): the
# message is fine, so it stays due and goes out once the app is fixed.
APP_ERRORS = frozenset({
    "invalid_auth", "not_authed", "token_revoked", "token_expired", "account_inactive",
    "missing_scope", "team_access_not_granted", "ekm_access_denied",
})


class Outcome(StrEnum):
    SENT = "sent"
    DUPLICATE = "duplicate"  # another writer owns (or already sent) this key
    FAILED = "failed"  # Slack refused it for good
    RETRY_LATER = "retry_later"  # outcome unknown or transient: `recover()` settles it


@dataclass(frozen=True)
class Item:
    """One message to record and send."""

    key: str
    kind: str
    channel: str
    text: str
    blocks: list = field(default_factory=list)
    pair_id: int | None = None
    user_id: str | None = None
    cycle: int | None = None
    # A file to share instead of posting a message ({"filename", "title", "content"}): uploaded with
    # files_upload_v2, `text` as its comment. The filename must be unique in the channel: recovery
    # finds the file by it.
    file: dict | None = None

    @property
    def payload(self) -> dict:
        payload = {"channel": self.channel, "text": self.text, "blocks": self.blocks}
        if self.file:
            payload["file"] = self.file
        return payload


class Outbox:
    def __init__(self, db: Database, *, clock: Callable[[], datetime], lease: timedelta = DEFAULT_LEASE):
        self.db = db
        self.clock = clock
        self.lease = lease

    # --- claims ------------------------------------------------------------------------

    def claim(self, *, team_id: str, items: Iterable[Item], status: str = SEND_CLAIMED,
              error: str | None = None) -> dict[str, int]:
        """Record items; returns {key: row id} for the ones this call recorded (the rest existed)."""
        now = self.clock()
        rows = [dict(team_id=team_id, key=i.key, kind=i.kind, pair_id=i.pair_id, user_id=i.user_id,
                     cycle=i.cycle, status=status, attempts=0, in_doubt=False, claimed_at=now,
                     channel_id=i.channel, payload=i.payload, error=error) for i in items]
        if not rows:
            return {}
        with self.db.session() as s:
            return ledger.claim(s, rows=rows)

    def queue(self, *, team_id: str, items: Iterable[Item]) -> dict[str, int]:
        """Record items for a sender to take later (`take`), in slices, possibly in another
        replica; returns {key: row id} for the ones this call recorded."""
        return self.claim(team_id=team_id, items=items, status=SEND_QUEUED)

    def take(self, *, team_id: str, limit: int) -> list[int]:
        """Claim up to `limit` of the team's queued rows for this process, oldest first."""
        with self.db.session() as s:
            return ledger.take_queued(s, team_id=team_id, limit=limit, at=self.clock())

    def release(self, row_ids: Iterable[int]) -> int:
        """Give back claimed rows not tried yet (this process is stopping): queued again."""
        with self.db.session() as s:
            return ledger.release(s, row_ids=row_ids)

    def queued_teams(self) -> list[str]:
        """Workspaces with rows waiting in the queue (some perhaps left by a stopped process)."""
        with self.db.session(read_only=True) as s:
            return ledger.teams_with_queued(s)

    def record_stale(self, *, team_id: str, items: Iterable[Item], reason: str) -> dict[str, int]:
        """Record items that are too late to send, so they are never sent later."""
        return self.claim(team_id=team_id, items=items, status=SEND_STALE, error=reason[:300])

    # --- attempts ----------------------------------------------------------------------

    def _start_attempt(self, row_id: int, seen_attempts: int) -> bool:
        with self.db.session() as s:
            return ledger.start_attempt(s, row_id=row_id, seen_attempts=seen_attempts, at=self.clock())

    def _finish(self, row_id: int, *, status: str, ts: str | None = None, channel: str | None = None,
                error: str | None = None, in_doubt: bool = False) -> None:
        values: dict = {"status": status, "in_doubt": in_doubt}
        if status == SEND_SENT:
            values.update(sent_at=self.clock(), message_ts=ts)
        if channel:
            values["channel_id"] = channel
        if error:
            values["error"] = error[:300]
        with self.db.session() as s:
            ledger.finish(s, row_id=row_id, **values)

    def deliver(self, client: WebClient, row_id: int, *, seen_attempts: int = 0) -> Outcome:
        """Post a claimed row's message, unless another process got to this attempt first."""
        if not self._start_attempt(row_id, seen_attempts):
            return Outcome.DUPLICATE
        with self.db.session() as s:
            row = ledger.get(s, row_id=row_id)
        payload = row.payload
        try:
            if payload.get("file"):
                resp = _share_file(client, payload)
            else:
                resp = client.chat_postMessage(
                    channel=payload["channel"],
                    text=payload["text"],
                    blocks=payload.get("blocks") or None,
                    metadata={"event_type": METADATA_EVENT_TYPE, "event_payload": {"key": row.key}},
                    unfurl_links=False,
                    unfurl_media=False,
                )
        except SlackRequestError as e:  # the file's bytes didn't reach Slack: nothing was shared
            self._finish(row_id, status=SEND_CLAIMED, error=f"upload: {e}", in_doubt=False)
            log.info("Uploading %s didn't go through this time (%s); it stays due", row.key, e)
            return Outcome.RETRY_LATER
        except SlackApiError as e:
            status = e.response.status_code
            if status >= 500:
                # Slack, or a proxy in front of it, failed while handling the post: Slack may have
                # stored the message. Like a dropped connection, the row stays in doubt, and
                # recovery looks for it in the conversation's history before posting again.
                self._finish(row_id, status=SEND_CLAIMED, error=f"http_{status}", in_doubt=True)
                log.warning("Sending %s: Slack answered HTTP %s, so it may or may not have the message; "
                            "recovery will settle it", row.key, status)
                return Outcome.RETRY_LATER
            error = (e.response.data.get("error") if isinstance(e.response.data, dict) else None) or f"http_{status}"
            if error in APP_ERRORS:
                self._finish(row_id, status=SEND_CLAIMED, error=error)
                log.error("Slack refused the app itself (%s) while sending %s: check the bot token and "
                          "its scopes; the message stays due", error, row.key)
                return Outcome.RETRY_LATER
            if error in PERMANENT_ERRORS:
                log.warning("Not sending %s: Slack said %s", row.key, error)
                self._finish(row_id, status=SEND_FAILED, error=error)
                return Outcome.FAILED
            # Slack answered that it did not take the message (an error of its own, or a 429):
            # recovery may send it without a history check once the lease runs out.
            self._finish(row_id, status=SEND_CLAIMED, error=error)
            log.info("Sending %s didn't go through this time (%s); it stays due", row.key, error)
            return Outcome.RETRY_LATER
        except OSError as e:  # connection dropped: Slack may or may not have the message
            log.warning("Sending %s: outcome unknown (%s); recovery will settle it", row.key, e)
            return Outcome.RETRY_LATER
        self._finish(row_id, status=SEND_SENT, ts=resp.get("ts"), channel=resp.get("channel"))
        return Outcome.SENT

    def send_once(self, client: WebClient, *, team_id: str, item: Item) -> Outcome:
        won = self.claim(team_id=team_id, items=[item])
        if item.key not in won:
            return Outcome.DUPLICATE
        return self.deliver(client, won[item.key])

    def send_all(self, client: WebClient, *, team_id: str, items: Iterable[Item]) -> list[Outcome]:
        """`send_once` for each item, in order."""
        return [self.send_once(client, team_id=team_id, item=i) for i in items]

    def claim_ids(self, *, team_id: str, items: Iterable[Item]) -> list[int]:
        """Claim items and return the row ids this call won, in the items' order: for messages that
        must be in the ledger before anything else can go wrong (`deliver_all` sends them; what it
        doesn't get to, `recover` sends once the lease ends)."""
        items = list(items)
        won = self.claim(team_id=team_id, items=items)
        return [won[i.key] for i in items if i.key in won]

    def deliver_all(self, client: WebClient, row_ids: Iterable[int]) -> list[Outcome]:
        return [self.deliver(client, row_id) for row_id in row_ids]

    def channel_of(self, row_id: int) -> str | None:
        """The conversation a row's message goes to."""
        with self.db.session(read_only=True) as s:
            row = ledger.get(s, row_id=row_id)
        return (row.channel_id or row.payload.get("channel")) if row is not None else None

    def row(self, *, team_id: str, key: str) -> SendLedger | None:
        """The ledger's row for a key, if any."""
        with self.db.session(read_only=True) as s:
            return ledger.by_key(s, team_id=team_id, key=key)

    # --- recovery ----------------------------------------------------------------------

    def unsettled(self, *, team_id: str | None = None, limit: int = 200) -> list[SendLedger]:
        """Claimed rows whose lease has run out."""
        with self.db.session() as s:
            return ledger.unsettled(s, claimed_before=self.clock() - self.lease, team_id=team_id, limit=limit)

    def recover(self, client_for_team: Callable[[str], WebClient], *, team_id: str | None = None,
                pace: Callable[[str], object] | None = None) -> dict:
        """Settle rows left `claimed` past their lease: mark sent if Slack has the message,
        otherwise post it again. `pace(team_id)` is called before each row (the dispatcher's
        per-workspace rate limit). Returns counts by outcome."""
        counts: dict[str, int] = {}
        for row in self.unsettled(team_id=team_id):
            client = client_for_team(row.team_id)
            if pace is not None:
                pace(row.team_id)
            outcome = self._recover_one(client, row)
            counts[outcome] = counts.get(outcome, 0) + 1
        return counts

    def _recover_one(self, client: WebClient, row: SendLedger) -> str:
        if row.in_doubt:
            found = self._find_in_history(client, row)
            if found is None:
                return "unverifiable"
            if found:
                self._finish(row.id, status=SEND_SENT, ts=found)
                log.info("Recovered %s: Slack already had it", row.key)
                return "already_sent"
        outcome = self.deliver(client, row.id, seen_attempts=row.attempts)
        log.info("Recovered %s: %s", row.key, outcome.value)
        return outcome.value

    def _find_in_history(self, client: WebClient, row: SendLedger) -> str | bool | None:
        """The ts of our message carrying `row.key`, False if it is not there, None if Slack won't say."""
        channel = row.channel_id or row.payload.get("channel")
        try:
            if channel and channel[0] in "UW":  # a DM addressed by user ID: find the IM channel
                channel = client.conversations_open(users=channel)["channel"]["id"]
            # A pair's or a person's DM with the bot holds a few dozen of our messages over a
            # whole program: the newest 200 cover any send still in doubt.
            resp = client.conversations_history(channel=channel, include_all_metadata=True, limit=200)
        except SlackApiError as e:
            error = e.response.get("error")
            if error in PERMANENT_ERRORS:
                # The conversation is gone or closed to us: a resend could not land either.
                self._finish(row.id, status=SEND_FAILED, error=f"unverifiable: {error}")
                log.warning("Giving up on %s: can't reach its conversation (%s)", row.key, error)
            else:
                log.warning("Can't check whether %s was sent (%s); will try again", row.key, error)
            return None
        filename = (row.payload.get("file") or {}).get("filename")
        for message in resp.get("messages", []):
            meta = message.get("metadata") or {}
            if (meta.get("event_type") == METADATA_EVENT_TYPE
                    and (meta.get("event_payload") or {}).get("key") == row.key):
                return message.get("ts") or True
            if filename and any(f.get("name") == filename for f in message.get("files") or []):
                return message.get("ts") or True  # a shared file carries no metadata: found by its name
        return False


def _share_file(client: WebClient, payload: dict):
    """Upload and share a payload's file in its channel (files.getUploadURLExternal, the upload,
    files.completeUploadExternal), the payload's text as its comment."""
    f = payload["file"]
    return client.files_upload_v2(channel=payload["channel"], content=f["content"].encode("utf-8"),
                                  filename=f["filename"], title=f.get("title") or f["filename"],
                                  initial_comment=payload.get("text") or None)
