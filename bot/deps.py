"""The composition root: everything listeners, services and background jobs need, built once
per process by `build_deps` and passed explicitly (never imported as a global)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from bot.delivery.outbox import Outbox
from bot.delivery.pace import Adaptive, MemoryPace, SharedPace
from bot.delivery.sender import Pacer
from bot.settings import Settings
from bot.slack.admin import AdminDirectory
from bot.slack.clients import SlackClients
from storage.db import Database
from storage.types import utcnow


@dataclass(frozen=True)
class Deps:
    settings: Settings
    db: Database
    clock: Callable[[], datetime]
    slack: SlackClients  # every Web API client, per workspace
    outbox: Outbox  # the send ledger, on `clock`
    pacer: Pacer  # each workspace's sending pace, shared by the whole process
    admins: AdminDirectory  # who may run the program (cached per workspace)

    def now(self) -> datetime:
        return self.clock()


def build_deps(settings: Settings, db: Database, *, clock: Callable[[], datetime] = utcnow,
               pacer: Pacer | None = None) -> Deps:
    if pacer is None:
        # Each workspace's pace is learnt from Slack's answers (bot/delivery/pace.py); on
        # PostgreSQL every replica shares it, so together they keep within the one limit.
        policy = Adaptive(ceiling=settings.max_send_rate, start=min(Adaptive.start, settings.max_send_rate))
        pacer = Pacer(store=MemoryPace(policy) if db.is_sqlite else SharedPace(db, policy))
    return Deps(
        settings=settings,
        db=db,
        clock=clock,
        slack=SlackClients.for_settings(settings, db),
        outbox=Outbox(db, clock=clock),
        pacer=pacer,
        admins=AdminDirectory(settings.admin_channel, db=db),
    )
