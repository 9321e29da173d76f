"""Matching from the database, end to end: load the pool and the history, then propose().

    .venv/bin/python bench/bench_matching.py                      # SQLite, 1,000 and 10,000 people
    .venv/bin/python bench/bench_matching.py --sizes 10000 --database-url postgresql://postgres@127.0.0.1:5432/test

For each size it writes that many participants (about half each side, --either share of "either"; realistic
skills, seniority, departments, time zones, managers) plus earlier pairs (history, some still
active) into the database, then, in a fresh process per measurement:

* **end to end**: `bot.services.rounds.dry_run` = `matchable_rows` + history + settings from the database,
  the pool fingerprint, and `propose()` (optimal); wall time (best of --repeat) and the peak RSS
  of that process (`ru_maxrss`);
* **quality**: optimal vs the greedy and random baselines on the same pool and history: pairs
  made, share of pairs whose mentee got at least one wanted skill, mean score.

Prints a markdown table. Targets (issue 3): 10,000 people, optimal, < 2 s wall and < 1 GB peak.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.domain.catalog import DIGITAL, LEADERSHIP, SKILL_LABELS, SKILLS  # noqa: E402

TEAM = "TBENCH"
NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
DEPARTMENTS = ["Sales", "Engineering", "Marketing", "Finance", "HR", "Legal", "Operations",
               "Customer Success", "Product", "Design", "Data", "Procurement"]
TIMEZONES = [("America/Los_Angeles", 8), ("America/New_York", 14), ("America/Sao_Paulo", 5),
             ("Europe/London", 14), ("Europe/Paris", 20), ("Europe/Berlin", 12), ("Asia/Kolkata", 10),
             ("Asia/Singapore", 7), ("Asia/Tokyo", 5), ("Australia/Sydney", 5)]
DIGITAL_KEYS = [s.key for s in SKILLS if s.group == DIGITAL]
LEADER_KEYS = [s.key for s in SKILLS if s.group == LEADERSHIP]


def generate(db, n: int, *, seed: int = 7, either: float = 0.0) -> None:
    """Replace the bench workspace's people and pairs with `n` fresh participants."""
    from sqlmodel import delete

    from storage.models import PAIR_ACTIVE, PAIR_ENDED, MatchRound, Pair, Participant

    rng = random.Random(seed)
    tz_names = [t for t, _ in TIMEZONES]
    tz_w = [w for _, w in TIMEZONES]
    people = []
    for i in range(n):
        r = rng.random()
        side = "either" if r < either else ("mentor" if r < either + (1 - either) / 2 else "mentee")
        sen = {"mentor": rng.randint(0, 10), "mentee": rng.randint(8, 35), "either": rng.randint(3, 20)}[side]
        share_pool, learn_pool = (LEADER_KEYS, DIGITAL_KEYS) if side == "mentee" else (DIGITAL_KEYS, LEADER_KEYS)
        share = set(rng.sample(share_pool, rng.randint(2, 6)))
        learn = set(rng.sample(learn_pool, rng.randint(2, 6)))
        if side == "either":
            share |= set(rng.sample(LEADER_KEYS, rng.randint(1, 3)))
            learn |= set(rng.sample(DIGITAL_KEYS, rng.randint(1, 3)))
        people.append(dict(
            team_id=TEAM, slack_user_id=f"U{i:07d}", name=f"Person {i}", side=side,
            skills_share=sorted(share), skills_learn=sorted(learn), seniority_years=sen,
            department=rng.choice(DEPARTMENTS), timezone=rng.choices(tz_names, tz_w)[0],
            capacity=2 if side != "mentee" and rng.random() < 0.15 else 1,
            status="active", paused_until=None,
            joined_at=NOW, updated_at=NOW,
        ))
    for p in rng.sample(people, n // 50):  # 2% on holiday for another month: not in the pool
        p["status"], p["paused_until"] = "paused", (NOW + timedelta(days=30)).date()
    mentees = [p["slack_user_id"] for p in people if p["side"] == "mentee"]
    for p in people:
        if p["side"] != "mentee" and rng.random() < 0.1:
            p["manager_slack_id"] = rng.choice(mentees)
    ids = [p["slack_user_id"] for p in people]
    # Earlier rounds: 20% as many ended pairs (never to be repeated) and 2% still active.
    history = [dict(team_id=TEAM, mentor_user_id=a, mentee_user_id=b, status=PAIR_ENDED, reasons=[],
                    created_at=NOW)
               for a, b in (rng.sample(ids, 2) for _ in range(n // 5))]
    busy = rng.sample(ids, (n // 50) * 2)
    history += [dict(team_id=TEAM, mentor_user_id=busy[k], mentee_user_id=busy[k + 1], status=PAIR_ACTIVE, reasons=[],
                     created_at=NOW) for k in range(0, len(busy), 2)]
    with db.session() as s:
        s.exec(delete(Pair).where(Pair.team_id == TEAM))
        s.exec(delete(MatchRound).where(MatchRound.team_id == TEAM))
        s.exec(delete(Participant).where(Participant.team_id == TEAM))
        for start in range(0, len(people), 2000):
            s.bulk_insert_mappings(Participant, people[start:start + 2000])
        s.bulk_insert_mappings(Pair, history)


def measure(url: str, repeat: int) -> dict:
    """In this (fresh) process: the end-to-end dry run, best of `repeat`, and the peak RSS."""
    from bot.services import rounds
    from storage.db import Database

    db = Database(url)
    times, loads = [], []
    for _ in range(repeat):
        t = time.perf_counter()
        with db.session(read_only=True) as s:  # what dry_run does, timed in two parts
            snap = rounds.snapshot(s, team_id=TEAM, now=NOW)
        loads.append(time.perf_counter() - t)
        proposal = rounds.proposal_for(snap)
        times.append(time.perf_counter() - t)
    db.dispose()
    best = times.index(min(times))
    return {"seconds": times[best], "load_seconds": loads[best], "all_seconds": [round(x, 3) for x in times],
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "pool": len(snap.pool), "history": len(snap.history), "stats": proposal.stats}


def quality(url: str) -> list[dict]:
    """Optimal, greedy and random on the same pool and history, loaded once."""
    from bench.baselines import greedy_baseline, random_baseline
    from bot.domain.matching import propose
    from bot.services import rounds
    from storage.db import Database

    db = Database(url)
    with db.session(read_only=True) as s:
        snap = rounds.snapshot(s, team_id=TEAM, now=NOW)
    db.dispose()
    pool = [rounds.candidate(p) for p in snap.pool]
    rows = []
    for label, fn in (
        ("optimal", lambda: propose(pool, snap.history, snap.rules, SKILL_LABELS)),
        ("greedy", lambda: greedy_baseline(pool, snap.history, snap.rules, SKILL_LABELS)),
        ("random", lambda: random_baseline(pool, snap.history, snap.rules, seed=1, skill_labels=SKILL_LABELS)),
    ):
        t = time.perf_counter()
        st = fn().stats
        rows.append({"method": label, "pairs": st["pairs"], "covered_share": st["mentees_with_wanted_skill_covered_share"],
                     "mean_score": st["mean_score"], "seconds": time.perf_counter() - t})
    return rows


def _child(args: list[str]) -> dict:
    out = subprocess.run([sys.executable, __file__, *args], check=True, capture_output=True, text=True, cwd=ROOT)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    ap.add_argument("--database-url", help="default: a SQLite file in a temporary directory")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--either", type=float, default=0.0, help='share of "either" people (default 0)')
    ap.add_argument("--_measure", help=argparse.SUPPRESS)
    ap.add_argument("--_quality", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args._measure:
        print(json.dumps(measure(args._measure, args.repeat)))
        return
    if args._quality:
        print(json.dumps(quality(args._quality)))
        return

    from storage import schema
    from storage.db import Database

    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'bench.db'}"
        from bot.settings import normalise_database_url

        url = normalise_database_url(url)
        backend = url.split(":")[0].split("+")[0]
        print(f"Matching from the database ({backend}), {os.cpu_count()} cores, Python {sys.version.split()[0]}\n")
        print("| people | backend | pool | history | pairs | load + fingerprint (s) | end to end (s, best of "
              f"{args.repeat}) | peak RSS (MB) |")
        print("|---:|---|---:|---:|---:|---:|---:|---:|")
        quality_rows = []
        for n in args.sizes:
            db = Database(url)
            schema.upgrade(db)
            generate(db, n, either=args.either)
            db.dispose()
            m = _child(["--_measure", url, "--repeat", str(args.repeat)])
            print(f"| {n:,} | {backend} | {m['pool']:,} | {m['history']:,} | {m['stats']['pairs']:,} | "
                  f"{m['load_seconds']:.2f} | {m['seconds']:.2f} | {m['peak_rss_mb']:.0f} |", flush=True)
            quality_rows.append((n, _child(["--_quality", url])))
        print("\n| people | method | pairs | mentees with a wanted skill covered | mean score | solve (s) |")
        print("|---:|---|---:|---:|---:|---:|")
        for n, rows in quality_rows:
            for r in rows:
                print(f"| {n:,} | {r['method']} | {r['pairs']:,} | {100 * r['covered_share']:.1f}% | "
                      f"{r['mean_score']:.2f} | {r['seconds']:.2f} |")


if __name__ == "__main__":
    main()
