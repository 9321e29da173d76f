"""Benchmark of the prompt dispatcher (bot/delivery/dispatcher.py) and the per-workspace pacer (bot/delivery/sender.py).

    .venv/bin/python bench/bench_dispatcher.py                      # SQLite, 5,000 pairs, 600 sends
    .venv/bin/python bench/bench_dispatcher.py --database-url postgresql://postgres@127.0.0.1:5432/test
    .venv/bin/python bench/bench_dispatcher.py --pairs 5000 --sends 600 --limit 20

(With --database-url, or TEST_DATABASE_URL set, PostgreSQL is measured too, in a scratch database
created next to the given one and dropped afterwards.)

1. Deciding and ledgering one cycle: 5,000 active pairs (10,000 participants in ten time zones
   from Los Angeles to Sydney), two cycles already in the ledger (30,000 rows) and check-ins
   for half of the pairs; at Monday 18:30 UTC every pair's cycle-3 nudge is due. Times
   `plan()` + `ledger()` (no Slack), counts SQL statements, and then times the next heartbeat
   at the same instant (everything already ledgered). Target: under 5 s.
2. Sending: FakeSlack (tests/support/fakeslack.py) enforces a token bucket on chat.postMessage per
   workspace (`--limit` per second, burst `--limit`); two workspaces, `--sends` prompts in all,
   sent by `Dispatcher.send()` through the pacer, once with the pacer at the limit and once
   50 % over it (so Slack answers 429 and the pacer waits out Retry-After). Reports the
   sustained rate, the 429s, and checks that nothing is lost or doubled: every ledger row
   `sent`, every key posted exactly once.

Prints markdown tables.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import random
import resource
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import event, func, insert, select, update  # noqa: E402

from bot.delivery.dispatcher import Dispatcher  # noqa: E402
from bot.delivery.sender import Pacer  # noqa: E402
from bot.deps import build_deps  # noqa: E402
from bot.settings import Settings  # noqa: E402
from bot.slack.clients import TIMEOUT, RateLimitAwareClient, SlackClients  # noqa: E402
from storage import schema  # noqa: E402
from storage.db import Database, normalise_database_url  # noqa: E402
from storage.models import (  # noqa: E402
    SEND_CLAIMED,
    SEND_QUEUED,
    SEND_SENT,
    CheckIn,
    Pair,
    Participant,
    SendLedger,
)
from tests.support import dbutil  # noqa: E402

ZONES = ["America/Los_Angeles", "America/New_York", "America/Sao_Paulo", "Europe/London", "Europe/Paris",
         "Europe/Berlin", "Asia/Kolkata", "Asia/Singapore", "Asia/Tokyo", "Australia/Sydney"]
SKILLS = ["ai_tools", "social_media", "collaboration_tools", "spreadsheets", "agile", "design_tools"]
INTRODUCED = datetime(2026, 1, 7, 12, 0, tzinfo=UTC)  # cycle 1 = Monday 12 Jan, local 10:00 everywhere


def utc(*a) -> datetime:
    return datetime(*a, tzinfo=UTC)


def settings_for(url: str, slack_url: str = "http://127.0.0.1:9/api/") -> Settings:
    return Settings(bot_token="xoxb-bench", signing_secret="0" * 32, app_token=None, database_url=url,
                    slack_api_url=slack_url, admin_channel="C0ADMIN", port=0)


def populate(db: Database, *, team: str, pairs: int, first_id: int = 0, seed: int = 1) -> None:
    rng = random.Random(seed)
    now = utc(2026, 1, 1)
    people, rows = [], []
    for n in range(first_id, first_id + pairs):
        zone = ZONES[n % len(ZONES)]
        for prefix, side, years in (("UE", "mentee", 20), ("UR", "mentor", 3)):
            people.append(dict(team_id=team, slack_user_id=f"{prefix}{n:07d}", name=f"{side} {n}", side=side,
                               skills_share=["leadership"] if side == "mentee" else rng.sample(SKILLS, 2),
                               skills_learn=rng.sample(SKILLS, 2) if side == "mentee" else ["leadership"],
                               seniority_years=years, department="Dept", timezone=zone, meeting_mode="video",
                               meeting_frequency="weekly", intro="", capacity=1, status="active",
                               joined_at=now, updated_at=now))
        rows.append(dict(team_id=team, mentor_user_id=f"UR{n:07d}", mentee_user_id=f"UE{n:07d}", score=1,
                         reasons=[], status="active", channel_id=f"G{n:08X}", created_at=now,
                         introduced_at=INTRODUCED))
    with db.session() as s:
        for i in range(0, len(people), 2000):
            s.execute(insert(Participant), people[i:i + 2000])
        for i in range(0, len(rows), 2000):
            s.execute(insert(Pair), rows[i:i + 2000])


class QueryCounter:
    def __init__(self, db: Database):
        self.n = 0
        event.listen(db.engine, "before_cursor_execute", self._count)

    def _count(self, *_a, **_k) -> None:
        self.n += 1


def bench_decide(url: str, label: str, n_pairs: int) -> dict:
    db = Database(url)
    schema.upgrade(db)
    populate(db, team="T0001", pairs=n_pairs)
    deps = build_deps(settings_for(url), db)
    d = Dispatcher(deps, pacer=Pacer(rate=1000, burst=1000))

    # Two cycles already ledgered (as the heartbeat would have left them), check-ins for half the pairs.
    with db.session() as s:
        pair_ids = [p for (p,) in s.execute(Pair.__table__.select().with_only_columns(Pair.id))]
        cis = [dict(team_id="T0001", pair_id=pid, user_id=f"UE{i:07d}", cycle=c, kind="checkin", met=True,
                    goal_progress={}, created_at=utc(2026, 1, 16 + 7 * (c - 1), 18), updated_at=utc(2026, 1, 16))
               for i, pid in enumerate(pair_ids) if i % 2 == 0 for c in (1, 2)]
        for i in range(0, len(cis), 2000):
            s.execute(insert(CheckIn), cis[i:i + 2000])
    for at in (utc(2026, 1, 12, 18, 30), utc(2026, 1, 16, 23, 30), utc(2026, 1, 18, 22, 30),
               utc(2026, 1, 19, 18, 30), utc(2026, 1, 23, 23, 30), utc(2026, 1, 25, 22, 30)):
        d.ledger(d.plan(at))
    with db.session() as s:
        s.execute(update(SendLedger).where(SendLedger.status.in_([SEND_CLAIMED, SEND_QUEUED])).values(status=SEND_SENT))
        ledger_rows = s.execute(select(func.count()).select_from(SendLedger)).scalar_one()

    counter = QueryCounter(db)
    at = utc(2026, 1, 26, 18, 30)  # Monday: every pair's cycle-3 nudge is due (Sydney's since 23:00 UTC Sunday)
    t0 = time.perf_counter()
    plan = d.plan(at)
    t1 = time.perf_counter()
    claimed = d.ledger(plan)
    t2 = time.perf_counter()
    q_first = counter.n
    due = sum(len(tp.due) for tp in plan.teams)
    n_claimed = sum(len(r) for r in claimed.rows.values())
    counter.n = 0
    t3 = time.perf_counter()
    again = d.ledger(d.plan(at + timedelta(minutes=1)))
    t4 = time.perf_counter()
    db.dispose()
    return dict(label=label, pairs=n_pairs, ledger_rows=ledger_rows, due=due, claimed=n_claimed,
                plan=t1 - t0, ledger=t2 - t1, total=t2 - t0, queries=q_first,
                heartbeat=t4 - t3, heartbeat_queries=counter.n,
                again_claimed=sum(len(r) for r in again.rows.values()),
                rss_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


class PerWorkspaceTokens(SlackClients):
    """One bot token per workspace, as OAuth installs would give (the fake limits per token)."""

    def sending(self, team_id: str) -> RateLimitAwareClient:
        return self._get("sending", team_id, lambda: RateLimitAwareClient(
            token=f"xoxb-{team_id}", base_url=self.base_url, timeout=TIMEOUT, retry_handlers=[]))


def bench_send(url: str, *, sends: int, limit: float, pacer_rate: float) -> dict:
    from tests.support.fakeslack import FakeSlack

    db = Database(url)
    schema.upgrade(db)
    teams = ["T0001", "T0002"]
    with FakeSlack() as fake:
        for t in teams:
            fake.add_team(t, t, tokens=[f"xoxb-{t}"])
        fake.enforce_rate_limit("chat.postMessage", per_second=limit, burst=limit)
        for i, t in enumerate(teams):
            populate(db, team=t, pairs=sends // len(teams), first_id=i * 1_000_000, seed=i)
        settings = settings_for(url, fake.base_url)
        deps = dataclasses.replace(build_deps(settings, db),
                                   slack=PerWorkspaceTokens(token="", base_url=settings.slack_api_url))
        d = Dispatcher(deps, pacer=Pacer(rate=pacer_rate, burst=min(limit, pacer_rate)))
        claimed = d.ledger(d.plan(utc(2026, 1, 12, 18, 30)))
        n = sum(len(r) for r in claimed.rows.values())
        t0 = time.perf_counter()
        counts = d.send(claimed)
        elapsed = time.perf_counter() - t0
        posted = Counter((c.team_hint, (c.json("metadata") or {})["event_payload"]["key"])
                         for c in fake.calls_to("chat.postMessage"))
        refused = fake.rate_limited_count
    with db.session() as s:
        statuses = Counter(s.execute(select(SendLedger.status).where(SendLedger.key.like("nudge:%"))).scalars())
    db.dispose()
    lost = n - sum(1 for v in posted.values() if v >= 1)
    doubled = sum(1 for v in posted.values() if v > 1)
    return dict(limit=limit, pacer=pacer_rate, prompts=n, elapsed=elapsed, rate=counts.sent / elapsed,
                per_ws=counts.sent / elapsed / len(teams), sent=counts.sent, r429=refused, lost=lost,
                doubled=doubled, ledger_sent=statuses.get(SEND_SENT, 0), ledger_other=n - statuses.get(SEND_SENT, 0))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pairs", type=int, default=5000)
    ap.add_argument("--sends", type=int, default=600, help="prompts sent in each sending run (two workspaces)")
    ap.add_argument("--limit", type=float, default=20.0, help="fake Slack's per-workspace limit (messages/s)")
    ap.add_argument("--database-url", default=os.environ.get("TEST_DATABASE_URL"))
    ap.add_argument("--skip-send", action="store_true")
    args = ap.parse_args()

    tmp = tempfile.mkdtemp(prefix="bench_dispatcher_")
    targets = [("SQLite", lambda name: f"sqlite:///{tmp}/{name}.db", None)]
    if args.database_url:
        admin = normalise_database_url(args.database_url)
        targets.append(("PostgreSQL", lambda name, a=admin: dbutil.create_postgres_database(a, f"bench_{name}"),
                        admin))

    decide = []
    for label, make, admin in targets:
        url = make("decide")
        try:
            decide.append(bench_decide(url, label, args.pairs))
        finally:
            if admin:
                dbutil.drop_postgres_database(admin, url)

    print(f"\n### Deciding and ledgering one cycle ({args.pairs:,} pairs)\n")
    print("| database | ledger rows before | due | claimed | plan | ledger | plan + ledger | SQL statements "
          "| next heartbeat (nothing new) | its statements | peak RSS |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in decide:
        print(f"| {r['label']} | {r['ledger_rows']:,} | {r['due']:,} | {r['claimed']:,} | {r['plan']:.2f} s "
              f"| {r['ledger']:.2f} s | **{r['total']:.2f} s** | {r['queries']} | {r['heartbeat']:.2f} s "
              f"| {r['heartbeat_queries']} | {r['rss_mb']:.0f} MB |")

    if args.skip_send:
        return 0
    runs = []
    for i, pacer_rate in enumerate((args.limit, args.limit * 1.5)):
        runs.append(bench_send(f"sqlite:///{tmp}/send{i}.db", sends=args.sends, limit=args.limit,
                               pacer_rate=pacer_rate))
    print(f"\n### Sending through the pacer (fake Slack: {args.limit:g} msg/s per workspace, 2 workspaces)\n")
    print("| pacer rate / workspace | prompts | time | sustained (all) | per workspace | 429s | "
          "lost | sent twice | ledger rows sent |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in runs:
        print(f"| {r['pacer']:g}/s | {r['prompts']} | {r['elapsed']:.1f} s | {r['rate']:.1f} msg/s "
              f"| {r['per_ws']:.1f} msg/s | {r['r429']} | {r['lost']} | {r['doubled']} "
              f"| {r['ledger_sent']}/{r['prompts']} |")
    ok = all(r["lost"] == 0 and r["doubled"] == 0 and r["ledger_other"] == 0 for r in runs)
    ok = ok and all(r["claimed"] == r["due"] >= r["pairs"] and r["again_claimed"] == 0 for r in decide)
    print("\nAll prompts delivered exactly once." if ok else "\nFAILED: see the table.")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
