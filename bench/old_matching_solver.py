"""The matching solver as it was before issue 13 (commit d243ca3), for bench/bench_matching_either.py
only: the old method beside the new one in the same run. Not used by the app."""
# ruff: noqa

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping, Sequence

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_matrix, csr_matrix
from scipy.sparse.csgraph import min_weight_full_bipartite_matching

from bot.domain.matching.model import (
    EITHER,
    MENTEE,
    MENTOR,
    SIDES,
    W_BACK,
    W_CROSS_DEPT,
    W_TZ_MAX,
    W_WANTED,
    Candidate,
    Proposal,
    ProposedPair,
    Rules,
    UnmatchedPerson,
)
from bot.domain.matching.rules import (
    _circular_diff,
    _dept_key,
    _history_set,
    _reference_time,
    _tz_points,
    _unmatched_reason,
    _utc_offset_minutes,
    score,
)

# Sparse candidate subgraph: best edges kept per mentee and per mentor before certification.
_TOP_PER_MENTEE = 12
_TOP_PER_MENTOR = 30
_MARGIN = 3
# Safety net: a MILP that has not proven optimality by then returns its best solution and the
# proposal says so (stats["proven_optimal"] = False). Only pools with many "either" people
# whose seniority overlaps everyone's get near it (see bench/MATCHING.md).
_MILP_TIME_LIMIT = 60.0
# Largest edge set handed to the one-role MILP (edges of smallest reduced cost first).
_EITHER_MAX_EDGES = 100_000
_CHUNK = 512
_VCHUNK = 64  # rows per block of the full-matrix passes (cache-sized temporaries)
_TRACE: list | None = None  # set to a list to record solver iterations (benchmarks)


# --------------------------------------------------------------------------- the pool arrays


