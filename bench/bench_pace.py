"""Benchmark of delivery at Slack's pace: N nudges due at once for one workspace, against the fake
Slack (tests/support/fakeslack.py) enforcing a limit the bot is not told (by default 8 posts a
second per workspace, bursts of 8, 429 with Retry-After beyond it), sent by 1 or more processes.

    .venv/bin/python bench/bench_pace.py --nudges 300 --processes 1 3 \\
        --database-url postgresql://postgres@127.0.0.1:5432/test
    .venv/bin/python bench/bench_pace.py --nudges 5000 --processes 1 3 --database-url ...

One run: a scratch database (PostgreSQL in a scratch database next to the given one, dropped
afterwards; SQLite with --sqlite, one process only: SQLite means one sending process) gets N
active pairs whose cycle-1 nudge is due; then the processes start together, each a copy of
the bot at its heartbeat (`Dispatcher.tick()`: plan, record, send) with the pacing it runs
with in production (`build_deps`: adaptive, shared through the `sendpace` table on
PostgreSQL). The script only uses what every release has (`build_deps`, `Dispatcher.tick`), so
it measures an older release too: check it out and run the same command there.

Reported: the time from the start to the last nudge sent, as a ratio of the physical minimum
(N / limit: the limit's burst is ignored, so a ratio can dip a little under 1 for small N); the
rate sustained as a share of the limit; the 429s (and their share of the posts); how each
process's share of the sends came out; lost (a nudge Slack never got) and sent twice (a nudge
Slack got more than once), both counted from the fake's own record of the posts; and ledger
rows not `sent`. Targets (issue 11): ratio <= 1.4, >= 70 % of the limit, 429s < 15 % of posts,
0 lost, 0 twice.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_dispatcher import populate, settings_for, utc  # noqa: E402
from sqlalchemy import select  # noqa: E402

from bot.delivery.dispatcher import Dispatcher  # noqa: E402
from bot.deps import build_deps  # noqa: E402
from storage import schema  # noqa: E402
from storage.db import Database, normalise_database_url  # noqa: E402
from storage.models import SEND_SENT, SendLedger  # noqa: E402
from tests.support import dbutil  # noqa: E402

TEAM = "T0001"
DUE = utc(2026, 1, 12, 18, 30)  # every pair's cycle-1 nudge is due (bench_dispatcher's pairs)


def _replica(url: str, slack_url: str, go, out) -> None:
    """One copy of the bot at the heartbeat: `Dispatcher.tick()` plans, records and sends."""
    db = Database(url)
    try:
        deps = build_deps(settings_for(url, slack_url), db)
        go.wait()
        report = Dispatcher(deps).tick(DUE)
        out.put((os.getpid(), report.sent, report.rate_limited, time.perf_counter()))
    finally:
        db.dispose()


def run(url: str, *, nudges: int, processes: int, limit: float) -> dict:
    from tests.support.fakeslack import FakeSlack

    db = Database(url)
    schema.upgrade(db)
    populate(db, team=TEAM, pairs=nudges)
    with FakeSlack() as fake:
        fake.add_team(TEAM, "Bench", tokens=["xoxb-bench"])
        fake.enforce_rate_limit("chat.postMessage", per_second=limit, burst=limit)
        n = nudges
        ctx = multiprocessing.get_context("spawn")
        go, out = ctx.Event(), ctx.Queue()
        procs = [ctx.Process(target=_replica, args=(url, fake.base_url, go, out)) for _ in range(processes)]
        for p in procs:
            p.start()
        time.sleep(2.0)  # let the children import and connect before the clock starts
        t0 = time.perf_counter()
        go.set()
        results = [out.get(timeout=7200) for _ in procs]
        for p in procs:
            p.join()
        elapsed = max(r[3] for r in results) - t0
        posted = Counter(k for k in ((c.json("metadata") or {})["event_payload"]["key"]
                                     for c in fake.calls_to("chat.postMessage")) if k.startswith("nudge:"))
        refused = fake.rate_limited_count
    with db.session() as s:
        statuses = Counter(s.execute(select(SendLedger.status).where(SendLedger.key.like("nudge:%"))).scalars())
    db.dispose()
    minimum = n / limit
    return dict(nudges=n, processes=processes, elapsed=elapsed, minimum=minimum, ratio=elapsed / minimum,
                share=(n / elapsed) / limit, r429=refused, r429_share=refused / max(1, refused + sum(posted.values())),
                per_process=sorted((r[1] for r in results), reverse=True),
                lost=n - len(posted), twice=sum(1 for v in posted.values() if v > 1),
                not_sent=n - statuses.get(SEND_SENT, 0))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--nudges", type=int, nargs="+", default=[300])
    ap.add_argument("--processes", type=int, nargs="+", default=[1, 3])
    ap.add_argument("--limit", type=float, default=8.0, help="the fake's undisclosed limit, posts a second")
    ap.add_argument("--database-url", default=os.environ.get("TEST_DATABASE_URL"))
    ap.add_argument("--sqlite", action="store_true", help="also one process on SQLite")
    args = ap.parse_args()

    runs = []
    tmp = tempfile.mkdtemp(prefix="bench_pace_")
    for n in args.nudges:
        if args.sqlite:
            runs.append(("SQLite", run(f"sqlite:///{tmp}/pace{n}.db", nudges=n, processes=1, limit=args.limit)))
        if args.database_url:
            admin = normalise_database_url(args.database_url)
            for k in args.processes:
                url = dbutil.create_postgres_database(admin, f"bench_pace_{n}_{k}")
                try:
                    runs.append(("PostgreSQL", run(url, nudges=n, processes=k, limit=args.limit)))
                finally:
                    dbutil.drop_postgres_database(admin, url)
    if not runs:
        ap.error("nothing to measure: give --database-url (or TEST_DATABASE_URL) and/or --sqlite")

    print(f"\n### Nudges due at once, fake Slack limit {args.limit:g} posts/s per workspace (not told to the bot)\n")
    print("| database | nudges | processes | time | physical minimum | ratio | share of the limit | 429s "
          "| sends per process | lost | sent twice | ledger rows not sent |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|")
    for label, r in runs:
        print(f"| {label} | {r['nudges']:,} | {r['processes']} | {r['elapsed']:.1f} s | {r['minimum']:.1f} s "
              f"| **{r['ratio']:.2f}** | {100 * r['share']:.0f} % | {r['r429']} ({100 * r['r429_share']:.1f} %) "
              f"| {' / '.join(str(x) for x in r['per_process'])} | {r['lost']} | {r['twice']} | {r['not_sent']} |")
    ok = all(r["lost"] == 0 and r["twice"] == 0 and r["not_sent"] == 0 for _, r in runs)
    met = all(r["ratio"] <= 1.4 and r["share"] >= 0.7 and r["r429_share"] < 0.15 for _, r in runs)
    print("\nEvery nudge delivered exactly once." if ok else "\nFAILED: nudges lost or doubled, see the table.")
    print("Targets met (ratio <= 1.4, >= 70 % of the limit, 429s < 15 %)." if met else "Targets NOT met: see the table.")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
