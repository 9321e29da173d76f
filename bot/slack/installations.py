"""Workspaces installed over OAuth: slack_sdk's installation and OAuth state stores on the app's
own database, and each workspace's bot token, rotated before it expires.

The stores are slack_sdk's SQLAlchemyInstallationStore and SQLAlchemyOAuthStateStore on the
tables storage/models.py declares (made by the migrations, like every other table), with:
- reads that don't take SQLite's write lock (`read_only`), so a token lookup never queues behind
  a writer such as a CSV import;
- `find_bot_by_team`: a workspace's newest bot token by its team ID alone. A workspace that belongs
  to an Enterprise Grid organization is stored with its enterprise ID too, which work done outside
  a Slack request (the dispatcher, introductions) doesn't know; team IDs are unique across
  organizations. Org-wide installs are refused (bot/slack/oauth.py), so none is ever found here;
- `delete_team`: every installation and bot token of a workspace, when it uninstalls the app.

`WorkspaceTokens` is what bot/slack/clients.py asks for a workspace's token. With token rotation
on (Slack's tokens then expire after 12 hours), a token within `REFRESH_MINUTES` of expiring is
exchanged for a new one (slack_sdk's TokenRotator: `oauth.v2.access` with the refresh token) and
saved, once per workspace at a time in this process. Slack's refresh tokens are single-use: when
another replica has just rotated the same token, the exchange fails here and the store already
holds the new token, which is then used.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from slack_sdk.errors import SlackTokenRotationError
from slack_sdk.oauth.installation_store.models.bot import Bot
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from slack_sdk.oauth.token_rotation import TokenRotator
from sqlalchemy import and_, desc

from storage.db import Database

log = logging.getLogger(__name__)

STATE_EXPIRATION_SECONDS = 600  # an install started more than ten minutes ago must start again
REFRESH_MINUTES = 120  # rotate a token this long before it expires (Bolt's default too)
FOUND_TTL = 60.0  # seconds a token looked up is used before the store is asked again
MISSING_TTL = 5.0  # ... and a workspace found not installed


class InstallationStore(SQLAlchemyInstallationStore):
    def __init__(self, db: Database, *, client_id: str):
        super().__init__(client_id=client_id, engine=db.engine)
        # The same store on read-only connections, for every find_* (which only read).
        self._reader = SQLAlchemyInstallationStore(client_id=client_id,
                                                   engine=db.engine.execution_options(read_only=True))

    def find_bot(self, *, enterprise_id, team_id, is_enterprise_install=False):
        return self._reader.find_bot(enterprise_id=enterprise_id, team_id=team_id,
                                     is_enterprise_install=is_enterprise_install)

    def find_installation(self, *, enterprise_id, team_id, user_id=None, is_enterprise_install=False):
        return self._reader.find_installation(enterprise_id=enterprise_id, team_id=team_id, user_id=user_id,
                                              is_enterprise_install=is_enterprise_install)

    def find_bot_by_team(self, team_id: str) -> Bot | None:
        """The workspace's newest bot token (whatever its organization), or None."""
        c = self.bots.c
        query = (self.bots.select()
                 .where(and_(c.client_id == self.client_id, c.team_id == team_id, c.bot_token.is_not(None),
                             c.is_enterprise_install.is_(False)))
                 .order_by(desc(c.id)).limit(1))  # the last saved: a reinstall, or a rotation's copy
        with self._reader.engine.connect() as conn:
            row = conn.execute(query).mappings().first()
        return self.build_bot_entity(row) if row is not None else None

    def delete_team(self, team_id: str) -> int:
        """Forget every installation and bot token of the workspace; returns how many rows went."""
        deleted = 0
        with self.engine.begin() as conn:
            for table in (self.bots, self.installations):
                deleted += conn.execute(table.delete().where(table.c.team_id == team_id)).rowcount or 0
        return deleted


class OAuthStateStore(SQLAlchemyOAuthStateStore):
    """The install flow's `state` values (one per visit to /slack/install), shared by replicas.
    Each visit also forgets the states that have expired unused (slack_sdk keeps them forever)."""

    def __init__(self, db: Database, *, expiration_seconds: int = STATE_EXPIRATION_SECONDS):
        super().__init__(expiration_seconds=expiration_seconds, engine=db.engine)

    def issue(self, *args, **kwargs) -> str:
        now = datetime.now(UTC).replace(tzinfo=None)  # slack_sdk stores naive UTC
        with self.engine.begin() as conn:
            conn.execute(self.oauth_states.delete().where(self.oauth_states.c.expire_at < now))
        return super().issue(*args, **kwargs)


@dataclass(frozen=True)
class _Known:
    bot: Bot | None
    until: float  # when to ask the store again


class WorkspaceTokens:
    """Each workspace's bot token from the installation store: looked up, rotated when it nears
    expiry, and kept for a minute per workspace (never shared between workspaces)."""

    def __init__(self, store: InstallationStore, *, rotator: TokenRotator | None,
                 refresh_minutes: int = REFRESH_MINUTES, clock: Callable[[], float] = time.time):
        self.store = store
        self.rotator = rotator
        self.refresh_minutes = refresh_minutes
        self._clock = clock
        self._known: dict[str, _Known] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    def _lock(self, team_id: str) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(team_id, threading.Lock())

    def bot(self, team_id: str) -> Bot | None:
        """The workspace's installation (its bot token fresh), or None if it has none."""
        known = self._known.get(team_id)
        if known is not None and known.until > self._clock():
            return known.bot
        with self._lock(team_id):
            known = self._known.get(team_id)
            if known is not None and known.until > self._clock():
                return known.bot
            bot = self._rotated(self.store.find_bot_by_team(team_id), team_id)
            now = self._clock()
            until = now + (FOUND_TTL if bot is not None else MISSING_TTL)
            if bot is not None and bot.bot_token_expires_at is not None:
                until = min(until, bot.bot_token_expires_at - self.refresh_minutes * 60)
            self._known[team_id] = _Known(bot, until)
            return bot

    def token(self, team_id: str) -> str | None:
        bot = self.bot(team_id)
        return bot.bot_token if bot is not None else None

    def forget(self, team_id: str) -> None:
        """Ask the store again next time (an install, an uninstall)."""
        with self._lock(team_id):
            self._known.pop(team_id, None)

    def _rotated(self, bot: Bot | None, team_id: str) -> Bot | None:
        if bot is None or bot.bot_refresh_token is None:
            return bot
        if self.rotator is None:  # pragma: no cover - OAuth mode always has one
            return bot
        try:
            refreshed = self.rotator.perform_bot_token_rotation(bot=bot, minutes_before_expiration=self.refresh_minutes)
        except SlackTokenRotationError as e:
            again = self.store.find_bot_by_team(team_id)
            if again is not None and again.bot_token != bot.bot_token:
                log.info("Workspace %s's token was just rotated elsewhere; using the new one", team_id)
                return again
            log.error("Couldn't refresh workspace %s's token (%s): its messages stay due until it "
                      "can be refreshed or the app is installed again", team_id, e)
            return bot
        if refreshed is None:
            return bot
        self.store.save_bot(refreshed)
        log.info("Refreshed workspace %s's bot token (it expires every 12 hours with token rotation on)", team_id)
        return refreshed
