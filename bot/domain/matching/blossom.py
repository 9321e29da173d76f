"""Maximum-weight maximum-cardinality matching on a general graph, started from a matching
and node duals the caller already has (a warm start).

The algorithm is networkx's `max_weight_matching` (Edmonds' blossom algorithm in Galil's
O(n^3) primal-dual form, after Joris van Rantwijk's implementation), copyright NetworkX
Developers, BSD 3-clause licence (https://github.com/networkx/networkx/blob/main/LICENSE.txt),
changed here in four ways:

- it starts from the caller's matching and doubled node duals instead of an empty matching
  and equal duals: every edge's slack must be >= 0 and every matched edge's 0. The solver
  has both from the fractional matching LP (`solver._cover_round`): its rounded optimum
  matches all but a handful of nodes, so a few stages finish the job where a cold start
  runs one stage per pair (rustworkx's blossom: 5 s for 10,000 people, this: about 1 s);
- with the maximum-cardinality rule only and integer weights, it stops when no augmenting
  path is left. Its answer is the optimum of the graph when it is a perfect matching (the
  duals then prove it); otherwise the caller must not rely on it (the exposed nodes of a
  warm start need not share one dual, which the proof of the non-perfect case uses);
- a graph as edge lists, blossoms' leaves kept as lists, and the certificate check only
  when asked (`check`, used by the tests);
- a substage costs what it touches, not a pass over every vertex and blossom: dual
  updates are lazy (one running sum of the deltas per stage and a sign per vertex and
  blossom) and delta2, delta3, delta4 come from heaps keyed by when a slack (or a
  T-blossom's z) reaches 0, their stale entries dropped or pushed again when they reach
  the top. A warm start's trees can span the whole graph for ~1,000 substages: on the
  recorded 10,000-person rounds 0.93 / 2.4 / 5 s -> 0.7 / 1.2 / 0.8 s. Ties between
  equal slacks can fall otherwise than in networkx: another matching of the same weight.
"""

from __future__ import annotations

import heapq
import time


