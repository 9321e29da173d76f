"""Maximum-weight matching on a general graph and its LP certificate.

Used by the solver for pools where "either" people (one role per round, so the round is not
bipartite) all have capacity 1: every person is a node, a mentor with capacity c > 1 who
only mentors becomes c nodes, and a round is a matching of that graph.

- :func:`max_weight_matching`: exact maximum-weight matching (Edmonds' blossom algorithm,
  rustworkx's Rust implementation) with integer weights of any size.
- :func:`certificate`: a dual solution of the matching LP (node duals y >= 0, odd-set duals
  z >= 0 with y_a + y_b + sum of z_S over the sets holding a and b >= w_ab on every edge) of
  value below W + 1, which proves that no matching of the graph weighs more than W (weights
  are integers). The LP (degree constraints, then odd-set "blossom" cuts for the odd cycles
  and odd fractional components of its solution) is solved with HiGHS; its float duals are
  turned into scaled integers and repaired so that every check is exact integer arithmetic.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import rustworkx as rx
from scipy.optimize import linprog
from scipy.sparse import coo_matrix, csr_matrix
from scipy.sparse.csgraph import connected_components

# Dual values are scaled by Q and rounded up: exact integer checks, error-free up to 2**62.
Q = 1 << 16
_FRAC = 1e-6
TRACE: list | None = None
LP_METHOD = "highs-ipm"


def max_weight_matching(n_nodes: int, a: np.ndarray, b: np.ndarray, w) -> np.ndarray:
    """Indices of the edges (a[k], b[k]) of weight w[k] (Python ints) in a maximum-weight
    matching of the graph. Deterministic for the same input."""
    g = rx.PyGraph(multigraph=False)
    g.add_nodes_from(range(n_nodes))
    g.add_edges_from(list(zip(a.tolist(), b.tolist(), range(len(a)), strict=True)))
    wl = list(w)
    m = rx.max_weight_matching(g, max_cardinality=False, weight_fn=lambda k: wl[k])
    eid = {}
    for k, (x, y) in enumerate(zip(a.tolist(), b.tolist(), strict=True)):
        eid[(x, y)] = k
        eid[(y, x)] = k
    return np.array(sorted(eid[(x, y)] for x, y in m), dtype=np.int64)


@dataclass
class Certificate:
    """Scaled integer duals: y[v] * Q per node, and odd sets with z * Q each."""

    y: np.ndarray  # int64, per node
    sets: list[np.ndarray]  # node ids of each odd set
    z: np.ndarray  # int64, per set
    value: int  # Q * (sum y + sum z * (|S| - 1) / 2 + mu * card)
    mu: int = 0  # dual of "at most `card` pairs" (scaled), part of every edge's constraint


def _odd_cuts(n_nodes, a, b, x, have: set) -> list[np.ndarray]:
    """Odd sets S whose cut x(E(S)) <= (|S| - 1) / 2 the LP solution x violates, among the
    connected components of its fractional edges (odd cycles) and of its whole support (a
    near-perfect fractional matching of an odd number of people)."""
    out = []
    for keep in ((x > _FRAC) & (x < 1 - _FRAC), x > _FRAC):
        if not keep.any():
            continue
        fa, fb = a[keep], b[keep]
        nodes = np.unique(np.concatenate([fa, fb]))
        pos = np.full(n_nodes, -1)
        pos[nodes] = np.arange(len(nodes))
        g = csr_matrix((np.ones(len(fa)), (pos[fa], pos[fb])), shape=(len(nodes), len(nodes)))
        nc, lab = connected_components(g, directed=False)
        comp = np.full(n_nodes, -1)
        comp[nodes] = lab
        inside = (comp[a] >= 0) & (comp[a] == comp[b])
        xs = np.bincount(comp[a[inside]], weights=x[inside], minlength=nc)
        size = np.bincount(lab, minlength=nc)
        for c in np.flatnonzero((size % 2 == 1) & (size >= 3) & (xs > (size - 1) / 2 + 1e-5)):
            s = np.sort(nodes[lab == c])
            key = s.tobytes()
            if key not in have:
                have.add(key)
                out.append(s)
    return out


def certificate(n_nodes: int, a: np.ndarray, b: np.ndarray, w: np.ndarray, target: int,
                deadline: float, max_rounds: int = 30, card: int | None = None
                ) -> Certificate | None:
    """Dual solution of the matching LP of the graph (edges a, b; int64 weights w), exact
    in scaled integers and feasible on every edge: the first one that proves no matching
    weighs more than `target` (value < Q * (target + 1)), else the best one found before
    the cuts or the time ran out (a valid upper bound all the same), or None.

    `card`: a known upper bound on the number of edges of any matching that matters (the
    round's fractional matching number); the row sum(x) <= card then closes the parity
    gaps (half a pair) that the simple odd-set separation misses."""
    m = len(a)
    if m == 0:
        return Certificate(np.zeros(n_nodes, np.int64), [], np.zeros(0, np.int64), 0)
    # scale the weights to O(1) for HiGHS; duals are scaled back
    scale = max(1.0, float(np.max(w)))
    c = -(w.astype(np.float64) / scale)
    rows = np.concatenate([a, b])
    cols = np.concatenate([np.arange(m), np.arange(m)])
    deg = coo_matrix((np.ones(2 * m), (rows, cols)), shape=(n_nodes, m)).tocsr()
    sets: list[np.ndarray] = []
    have: set = set()
    best: Certificate | None = None
    for _ in range(max_rounds):
        left = deadline - time.perf_counter()
        if left <= 0.05:
            return best
        if sets:
            r_i, c_i = [], []
            for k, s in enumerate(sets):
                mask = np.zeros(n_nodes, bool)
                mask[s] = True
                e = np.flatnonzero(mask[a] & mask[b])
                r_i.append(np.full(len(e), k))
                c_i.append(e)
            cut = coo_matrix((np.ones(sum(len(e) for e in c_i)),
                              (np.concatenate(r_i), np.concatenate(c_i))),
                             shape=(len(sets), m)).tocsr()
            from_sets = np.array([(len(s) - 1) // 2 for s in sets], dtype=np.float64)
            A = _vstack(deg, cut)
            ub = np.concatenate([np.ones(n_nodes), from_sets])
        else:
            A, ub = deg, np.ones(n_nodes)
        if card is not None:
            A = _vstack(A, csr_matrix(np.ones((1, m))))
            ub = np.concatenate([ub, [float(card)]])
        res = linprog(c, A_ub=A, b_ub=ub, bounds=(0, None), method=LP_METHOD,
                      options={"time_limit": max(0.05, left), "presolve": True})
        if res.status != 0 or res.x is None:
            return best
        duals = np.maximum(-res.ineqlin.marginals, 0.0) * scale
        nz = n_nodes + len(sets)
        cert = _exact(n_nodes, a, b, w, duals[:n_nodes], sets, duals[n_nodes:nz],
                      duals[nz] if card is not None else 0.0, card or 0)
        if best is None or cert.value < best.value:
            best = cert
        if cert.value < Q * (target + 1):
            return cert
        new = _odd_cuts(n_nodes, a, b, res.x, have)
        if TRACE is not None:
            TRACE.append({"lp_gap": round((cert.value / Q - target) / max(1.0, float(np.min(w))), 3),
                          "frac": int(((res.x > _FRAC) & (res.x < 1 - _FRAC)).sum()),
                          "new_cuts": len(new)})
        if not new:
            return best
        sets.extend(new)
    return best


def _vstack(A, B):
    A, B = A.tocoo(), B.tocoo()
    return coo_matrix((np.concatenate([A.data, B.data]),
                       (np.concatenate([A.row, B.row + A.shape[0]]),
                        np.concatenate([A.col, B.col]))),
                      shape=(A.shape[0] + B.shape[0], A.shape[1])).tocsr()


def _exact(n_nodes, a, b, w, y, sets, z, mu=0.0, card=0) -> Certificate:
    """Scaled integer duals from float ones: rounded up, then every edge's constraint
    y_a + y_b + z(a, b) + mu >= w_ab is made to hold exactly by raising y_a where it does
    not."""
    Y = np.ceil(np.maximum(y, 0) * Q).astype(np.int64)
    Z = np.ceil(np.maximum(np.asarray(z, np.float64), 0) * Q).astype(np.int64)
    MU = int(np.ceil(max(float(mu), 0.0) * Q))
    common = set_sums(n_nodes, sets, Z, a, b)
    need = w.astype(np.int64) * Q - (Y[a] + Y[b] + common + MU)
    bad = need > 0
    if bad.any():
        add = np.zeros(n_nodes, np.int64)
        np.maximum.at(add, a[bad], need[bad])
        Y += add
    value = (int(Y.sum()) + sum(int(Z[k]) * ((len(s) - 1) // 2) for k, s in enumerate(sets))
             + MU * int(card))
    return Certificate(Y, list(sets), Z, value, MU)


def set_sums(n_nodes, sets, Z, a, b) -> np.ndarray:
    """For each edge (a[k], b[k]): the sum of Z over the odd sets holding both ends."""
    out = np.zeros(len(a), np.int64)
    for k, s in enumerate(sets):
        if Z[k] <= 0:
            continue
        mask = np.zeros(n_nodes, bool)
        mask[s] = True
        out[mask[a] & mask[b]] += Z[k]
    return out
