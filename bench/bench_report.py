"""Benchmark of the admin console: building the program health report and the export (pairs.csv,
people.csv, checkins.csv) for a large program, and the time an admin waits, after sending
`/mentoring report`, until the report is in the admin channel (and its chart after it).

The program: N people (half mentors, half mentees), N/2 pairs introduced over the last twelve
weeks in six time zones, 12 check-ins per pair on average (60,000 for 5,000 pairs), one to three
goals and a learn-back item per pair. The report and the export are each built `--repeat` times
in a fresh process's first request and again warm; the Slack timing runs the real app behind its
HTTP server against the fake Slack, with a signed slash command.

    .venv/bin/python bench/bench_report.py [--people 10000] [--database-url postgresql://...]
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import insert  # noqa: E402

from bot.blocks.export import WRITERS  # noqa: E402
from bot.blocks.report import report_messages  # noqa: E402
from bot.domain.catalog import SKILLS  # noqa: E402
from bot.services import export as export_service  # noqa: E402
from bot.services import report as report_service  # noqa: E402
from storage import schema  # noqa: E402
from storage.db import Database, normalise_database_url  # noqa: E402
from storage.models import CheckIn, Goal, MatchRound, Pair, Participant  # noqa: E402
from tests.support import dbutil  # noqa: E402
from tests.support.fakeslack import FakeSlack  # noqa: E402
from tests.support.harness import ADMIN_CHANNEL, start_harness  # noqa: E402

TEAM = "T0001"
ZONES = ["Europe/London", "Europe/Paris", "America/New_York", "Asia/Kolkata", "Australia/Sydney", "UTC"]
NOW = datetime(2026, 4, 1, 12, 0, tzinfo=UTC)
ADMIN = "U0ADMIN"
CHUNK = 5000


def seed(db: Database, people: int, seed: int = 1) -> dict:
    rng = random.Random(seed)
    keys = [s.key for s in SKILLS]
    n_pairs = people // 2
    now = NOW
    rows = []
    for i in range(people):
        mentee = i % 2 == 1
        rows.append(dict(team_id=TEAM, slack_user_id=f"U{i:08d}", name=f"Person {i}", side="mentee" if mentee else "mentor",
                         skills_share=rng.sample(keys, 2), skills_learn=rng.sample(keys, 2),
                         seniority_years=20 if mentee else 3, department=rng.choice(["Sales", "Finance", "HR"]),
                         timezone=rng.choice(ZONES), meeting_mode="video", meeting_frequency="weekly",
                         intro="private words", capacity=1, manager_slack_id=None,
                         status=rng.choices(["active", "paused", "left"], [90, 5, 5])[0],
                         joined_at=now - timedelta(days=120), updated_at=now))
    with db.engine.begin() as conn:
        for k in range(0, len(rows), CHUNK):
            conn.execute(insert(Participant.__table__), rows[k:k + CHUNK])
        rnd = conn.execute(insert(MatchRound.__table__).returning(MatchRound.__table__.c.id), [dict(
            team_id=TEAM, status="done", created_by=ADMIN, created_at=now - timedelta(weeks=13),
            decided_at=now - timedelta(weeks=13), pool_fingerprint="bench", proposal={}, pairs_total=n_pairs,
            pairs_introduced=n_pairs)]).scalar_one()
        pairs = []
        for p in range(n_pairs):
            introduced = now - timedelta(days=rng.randint(1, 84), minutes=rng.randint(0, 600))
            pairs.append(dict(team_id=TEAM, round_id=rnd, mentor_user_id=f"U{2 * p:08d}",
                              mentee_user_id=f"U{2 * p + 1:08d}", score=0, reasons=[], status="active",
                              channel_id=f"G{p:08d}", created_at=introduced, introduced_at=introduced))
        for k in range(0, len(pairs), CHUNK):
            conn.execute(insert(Pair.__table__), pairs[k:k + CHUNK])
        pair_ids = [r[0] for r in conn.execute(Pair.__table__.select().with_only_columns(Pair.__table__.c.id)
                                               .order_by(Pair.__table__.c.id))]
        goals = []
        for pid in pair_ids:
            for pos in range(1, rng.randint(1, 3) + 1):
                goals.append(dict(team_id=TEAM, pair_id=pid, role="mentee", position=pos, author_user_id="U",
                                  what="private goal", why="private why", measure="private measure",
                                  created_at=now, updated_at=now))
            goals.append(dict(team_id=TEAM, pair_id=pid, role="mentor", position=1, author_user_id="U",
                              what="private learn-back", why="", measure="", created_at=now, updated_at=now))
        for k in range(0, len(goals), CHUNK):
            conn.execute(insert(Goal.__table__), goals[k:k + CHUNK])
        checkins = []
        target = 12 * n_pairs
        cycles_per_pair = 6
        for p, pid in enumerate(pair_ids):
            for cycle in range(1, cycles_per_pair + 1):
                for who in (f"U{2 * p:08d}", f"U{2 * p + 1:08d}"):
                    met = rng.random() < 0.7
                    checkins.append(dict(team_id=TEAM, pair_id=pid, user_id=who, cycle=cycle,
                                         kind="checkin", met=met, usefulness=rng.randint(1, 5) if met else None,
                                         learned="private", will_try="private",
                                         blockers="private" if rng.random() < 0.1 else "",
                                         share_blocker=rng.random() < 0.3, goal_progress={},
                                         created_at=now, updated_at=now))
        checkins = checkins[:target]
        for k in range(0, len(checkins), CHUNK):
            conn.execute(insert(CheckIn.__table__), checkins[k:k + CHUNK])
    return dict(people=people, pairs=n_pairs, checkins=len(checkins), goals=len(goals))


CPU: dict[str, float] = {}


def timed(fn, repeat: int, name: str = "") -> tuple[float, float]:
    """(first run, best of the rest) in wall seconds; the best run's CPU seconds (this process's,
    all threads) go to CPU[name]: on a loaded machine wall time also counts waiting for a core."""
    times, cpus = [], []
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        times.append(time.perf_counter() - t0)
        cpus.append(time.process_time() - c0)
    CPU[name] = min(cpus[1:] or cpus)
    return times[0], min(times[1:] or times)


def build_report(db):
    rep = report_service.build(db, team_id=TEAM, now=NOW)
    report_messages(rep)
    return rep


def build_export(db):
    data = export_service.build(db, team_id=TEAM, now=NOW)
    return [len(w(data)) for w in WRITERS.values()]


def slack_answer(url: str) -> tuple[float, float]:
    """Seconds from sending `/mentoring report` until the report is posted, and until the chart is in."""
    db = Database(url)
    with FakeSlack() as fake:
        bot = start_harness(fake, db, http=True)
        try:
            bot.clock.set(NOW)
            fake.add_user(ADMIN, name="Ada Admin")
            fake.set_channel_members(ADMIN_CHANNEL, [ADMIN])
            t0, c0 = time.perf_counter(), time.process_time()
            status, _, _ = bot.slack.command(ADMIN, "report", channel_id=ADMIN_CHANNEL)
            assert status == 200
            fake.wait_for("chat.postMessage", timeout=60)
            posted = time.perf_counter() - t0
            CPU["posted"] = time.process_time() - c0
            bot.wait_until(lambda: fake.files_in(ADMIN_CHANNEL), timeout=60, what="the chart")
            charted = time.perf_counter() - t0
        finally:
            bot.close()
    db.dispose()
    return posted, charted


def measure(url: str, people: int, repeat: int) -> dict:
    db = Database(url)
    schema.upgrade(db)
    t0 = time.perf_counter()
    sizes = seed(db, people)
    seeded = time.perf_counter() - t0
    _, read_best = timed(lambda: report_service.load(db, team_id=TEAM), repeat, "read")
    rep_first, rep_best = timed(lambda: build_report(db), repeat, "report")
    exp_first, exp_best = timed(lambda: build_export(db), repeat, "export")
    rep = build_report(db)
    csv_bytes = build_export(db)
    db.dispose()
    posted, charted = slack_answer(url)
    return dict(sizes, cpu=dict(CPU), seeded=seeded, read=read_best, report_first=rep_first, report=rep_best, export_first=exp_first,
                export=exp_best, posted=posted, charted=charted, attention=len(rep.attention),
                csv_mb=sum(csv_bytes) / 1e6)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--people", type=int, default=10_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--database-url", default=os.environ.get("TEST_DATABASE_URL"))
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="bench_report_")
    results = [("SQLite", measure(f"sqlite:///{tmp}/report.db", args.people, args.repeat))]
    if args.database_url:
        admin = normalise_database_url(args.database_url)
        url = dbutil.create_postgres_database(admin, "bench_report")
        try:
            results.append(("PostgreSQL", measure(url, args.people, args.repeat)))
        finally:
            dbutil.drop_postgres_database(admin, url)
    r0 = results[0][1]
    print(f"\n### Health report and export: {r0['people']:,} people, {r0['pairs']:,} pairs, "
          f"{r0['checkins']:,} check-ins, {r0['goals']:,} goals\n")
    print(f"(load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; CPU: this process's CPU "
          "seconds, all threads, the fake Slack's included)\n")
    print("| database | reading the rows alone (baseline) | report (first / warm; × baseline) | export, 3 CSV "
          "files (first / warm) | `/mentoring report` → report in the channel | → chart in the channel | "
          "pairs that need attention | CSV size |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for label, r in results:
        c = r["cpu"]
        print(f"| {label} | {r['read']:.2f} s (CPU {c['read']:.2f} s) | **{r['report_first']:.2f} s** / "
              f"{r['report']:.2f} s (CPU {c['report']:.2f} s; {r['report'] / r['read']:.1f}× baseline) | "
              f"**{r['export_first']:.2f} s** / {r['export']:.2f} s (CPU {c['export']:.2f} s) | "
              f"**{r['posted']:.2f} s** (CPU {c['posted']:.2f} s) | {r['charted']:.2f} s | {r['attention']:,} | "
              f"{r['csv_mb']:.1f} MB |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