def warm_perfect_matching(n_nodes: int, a, b, w2, mate0: dict, dual0, check: bool = False,
                          deadline: float = float("inf"), duals: list | None = None):
    """{node: partner} of a maximum-cardinality matching of greatest weight among those,
    of the graph with edges (a[k], b[k]) of weight w2[k] / 2 (w2 integers), started from
    the matching mate0 ({node: partner}, both ways) and doubled duals dual0 (one integer per
    node, all of one parity, with dual0[a] + dual0[b] >= 2 * w2[k] on every edge and
    equality on mate0's). Optimal when every node is matched (see the module docstring).
    Raises TimeoutError when a stage would start after `deadline` (time.perf_counter()).

    `duals`, a list, receives the final duals: the doubled node duals (a list), the blossom
    forest (`parent`: for each node, then each blossom, the index of the blossom holding it
    directly, or -1; blossom k has index n_nodes + k, and blossoms come after the blossom
    holding them) and the blossoms' duals z (a list). With them an edge (v, w) of weight wt
    has slack dual[v] + dual[w] - 2 * wt + 2 * (sum of z over the blossoms holding both;
    general.shared_blossom_duals), which the caller can check on edges not given here.
    (A list of each node's blossoms would not do: nested blossoms run 3,000 deep on a
    20,000-person round, 26 million entries.)"""
    class NoNode:
        """Dummy value which is different from any node."""

    class Blossom:
        """Representation of a non-trivial blossom or sub-blossom."""

        __slots__ = ["childs", "edges", "leafs", "order"]

        # b.childs is an ordered list of b's sub-blossoms, starting with
        # the base and going round the blossom.

        # b.edges is the list of b's connecting edges, such that
        # b.edges[i] = (v, w) where v is a vertex in b.childs[i]
        # and w is a vertex in b.childs[wrap(i+1)].

        # b.order numbers blossoms in the order they were made (heap4's tie-break).

        # The blossom's leaf vertices (fixed once the blossom is made).
        def leaves(self):
            return self.leafs

    gnodes = list(range(n_nodes))
    if not gnodes:
        return {}
    adj: list[dict] = [{} for _ in gnodes]
    for v, w, wt in zip(a, b, w2, strict=True):
        adj[v][w] = wt
        adj[w][v] = wt

    # If v is a matched vertex, mate[v] is its partner vertex.
    # If v is a single vertex, v does not occur as a key in mate.
    # Initially all vertices are single; updated during augmentation.
    mate = dict(mate0)

    # If b is a top-level blossom,
    # label.get(b) is None if b is unlabeled (free),
    #                 1 if b is an S-blossom,
    #                 2 if b is a T-blossom.
    # The label of a vertex is found by looking at the label of its top-level
    # containing blossom.
    # If v is a vertex inside a T-blossom, label[v] is 2 iff v is reachable
    # from an S-vertex outside the blossom.
    # Labels are assigned during a stage and reset after each augmentation.
    label = {}

    # If b is a labeled top-level blossom,
    # labeledge[b] = (v, w) is the edge through which b obtained its label
    # such that w is a vertex in b, or None if b's base vertex is single.
    # If w is a vertex inside a T-blossom and label[w] == 2,
    # labeledge[w] = (v, w) is an edge through which w is reachable from
    # outside the blossom.
    labeledge = {}

    # If v is a vertex, inblossom[v] is the top-level blossom to which v
    # belongs.
    # If v is a top-level vertex, inblossom[v] == v since v is itself
    # a (trivial) top-level blossom.
    # Initially all vertices are top-level trivial blossoms.
    inblossom = dict(zip(gnodes, gnodes, strict=True))

    # If b is a sub-blossom,
    # blossomparent[b] is its immediate parent (sub-)blossom.
    # If b is a top-level blossom, blossomparent[b] is None.
    blossomparent = dict.fromkeys(gnodes)

    # If b is a (sub-)blossom,
    # blossombase[b] is its base VERTEX (i.e. recursive sub-blossom).
    blossombase = dict(zip(gnodes, gnodes, strict=True))

    # Duals are updated lazily: `shift` is the sum of the deltas of this stage so far, and
    # a vertex's dual 2 * u(v) is dualvar[v] + sign[v] * shift, where sign[v] is -1 while
    # its top-level blossom is an S-blossom, +1 while a T-blossom, 0 while free (networkx
    # subtracts delta from every S-vertex and adds it to every T-vertex at each substage).
    # Initially, the caller's duals (doubled: integers throughout).
    dualvar = list(dual0)
    sign = [0] * n_nodes
    shift = 0

    # If b is a non-trivial blossom, its dual z(b) is blossomdual[b] + zsign[b] * shift,
    # zsign[b] being +1 for a top-level S-blossom, -1 for a top-level T-blossom, else 0.
    blossomdual = {}
    zsign = {}

    # If (v, w) in allowedge or (w, v) in allowedg, then the edge
    # (v, w) is known to have zero slack in the optimization problem;
    # otherwise the edge may or may not have zero slack.
    allowedge = {}

    # Queue of newly discovered S-vertices.
    queue = []

    # delta2, delta3 and delta4 come from heaps instead of loops over every vertex and
    # blossom (which made each of the ~1,000 substages of a 10,000-person round cost a pass
    # over 10,000 vertices). Keys are the value of `shift` at which the entry's slack (or a
    # T-blossom's z) reaches 0, constant while its ends keep their labels; entries whose
    # ends changed are checked when they reach the top, and dropped or pushed back.
    # heap2: (key, v, w), v an S-vertex, w free or inside a T-blossom (slack - shift falls
    # by delta each substage); heap3: (key, v, w) between two S-blossoms (key: slack / 2);
    # heap4: (key, number, b) for top-level T-blossoms.
    heap2: list = []
    heap3: list = []
    heap4: list = []
    # Vertices and blossoms whose top-level label may have changed since the last delta:
    # their signs are brought up to date before the next one.
    dirty_v: list = []
    mark_v = bytearray(n_nodes)
    dirty_b: list = []
    mark_b: set = set()
    signed: list = []  # vertices and blossoms with a non-zero sign this stage
    created = [0]

    def touch_b(b):
        if b not in mark_b:
            mark_b.add(b)
            dirty_b.append(b)

    def touch_leaves(leaves):
        for x in leaves:
            if not mark_v[x]:
                mark_v[x] = 1
                dirty_v.append(x)

    def resign():
        """Signs of the touched vertices and blossoms from their top-level labels (the
        duals' values at the current shift stay as they are)."""
        for x in dirty_v:
            mark_v[x] = 0
            t = label.get(inblossom[x])
            s = -1 if t == 1 else (1 if t == 2 else 0)
            if s != sign[x]:
                dualvar[x] += (sign[x] - s) * shift
                if not sign[x]:
                    signed.append(x)
                sign[x] = s
        dirty_v.clear()
        for b in dirty_b:
            if not isinstance(b, Blossom) or b not in blossomdual:
                continue
            t = label.get(b) if blossomparent[b] is None else None
            s = 1 if t == 1 else (-1 if t == 2 else 0)
            old = zsign.get(b, 0)
            if s != old:
                blossomdual[b] += (old - s) * shift
                if not old:
                    signed.append(b)
                zsign[b] = s
                if s == -1:
                    heapq.heappush(heap4, (blossomdual[b], b.order, b))
        dirty_b.clear()
        mark_b.clear()

    def settle():
        """Duals as plain values again (end of a stage)."""
        for x in signed:
            if isinstance(x, Blossom):
                if x in blossomdual:  # (an expanded blossom is gone)
                    blossomdual[x] += zsign[x] * shift
                    zsign[x] = 0
            else:
                dualvar[x] += sign[x] * shift
                sign[x] = 0
        signed.clear()
        for x in dirty_v:
            mark_v[x] = 0
        dirty_v.clear()
        dirty_b.clear()
        mark_b.clear()

    # Return 2 * slack of edge (v, w) (does not work inside blossoms).
    def slack(v, w):
        return dualvar[v] + dualvar[w] + (sign[v] + sign[w]) * shift - 2 * adj[v][w]

    # Assign label t to the top-level blossom containing vertex w,
    # coming through an edge from vertex v.
    def assignLabel(w, t, v):
        b = inblossom[w]
        assert label.get(w) is None and label.get(b) is None
        label[w] = label[b] = t
        touch_b(b)
        touch_leaves(b.leafs if isinstance(b, Blossom) else (b,))
        if v is not None:
            labeledge[w] = labeledge[b] = (v, w)
        else:
            labeledge[w] = labeledge[b] = None
        if t == 1:
            # b became an S-vertex/blossom; add it(s vertices) to the queue.
            if isinstance(b, Blossom):
                queue.extend(b.leaves())
            else:
                queue.append(b)
        elif t == 2:
            # b became a T-vertex/blossom; assign label S to its mate.
            # (If b is a non-trivial blossom, its base is the only vertex
            # with an external mate.)
            base = blossombase[b]
            assignLabel(mate[base], 1, base)

    # Trace back from vertices v and w to discover either a new blossom
    # or an augmenting path. Return the base vertex of the new blossom,
    # or NoNode if an augmenting path was found.
    def scanBlossom(v, w):
        # Trace back from v and w, placing breadcrumbs as we go.
        path = []
        base = NoNode
        while v is not NoNode:
            # Look for a breadcrumb in v's blossom or put a new breadcrumb.
            b = inblossom[v]
            if label[b] & 4:
                base = blossombase[b]
                break
            assert label[b] == 1
            path.append(b)
            label[b] = 5
            # Trace one step back.
            if labeledge[b] is None:
                # The base of blossom b is single; stop tracing this path.
                assert blossombase[b] not in mate
                v = NoNode
            else:
                assert labeledge[b][0] == mate[blossombase[b]]
                v = labeledge[b][0]
                b = inblossom[v]
                assert label[b] == 2
                # b is a T-blossom; trace one more step back.
                v = labeledge[b][0]
            # Swap v and w so that we alternate between both paths.
            if w is not NoNode:
                v, w = w, v
        # Remove breadcrumbs.
        for b in path:
            label[b] = 1
        # Return base vertex, if we found one.
        return base

    # Construct a new blossom with given base, through S-vertices v and w.
    # Label the new blossom as S; set its dual variable to zero;
    # relabel its T-vertices to S and add them to the queue.
    def addBlossom(base, v, w):
        bb = inblossom[base]
        bv = inblossom[v]
        bw = inblossom[w]
        # Create blossom.
        b = Blossom()
        b.order = created[0]
        created[0] += 1
        blossombase[b] = base
        blossomparent[b] = None
        blossomparent[bb] = b
        # Make list of sub-blossoms and their interconnecting edge endpoints.
        b.childs = path = []
        b.edges = edgs = [(v, w)]
        # Trace back from v to base.
        while bv != bb:
            # Add bv to the new blossom.
            blossomparent[bv] = b
            path.append(bv)
            edgs.append(labeledge[bv])
            assert label[bv] == 2 or (
                label[bv] == 1 and labeledge[bv][0] == mate[blossombase[bv]]
            )
            # Trace one step back.
            v = labeledge[bv][0]
            bv = inblossom[v]
        # Add base sub-blossom; reverse lists.
        path.append(bb)
        path.reverse()
        edgs.reverse()
        # Trace back from w to base.
        while bw != bb:
            # Add bw to the new blossom.
            blossomparent[bw] = b
            path.append(bw)
            edgs.append((labeledge[bw][1], labeledge[bw][0]))
            assert label[bw] == 2 or (
                label[bw] == 1 and labeledge[bw][0] == mate[blossombase[bw]]
            )
            # Trace one step back.
            w = labeledge[bw][0]
            bw = inblossom[w]
        b.leafs = [x for s in path for x in (s.leafs if isinstance(s, Blossom) else (s,))]
        # Set label to S.
        assert label[bb] == 1
        label[b] = 1
        labeledge[b] = labeledge[bb]
        touch_b(b)
        # Set dual variable to zero.
        blossomdual[b] = 0
        # Relabel vertices.
        for v in b.leaves():
            if label[inblossom[v]] == 2:
                # This T-vertex now turns into an S-vertex because it becomes
                # part of an S-blossom; add it to the queue.
                queue.append(v)
                if not mark_v[v]:
                    mark_v[v] = 1
                    dirty_v.append(v)
            inblossom[v] = b
        for bv in path:  # no longer top-level: their duals stop moving
            touch_b(bv)

    # Expand the given top-level blossom.
    def expandBlossom(b, endstage):
        # This is an obnoxiously complicated recursive function for the sake of
        # a stack-transformation.  So, we hack around the complexity by using
        # a trampoline pattern.  By yielding the arguments to each recursive
        # call, we keep the actual callstack flat.

        def _recurse(b, endstage):
            # Convert sub-blossoms into top-level blossoms.
            for s in b.childs:
                blossomparent[s] = None
                if isinstance(s, Blossom):
                    if endstage and blossomdual[s] == 0:
                        # Recursively expand this sub-blossom.
                        yield s
                    else:
                        for v in s.leaves():
                            inblossom[v] = s
                else:
                    inblossom[s] = s
            # If we expand a T-blossom during a stage, its sub-blossoms must be
            # relabeled.
            if (not endstage) and label.get(b) == 2:
                # Start at the sub-blossom through which the expanding
                # blossom obtained its label, and relabel sub-blossoms untili
                # we reach the base.
                # Figure out through which sub-blossom the expanding blossom
                # obtained its label initially.
                entrychild = inblossom[labeledge[b][1]]
                # Decide in which direction we will go round the blossom.
                j = b.childs.index(entrychild)
                if j & 1:
                    # Start index is odd; go forward and wrap.
                    j -= len(b.childs)
                    jstep = 1
                else:
                    # Start index is even; go backward.
                    jstep = -1
                # Move along the blossom until we get to the base.
                v, w = labeledge[b]
                while j != 0:
                    # Relabel the T-sub-blossom.
                    if jstep == 1:
                        p, q = b.edges[j]
                    else:
                        q, p = b.edges[j - 1]
                    label[w] = None
                    label[q] = None
                    assignLabel(w, 2, v)
                    # Step to the next S-sub-blossom and note its forward edge.
                    allowedge[(p, q)] = allowedge[(q, p)] = True
                    j += jstep
                    if jstep == 1:
                        v, w = b.edges[j]
                    else:
                        w, v = b.edges[j - 1]
                    # Step to the next T-sub-blossom.
                    allowedge[(v, w)] = allowedge[(w, v)] = True
                    j += jstep
                # Relabel the base T-sub-blossom WITHOUT stepping through to
                # its mate (so don't call assignLabel).
                bw = b.childs[j]
                label[w] = label[bw] = 2
                touch_b(bw)
                labeledge[w] = labeledge[bw] = (v, w)
                # Continue along the blossom until we get back to entrychild.
                j += jstep
                while b.childs[j] != entrychild:
                    # Examine the vertices of the sub-blossom to see whether
                    # it is reachable from a neighboring S-vertex outside the
                    # expanding blossom.
                    bv = b.childs[j]
                    if label.get(bv) == 1:
                        # This sub-blossom just got label S through one of its
                        # neighbors; leave it be.
                        j += jstep
                        continue
                    if isinstance(bv, Blossom):
                        for v in bv.leaves():
                            if label.get(v):
                                break
                    else:
                        v = bv
                    # If the sub-blossom contains a reachable vertex, assign
                    # label T to the sub-blossom.
                    if label.get(v):
                        assert label[v] == 2
                        assert inblossom[v] == bv
                        label[v] = None
                        label[mate[blossombase[bv]]] = None
                        assignLabel(v, 2, labeledge[v][0])
                    j += jstep
            if not endstage:
                # the sub-blossoms' duals move (or stop) by their new labels; vertices left
                # free can be reached again from S-vertices (their edges join heap2)
                for sb in b.childs:
                    touch_b(sb)
                touch_leaves(b.leafs)
                for x in b.leafs:
                    if label.get(inblossom[x]) is None:
                        for y in adj[x]:
                            if label.get(inblossom[y]) == 1:
                                heapq.heappush(heap2, (slack(y, x) + shift, y, x))
            # Remove the expanded blossom entirely.
            label.pop(b, None)
            labeledge.pop(b, None)
            del blossomparent[b]
            del blossombase[b]
            del blossomdual[b]
            zsign.pop(b, None)

        # Now, we apply the trampoline pattern.  We simulate a recursive
        # callstack by maintaining a stack of generators, each yielding a
        # sequence of function arguments.  We grow the stack by appending a call
        # to _recurse on each argument tuple, and shrink the stack whenever a
        # generator is exhausted.
        stack = [_recurse(b, endstage)]
        while stack:
            top = stack[-1]
            for s in top:
                stack.append(_recurse(s, endstage))
                break
            else:
                stack.pop()

    # Swap matched/unmatched edges over an alternating path through blossom b
    # between vertex v and the base vertex. Keep blossom bookkeeping
    # consistent.
    def augmentBlossom(b, v):
        # This is an obnoxiously complicated recursive function for the sake of
        # a stack-transformation.  So, we hack around the complexity by using
        # a trampoline pattern.  By yielding the arguments to each recursive
        # call, we keep the actual callstack flat.

        def _recurse(b, v):
            # Bubble up through the blossom tree from vertex v to an immediate
            # sub-blossom of b.
            t = v
            while blossomparent[t] != b:
                t = blossomparent[t]
            # Recursively deal with the first sub-blossom.
            if isinstance(t, Blossom):
                yield (t, v)
            # Decide in which direction we will go round the blossom.
            i = j = b.childs.index(t)
            if i & 1:
                # Start index is odd; go forward and wrap.
                j -= len(b.childs)
                jstep = 1
            else:
                # Start index is even; go backward.
                jstep = -1
            # Move along the blossom until we get to the base.
            while j != 0:
                # Step to the next sub-blossom and augment it recursively.
                j += jstep
                t = b.childs[j]
                if jstep == 1:
                    w, x = b.edges[j]
                else:
                    x, w = b.edges[j - 1]
                if isinstance(t, Blossom):
                    yield (t, w)
                # Step to the next sub-blossom and augment it recursively.
                j += jstep
                t = b.childs[j]
                if isinstance(t, Blossom):
                    yield (t, x)
                # Match the edge connecting those sub-blossoms.
                mate[w] = x
                mate[x] = w
            # Rotate the list of sub-blossoms to put the new base at the front.
            b.childs = b.childs[i:] + b.childs[:i]
            b.edges = b.edges[i:] + b.edges[:i]
            blossombase[b] = blossombase[b.childs[0]]
            assert blossombase[b] == v

        # Now, we apply the trampoline pattern.  We simulate a recursive
        # callstack by maintaining a stack of generators, each yielding a
        # sequence of function arguments.  We grow the stack by appending a call
        # to _recurse on each argument tuple, and shrink the stack whenever a
        # generator is exhausted.
        stack = [_recurse(b, v)]
        while stack:
            top = stack[-1]
            for args in top:
                stack.append(_recurse(*args))
                break
            else:
                stack.pop()

    # Swap matched/unmatched edges over an alternating path between two
    # single vertices. The augmenting path runs through S-vertices v and w.
    def augmentMatching(v, w):
        for s, j in ((v, w), (w, v)):
            # Match vertex s to vertex j. Then trace back from s
            # until we find a single vertex, swapping matched and unmatched
            # edges as we go.
            while 1:
                bs = inblossom[s]
                assert label[bs] == 1
                assert (labeledge[bs] is None and blossombase[bs] not in mate) or (
                    labeledge[bs][0] == mate[blossombase[bs]]
                )
                # Augment through the S-blossom from s to base.
                if isinstance(bs, Blossom):
                    augmentBlossom(bs, s)
                # Update mate[s]
                mate[s] = j
                # Trace one step back.
                if labeledge[bs] is None:
                    # Reached single vertex; stop.
                    break
                t = labeledge[bs][0]
                bt = inblossom[t]
                assert label[bt] == 2
                # Trace one more step back.
                s, j = labeledge[bt]
                # Augment through the T-blossom from j to base.
                assert blossombase[bt] == t
                if isinstance(bt, Blossom):
                    augmentBlossom(bt, j)
                # Update mate[j]
                mate[j] = s

    def verify_optimum():
        """The certificate: feasible duals (blossom duals >= 0, every edge's slack >= 0 with
        the duals of the blossoms holding both ends), matched edges tight, blossoms with a
        positive dual full."""
        assert not blossomdual or min(blossomdual.values()) >= 0
        for i in gnodes:
            for j, wt in adj[i].items():
                s = dualvar[i] + dualvar[j] - 2 * wt
                ib, jb = [i], [j]
                while blossomparent[ib[-1]] is not None:
                    ib.append(blossomparent[ib[-1]])
                while blossomparent[jb[-1]] is not None:
                    jb.append(blossomparent[jb[-1]])
                for bi, bj in zip(reversed(ib), reversed(jb), strict=False):
                    if bi != bj:
                        break
                    s += 2 * blossomdual[bi]
                assert s >= 0
                if mate.get(i) == j:
                    assert mate[j] == i and s == 0
        for bl, z in blossomdual.items():
            if z > 0:
                assert len(bl.edges) % 2 == 1
                for i, j in bl.edges[1::2]:
                    assert mate[i] == j and mate[j] == i

    # Main loop: continue until no further improvement is possible.
    while 1:
        if time.perf_counter() > deadline:
            raise TimeoutError
        # Each iteration of this loop is a "stage".
        # A stage finds an augmenting path and uses that to improve
        # the matching.

        # Remove labels from top-level blossoms/vertices.
        label.clear()
        labeledge.clear()

        # Forget all about least-slack edges.
        heap2.clear()
        heap3.clear()
        heap4.clear()

        # Loss of labeling means that we can not be sure that currently
        # allowable edges remain allowable throughout this stage.
        allowedge.clear()

        # Make queue empty.
        queue[:] = []

        # Label single blossoms/vertices with S and put them in the queue.
        for v in gnodes:
            if (v not in mate) and label.get(inblossom[v]) is None:
                assignLabel(v, 1, None)

        # Loop until we succeed in augmenting the matching.
        augmented = 0
        while 1:
            # Each iteration of this loop is a "substage".
            # A substage tries to find an augmenting path;
            # if found, the path is used to improve the matching and
            # the stage ends. If there is no augmenting path, the
            # primal-dual method is used to pump some slack out of
            # the dual variables.

            # Continue labeling until all vertices which are reachable
            # through an alternating path have got a label.
            while queue and not augmented:
                # Take an S vertex from the queue.
                v = queue.pop()
                assert label[inblossom[v]] == 1

                # Scan its neighbors:
                for w in adj[v]:
                    # w is a neighbor to v
                    bv = inblossom[v]
                    bw = inblossom[w]
                    if bv == bw:
                        # this edge is internal to a blossom; ignore it
                        continue
                    if (v, w) not in allowedge:
                        kslack = slack(v, w)
                        if kslack <= 0:
                            # edge k has zero slack => it is allowable
                            allowedge[(v, w)] = allowedge[(w, v)] = True
                    if (v, w) in allowedge:
                        if label.get(bw) is None:
                            # (C1) w is a free vertex;
                            # label w with T and label its mate with S (R12).
                            assignLabel(w, 2, v)
                        elif label.get(bw) == 1:
                            # (C2) w is an S-vertex (not in the same blossom);
                            # follow back-links to discover either an
                            # augmenting path or a new blossom.
                            base = scanBlossom(v, w)
                            if base is not NoNode:
                                # Found a new blossom; add it to the blossom
                                # bookkeeping and turn it into an S-blossom.
                                addBlossom(base, v, w)
                            else:
                                # Found an augmenting path; augment the
                                # matching and end this stage.
                                augmentMatching(v, w)
                                augmented = 1
                                break
                        elif label.get(w) is None:
                            # w is inside a T-blossom, but w itself has not
                            # yet been reached from outside the blossom;
                            # mark it as reached (we need this to relabel
                            # during T-blossom expansion).
                            assert label[bw] == 2
                            label[w] = 2
                            labeledge[w] = (v, w)
                    elif label.get(bw) == 1:
                        # a non-allowable edge to a different S-blossom
                        heapq.heappush(heap3, (kslack // 2 + shift, v, w))
                    elif label.get(w) is None:
                        # w is a free vertex (or an unreached vertex inside
                        # a T-blossom) but we can not reach it yet
                        heapq.heappush(heap2, (kslack + shift, v, w))

            if augmented:
                break

            # There is no augmenting path under these constraints;
            # compute delta and reduce slack in the optimization problem.
            # (Note that our vertex dual variables, edge slacks and delta's
            # are pre-multiplied by two.)
            deltatype = -1
            delta = deltaedge = deltablossom = None
            resign()

            # delta2: the minimum slack on any edge between an S-vertex and a free vertex.
            while heap2:
                k, v, w = heap2[0]
                if label.get(inblossom[v]) != 1 or label.get(inblossom[w]) is not None:
                    heapq.heappop(heap2)  # (an expansion pushes w's edges again)
                    continue
                d = slack(v, w)
                if d + shift != k:  # an end changed labels since: its slack is larger
                    heapq.heapreplace(heap2, (d + shift, v, w))
                    continue
                delta, deltatype, deltaedge = d, 2, (v, w)
                break

            # delta3: half the minimum slack on any edge between a pair of S-blossoms.
            while heap3:
                k, v, w = heap3[0]
                bv, bw = inblossom[v], inblossom[w]
                if bv == bw or label.get(bv) != 1 or label.get(bw) != 1:
                    heapq.heappop(heap3)  # now inside one blossom
                    continue
                kslack = slack(v, w)
                assert (kslack % 2) == 0
                d = kslack // 2
                if d + shift != k:  # pragma: no cover - both ends stay S once S
                    heapq.heapreplace(heap3, (d + shift, v, w))
                    continue
                if deltatype == -1 or d < delta:
                    delta, deltatype, deltaedge = d, 3, (v, w)
                break

            # delta4: minimum z variable of any T-blossom.
            while heap4:
                k, _, b = heap4[0]
                if (b not in blossomdual or blossomparent[b] is not None
                        or label.get(b) != 2 or zsign.get(b) != -1 or blossomdual[b] != k):
                    heapq.heappop(heap4)  # expanded, relabeled or pushed again since
                    continue
                if deltatype == -1 or k - shift < delta:
                    delta, deltatype, deltablossom = k - shift, 4, b
                break

            if deltatype == -1:
                # No augmenting path: a maximum-cardinality matching.
                break

            # Update dual variables according to delta: S-vertices and T-blossoms' z go
            # down by delta, T-vertices and S-blossoms' z up (see `shift`).
            shift += delta

            # Take action at the point where minimum delta occurred.
            if deltatype == 2:
                # Use the least-slack edge to continue the search.
                (v, w) = deltaedge
                assert label[inblossom[v]] == 1
                allowedge[(v, w)] = allowedge[(w, v)] = True
                queue.append(v)
            elif deltatype == 3:
                # Use the least-slack edge to continue the search.
                (v, w) = deltaedge
                allowedge[(v, w)] = allowedge[(w, v)] = True
                assert label[inblossom[v]] == 1
                queue.append(v)
            elif deltatype == 4:
                # Expand the least-z blossom.
                expandBlossom(deltablossom, False)

            # End of a this substage.

        settle()
        shift = 0

        # Paranoia check that the matching is symmetric.
        for v in mate:
            assert mate[mate[v]] == v

        # Stop when no more augmenting path can be found.
        if not augmented:
            break

        # End of a stage; expand all S-blossoms which have zero dual.
        for b in list(blossomdual.keys()):
            if b not in blossomdual:
                continue  # already expanded
            if blossomparent[b] is None and label.get(b) == 1 and blossomdual[b] == 0:
                expandBlossom(b, True)

    if check:
        verify_optimum()
    if duals is not None:
        order: list = []  # every blossom, the ones holding it first
        stack = [bl for bl in blossomdual if blossomparent[bl] is None]
        while stack:
            bl = stack.pop()
            order.append(bl)
            stack.extend(c for c in bl.childs if isinstance(c, Blossom))
        index = {bl: n_nodes + k for k, bl in enumerate(order)}
        up = [blossomparent[x] for x in gnodes] + [blossomparent[bl] for bl in order]
        parent = [-1 if p is None else index[p] for p in up]
        duals.extend([dualvar, parent, [blossomdual[bl] for bl in order]])
    return mate