class _Pool:
    """The sorted pool as numpy arrays, plus the score/eligibility matrix."""

    def __init__(self, pool: Sequence[Candidate], history, rules: Rules):
        people = sorted(pool, key=lambda c: c.user_id)
        ids = [c.user_id for c in people]
        if len(set(ids)) != len(ids):
            dup = sorted({i for i in ids if ids.count(i) > 1})[:3]
            raise ValueError(f"duplicate user_id in pool: {', '.join(dup)}")
        for c in people:
            if c.side not in SIDES:
                raise ValueError(f"unknown side {c.side!r} for {c.user_id}")
            if int(c.capacity) < 0:
                raise ValueError(f"negative capacity for {c.user_id}")
        self.people = people
        self.rules = rules
        self.ref = _reference_time(rules)
        self.index = {u: i for i, u in enumerate(ids)}
        n = self.n = len(people)
        self.hist = _history_set(history)

        self.sen = np.array([c.seniority_years for c in people], dtype=np.int64)
        dkeys = [_dept_key(c.department) for c in people]
        dvocab = {d: k for k, d in enumerate(sorted(set(dkeys)))}
        self.dept = np.array([dvocab[d] for d in dkeys], dtype=np.int64)
        self.n_dept = len(dvocab)
        self.sen_values, self.sen_code = np.unique(self.sen, return_inverse=True)
        offs = [_utc_offset_minutes(c.timezone, self.ref) for c in people]
        self.tz_valid = np.array([o is not None for o in offs], dtype=bool)
        self.off = np.array([0 if o is None else o for o in offs], dtype=np.int64)
        ovocab = sorted({o for o in offs if o is not None})
        self.n_tz = len(ovocab) + 1  # last code = unknown
        ocode = {o: k for k, o in enumerate(ovocab)}
        self.tzc = np.array([self.n_tz - 1 if o is None else ocode[o] for o in offs], dtype=np.int64)
        # tz table: points, or -1 if too far / unknown
        tab = np.full((self.n_tz, self.n_tz), -1, dtype=np.int64)
        limit = rules.max_tz_diff_hours * 60 + 1e-9
        for a, oa in enumerate(ovocab):
            for b, ob in enumerate(ovocab):
                d = _circular_diff(oa, ob)
                if d <= limit:
                    tab[a, b] = _tz_points(d)
        self.tz_table = tab

        skills = sorted(set().union(*(c.skills_share | c.skills_learn for c in people)) if people else [])
        sidx = {s: k for k, s in enumerate(skills)}
        self.n_skills = len(skills)
        share = np.zeros((n, len(skills)), dtype=np.float32)
        learn = np.zeros((n, len(skills)), dtype=np.float32)
        for i, c in enumerate(people):
            for s in c.skills_share:
                share[i, sidx[s]] = 1
            for s in c.skills_learn:
                learn[i, sidx[s]] = 1
        self.share, self.learn = share, learn
        side = [c.side for c in people]
        self.cap = np.array([max(0, int(c.capacity)) for c in people], dtype=np.int64)
        self.can_mentor = np.array([s in (MENTOR, EITHER) for s in side], dtype=bool)
        self.can_mentee = np.array([s in (MENTEE, EITHER) for s in side], dtype=bool)
        self.mgr = np.array([self.index.get(c.manager_id, -1) if c.manager_id else -1 for c in people])

        # Left = people who can mentor (capacity >= 1); right = people who can be mentees.
        self.L = np.flatnonzero(self.can_mentor & (self.cap >= 1))
        self.R = np.flatnonzero(self.can_mentee)
        self.posL = np.full(n, -1, dtype=np.int64)
        self.posL[self.L] = np.arange(len(self.L))
        self.posR = np.full(n, -1, dtype=np.int64)
        self.posR[self.R] = np.arange(len(self.R))
        self.capL = np.minimum(self.cap[self.L], max(1, len(self.R)))
        self.max_score = W_WANTED * self.n_skills + W_BACK * self.n_skills + W_CROSS_DEPT + W_TZ_MAX
        self.K = self._score_matrix()

    # exclusions that are pairs of people rather than attributes
    def _pair_exclusions(self):
        pairs = []
        for h in self.hist:
            if len(h) != 2:
                continue
            a, b = sorted(h)
            if a in self.index and b in self.index:
                pairs.append((self.index[a], self.index[b]))
        for i in np.flatnonzero(self.mgr >= 0):
            pairs.append((int(i), int(self.mgr[i])))
        return pairs

    def _features(self, idx: np.ndarray, left: bool) -> np.ndarray:
        """Rows of the factor matrices whose product is the key matrix (see _score_matrix)."""
        n = len(idx)
        neg = -(16 * self.max_score + 64)

        def onehot(codes, k):
            m = np.zeros((n, k), np.float32)
            m[np.arange(n), codes] = 1
            return m

        tz = onehot(self.tzc[idx], self.n_tz)
        sen = onehot(self.sen_code[idx], len(self.sen_values))
        dep = onehot(self.dept[idx], self.n_dept)
        tie = ((np.arange(n) * (7 if left else 5) + (3 if left else 1)) % 4).astype(np.float32)
        if left:
            tab = np.where(self.tz_table < 0, neg, 16 * self.tz_table).astype(np.float32)
            v = self.sen_values
            stab = np.where(v[:, None] >= v[None, :], neg, 0).astype(np.float32)
            dcoef = -16 * W_CROSS_DEPT if self.rules.allow_same_department else neg
            return np.hstack([
                16 * W_WANTED * self.share[idx], 16 * W_BACK * self.learn[idx], tz @ tab,
                sen @ stab, dcoef * dep, np.full((n, 1), 16 * W_CROSS_DEPT, np.float32),
                tie[:, None],
            ])
        return np.hstack([
            self.learn[idx], self.share[idx], tz, sen, dep, np.ones((n, 1), np.float32),
            tie[:, None],
        ])

    def _score_matrix(self) -> np.ndarray:
        """Key matrix: score * 16 + tie-break (0..9) for eligible pairs, -1 otherwise.

        One float32 matrix product (exact: small integers) gives 16 * score + tie-break, with
        a large negative term when seniority, department or time zones rule the pair out.
        The tie-break only orders equal scores when candidate edges are picked; weights use
        the exact score (key >> 4)."""
        nl, nr = len(self.L), len(self.R)
        dtype = np.int16 if self.max_score * 16 + 15 < 32767 else np.int32
        K = np.empty((nl, nr), dtype=dtype)
        b = self._features(self.R, left=False).T.copy()
        for a in range(0, nl, _CHUNK):
            s = self._features(self.L[a : a + _CHUNK], left=True) @ b
            np.maximum(s, -1, out=s)
            np.copyto(K[a : a + _CHUNK], s, casting="unsafe")
        for i, j in self._pair_exclusions():
            for m, e in ((i, j), (j, i)):
                if self.posL[m] >= 0 and self.posR[e] >= 0:
                    K[self.posL[m], self.posR[e]] = -1
        return K


# --------------------------------------------------------------------------- exact solvers


