"""Background work in the bot's process, on APScheduler.

The scheduler holds no truth: every job reads what is due from the database, and every send
goes through the ledger (bot/delivery/outbox.py), so jobs may run late, twice, or in several
replicas. Each feature adds its jobs in `add_jobs`.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from apscheduler.schedulers.background import BackgroundScheduler

from bot.delivery import introductions
from bot.delivery.dispatcher import Dispatcher
from bot.deps import Deps
from bot.services import workspaces

log = logging.getLogger(__name__)


def add_jobs(scheduler: BackgroundScheduler, deps: Deps) -> None:
    """Register every recurring job, each first run at once (a crash or a restart carries on)."""
    now = datetime.now(UTC)
    # Introductions of confirmed rounds.
    scheduler.add_job(introductions.resume_all, "interval", minutes=1, args=[deps], id="matching_intros",
                      next_run_time=now)
    # The program's prompts and the admins' digest: the dispatcher works out what is due from the
    # database and the clock each minute; the send ledger makes every prompt go out once.
    scheduler.add_job(Dispatcher(deps).tick, "interval", seconds=60, id="program_prompts", next_run_time=now)
    # The data of workspaces that uninstalled the app DATA_GRACE_DAYS ago or more.
    scheduler.add_job(workspaces.delete_due, "interval", hours=1, args=[deps], id="workspace_deletions",
                      next_run_time=now)


def start(deps: Deps) -> BackgroundScheduler:
    scheduler = BackgroundScheduler(timezone="UTC", job_defaults={"coalesce": True, "max_instances": 1})
    add_jobs(scheduler, deps)
    scheduler.start()
    log.info("Background jobs: %s", ", ".join(j.id for j in scheduler.get_jobs()) or "none")
    return scheduler
