"""Benchmark of the program health report (bot/services/report.py), which the export, the weekly
digest and `/mentoring report` build.

    .venv/bin/python bench/bench_report.py                      # SQLite, 5,000 pairs, 60,000 check-ins
    .venv/bin/python bench/bench_report.py --database-url postgresql://postgres@127.0.0.1:5432/test

10,000 people in ten time zones, 5,000 introduced pairs: a fifth of them biweekly (their own
PairSchedule cadence), a tenth with a finished two-week break, one in fifty with someone on a
break now; 60,000 check-ins. Times `report.build` (the bulk reads + computing every pair's
sessions at its own cadence and breaks) and counts its SQL statements. Target: under 2 s.
Prints a markdown table.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import insert, update  # noqa: E402

from bench.bench_dispatcher import QueryCounter, populate, utc  # noqa: E402
from bot.services import report  # noqa: E402
from storage import schema  # noqa: E402
from storage.db import Database  # noqa: E402
from storage.models import CheckIn, Pair, PairSchedule, Participant  # noqa: E402
from tests.support import dbutil  # noqa: E402

TEAM = "T0001"
NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)  # eight weeks in


def seed(db: Database, *, pairs: int, checkins: int) -> None:
    populate(db, team=TEAM, pairs=pairs)
    with db.session() as s:
        ids = [p for (p,) in s.execute(Pair.__table__.select().with_only_columns(Pair.id).order_by(Pair.id))]
        schedules = []
        for i, pid in enumerate(ids):
            cadence = 2 if i % 5 == 0 else 1
            breaks = [["2026-01-18T12:00:00+00:00", "2026-01-31T00:00:00+00:00"]] if i % 10 == 1 else []
            schedules.append(dict(pair_id=pid, team_id=TEAM, cadence_weeks=cadence, pauses=breaks))
        for i in range(0, len(schedules), 2000):
            s.execute(insert(PairSchedule), schedules[i:i + 2000])
        away = [f"UE{i:07d}" for i in range(0, len(ids), 50)]
        s.execute(update(Participant).where(Participant.team_id == TEAM, Participant.slack_user_id.in_(away))
                  .values(status="paused", paused_until=date(2026, 3, 16), paused_at=utc(2026, 2, 23, 9)))
        rows = []
        per_pair = max(1, checkins // len(ids))
        for i, pid in enumerate(ids):
            for n in range(per_pair):
                cycle, who = n // 2 + 1, ("UE" if n % 2 == 0 else "UR")
                rows.append(dict(team_id=TEAM, pair_id=pid, user_id=f"{who}{i:07d}", cycle=cycle, kind="checkin",
                                 met=(i + n) % 3 != 0, usefulness=1 + (i + n) % 5, goal_progress={},
                                 created_at=utc(2026, 1, 16), updated_at=utc(2026, 1, 16)))
        for i in range(0, len(rows), 2000):
            s.execute(insert(CheckIn), rows[i:i + 2000])


def bench(url: str, label: str, pairs: int, checkins: int) -> dict:
    db = Database(url)
    schema.upgrade(db)
    seed(db, pairs=pairs, checkins=checkins)
    counter = QueryCounter(db)
    times = []
    for _ in range(3):
        t0 = time.perf_counter()
        rep = report.build(db, team_id=TEAM, now=NOW)
        times.append(time.perf_counter() - t0)
    statements = counter.n // 3
    f = rep.overall
    return dict(label=label, pairs=f.pairs, checkins=checkins, first=times[0], best=min(times),
                statements=statements, on_break=f.on_break, extended=f.extended)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pairs", type=int, default=5000)
    ap.add_argument("--checkins", type=int, default=60000)
    ap.add_argument("--database-url", default=os.environ.get("TEST_DATABASE_URL"))
    args = ap.parse_args()
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        results.append(bench(f"sqlite:///{tmp}/bench.db", "SQLite", args.pairs, args.checkins))
    if args.database_url:
        url = dbutil.create_postgres_database(args.database_url, "bench_report")
        try:
            results.append(bench(url, "PostgreSQL", args.pairs, args.checkins))
        finally:
            dbutil.drop_postgres_database(args.database_url, url)
    print("| database | pairs | check-ins | report.build (first) | best of 3 | SQL statements | on a break | extended |")
    print("|---|---|---|---|---|---|---|---|")
    for r in results:
        print(f"| {r['label']} | {r['pairs']:,} | {r['checkins']:,} | {r['first']:.2f} s | {r['best']:.2f} s "
              f"| {r['statements']} | {r['on_break']} | {r['extended']} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