def _sample_threshold(sub: np.ndarray, k: int, total: int, axis: int) -> np.ndarray:
    """Per-line threshold: the key ranked about k * len(sample) / total in the sample."""
    m = sub.shape[axis]
    kk = max(1, min(m, -(-k * m // max(1, total))))
    thr = np.partition(sub, m - kk, axis=axis).take(m - kk, axis=axis)
    return np.maximum(thr, 0)


def _top_edges(K: np.ndarray, k_row: int, k_col: int, rows_ok, cols_ok):
    """Candidate edges: about the `k_row` best eligible edges of each row (mentor) and the
    `k_col` best of each column (mentee).

    Per-line thresholds come from a deterministic sample of at most 512 lines, so this costs
    one pass over K. They only have to be good guesses: the certificate in _solve_bipartite
    adds whatever is missing."""
    nl, nr = K.shape
    ok_cols, ok_rows = np.flatnonzero(cols_ok), np.flatnonzero(rows_ok)
    if not len(ok_cols) or not len(ok_rows):
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    top = np.iinfo(K.dtype).max
    srows = ok_rows[:: max(1, len(ok_rows) // 512)]
    thr_col = _sample_threshold(K[srows], k_col, len(ok_rows), 0) if k_col else None
    if thr_col is not None:
        thr_col[~cols_ok] = top
    scols = ok_cols[:: max(1, len(ok_cols) // 512)]
    thr_row = np.empty(nl, K.dtype)
    for a in range(0, nl, _CHUNK):  # per-row thresholds (independent of the blocking)
        thr_row[a : a + _CHUNK] = _sample_threshold(K[a : a + _CHUNK][:, scols], k_row, len(ok_cols), 1)
    thr_row[~rows_ok] = top
    if thr_col is not None:
        thr_col = thr_col.astype(K.dtype)
    ch = max(1, _VCHUNK)
    sel = np.empty((ch, nr), bool)
    tmp = np.empty((ch, nr), bool)
    out = [np.zeros(0, np.int64)]
    for a in range(0, nl, ch):
        b = min(nl, a + ch)
        blk, s, t = K[a:b], sel[: b - a], tmp[: b - a]
        np.greater_equal(blk, thr_row[a:b, None], out=s)
        s &= cols_ok[None, :]
        if thr_col is not None:
            np.greater_equal(blk, thr_col[None, :], out=t)
            t &= rows_ok[a:b, None]
            s |= t
        f = np.flatnonzero(s)
        if len(f):
            out.append(f + a * nr)
    flat = np.concatenate(out)
    return flat // max(1, nr), flat % max(1, nr)


def _propagate(v, nl, al, ar, w, slot_owner, match, wmatch, matched, zero, rounds: int):
    """Smallest v >= the given v (updated in place) with v[r] >= w - u[l] on every arc
    (al, ar, w), where u[l] is min over l's matched slots of wmatch - v[match], 0 on `zero`
    rows and 2**40 for rows without a matched slot.

    Longest paths by rounds (Bellman-Ford): a round only rereads the arcs of the rows whose
    u changed in the previous one, which gives the same v round after round as rereading
    them all. Returns (v, u), or None if it has not settled after `rounds` rounds."""
    mo, mc, mw = slot_owner[matched], match[matched], wmatch[matched]
    u = np.full(nl, np.int64(1) << 40, dtype=np.int64)
    np.minimum.at(u, mo, mw - v[mc])
    u[zero] = 0
    if not len(al):
        return v, u
    order = np.argsort(al, kind="stable")
    al, ar, w = al[order], ar[order], w[order]
    ptr = np.searchsorted(al, np.arange(nl + 1))
    row_of_col = np.full(len(v), -1, dtype=np.int64)
    row_of_col[mc] = mo
    mark = np.zeros(nl, bool)
    idx = None  # first round: every arc
    for _ in range(rounds):
        if idx is None:
            cols, cand = ar, w - u[al]
        else:
            cols, cand = ar[idx], w[idx] - u[al[idx]]
        upd = cand > v[cols]
        if not upd.any():
            return v, u
        cols = cols[upd]
        np.maximum.at(v, cols, cand[upd])
        rows = row_of_col[np.unique(cols)]
        rows = rows[rows >= 0]
        rows = np.unique(rows[~zero[rows]])
        old = u[rows]
        mark[rows] = True
        sel = mark[mo]
        mark[rows] = False
        u[rows] = np.int64(1) << 40
        np.minimum.at(u, mo[sel], mw[sel] - v[mc[sel]])
        dec = rows[u[rows] < old]
        lens = ptr[dec + 1] - ptr[dec]
        idx = np.repeat(ptr[dec] - np.cumsum(lens) + lens, lens) + np.arange(int(lens.sum()))
    return None


def _column_duals(K, big, rows_ok, cols_ok, slot_start, slot_owner, match, wmatch, arc_l, arc_r):
    """Smallest column duals v for the matching: v[r] >= big + score(l, r) - u[l] where u[l]
    is 0 for a mentor with a free slot (over *all* its eligible edges, read from K) and
    min over its slots of wmatch - v[match] otherwise (over the candidate arcs).

    Returns (v, u) or None if the propagation does not settle (the matching can improve).
    """
    nl, nr = K.shape
    free_slot = match < 0
    has_free = np.zeros(nl, bool)
    has_free[slot_owner[free_slot]] = True
    has_free &= rows_ok
    v = np.zeros(nr, dtype=np.int64)
    fr = np.flatnonzero(has_free)
    for a in range(0, len(fr), _CHUNK):
        colmax = K[fr[a : a + _CHUNK]].max(axis=0).astype(np.int64)
        ok = (colmax >= 0) & cols_ok
        v[ok] = np.maximum(v[ok], big + (colmax[ok] >> 4))
    keep = ~has_free[arc_l]
    al, ar = arc_l[keep], arc_r[keep]
    w = big + (K[al, ar].astype(np.int64) >> 4)
    matched = np.flatnonzero(~free_slot)
    return _propagate(v, nl, al, ar, w, slot_owner, match, wmatch, matched, has_free, nr + 2)


def _subgraph_duals(K, big, nl, nr, slot_owner, match, wmatch, ms, el, er):
    """Smallest duals of the subgraph alone (longest paths over its arcs)."""
    v = np.zeros(nr, dtype=np.int64)
    w = big + (K[el, er].astype(np.int64) >> 4)
    nslot_free = np.zeros(nl, np.int64)
    np.add.at(nslot_free, slot_owner[~ms], 1)
    free = nslot_free[el] > 0
    np.maximum.at(v, er[free], w[free])
    res = _propagate(v, nl, el[~free], er[~free], w[~free], slot_owner, match, wmatch,
                     np.flatnonzero(ms), nslot_free > 0, nr + 2)
    if res is None:  # pragma: no cover - LAPJVsp is exact on its subgraph
        raise RuntimeError("dual recovery did not converge")
    return res


def _violations(K, big, u, v, rows_ok, cols_ok, margin: int = 0):
    """Eligible edges with score(l, r) > u[l] + v[r] - big - margin (margin 0: the edges
    where the dual certificate fails). Small row blocks keep the temporaries in cache."""
    nl, nr = K.shape
    lim = 2**26
    a32 = (np.clip(u - big, -lim, lim) * 16).astype(np.int32)
    a32[~rows_ok] = 2**30
    v32 = (np.clip(v - margin, -lim, lim) * 16 + 15).astype(np.int32)
    v32[~cols_ok] = 2**30
    out = [np.zeros(0, np.int64)]
    ch = max(1, _VCHUNK)
    thr = np.empty((ch, nr), np.int32)
    sel = np.empty((ch, nr), bool)
    for a in range(0, nl, ch):
        b = min(nl, a + ch)
        t = thr[: b - a]
        np.add(a32[a:b, None], v32[None, :], out=t)
        np.maximum(t, -1, out=t)
        s = sel[: b - a]
        np.greater(K[a:b], t, out=s)
        f = np.flatnonzero(s)
        if len(f):
            out.append(f + a * nr)
    flat = np.concatenate(out)
    return flat // max(1, nr), flat % max(1, nr)


def _solve_bipartite(
    K: np.ndarray, capL: np.ndarray, active_rows, active_cols, big: int, with_duals: bool = False
):
    """Exact maximum-weight b-matching, weight(l, r) = big + S[l, r] for S >= 0.

    Solved on a sparse candidate subgraph, certified optimal for the full graph by an LP dual
    (see the package docstring). Returns the sorted (l, r) pairs and the total weight.
    """
    nl, nr = K.shape
    rows_ok = active_rows & (capL >= 1)
    if nl == 0 or nr == 0 or not rows_ok.any() or not active_cols.any():
        if with_duals:
            z = np.zeros(0, np.int64)
            return [], 0, (np.zeros(nl, np.int64), np.zeros(nr, np.int64), z, z)
        return [], 0
    el, er = _top_edges(K, _TOP_PER_MENTOR, _TOP_PER_MENTEE, rows_ok, active_cols)
    in_sub = np.zeros((nl, nr), dtype=bool)
    in_sub[el, er] = True
    if _TRACE is not None:
        _TRACE.append({"top_edges_done": round(time.perf_counter(), 3)})
    capr = np.where(rows_ok, capL, 0)
    slot_start = np.concatenate([[0], np.cumsum(capr)])
    nslots = int(slot_start[-1])
    slot_owner = np.repeat(np.arange(nl), capr)
    C = big + (int(K.max()) >> 4) + 1
    for _ in range(1000):
        w = big + (K[el, er].astype(np.int64) >> 4)
        reps = capL[el]
        es = np.repeat(slot_start[el], reps) + (
            np.arange(reps.sum()) - np.repeat(np.cumsum(reps) - reps, reps)
        )
        et = np.repeat(er, reps)
        ew = np.repeat(w, reps)
        if nslots <= nr:
            rows = np.concatenate([es, np.arange(nslots)])
            cols = np.concatenate([et, nr + np.arange(nslots)])
            data = np.concatenate([(C - ew).astype(np.float64), np.full(nslots, float(C))])
            M = csr_matrix((data, (rows, cols)), shape=(nslots, nr + nslots))
            _t0 = time.perf_counter()
            _, col_of = min_weight_full_bipartite_matching(M)
            _t1 = time.perf_counter()
        else:  # fewer mentees than slots: mentees are the rows
            rows = np.concatenate([et, np.arange(nr)])
            cols = np.concatenate([es, nslots + np.arange(nr)])
            data = np.concatenate([(C - ew).astype(np.float64), np.full(nr, float(C))])
            M = csr_matrix((data, (rows, cols)), shape=(nr, nslots + nr))
            _t0 = time.perf_counter()
            _, slot_of = min_weight_full_bipartite_matching(M)
            _t1 = time.perf_counter()
            col_of = np.full(nslots, nr)
            real = slot_of < nslots
            col_of[slot_of[real]] = np.flatnonzero(real)
        match = np.where(col_of < nr, col_of, -1)  # slot -> column or -1
        ms = match >= 0
        wmatch = np.zeros(nslots, dtype=np.int64)
        wmatch[ms] = big + (K[slot_owner[ms], match[ms]].astype(np.int64) >> 4)
        res = _column_duals(
            K, big, rows_ok, active_cols, slot_start, slot_owner, match, wmatch, el, er
        )
        valid = res is not None
        if valid:
            v, u = res
            unmatched_cols = np.ones(nr, bool)
            unmatched_cols[match[ms]] = False
            valid = not (v[unmatched_cols] > 0).any() and not (
                wmatch[ms] - v[match[ms]] < 0
            ).any()
        if not valid:
            # the matching can improve with edges outside the subgraph: use the subgraph's
            # own duals to find them
            v, u = _subgraph_duals(K, big, nl, nr, slot_owner, match, wmatch, ms, el, er)
        vl, vr = _violations(K, big, u, v, rows_ok, active_cols, _MARGIN)
        strict = (K[vl, vr].astype(np.int64) >> 4) > u[vl] + v[vr] - big
        if _TRACE is not None:
            _TRACE.append({"edges": len(el), "valid": valid, "violations": int(strict.sum()),
                           "near": len(vl), "lap": round(_t1 - _t0, 3),
                           "t": round(time.perf_counter() - _t1, 3)})
        if valid and not strict.any():
            pairs = sorted((int(slot_owner[s]), int(match[s])) for s in np.flatnonzero(ms))
            if with_duals:
                return pairs, int(wmatch.sum()), (u, v, el, er)
            return pairs, int(wmatch.sum())
        new = ~in_sub[vl, vr]
        in_sub[vl[new], vr[new]] = True
        el = np.concatenate([el, vl[new]])
        er = np.concatenate([er, vr[new]])
    raise RuntimeError("certificate loop did not converge")  # pragma: no cover


def _conflicts(P: _Pool, pairs) -> list[int]:
    mentors = {int(P.L[lp]) for lp, _ in pairs}
    mentees = {int(P.R[rp]) for _, rp in pairs}
    return sorted(mentors & mentees)


def _pairs_weight(P: _Pool, pairs, big: int) -> int:
    return sum(big + (int(P.K[lp, rp]) >> 4) for lp, rp in pairs)


def _repair(P: _Pool, pairs, big: int, rows, cols):
    """Give every conflicting "either" person the role worth more in `pairs`, forbid the
    other role (rows/cols updated in place) and drop the pairs that used it."""
    conf = _conflicts(P, pairs)
    for p in conf:
        lp, rp = P.posL[p], P.posR[p]
        as_mentor = sum(big + (int(P.K[a, b]) >> 4) for a, b in pairs if a == lp)
        as_mentee = sum(big + (int(P.K[a, b]) >> 4) for a, b in pairs if b == rp)
        if as_mentor >= as_mentee:
            cols[rp] = False
        else:
            rows[lp] = False
    return [(a, b) for a, b in pairs if rows[a] and cols[b]], conf


def _incumbent(P: _Pool, big: int, pairs, deadline: float):
    """A valid proposal from a relaxation optimum: every "either" person gets ONE role (the
    role they hold in the relaxation; if they hold both, the one worth more there; if none,
    the role with more eligible partners), then the bipartite problem with those roles is
    solved exactly on the full graph (certified, like the relaxation)."""
    nl, nr = P.K.shape
    rows, cols = P.capL >= 1, np.ones(nr, bool)
    _repair(P, pairs, big, rows, cols)
    as_mentor = {int(P.L[a]) for a, _ in pairs}
    as_mentee = {int(P.R[b]) for _, b in pairs}
    for p in np.flatnonzero(P.can_mentor & P.can_mentee):
        lp, rp = P.posL[p], P.posR[p]
        if lp < 0 or rp < 0 or not rows[lp] or not cols[rp]:
            continue
        if int(p) in as_mentor or int(p) in as_mentee:
            if int(p) in as_mentor:
                cols[rp] = False
            else:
                rows[lp] = False
        elif int((P.K[lp] >= 0).sum()) >= int((P.K[:, rp] >= 0).sum()):
            cols[rp] = False
        else:
            rows[lp] = False
    fixed = [(a, b) for a, b in pairs if rows[a] and cols[b]]
    if time.perf_counter() < deadline:
        cand, _ = _solve_bipartite(P.K, P.capL, rows, cols, big)
        if _pairs_weight(P, cand, big) > _pairs_weight(P, fixed, big):
            fixed = cand
    return fixed, _pairs_weight(P, fixed, big)


def _milp_edges(P: _Pool, el, er, big: int, time_limit: float):
    """Exact MILP (HiGHS) on the given edges with the one-role rule.

    Returns (pairs, weight, proven, upper bound on the optimum over these edges)."""
    m = len(el)
    if m == 0:
        return [], 0, True, 0
    w = big + (P.K[el, er].astype(np.int64) >> 4)
    pl, pr = P.L[el], P.R[er]
    n = P.n
    capp = np.zeros(n, np.int64)
    capp[P.L] = P.capL
    is_m = np.zeros(n, bool)
    is_m[pl] = True
    is_e = np.zeros(n, bool)
    is_e[pr] = True
    amb = is_m & is_e
    amb2 = np.flatnonzero(amb)  # role variable y (1 = mentor): HiGHS branches on roles
    ment = np.flatnonzero(is_m)
    mtee = np.flatnonzero(is_e)
    rm = np.full(n, -1)
    rm[ment] = np.arange(len(ment))
    re_ = np.full(n, -1)
    re_[mtee] = len(ment) + np.arange(len(mtee))
    nrow = len(ment) + len(mtee)
    ub = np.concatenate([capp[ment], np.ones(len(mtee))]).astype(float)
    r_i, c_i, v_i = [rm[pl], re_[pr]], [np.arange(m), np.arange(m)], [np.ones(m), np.ones(m)]
    ya = np.full(n, -1)
    ya[amb2] = np.arange(len(amb2))
    if len(amb2):
        r_i += [rm[amb2], re_[amb2]]
        c_i += [m + ya[amb2], m + ya[amb2]]
        v_i += [-capp[amb2].astype(float), np.ones(len(amb2))]
        ub[rm[amb2]] = 0
        k = np.flatnonzero((ya[pl] >= 0) & (capp[pl] > 1))  # x_e <= y where they mentor
        extra = nrow + np.arange(len(k))
        r_i += [extra, extra]
        c_i += [k, m + ya[pl[k]]]
        v_i += [np.ones(len(k)), -np.ones(len(k))]
        ub = np.concatenate([ub, np.zeros(len(k))])
        nrow += len(k)
    nvar = m + len(amb2)
    A = coo_matrix(
        (np.concatenate(v_i), (np.concatenate(r_i), np.concatenate(c_i))), shape=(nrow, nvar)
    ).tocsr()
    res = milp(
        np.concatenate([-w.astype(float), np.zeros(len(amb2))]),
        constraints=LinearConstraint(A, -np.inf, ub),
        integrality=np.ones(nvar),
        bounds=Bounds(0, 1),
        options={"mip_rel_gap": 0, "presolve": True, "time_limit": max(0.01, time_limit)},
    )
    bound = int(w.sum())
    dual = getattr(res, "mip_dual_bound", None)
    if dual is not None and np.isfinite(dual):
        bound = min(bound, int(np.floor(-dual + 0.5)))
    if res.x is None:
        return [], 0, False, bound
    take = np.flatnonzero(res.x[:m] > 0.5)
    pairs = sorted((int(el[k]), int(er[k])) for k in take)
    val = int(w[take].sum())
    proven = bool(res.status == 0)
    return pairs, val, proven, val if proven else max(bound, val)


def _solve_milp(P: _Pool, active_rows, active_cols, big: int):
    el, er = np.nonzero((P.K >= 0) & active_rows[:, None] & active_cols[None, :])
    pairs, val, proven, _ = _milp_edges(P, el, er, big, _MILP_TIME_LIMIT)
    return pairs, val, proven


def _solve_either(P: _Pool, big: int, pairs, val: int, duals, deadline: float):
    """Exact one-role solve after a relaxation optimum that uses someone in both roles.

    The relaxation (bipartite, either people on both sides) gives the upper bound `val` and
    LP duals u, v with reduced costs rc(e) = u[l] + v[r] - w(e) >= 0 on every eligible edge.
    Any one-role solution x weighs at most val - sum of rc over its edges, so a solution
    better than the incumbent only uses edges with rc <= val - incumbent: the exact MILP
    runs on those edges alone (usually a small fraction of the graph). If the edge set is too
    big or time runs out, the best valid proposal found is returned with its proven gap.

    Returns (pairs, solver, upper bound)."""
    u, v, _, _ = duals
    rows_ok = P.capL >= 1
    cols_ok = np.ones(P.K.shape[1], bool)
    best, best_val = _incumbent(P, big, pairs, deadline)
    bound = val
    solver = "either_incumbent"
    delta = val - best_val
    while best_val < bound:
        remaining = deadline - time.perf_counter()
        if remaining <= 0.05:
            break
        el, er = _violations(P.K, big, u, v, rows_ok, cols_ok, delta + 1)  # rc <= delta
        if time.perf_counter() > deadline - 0.05:
            break
        if len(el) > _EITHER_MAX_EDGES:
            rc = u[el] + v[er] - big - (P.K[el, er].astype(np.int64) >> 4)
            delta = int(np.partition(rc, _EITHER_MAX_EDGES)[_EITHER_MAX_EDGES]) - 1
            keep = rc <= delta
            el, er = el[keep], er[keep]
        # HiGHS checks its clock between phases and overshoots on big models: keep a margin
        limit = 0.75 * (deadline - time.perf_counter()) - 0.1
        if limit <= 0.05:
            break
        mp, mval, proven, mbound = _milp_edges(P, el, er, big, limit)
        if mval > best_val:
            best, best_val = mp, mval
            solver = "either_milp"
        # a solution using an edge outside the set (rc > delta) weighs <= val - delta - 1
        bound = min(bound, max(mbound, val - delta - 1))
        if best_val >= bound:
            solver = "either_milp"
            break
        if not proven:
            break
        delta = val - best_val  # the restricted optimum was not enough: widen the set
    if _conflicts(P, best):  # pragma: no cover - safety net: never two roles
        best, _ = _repair(P, best, big, P.capL >= 1, np.ones(P.K.shape[1], bool))
        best_val = _pairs_weight(P, best, big)
    return best, solver, max(bound, best_val)


def _big(P: _Pool) -> int:
    """Weight of one pair above any total score, so the number of pairs comes first."""
    return P.max_score * max(1, min(int(P.capL.sum()), P.K.shape[1])) + 1


def _solve(P: _Pool, method: str = "auto", deadline: float = float("inf")):
    """Returns (pairs, solver, upper bound on the weight or None when proven optimal)."""
    nl, nr = P.K.shape
    big = _big(P)
    rows = np.ones(nl, bool)
    cols = np.ones(nr, bool)
    if method == "milp":
        pairs, val, proven = _solve_milp(P, rows, cols, big)
        return pairs, "milp" if proven else "milp_time_limit", None
    pairs, val, duals = _solve_bipartite(P.K, P.capL, rows, cols, big, with_duals=True)
    conf = _conflicts(P, pairs)
    if not conf:
        return pairs, "bipartite", None
    if method == "auto":
        best, solver, bound = _solve_either(P, big, pairs, val, duals, deadline)
        found = _pairs_weight(P, best, big)
        return best, solver, (bound if bound > found else None)
    # branch and bound on the role of conflicting "either" people (reference method, tests)
    best, best_val = None, -1
    stack = [((), pairs, val, conf)]
    while stack:
        fixed, npairs, nval, nconf = stack.pop()
        if nval <= best_val:
            continue
        if not nconf:
            best, best_val = npairs, nval
            continue
        p = nconf[0]
        for role in ("mentee", "mentor"):  # the second pushed is explored first
            f2 = fixed + ((p, role),)
            r2, c2 = rows.copy(), cols.copy()
            for q, rl in f2:
                if rl == "mentee" and P.posL[q] >= 0:
                    r2[P.posL[q]] = False
                if rl == "mentor" and P.posR[q] >= 0:
                    c2[P.posR[q]] = False
            cp, cv = _solve_bipartite(P.K, P.capL, r2, c2, big)
            if cv > best_val:
                stack.append((f2, cp, cv, _conflicts(P, cp)))
    return best, "branch_and_bound", None


# --------------------------------------------------------------------------- the proposal


def _build(P: _Pool, pairs_idx, skill_labels, solver: str, bound: int | None = None) -> Proposal:
    pairs = []
    covered = 0
    for mi, ei in pairs_idx:
        mentor, mentee = P.people[mi], P.people[ei]
        s, reasons = score(mentor, mentee, P.rules, skill_labels)
        if mentee.skills_learn & mentor.skills_share:
            covered += 1
        pairs.append(ProposedPair(mentor.user_id, mentee.user_id, s, tuple(reasons)))
    pairs.sort(key=lambda p: (p.mentor, p.mentee))
    used = {i for pr in pairs_idx for i in pr}
    unmatched = tuple(
        UnmatchedPerson(P.people[i].user_id, _unmatched_reason(P, i))
        for i in range(P.n)
        if i not in used
    )
    sides = [c.side for c in P.people]
    npairs = len(pairs)
    total = sum(p.score for p in pairs)
    mentor_people = {m for m, _ in pairs_idx}
    stats = {
        "participants": P.n,
        "mentors": sides.count(MENTOR),
        "mentees": sides.count(MENTEE),
        "either": sides.count(EITHER),
        "pairs": npairs,
        "unmatched": len(unmatched),
        "mentors_used": len(mentor_people),
        "either_as_mentor": sum(1 for i in mentor_people if sides[i] == EITHER),
        "either_as_mentee": sum(1 for _, e in pairs_idx if sides[e] == EITHER),
        "mentees_with_wanted_skill_covered": covered,
        "mentees_with_wanted_skill_covered_share": round(covered / npairs, 4) if npairs else 0.0,
        "total_score": total,
        "mean_score": round(total / npairs, 2) if npairs else 0.0,
        "eligible_edges": int((P.K >= 0).sum()),
        "solver": solver,
        "proven_optimal": solver != "milp_time_limit" and bound is None,
        "optimality_gap": 0,
        "optimality_gap_pairs": 0,
    }
    if bound is not None:  # upper bound on BIG * pairs + total score of any valid proposal
        big = _big(P)
        gap_pairs = max(0, bound // big - npairs)
        stats["optimality_gap_pairs"] = int(gap_pairs)
        stats["optimality_gap"] = int(max(0, bound - big * (npairs + gap_pairs) - total))
    return Proposal(tuple(pairs), unmatched, stats)


# --------------------------------------------------------------------------- entry points


def _propose(pool, history, rules, skill_labels, method: str) -> Proposal:
    t0 = time.perf_counter()
    P = _Pool(pool, history, rules)
    t1 = time.perf_counter()
    pairs, solver, bound = _solve(P, method, t0 + float(rules.time_budget_s))
    t2 = time.perf_counter()
    pairs_idx = [(int(P.L[lp]), int(P.R[rp])) for lp, rp in pairs]
    out = _build(P, pairs_idx, skill_labels, solver, bound)
    if _TRACE is not None:
        _TRACE.append({"pool": round(t1 - t0, 3), "solve": round(t2 - t1, 3),
                       "build": round(time.perf_counter() - t2, 3)})
    return out


def propose(
    pool: Sequence[Candidate],
    history: Iterable[tuple[str, str]] = (),
    rules: Rules | None = None,
    skill_labels: Mapping[str, str] | None = None,
) -> Proposal:
    """Optimal, deterministic proposal for one matching round.

    Maximises the number of pairs, then the total score, under the hard rules.
    `history` holds earlier (mentor_id, mentee_id) pairs; either order is never repeated.
    """
    return _propose(pool, history, rules or Rules(), skill_labels, "auto")
