"""Rounds with "either" people: the new engine, the engine before issue 13 and an exact
reference, on the same pools in the same run (bench/MATCHING.md has the figures).

Usage:
    python bench/bench_matching_either.py 400,1000,2000,10000 --share 0.2
    python bench/bench_matching_either.py 1000 --share 0.2 --capacity-mix  # mentors up to 3
    python bench/bench_matching_either.py 10000 --share 0.05,0.1,0.2,0.33,0.5 --seed 1,2,3 \
        --old-max 0 --ref-max 0  # many pools of one size

Pools come from bench_matching_core.make_pool; "either" people have capacity 1 unless
--capacity-mix (then capacities 1-3 for anyone who can mentor). Columns: pairs, mentees whose
wanted skill is covered, total score, wall seconds, whether the engine proved optimality.
The reference is an exact maximum-weight matching of every eligible pair with the same
objective (pairs, then covered mentees, then score): networkx's blossom up to 1,000 people,
rustworkx's on the full graph up to --ref-max people, none above. Old-engine runs can be
skipped above --old-max people (it takes minutes there).
"""

from __future__ import annotations

import argparse
import dataclasses
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import networkx as nx  # noqa: E402
import numpy as np  # noqa: E402
import rustworkx as rx  # noqa: E402

from bench import old_matching_solver as old  # noqa: E402
from bench.bench_matching_core import REFERENCE, make_pool  # noqa: E402
from bot.domain.matching import Rules, propose  # noqa: E402
from bot.domain.matching import solver as new_solver  # noqa: E402


def pool_for(n: int, share: float, seed: int, mix: bool):
    pool, history = make_pool(n, seed, share)
    rng = random.Random(seed + 1)
    out = []
    for c in pool:
        if mix and c.side != "mentee":
            c = dataclasses.replace(c, capacity=rng.randint(1, 3))
        elif c.side == "either":
            c = dataclasses.replace(c, capacity=1)
        out.append(c)
    return out, history


def reference(pool, history, rules, use_networkx: bool):
    """(pairs, covered, score) of an exact maximum-weight matching of every eligible pair."""
    P = new_solver._Pool(pool, history, rules)
    el, er = np.nonzero(P.K >= 0)
    keys = P.K[el, er]
    score = P.score_of(keys)
    cov = P.covered_of(keys).astype(np.int64)
    big, cw = 10**12, 10**6
    w = big + cw * cov + score
    caps = {int(p): int(c) for p, c in zip(P.L, P.capL, strict=True)}
    nodes: dict[tuple[int, int], int] = {}

    def node(p, k):
        return nodes.setdefault((p, k), len(nodes))

    a, b, ww = [], [], []
    for x, y, wt in zip(P.L[el].tolist(), P.R[er].tolist(), w.tolist(), strict=True):
        copies = caps[x] if not P.can_mentee[x] else 1
        for k in range(copies):
            a.append(node(x, k))
            b.append(node(y, 0))
            ww.append(wt)
    if use_networkx:
        g = nx.Graph()
        g.add_weighted_edges_from(zip(a, b, ww, strict=True))
        m = nx.max_weight_matching(g)
        weights = [g.edges[u, v]["weight"] for u, v in m]
    else:
        g = rx.PyGraph()
        g.add_nodes_from(range(len(nodes)))
        g.add_edges_from(list(zip(a, b, ww, strict=True)))
        m = rx.max_weight_matching(g, weight_fn=lambda x: x)
        weights = [g.get_edge_data(u, v) for u, v in m]
    return (len(weights), sum((x % big) // cw for x in weights), sum(x % cw for x in weights))


def row(label, n, f, share="", seed=""):
    t = time.perf_counter()
    head = f"| {n:>6,} | {share:>6} | {seed:>4} | {label:<9} |"
    try:
        s = f()
    except Exception as e:  # the old engine's failures are part of the picture
        print(f"{head} failed: {type(e).__name__}: {str(e)[:60]} |", flush=True)
        return
    dt = time.perf_counter() - t
    if isinstance(s, tuple):
        pairs, cov, score, proven = *s, "exact"
    else:
        pairs, cov, score = s["pairs"], s["mentees_with_wanted_skill_covered"], s["total_score"]
        proven = "yes" if s["proven_optimal"] else f"no (up to {s['optimality_gap_pairs']} more pairs)"
    print(f"{head} {pairs:>6,} | {cov:>6,} | {score:>8,} | {dt:7.2f} | {proven} |", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("sizes")
    ap.add_argument("--share", default="0.2", help="share of 'either' people; a list: 0.1,0.2")
    ap.add_argument("--seed", default="7", help="pool seed; a list: 1,2,3")
    ap.add_argument("--budget", type=float, default=20.0)
    ap.add_argument("--capacity-mix", action="store_true")
    ap.add_argument("--old-max", type=int, default=10_000)
    ap.add_argument("--ref-max", type=int, default=2_000)
    args = ap.parse_args()
    rules = Rules(reference_time=REFERENCE, time_budget_s=args.budget)
    print("| people | either | seed | method    | pairs  | covered | score   | wall s  | proven |")
    print("|-------:|-------:|-----:|-----------|-------:|-------:|--------:|--------:|--------|")
    for n in (int(x) for x in args.sizes.split(",")):
        for share in args.share.split(","):
            for seed in args.seed.split(","):
                pool, history = pool_for(n, float(share), int(seed), args.capacity_mix)
                tag = {"share": share, "seed": seed}
                row("new", n, lambda: propose(pool, history, rules).stats, **tag)  # noqa: B023
                if n <= args.old_max:
                    row("old", n, lambda: old.propose(pool, history, rules).stats,  # noqa: B023
                        **tag)
                if n <= args.ref_max and not args.capacity_mix:
                    row("reference", n,
                        lambda: reference(pool, history, rules, n <= 1000), **tag)  # noqa: B023


if __name__ == "__main__":
    main()
