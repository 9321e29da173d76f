"""Benchmark of the matching engine (bot/domain/matching/).

Usage:
    python bench/bench_matching_core.py propose 10000      # time propose() alone, print stats
    python bench/bench_matching_core.py compare 1000       # optimal vs greedy vs random
    python bench/bench_matching_core.py propose 10000 --either 0.05
    python bench/bench_matching_core.py either 200,400,2000 --shares 0.05,0.2,0.33  # table

Run `propose` under `/usr/bin/time -v` for the peak RSS of the whole process.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.baselines import greedy_baseline, random_baseline  # noqa: E402
from bot.domain.catalog import DIGITAL, LEADERSHIP, SKILL_LABELS, SKILLS  # noqa: E402
from bot.domain.matching import Candidate, Rules, propose  # noqa: E402

DEPARTMENTS = [
    "Sales", "Engineering", "Marketing", "Finance", "HR", "Legal", "Operations",
    "Customer Success", "Product", "Design",
]
# (time zone, weight): a handful of regions
TIMEZONES = [
    ("America/Los_Angeles", 8), ("America/New_York", 14), ("America/Sao_Paulo", 5),
    ("Europe/London", 14), ("Europe/Paris", 20), ("Europe/Berlin", 12),
    ("Asia/Kolkata", 10), ("Asia/Singapore", 7), ("Asia/Tokyo", 5), ("Australia/Sydney", 5),
]
DIGITAL_KEYS = [s.key for s in SKILLS if s.group == DIGITAL]
LEADER_KEYS = [s.key for s in SKILLS if s.group == LEADERSHIP]
REFERENCE = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def make_pool(n: int, seed: int = 7, either_share: float = 0.0, history_share: float = 0.2):
    rng = random.Random(seed)
    tz_names = [t for t, _ in TIMEZONES]
    tz_w = [w for _, w in TIMEZONES]
    pool = []
    for i in range(n):
        r = rng.random()
        side = "either" if r < either_share else ("mentor" if r < either_share + (1 - either_share) / 2 else "mentee")
        if side == "mentor":
            sen = rng.randint(0, 10)
        elif side == "mentee":
            sen = rng.randint(8, 35)
        else:
            sen = rng.randint(3, 20)
        digital = DIGITAL_KEYS if side != "mentee" else LEADER_KEYS
        other = LEADER_KEYS if side != "mentee" else DIGITAL_KEYS
        share = frozenset(rng.sample(digital, rng.randint(2, 6)))
        learn = frozenset(rng.sample(other, rng.randint(2, 6)))
        if side == "either":  # both: shares some digital and some leadership skills
            share |= frozenset(rng.sample(LEADER_KEYS, rng.randint(1, 3)))
            learn |= frozenset(rng.sample(DIGITAL_KEYS, rng.randint(1, 3)))
        pool.append(
            Candidate(
                user_id=f"U{i:06d}",
                name=f"Person {i}",
                side=side,
                skills_share=share,
                skills_learn=learn,
                seniority_years=sen,
                department=rng.choice(DEPARTMENTS),
                timezone=rng.choices(tz_names, tz_w)[0],
                capacity=2 if side != "mentee" and rng.random() < 0.15 else 1,
            )
        )
    # managers: some mentors report to a mentee in the pool
    mentees = [c for c in pool if c.side == "mentee"]
    out = []
    for c in pool:
        if c.side != "mentee" and mentees and rng.random() < 0.1:
            c = Candidate(**{**c.__dict__, "manager_id": rng.choice(mentees).user_id})
        out.append(c)
    ids = [c.user_id for c in out]
    history = [tuple(rng.sample(ids, 2)) for _ in range(int(n * history_share))]
    return out, history


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def either_table(args, rules) -> None:
    print(f"{'n':>6} {'either':>6} {'edges':>9} {'wall s':>7} {'cpu s':>6} {'solver':>16} "
          f"{'proven':>6} {'gap':>5} {'gapP':>4} {'pairs':>5} {'score':>7}", flush=True)
    for n in (int(x) for x in args.n.split(",")):
        for share in (float(x) for x in args.shares.split(",")):
            pool, history = make_pool(n, args.seed, share)
            r0 = resource.getrusage(resource.RUSAGE_SELF)
            t = time.perf_counter()
            s = propose(pool, history, rules, SKILL_LABELS).stats
            dt = time.perf_counter() - t
            r1 = resource.getrusage(resource.RUSAGE_SELF)
            cpu = r1.ru_utime + r1.ru_stime - r0.ru_utime - r0.ru_stime
            print(f"{n:6d} {share:6.2f} {s['eligible_edges']:9d} {dt:7.2f} {cpu:6.2f} "
                  f"{s['solver']:>16} {str(s['proven_optimal']):>6} {s['optimality_gap']:5d} "
                  f"{s['optimality_gap_pairs']:4d} {s['pairs']:5d} {s['total_score']:7d}",
                  flush=True)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["propose", "compare", "either"])
    ap.add_argument("n", help="pool size (either mode: comma-separated sizes)")
    ap.add_argument("--shares", default="0.05,0.2,0.33", help="either mode: either shares")
    ap.add_argument("--budget", type=float, default=None, help="Rules.time_budget_s")
    ap.add_argument("--either", type=float, default=0.0)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--repeat", type=int, default=1)
    args = ap.parse_args()
    extra = {} if args.budget is None else {"time_budget_s": args.budget}
    rules = Rules(reference_time=REFERENCE, **extra)
    if args.mode == "either":
        either_table(args, rules)
        return
    args.n = int(args.n)
    pool, history = make_pool(args.n, args.seed, args.either)
    rss_before = _rss_mb()
    if args.mode == "propose":
        times, cpu = [], []
        for _ in range(args.repeat):
            r0 = resource.getrusage(resource.RUSAGE_SELF)
            t = time.perf_counter()
            prop = propose(pool, history, rules, SKILL_LABELS)
            times.append(time.perf_counter() - t)
            r1 = resource.getrusage(resource.RUSAGE_SELF)
            cpu.append(r1.ru_utime + r1.ru_stime - r0.ru_utime - r0.ru_stime)
        print(json.dumps({"n": args.n, "propose_seconds": [round(x, 3) for x in times],
                          "propose_cpu_seconds": [round(x, 3) for x in cpu],
                          "load_avg": [round(x, 2) for x in os.getloadavg()],
                          "rss_before_mb": round(rss_before, 1), "peak_rss_mb": round(_rss_mb(), 1),
                          "stats": prop.stats}, indent=1))
        return
    rows = []
    for label, fn in (
        ("optimal", lambda: propose(pool, history, rules, SKILL_LABELS)),
        ("greedy", lambda: greedy_baseline(pool, history, rules, SKILL_LABELS)),
        ("random", lambda: random_baseline(pool, history, rules, seed=1, skill_labels=SKILL_LABELS)),
    ):
        t = time.perf_counter()
        p = fn()
        dt = time.perf_counter() - t
        s = p.stats
        rows.append((label, s["pairs"], s["mentees_with_wanted_skill_covered"],
                     s["mentees_with_wanted_skill_covered_share"], s["mean_score"], s["total_score"], dt))
    print(f"n={args.n} either={args.either} eligible_edges={p.stats['eligible_edges']}")
    print(f"{'method':8} {'pairs':>6} {'covered':>8} {'cov%':>6} {'mean':>6} {'total':>8} {'sec':>6}")
    for r in rows:
        print(f"{r[0]:8} {r[1]:6d} {r[2]:8d} {100 * r[3]:6.1f} {r[4]:6.2f} {r[5]:8d} {r[6]:6.2f}")


if __name__ == "__main__":
    main()
