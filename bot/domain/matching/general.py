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
