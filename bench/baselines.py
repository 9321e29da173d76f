"""Greedy and random baselines for the matching benchmarks and tests (not used by the app).

Both take eligible edges one by one (by score, or in random order) while the capacity and
"one role per round" rules still allow them, and explain the result like `propose` does.
"""

from __future__ import annotations

import random

import numpy as np

from bot.domain.matching import Proposal, Rules
from bot.domain.matching.solver import _build, _Pool


def _take_in_order(P: _Pool, order_l: np.ndarray, order_r: np.ndarray) -> list[tuple[int, int]]:
    left = P.capL.copy()
    mentee_free = np.ones(len(P.R), bool)
    role = np.zeros(P.n, np.int8)  # 0 none, 1 mentor, 2 mentee
    pairs = []
    budget_l, budget_r = int((left > 0).sum()), len(P.R)
    for a in range(0, len(order_l), 200_000):
        chunk = zip(order_l[a : a + 200_000].tolist(), order_r[a : a + 200_000].tolist(), strict=True)
        for lp, rp in chunk:
            if left[lp] == 0 or not mentee_free[rp]:
                continue
            pm, pe = int(P.L[lp]), int(P.R[rp])
            if role[pm] == 2 or role[pe] == 1:
                continue
            left[lp] -= 1
            mentee_free[rp] = False
            role[pm], role[pe] = 1, 2
            pairs.append((lp, rp))
            budget_r -= 1
            if left[lp] == 0:
                budget_l -= 1
            if budget_l == 0 or budget_r == 0:
                return pairs
    return pairs


def greedy_baseline(pool, history=(), rules: Rules | None = None, skill_labels=None) -> Proposal:
    """Baseline: all eligible edges by score (desc, ties by ids), taken greedily."""
    P = _Pool(pool, history, rules or Rules())
    el, er = np.nonzero(P.K >= 0)
    order = np.lexsort((er, el, -P.score_of(P.K[el, er])))
    pairs = _take_in_order(P, el[order], er[order])
    pairs_idx = [(int(P.L[lp]), int(P.R[rp])) for lp, rp in pairs]
    return _build(P, pairs_idx, skill_labels, "greedy")


def random_baseline(
    pool, history=(), rules: Rules | None = None, seed: int = 0, skill_labels=None
) -> Proposal:
    """Baseline: eligible edges in random order, taken while still allowed."""
    P = _Pool(pool, history, rules or Rules())
    el, er = np.nonzero(P.K >= 0)
    rng = np.random.default_rng(random.Random(seed).getrandbits(64))
    order = rng.permutation(len(el))
    pairs = _take_in_order(P, el[order], er[order])
    pairs_idx = [(int(P.L[lp]), int(P.R[rp])) for lp, rp in pairs]
    return _build(P, pairs_idx, skill_labels, "random")
