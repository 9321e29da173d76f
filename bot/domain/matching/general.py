"""Maximum-weight matching on a general graph.

Used by the solver for rounds with "either" people (one role per round, so the round is not
bipartite): every person is a node, a mentor with capacity c > 1 gets c - 1 more nodes, and
a round is a matching of that graph (a relaxation when an "either" person has capacity > 1).
The blossom algorithm runs on the few pairs that could be in a better proposal (reduced costs
from the fractional matching LP, see solver._solve_cover); its optimality there, and the LP
bound, prove the round's optimum.
"""

from __future__ import annotations

import numpy as np
import rustworkx as rx


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


def paths_and_cycles_matching(n_nodes: int, a, b, w) -> list[int]:
    """Indices of the edges (a[k], b[k]) of weight w[k] > 0 in a maximum-weight matching of a
    graph where no node has more than two edges (its parts are paths and cycles; no edge is
    given twice): the best choice along each part, by dynamic programming. Linear time."""
    a, b, w = list(map(int, a)), list(map(int, b)), list(w)
    adj: list[list[int]] = [[] for _ in range(n_nodes)]
    for k, (x, y) in enumerate(zip(a, b, strict=True)):
        adj[x].append(k)
        adj[y].append(k)
    if any(len(e) > 2 for e in adj):
        raise ValueError("a node has more than two edges")
    seen = [False] * n_nodes
    out: list[int] = []

    def walk(start: int) -> list[int]:
        """The edges of start's part in order along it, from start (an end, or anywhere on
        a cycle)."""
        edges, cur, prev = [], start, -1
        seen[start] = True
        while True:
            nxt = [k for k in adj[cur] if k != prev]
            if not nxt:
                return edges
            k = nxt[0]
            cur = b[k] if a[k] == cur else a[k]
            if k in edges[:1]:  # back at the start of a cycle
                return edges
            edges.append(k)
            prev = k
            if seen[cur]:
                return edges
            seen[cur] = True

    def best_on_path(edges: list[int]) -> list[int]:
        """Best matching of consecutive edges e0, e1, ... (e_i and e_i+1 share a node)."""
        f = [0] * (len(edges) + 1)  # best weight using the first i edges
        for i in range(1, len(edges) + 1):
            f[i] = max(f[i - 1], (f[i - 2] if i >= 2 else 0) + w[edges[i - 1]])
        pick, i = [], len(edges)
        while i > 0:
            if f[i] == f[i - 1]:
                i -= 1
            else:
                pick.append(edges[i - 1])
                i -= 2
        return pick

    def total(ks: list[int]) -> int:
        return sum(w[k] for k in ks)

    ends = [v for v in range(n_nodes) if len(adj[v]) == 1]
    for v in ends:
        if not seen[v]:
            out += best_on_path(walk(v))
    for v in range(n_nodes):
        if not seen[v] and adj[v]:
            cyc = walk(v)  # a cycle: e0 unused, or e0 used and its two neighbours not
            skip = best_on_path(cyc[1:])
            take = [cyc[0], *best_on_path(cyc[2:-1])]
            out += take if total(take) > total(skip) else skip
    return sorted(out)


def shared_blossom_duals(parent, z, n_nodes: int, a, b) -> np.ndarray:
    """For each pair of nodes (a[k], b[k]), a[k] != b[k], the sum of the duals z of the
    blossoms holding both, from the blossom forest of blossom.warm_perfect_matching(duals=):
    the blossoms holding both are the ancestors of the two nodes' lowest common ancestor, so
    the sum is that ancestor's running sum of z from its root (0 for two trees). Lowest
    common ancestors by binary lifting, every pair at once."""
    parent = np.asarray(parent, np.int64)
    total = len(parent)
    root = total  # one virtual root above every tree: its running sum is 0
    par = np.where(parent < 0, root, parent)
    par = np.append(par, root)
    depth = np.zeros(total + 1, np.int64)
    cum = np.zeros(total + 1, np.int64)
    zz = np.asarray(z, np.int64)
    for i in range(n_nodes, total):  # blossoms come after the blossoms holding them
        p = par[i]
        depth[i] = depth[p] + 1
        cum[i] = cum[p] + zz[i - n_nodes]
    leaves = par[:n_nodes]
    depth[:n_nodes] = depth[leaves] + 1
    cum[:n_nodes] = cum[leaves]  # a node's blossoms, all of them
    x = np.asarray(a, np.int64).copy()
    y = np.asarray(b, np.int64).copy()
    swap = depth[x] < depth[y]
    x[swap], y[swap] = y[swap], x[swap]
    levels = max(1, int(depth.max()).bit_length())
    up = [par]
    for _ in range(levels - 1):
        up.append(up[-1][up[-1]])
    diff = depth[x] - depth[y]
    for k in range(levels):  # x up to y's depth
        m = ((diff >> k) & 1) == 1
        x[m] = up[k][x[m]]
    for k in reversed(range(levels)):
        m = up[k][x] != up[k][y]
        x[m] = up[k][x[m]]
        y[m] = up[k][y[m]]
    lca = np.where(x == y, x, par[x])
    lca = np.where(lca >= n_nodes, lca, root)  # a node is no blossom
    return cum[lca]
