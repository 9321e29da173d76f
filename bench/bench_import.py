"""Benchmark of the CSV import (`python -m bot import`): a realistic HR export of N people, parsed
and imported into a fresh database, then imported again (every row an update); meanwhile another
writer (as a listener saving a check-in would) writes every 50 ms, and the longest it waited for
the database is reported: it must stay well under Slack's 3 seconds.

    .venv/bin/python bench/bench_import.py [--people 50000] [--database-url postgresql://...]
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.domain.catalog import SKILLS  # noqa: E402
from bot.services.people_import import import_participants, parse_csv  # noqa: E402
from storage import schema  # noqa: E402
from storage.db import Database, normalise_database_url  # noqa: E402
from storage.repositories import settings as settings_repo  # noqa: E402
from tests.support import dbutil  # noqa: E402

HEADER = "slack_user_id,name,side,skills_share,skills_learn,seniority_years,department,timezone,capacity"
ZONES = ["Europe/London", "Europe/Paris", "America/New_York", "Asia/Kolkata", "Australia/Sydney", "UTC"]
DEPARTMENTS = ["Sales", "Engineering", "Marketing", "Finance", "HR", "Legal", "Operations", "Product"]


def export(n: int, seed: int = 1) -> str:
    rng = random.Random(seed)
    keys = [s.key for s in SKILLS]
    lines = [HEADER]
    for i in range(n):
        side = rng.choice(["mentor", "mentee", "either"])
        share = ";".join(rng.sample(keys, 2)) if side != "mentee" else ""
        learn = ";".join(rng.sample(keys, 2)) if side != "mentor" else ""
        lines.append(f"U{i:08d},Person {i},{side},{share},{learn},{rng.randint(0, 40)},"
                     f"{rng.choice(DEPARTMENTS)},{rng.choice(ZONES)},{1 if side == 'mentee' else rng.randint(1, 3)}")
    return "\n".join(lines) + "\n"


class OtherWriter:
    """Writes every 50 ms and records how long each write took."""

    def __init__(self, db: Database):
        self.db = db
        self.waits: list[float] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        n = 0
        while not self._stop.is_set():
            t0 = time.perf_counter()
            with self.db.session() as s:
                row = settings_repo.get(s, team_id="T0OTHER")
                row.quiet_cycles = 1 + n % 5
                s.add(row)
            self.waits.append(time.perf_counter() - t0)
            n += 1
            self._stop.wait(0.05)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def measure(url: str, text: str) -> dict:
    db = Database(url)
    schema.upgrade(db)
    t0 = time.perf_counter()
    rows, problems = parse_csv(text)
    parse_s = time.perf_counter() - t0
    assert not problems, problems[:3]
    with OtherWriter(db) as writer:
        t0 = time.perf_counter()
        first = import_participants(db, team_id="T0001", rows=rows)
        first_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    second = import_participants(db, team_id="T0001", rows=rows)
    second_s = time.perf_counter() - t0
    db.dispose()
    assert first.created == len(rows) and second.updated == len(rows)
    return dict(parse=parse_s, first=first_s, second=second_s, writes=len(writer.waits),
                max_wait=max(writer.waits) if writer.waits else 0.0)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--people", type=int, default=50_000)
    ap.add_argument("--database-url", default=os.environ.get("TEST_DATABASE_URL"))
    args = ap.parse_args()
    text = export(args.people)
    tmp = tempfile.mkdtemp(prefix="bench_import_")
    results = [("SQLite", measure(f"sqlite:///{tmp}/import.db", text))]
    if args.database_url:
        admin = normalise_database_url(args.database_url)
        url = dbutil.create_postgres_database(admin, "bench_import")
        try:
            results.append(("PostgreSQL", measure(url, text)))
        finally:
            dbutil.drop_postgres_database(admin, url)
    print(f"\n### CSV import of {args.people:,} people\n")
    print("| database | parse | import (all new) | import again (all updates) | another writer's longest wait "
          "during the import |")
    print("|---|---:|---:|---:|---:|")
    for label, r in results:
        print(f"| {label} | {r['parse']:.1f} s | **{r['first']:.1f} s** | {r['second']:.1f} s | "
              f"{r['max_wait'] * 1000:.0f} ms ({r['writes']} writes) |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
