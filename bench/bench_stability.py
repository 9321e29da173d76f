"""How many pairs one change in the pool moves, with and without keeping the previous preview's
pairs among equally good proposals (`propose(keep=...)`, bot/domain/matching/solver._prefer_kept).

Usage:
    python bench/bench_stability.py 1000              # 5 trials: one person added each time
    python bench/bench_stability.py 1000 --trials 3 --seed 7
    python bench/bench_stability.py 25000 --either 0.2 --trials 1   # "either" people

Pool: `make_pool(n, seed)` of bench_matching_core (no "either"; with `--either S`,
bench_matching_either's `pool_for`: that share of "either" people, each taking one partner). Trial k adds one new person,
the last of `make_pool(n + k, seed)` (the first n people of that pool are the same draws), and
proposes again: without `keep` (the engine before this change) and with the first proposal's
pairs as `keep`. "moved" = pairs of the first proposal that are not in the second; at least
the pairs of the added person's partner can move (unavoidable: 0 or 1 for an added person).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.bench_matching_core import REFERENCE, make_pool  # noqa: E402
from bot.domain.matching import Rules, propose  # noqa: E402


def _key(p):
    s = p.stats
    return (s["pairs"], s["mentees_with_wanted_skill_covered"], s["left_out_last_round_paired"],
            s["total_score"])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("n", type=int)
    ap.add_argument("--trials", type=int, default=5)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--either", type=float, default=0.0)
    args = ap.parse_args()
    rules = Rules(max_tz_diff_hours=6, reference_time=REFERENCE)

    def make(n):
        if args.either:
            from bench.bench_matching_either import pool_for
            return pool_for(n, args.either, args.seed, False)
        return make_pool(n, args.seed)

    pool, history = make(args.n)
    t = time.perf_counter()
    first = propose(pool, history, rules)
    t_first = time.perf_counter() - t
    prev = {(p.mentor, p.mentee) for p in first.pairs}
    print(f"{args.n} people, {len(prev)} pairs (propose {t_first:.2f} s)")
    print("trial | added  | pairs | moved without keep | moved with keep | same objective | "
          "s without | s with")
    tot_without = tot_with = tot_pairs = 0
    for k in range(1, args.trials + 1):
        extra = make(args.n + k)[0][args.n + k - 1]
        # an ID in the middle of the sorted pool (the engine sorts people by user_id)
        extra = extra.__class__(**{**extra.__dict__,
                                   "user_id": f"U{args.n * k // (args.trials + 1):06d}x"})
        pool2 = [*pool, extra]
        t = time.perf_counter()
        plain = propose(pool2, history, rules)
        t_plain = time.perf_counter() - t
        t = time.perf_counter()
        kept = propose(pool2, history, rules, keep=sorted(prev))
        t_kept = time.perf_counter() - t
        moved_plain = len(prev - {(p.mentor, p.mentee) for p in plain.pairs})
        moved_kept = len(prev - {(p.mentor, p.mentee) for p in kept.pairs})
        same = {0: "yes", 1: "better with", -1: "worse with"}[
            (_key(kept) > _key(plain)) - (_key(kept) < _key(plain))]
        tot_without += moved_plain
        tot_with += moved_kept
        tot_pairs += len(prev)
        print(f"{k:5d} | {extra.side:6s} | {len(kept.pairs):5d} | {moved_plain:18d} | "
              f"{moved_kept:15d} | {same:14s} | {t_plain:9.2f} | {t_kept:6.2f}")
    print(f"total: {tot_without} of {tot_pairs} previous pairs moved without keep, "
          f"{tot_with} with keep")


if __name__ == "__main__":
    main()
