"""The solver: the pool as numpy arrays, the certified sparse b-matching, the exact handling
of "either" people, and `propose` (the package docstring describes the method)."""

from __future__ import annotations

import contextlib
import copy
import time
from collections.abc import Iterable, Mapping, Sequence

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_matrix, csr_matrix
from scipy.sparse.csgraph import (
    connected_components,
    maximum_bipartite_matching,
    min_weight_full_bipartite_matching,
)

from bot.domain.matching.blossom import warm_perfect_matching
from bot.domain.matching.general import max_weight_matching as _blossom
from bot.domain.matching.general import paths_and_cycles_matching, shared_blossom_duals
from bot.domain.matching.lazykeys import LazyKeys, member, one_blas_thread
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
# after a round, pairs further than this from tight (reduced cost, weight units) are dropped
# from the next one: 10,000 people with 20 % "either", 3 rounds of LAPJVsp 3.3 s -> 1.9 s
# (1, 2, 3, 8 and 12 were slower: more rounds or bigger ones)
_KEEP_RC = 5
# Safety net: a MILP that has not proven optimality by then returns its best solution and the
# proposal says so (stats["proven_optimal"] = False). Only pools with many "either" people
# whose seniority overlaps everyone's get near it (see bench/MATCHING.md).
_MILP_TIME_LIMIT = 60.0
# Largest edge set handed to the one-role MILP (edges of smallest reduced cost first).
_EITHER_MAX_EDGES = 100_000
_MILP_EDGES_PER_S = 5_000  # pairs HiGHS's one-role MILP gets through per second, about
_MILP_EDGES_PER_PERSON = 20  # the first pair set: the set widens when its optimum is proven
_CHUNK = 512
_BUILD_S = 1e-5  # seconds per person to build the proposal from the pairs (50,000: 0.4 s)
_CHECK_S = 6e-9  # seconds per (row, column) of the certificate's pass over every pair
_WEIGHT_LIMIT = 1 << 62  # a round's total weight stays below this (int64)
_VCHUNK = 64  # rows per block of the full-matrix passes (cache-sized temporaries)
_TRACE: list | None = None  # set to a list to record solver iterations (benchmarks)
# Pools without "either" people whose key matrix has more entries than this keep no dense
# matrix: keys are computed block by block (lazykeys.LazyKeys; 50,000 people: 625 M pairs).
_LAZY_MIN_ENTRIES = 100_000_000
# With "either" people from 150 M (300 MB of int16 keys; 20,000 people with 50 % "either",
# 25,000 with 5-20 %): the dense path's methods found the same proposal as _either_lazy
# there, in 14-17 s and 0.8-1.0 GB where _either_lazy took 2-3.5 s and 0.3 GB.
_LAZY_EITHER_MIN_ENTRIES = 150_000_000
_VIOL_CLASSES = 256  # column classes of the lazy certificate's filter


def _unique(x: np.ndarray) -> np.ndarray:
    """np.unique of a 1-d integer array, by sorting: numpy 2's hash-based unique took 1.7 s
    for 2.4 million pair codes, this 0.03 s."""
    x = np.sort(np.asarray(x).ravel())
    if len(x) < 2:
        return x
    return x[np.concatenate([[True], x[1:] != x[:-1]])]


# --------------------------------------------------------------------------- the pool arrays


class _Pool:
    """The sorted pool as numpy arrays, plus the score/eligibility matrix."""

    def __init__(self, pool: Sequence[Candidate], history, rules: Rules,
                 left_out: Iterable[str] = ()):
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
        if self._lazy_fits():
            top = 16 * (2 * self.max_score + 1) + 15
            self.K = LazyKeys(self, np.int16 if top < 32767 else np.int32)
            # first pass: candidate edges of the first solve, and the largest key
            _top_edges_lazy(self.K, _TOP_PER_MENTOR, _TOP_PER_MENTEE, self.capL >= 1,
                            np.ones(len(self.R), bool), remember=True)
        else:
            self.K = self._score_matrix()
        self.left_out = np.zeros(n, bool)
        for u in set(left_out):
            if u in self.index:
                self.left_out[self.index[u]] = True
        self.wt = _Weights(self)

    def _lazy_fits(self) -> bool:
        """No dense key matrix: a large pool. With "either" people only _either_lazy runs on
        it (see _solve), so only from a larger size: the dense path's methods read the
        matrix and, on smaller pools, do better with it."""
        both = self.can_mentor & self.can_mentee & (self.posL >= 0) & (self.posR >= 0)
        floor = _LAZY_EITHER_MIN_ENTRIES if both.any() else _LAZY_MIN_ENTRIES
        return len(self.L) * len(self.R) > floor

    def score_of(self, keys) -> np.ndarray:
        """The score of eligible keys (key >> 4 = score + (max_score + 1) * covered)."""
        ks = np.asarray(keys, np.int64) >> 4
        return ks - (self.max_score + 1) * (ks > self.max_score)

    def covered_of(self, keys) -> np.ndarray:
        """Whether the mentor shares a skill the mentee wants, for eligible keys."""
        return (np.asarray(keys, np.int64) >> 4) > self.max_score

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
        """Key matrix: 16 * (score + WANTED * covered) + tie-break (0..6) for eligible pairs,
        -1 otherwise, where covered = 1 when the mentor shares a skill the mentee wants to
        learn and WANTED = max_score + 1 (so keys order pairs the way the objective does).

        One float32 matrix product (exact: small integers) gives 16 * score + tie-break, with
        a large negative term when seniority, department or time zones rule the pair out; a
        second one (mentor shares x mentee learns) gives `covered`. The tie-break only orders
        equal keys when candidate edges are picked; weights use `key >> 4` (see _Weights)."""
        nl, nr = len(self.L), len(self.R)
        top = 16 * (2 * self.max_score + 1) + 15
        dtype = np.int16 if top < 32767 else np.int32
        K = np.empty((nl, nr), dtype=dtype)
        b = self._features(self.R, left=False).T.copy()
        learn_r = self.learn[self.R].T.copy()
        bonus = np.float32(16 * (self.max_score + 1))
        for a in range(0, nl, _CHUNK):
            rows = self.L[a : a + _CHUNK]
            s = self._features(rows, left=True) @ b
            covered = (self.share[rows] @ learn_r) > 0.5
            s += bonus * (covered & (s >= 0))
            np.maximum(s, -1, out=s)
            np.copyto(K[a : a + _CHUNK], s, casting="unsafe")
        for i, j in self._pair_exclusions():
            for m, e in ((i, j), (j, i)):
                if self.posL[m] >= 0 and self.posR[e] >= 0:
                    K[self.posL[m], self.posR[e]] = -1
        return K


class _Weights:
    """The objective as one integer weight per pair (mentor row l, mentee column r):

        pair + WANTED * covered + LEFT * (people of the pair left out last round) + score

    with each level's unit larger than the most the levels below can add up to over a
    whole round, so a proposal with more pairs always wins, then one with more mentees whose
    wanted skill is covered, then one pairing more people left out last round, then the
    higher total score. Computed from the key matrix (key >> 4 = score + KEYW * covered) and
    per-row and per-column offsets; int64 throughout."""

    def __init__(self, P: _Pool):
        self.K = P.K
        self.cardinality_first = True  # the pair unit outweighs the levels below (see above)
        keyw = P.max_score + 1
        top = int(P.K.max()) if P.K.size else -1
        keys = np.arange(-1, max(top, 0) + 1, dtype=np.int64)
        ks = np.maximum(keys, 0) >> 4
        covered = ks >= keyw
        score = ks - keyw * covered
        slots = max(1, min(int(P.capL.sum()), P.K.shape[1]))
        smax = int(score[keys >= 0].max()) if top >= 0 else 0
        s_tot = smax * slots
        lo_l = P.left_out[P.L]
        lo_r = P.left_out[P.R]
        l_max = min(2 * slots, int((P.capL * lo_l).sum() + lo_r.sum()))
        self.left = s_tot + 1
        self.wanted = self.left * l_max + s_tot + 1
        self.pair = self.wanted * slots + self.left * l_max + s_tot + 1
        # int64 totals (and LAPJVsp's float64 costs) must stay exact: a huge pool with many
        # people left out last round drops that level rather than overflow
        self.fairness = bool(l_max)
        if (self.pair + self.wanted + 2 * self.left + smax) * slots >= _WEIGHT_LIMIT:
            lo_l = np.zeros_like(lo_l)
            lo_r = np.zeros_like(lo_r)
            self.fairness = False
            self.wanted = s_tot + 1
            self.pair = self.wanted * slots + s_tot + 1
        never = -(np.int64(1) << 62)
        self.table = np.where(keys >= 0, self.wanted * covered + score, never).astype(np.int64)
        self.rowoff = (self.pair + self.left * lo_l).astype(np.int64)
        self.coloff = (self.left * lo_r).astype(np.int64)
        self.max_weight = int(self.rowoff.max(initial=0) + self.coloff.max(initial=0)
                              + self.table.max())
        if self.max_weight * slots >= 1 << 62:  # pragma: no cover - far beyond any pool
            raise ValueError("pool too large for the integer objective")

    def key_value(self, keys: np.ndarray) -> np.ndarray:
        """WANTED * covered + score of each key (a very negative number for -1)."""
        return self.table[keys.astype(np.int64) + 1]

    def w(self, el, er) -> np.ndarray:
        el = np.asarray(el, np.int64)
        er = np.asarray(er, np.int64)
        return self.rowoff[el] + self.coloff[er] + self.key_value(self.K[el, er])

    def colmax(self, rows) -> np.ndarray:
        """Per column, the largest weight over `rows` (<= 0 where none is eligible)."""
        if isinstance(self.K, LazyKeys):  # keys are ordered like values: max key per rowoff
            rows = np.asarray(rows, np.int64)
            out = np.full(self.K.shape[1], -(np.int64(1) << 62), np.int64)
            for off in np.unique(self.rowoff[rows]):
                kmax = self.K.colmax_key(rows[self.rowoff[rows] == off])
                np.maximum(out, self.key_value(kmax) + off, out=out)
            return out + self.coloff
        vals = self.key_value(self.K[rows]) + self.rowoff[rows, None]
        return vals.max(axis=0) + self.coloff


# --------------------------------------------------------------------------- exact solvers


class _OutOfTime(Exception):
    """The time budget ran out in a step that can stop between rounds."""



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
    if isinstance(K, LazyKeys):
        return _top_edges_lazy(K, k_row, k_col, rows_ok, cols_ok)
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


def _top_edges_lazy(K: LazyKeys, k_row: int, k_col: int, rows_ok, cols_ok,
                    remember: bool = False):
    """_top_edges on a LazyKeys: the same thresholds (from the same sample lines, read
    exactly) and the same edges, in one pass over key blocks computed group by group.
    With `remember`, the pass also records the largest key and the result is kept for the
    next call with the same arguments (the first solve)."""
    rows_ok = np.asarray(rows_ok, bool)
    cols_ok = np.asarray(cols_ok, bool)
    args = (k_row, k_col, rows_ok.tobytes(), cols_ok.tobytes())
    if K.cache is not None and K.cache[0] == args:
        out, K.cache = K.cache[1], None
        return out
    nl, nr = K.shape
    ok_cols, ok_rows = np.flatnonzero(cols_ok), np.flatnonzero(rows_ok)
    empty = np.zeros(0, np.int64), np.zeros(0, np.int64)
    if (not len(ok_cols) or not len(ok_rows)) and not remember:
        return empty
    top = np.iinfo(K.dtype).max
    thr_row = np.full(nl, top, np.float32)
    thr_col = None
    if len(ok_cols) and len(ok_rows):
        srows = ok_rows[:: max(1, len(ok_rows) // 512)]
        if k_col:
            thr_col = _sample_threshold(K.rows(srows), k_col, len(ok_rows), 0)
            thr_col[~cols_ok] = top
            thr_col = thr_col.astype(K.dtype).astype(np.float32)
        scols = ok_cols[:: max(1, len(ok_cols) // 512)]
        sub = K.rows(np.arange(nl), scols)
        for a in range(0, nl, _CHUNK):
            thr_row[a : a + _CHUNK] = _sample_threshold(sub[a : a + _CHUNK], k_row, len(ok_cols), 1)
        del sub
        thr_row[~rows_ok] = top
    ctx = K.columns()
    all_cols = bool(cols_ok.all())

    def block(rows, l0):
        """(pair codes kept, the rows' largest keys, the columns' largest keys) of a block."""
        X = K.block(rows, l0, ctx)
        maxima = (X.max(axis=1), X.max(axis=0)) if remember else (None, None)
        if all_cols and thr_col is not None and rows_ok[rows].all():
            # X >= thr_row or X >= thr_col  <=>  X >= min(thr_row, thr_col)
            thr = np.minimum(thr_row[rows, None], thr_col[None, :], out=K.scratch("t2", X.shape, np.float32))
            f = np.flatnonzero(np.greater_equal(X, thr, out=K.scratch("s", X.shape, bool)))
            return (rows[f // nr] * nr + f % nr, *maxima)
        s = np.greater_equal(X, thr_row[rows, None], out=K.scratch("s", X.shape, bool))
        if not all_cols:
            s &= cols_ok[None, :]
        if thr_col is not None:
            t = np.greater_equal(X, thr_col[None, :], out=K.scratch("s2", X.shape, bool))
            if not rows_ok[rows].all():
                t &= rows_ok[rows, None]
            s |= t
        f = np.flatnonzero(s)
        return (rows[f // nr] * nr + f % nr, *maxima)

    blocks = list(K.groups(None if remember else rows_ok))
    results = K.map_blocks(block, blocks)
    if remember:
        row_max = np.full(nl, -1, np.int64)
        col_max = np.full(nr, -1.0, np.float32)
        kmax = -1
        for (rows, _), (_, rm, cm) in zip(blocks, results, strict=True):
            row_max[rows] = np.maximum(rm, -1)
            kmax = max(kmax, int(rm.max(initial=-1)))
            np.maximum(col_max, cm, out=col_max)
    K.release()
    flat = np.sort(np.concatenate([np.zeros(0, np.int64)] + [r[0] for r in results]))
    res = (flat // max(1, nr), flat % max(1, nr)) if len(ok_cols) and len(ok_rows) else empty
    if remember:
        K._max = kmax
        K.row_max, K.col_max = row_max, col_max.astype(np.int64)
        K.cache = (args, res)
    return res


def _violations_lazy(K: LazyKeys, big, u, v, rows_ok, cols_ok, margin: int = 0):
    """_violations on a LazyKeys: the same edges (weight > u + v - margin), every eligible
    pair checked, block by block.

    value(key) (big.table) is nondecreasing in the key, so value(key) > t exactly when
    key > gk(t), the largest key whose value is <= t. The switched-on columns are sorted by
    their dual and cut into classes; per row and class, gk at the class's smallest dual is a
    key threshold no smaller than any pair's of the class, so one float32 comparison per
    pair keeps every violating pair (and a few more), which are then checked exactly (int64).
    Rows and columns whose largest key (recorded by the first pass) is below those
    thresholds cannot hold a violation: such rows, and the classes past the last one that
    can, are not computed."""
    nl, nr = K.shape
    a64 = np.asarray(u, np.int64) - big.rowoff
    v64 = np.asarray(v, np.int64) - big.coloff - margin
    rows_ok = np.asarray(rows_ok, bool)
    cols = np.flatnonzero(np.asarray(cols_ok, bool))
    empty = np.zeros(0, np.int64), np.zeros(0, np.int64)
    if not len(cols) or not rows_ok.any():
        return empty
    vals = big.table[1:]  # value of keys 0..top
    top = len(vals) - 1
    if top < 0:
        return empty
    cols = cols[np.argsort(v64[cols], kind="stable")]
    size = -(-len(cols) // _VIOL_CLASSES)  # classes of `size` columns (the last: the rest)
    ncls = -(-len(cols) // size)
    bounds = np.minimum(np.arange(ncls + 1) * size, len(cols))
    vlo = v64[cols[bounds[:-1]]]
    mono = bool((np.diff(vals) >= 0).all())
    row_max = K.row_max if K.row_max is not None else np.full(nl, top, np.int64)
    col_max = K.col_max if K.col_max is not None else np.full(nr, top, np.int64)
    cls_max = np.maximum.reduceat(col_max[cols], bounds[:-1])  # largest key per class
    ctx = K.columns(cols)

    def block(rows, l0):
        """The violating pairs' codes of a block (a few more, settled by the exact check)."""
        if mono:
            t = a64[rows, None] + vlo[None, :]
            H = np.searchsorted(vals, t, side="right") - 1  # gk(t), in -1..top
        else:  # pragma: no cover - keys are ordered like values (see _Weights)
            H = np.full((len(rows), ncls), -1)
        can = (H < row_max[rows, None]) & (H < cls_max[None, :])  # a violation is possible
        live_rows = can.any(axis=1)
        if not live_rows.any():
            return None
        if not live_rows.all():
            rows, H, can = rows[live_rows], H[live_rows], can[live_rows]
        last = int(np.flatnonzero(can.any(axis=0))[-1]) + 1
        end = int(bounds[last])
        # keys less the covered bonus: key > H only where X > H - bonus (every violation
        # and a few pairs more, which covered_at settles)
        X = K.block(rows, l0, ctx, end, covered=False)
        # X > H of the pair's class, as (rows, classes, size) views: no per-pair threshold
        Hf = (H[:, :last] - np.int64(K.bonus)).astype(np.float32)
        full = (end // size) * size
        b = len(rows)
        f = np.flatnonzero(np.greater(X[:, :full].reshape(b, full // size, size),
                                      Hf[:, : full // size, None]))
        r, c = f // full, f % full
        if full < end:
            g = np.flatnonzero(np.greater(X[:, full:end], Hf[:, -1:]))
            r = np.concatenate([r, g // (end - full)])
            c = np.concatenate([c, full + g % (end - full)])
        if not len(r):
            return None
        sl, sc = rows[r], cols[c]
        keys = X[r, c].astype(np.int64) + K.covered_at(sl, sc)
        bad = vals[keys] > a64[sl] + v64[sc]
        return sl[bad] * nr + sc[bad]

    out = [x for x in K.map_blocks(block, K.groups(rows_ok)) if x is not None]
    K.release()
    flat = np.sort(np.concatenate([np.zeros(0, np.int64)] + out))
    return flat // nr, flat % nr


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
        rows = row_of_col[_unique(cols)]
        rows = rows[rows >= 0]
        rows = _unique(rows[~zero[rows]])
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


def _column_duals(K, big, rows_ok, cols_ok, slot_start, slot_owner, match, wmatch, arc_l, arc_r,
                  arc_w):
    """Smallest column duals v for the matching: v[r] >= weight(l, r) - u[l] where u[l]
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
    if isinstance(K, LazyKeys) and len(fr):  # one call: rows are computed group by group
        colmax = big.colmax(fr)
        ok = (colmax > 0) & cols_ok
        v[ok] = colmax[ok]
        fr = fr[:0]
    for a in range(0, len(fr), _CHUNK):
        colmax = big.colmax(fr[a : a + _CHUNK])
        ok = (colmax > 0) & cols_ok
        v[ok] = np.maximum(v[ok], colmax[ok])
    keep = ~has_free[arc_l]
    al, ar, w = arc_l[keep], arc_r[keep], arc_w[keep]
    matched = np.flatnonzero(~free_slot)
    return _propagate(v, nl, al, ar, w, slot_owner, match, wmatch, matched, has_free, nr + 2)


def _subgraph_duals(nl, nr, slot_owner, match, wmatch, ms, el, er, w):
    """Smallest duals of the subgraph alone (longest paths over its arcs of weights w)."""
    v = np.zeros(nr, dtype=np.int64)
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
    """Eligible edges (l, r) with weight(l, r) > u[l] + v[r] - margin (margin 0: the edges
    where the dual certificate fails), on switched-on rows and columns only (`big` is the
    pool's _Weights). Small row blocks keep the temporaries in cache.

    The thresholds are int64 and switched-off rows and columns are left out by their masks:
    adding two int32 "switched-off" markers (2**30 each) overflowed and let in edges of
    people whose role was turned off (issue 13)."""
    if isinstance(K, LazyKeys):
        return _violations_lazy(K, big, u, v, rows_ok, cols_ok, margin)
    if isinstance(K, _CoverKeys):
        return _violations_cover(K, big, u, v, rows_ok, cols_ok, margin)
    nl, nr = K.shape
    a64 = np.asarray(u, np.int64) - big.rowoff
    v64 = np.asarray(v, np.int64) - big.coloff - margin
    rows = np.flatnonzero(rows_ok)
    cols_ok = np.asarray(cols_ok, bool)
    out = [np.zeros(0, np.int64)]
    ch = max(1, _VCHUNK)
    thr = np.empty((ch, nr), np.int64)
    sel = np.empty((ch, nr), bool)
    for a in range(0, len(rows), ch):
        rb = rows[a : a + ch]
        k = len(rb)
        t = thr[:k]
        np.add(a64[rb, None], v64[None, :], out=t)
        s = sel[:k]
        np.greater(big.key_value(K[rb]), t, out=s)
        s &= cols_ok[None, :]
        r, c = np.nonzero(s)
        if len(r):
            out.append(rb[r] * nr + c)
    flat = np.concatenate(out)
    return flat // max(1, nr), flat % max(1, nr)


def _violations_cover(Kc: _CoverKeys, big, u, v, rows_ok, cols_ok, margin: int):
    """_violations on the double cover, one pass over the pool's mentor x mentee keys: the
    pair (l, r) is the cover edges (a, b) and (b, a) for every node a of mentor row l and the
    mentee's node b. A pair is flagged when it may violate for some node of l (the smallest
    dual among l's nodes), then each flagged pair's edges are checked exactly."""
    C = Kc.C
    P = C.P
    K = P.K
    N = C.n_nodes
    off = np.int64(1) << 61  # a switched-off node's side: no pair can reach it
    A = np.where(rows_ok, np.asarray(u, np.int64) - big.rowoff, off)  # node as a row
    B = np.where(cols_ok, np.asarray(v, np.int64) - big.coloff - margin, off)  # as a column
    ment = np.flatnonzero(C.lrow >= 0)
    amin = np.full(len(P.L), off, np.int64)
    np.minimum.at(amin, C.lrow[ment], A[ment])
    bmin = np.full(len(P.L), off, np.int64)
    np.minimum.at(bmin, C.lrow[ment], B[ment])
    AR, BR = A[P.R], B[P.R]  # the mentees' nodes
    nr = len(P.R)
    ch = max(1, _VCHUNK)
    t1 = np.empty((ch, nr), np.int64)
    t2 = np.empty((ch, nr), np.int64)
    sel = np.empty((ch, nr), bool)
    out_l, out_r = [np.zeros(0, np.int64)], [np.zeros(0, np.int64)]
    for a in range(0, len(P.L), ch):
        rb = np.arange(a, min(a + ch, len(P.L)))
        k = len(rb)
        x, y, s = t1[:k], t2[:k], sel[:k]
        np.add(amin[rb, None], BR[None, :], out=x)
        np.add(bmin[rb, None], AR[None, :], out=y)
        np.minimum(x, y, out=x)
        np.greater(big.key_value(K[rb]), x, out=s)
        r, c = np.nonzero(s)
        if len(r):
            out_l.append(rb[r])
            out_r.append(c)
    fl, fr = np.concatenate(out_l), np.concatenate(out_r)
    # every node of each flagged mentor row, both directions, checked exactly
    a, b, k = C.expand(fl, fr)
    val = big.key_value(K[fl[k], fr[k]])
    na = np.concatenate([a, b])
    nb = np.concatenate([b, a])
    val = np.concatenate([val, val])
    bad = val > A[na] + B[nb]
    flat = np.sort(na[bad] * N + nb[bad])
    return flat // N, flat % N


def _min_cost_rows(rows, cols, cost, nrow: int, ncol: int, C: int, cardinality_first: bool):
    """LAPJVsp on the pairs (rows[k], cols[k]) with cost[k] <= C, where a row may also stay
    unmatched at cost C (a private dummy column): each row's column, or ncol and above if
    unmatched.

    LAPJVsp's augmenting searches cost a pass over every column, dummies included. When
    more pairs always cost less (`cardinality_first`: the weights' pair unit outweighs every
    level below it), every optimum is a maximum matching, so a row that every maximum
    matching matches never stays unmatched: only the rows some maximum matching leaves
    unmatched (those an alternating path reaches from a row Hopcroft-Karp leaves free) get a
    dummy (at 50,000 people: 3 or none of 25,134; the three solves 4.3 s -> 3.8 s)."""
    dummy = np.ones(nrow, bool)
    if cardinality_first and len(rows):
        A = csr_matrix((np.ones(len(rows), np.int8), (rows, cols)), shape=(nrow, ncol))
        m = maximum_bipartite_matching(A, perm_type="column")  # row -> column or -1
        row_of = np.full(ncol, -1, np.int64)
        row_of[m[m >= 0]] = np.flatnonzero(m >= 0)
        dummy = m < 0
        front = np.flatnonzero(dummy)
        while len(front):  # alternating paths: free row, any pair, the column's row
            nxt = row_of[_unique(A[front].indices)]
            nxt = nxt[nxt >= 0]
            front = nxt[~dummy[nxt]]
            dummy[front] = True
    own = np.flatnonzero(dummy)
    M = csr_matrix((np.concatenate([np.asarray(cost, np.float64), np.full(len(own), float(C))]),
                    (np.concatenate([rows, own]), np.concatenate([cols, ncol + np.arange(len(own))]))),
                   shape=(nrow, ncol + len(own)))
    return min_weight_full_bipartite_matching(M)[1]


def _solve_bipartite(
    K: np.ndarray, capL: np.ndarray, active_rows, active_cols, big: int, with_duals: bool = False,
    start=None, margin: int = _MARGIN, deadline: float = float("inf"), partial: bool = False,
):
    """Exact maximum-weight b-matching, weight(l, r) from `big` (the pool's _Weights).

    Solved on a sparse candidate subgraph, certified optimal for the full graph by an LP dual
    (see the package docstring); a round that is not certified adds the pairs the dual
    fails on and drops those far from tight (`_KEEP_RC`). Returns the sorted (l, r) pairs
    and the total weight.
    Past `deadline`: raises _OutOfTime (also before a first round estimated to end past
    it), or with `partial` returns the candidate subgraph's optimum (valid, not proven;
    duals None; the first round always runs).
    """
    nl, nr = K.shape
    rows_ok = active_rows & (capL >= 1)
    if nl == 0 or nr == 0 or not rows_ok.any() or not active_cols.any():
        if with_duals:
            z = np.zeros(0, np.int64)
            return [], 0, (np.zeros(nl, np.int64), np.zeros(nr, np.int64), z, z)
        return [], 0
    if start is None:
        el, er = _top_edges(K, _TOP_PER_MENTOR, _TOP_PER_MENTEE, rows_ok, active_cols)
    else:  # candidate edges chosen by the caller
        el, er = start
    if isinstance(K, (LazyKeys, _CoverKeys)):  # no dense mask: the subgraph as sorted codes
        in_sub = None
        sub_codes = _unique(el * nr + er)
    else:
        in_sub = np.zeros((nl, nr), dtype=bool)
        in_sub[el, er] = True
    if _TRACE is not None:
        _TRACE.append({"top_edges_done": round(time.perf_counter(), 3)})
    capr = np.where(rows_ok, capL, 0)
    slot_start = np.concatenate([[0], np.cumsum(capr)])
    nslots = int(slot_start[-1])
    slot_owner = np.repeat(np.arange(nl), capr)
    C = big.max_weight + 1
    # how long the last round took; before the first, an estimate (its solve and its check)
    round_s = (_SPARSE_BIP_S * min(nslots, int(active_cols.sum())) * len(el)
               + _CHECK_S * int(rows_ok.sum()) * int(active_cols.sum()))
    added = np.zeros(len(el), bool)  # pairs a certificate added (the others can be dropped)
    w = big.w(el, er)  # the pairs' weights, carried from round to round with them
    for _ in range(1000):
        t_round = time.perf_counter()
        if time.perf_counter() + round_s > deadline and not partial:
            raise _OutOfTime  # this round would end past the budget, as the last one took
        reps = capL[el]
        es = np.repeat(slot_start[el], reps) + (
            np.arange(reps.sum()) - np.repeat(np.cumsum(reps) - reps, reps)
        )
        et = np.repeat(er, reps)
        ew = np.repeat(w, reps)
        _t0 = time.perf_counter()
        if nslots <= nr:
            col_of = _min_cost_rows(es, et, C - ew, nslots, nr, C, big.cardinality_first)
        else:  # fewer mentees than slots: mentees are the rows
            slot_of = _min_cost_rows(et, es, C - ew, nr, nslots, C, big.cardinality_first)
            col_of = np.full(nslots, nr)
            real = slot_of < nslots
            col_of[slot_of[real]] = np.flatnonzero(real)
        _t1 = time.perf_counter()
        del es, et, ew  # the solve's inputs (~250 MB at 50,000)
        match = np.where(col_of < nr, col_of, -1)  # slot -> column or -1
        ms = match >= 0
        wmatch = np.zeros(nslots, dtype=np.int64)
        wmatch[ms] = big.w(slot_owner[ms], match[ms])
        check_s = _CHECK_S * int(rows_ok.sum()) * int(active_cols.sum())
        if partial and time.perf_counter() + check_s > deadline:
            # out of time (or the check over every pair would end past it): the subgraph's
            # optimum, valid but not proven for the full graph
            pairs = sorted((int(slot_owner[s]), int(match[s])) for s in np.flatnonzero(ms))
            return (pairs, int(wmatch.sum()), None) if with_duals else (pairs, int(wmatch.sum()))
        res = _column_duals(
            K, big, rows_ok, active_cols, slot_start, slot_owner, match, wmatch, el, er, w
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
            v, u = _subgraph_duals(nl, nr, slot_owner, match, wmatch, ms, el, er, w)
        vl, vr = _violations(K, big, u, v, rows_ok, active_cols, margin)
        wv = big.w(vl, vr)
        strict = wv > u[vl] + v[vr]
        if _TRACE is not None:
            _TRACE.append({"edges": len(el), "valid": valid, "violations": int(strict.sum()),
                           "near": len(vl), "lap": round(_t1 - _t0, 3),
                           "t": round(time.perf_counter() - _t1, 3)})
        if valid and not strict.any():
            pairs = sorted((int(slot_owner[s]), int(match[s])) for s in np.flatnonzero(ms))
            if with_duals:
                return pairs, int(wmatch.sum()), (u, v, el, er)
            return pairs, int(wmatch.sum())
        round_s = time.perf_counter() - t_round
        if partial and time.perf_counter() + round_s > deadline:
            # another round would end past the budget: this round's optimum (valid)
            pairs = sorted((int(slot_owner[s]), int(match[s])) for s in np.flatnonzero(ms))
            return (pairs, int(wmatch.sum()), None) if with_duals else (pairs, int(wmatch.sum()))
        if in_sub is None:
            codes = vl * nr + vr  # sorted, unique
            new = ~member(sub_codes, codes)
            sub_codes = np.insert(sub_codes, np.searchsorted(sub_codes, codes[new]), codes[new])
        else:
            new = ~in_sub[vl, vr]
            in_sub[vl[new], vr[new]] = True
        el = np.concatenate([el, vl[new]])
        er = np.concatenate([er, vr[new]])
        w = np.concatenate([w, wv[new]])
        # the next round on the pairs within _KEEP_RC of tight under this round's duals (the
        # optimum moves little), and for good on every pair a certificate added: each round
        # adds a pair for good, so the rounds end
        added = np.concatenate([added, np.ones(int(new.sum()), bool)])
        keep = added | (u[el] + v[er] - w <= _KEEP_RC)
        if in_sub is None:
            sub_codes = _unique(el[keep] * nr + er[keep])
        else:
            in_sub[el[~keep], er[~keep]] = False
        el, er, added, w = el[keep], er[keep], added[keep], w[keep]
    raise RuntimeError("certificate loop did not converge")  # pragma: no cover


def _conflicts(P: _Pool, pairs) -> list[int]:
    mentors = {int(P.L[lp]) for lp, _ in pairs}
    mentees = {int(P.R[rp]) for _, rp in pairs}
    return sorted(mentors & mentees)


def _pairs_weight(P: _Pool, pairs, big: int) -> int:
    if not pairs:
        return 0
    a, b = np.array(pairs, dtype=np.int64).T
    return int(big.w(a, b).sum())


def _repair(P: _Pool, pairs, big: int, rows, cols):
    """Give every conflicting "either" person the role worth more in `pairs`, forbid the
    other role (rows/cols updated in place) and drop the pairs that used it."""
    conf = _conflicts(P, pairs)
    if conf:
        a, b = np.array(pairs, dtype=np.int64).T
        w = big.w(a, b)
        as_mentor = np.bincount(a, weights=w.astype(np.float64), minlength=len(P.L))
        as_mentee = np.bincount(b, weights=w.astype(np.float64), minlength=P.K.shape[1])
        for p in conf:
            lp, rp = P.posL[p], P.posR[p]
            m = int(w[a == lp].sum()) if as_mentor[lp] else 0
            e = int(w[b == rp].sum()) if as_mentee[rp] else 0
            if m >= e:
                cols[rp] = False
            else:
                rows[lp] = False
    return [(a, b) for a, b in pairs if rows[a] and cols[b]], conf


def _left_free(P: _Pool, pairs):
    """What `pairs` leaves free: (places left per L row, person is a mentee, person is a
    mentor, L rows that can still mentor, R columns that can still be mentored)."""
    a, b = (np.array(pairs, dtype=np.int64).T if pairs
            else (np.zeros(0, np.int64), np.zeros(0, np.int64)))
    caps = P.capL - np.bincount(a, minlength=len(P.L))
    mentee = np.zeros(P.n, bool)
    mentee[P.R[b]] = True
    mentor = np.zeros(P.n, bool)
    mentor[P.L[a]] = True
    return caps, mentee, mentor, (caps >= 1) & ~mentee[P.L], ~mentee[P.R] & ~mentor[P.R]


def _fill(P: _Pool, big, pairs, deadline: float, last_s: float = 0.5):
    """`pairs` plus good pairs among the people it leaves out (a mentor's free places,
    mentees without a mentor; "either" people unpaired in either role, one role each): the
    optimum of a bipartite round on its candidate pairs, roles repaired, and again on the
    people the repair freed while the time the last one took still fits before `deadline`.
    For proposals cut short by the budget, where repairing two roles left many unpaired."""
    t0 = time.perf_counter()
    if not pairs or t0 + last_s > deadline:  # the last one's time does not fit
        return pairs
    caps, _, _, rows, cols = _left_free(P, pairs)
    if not rows.any() or not cols.any():
        return pairs
    # the candidate pairs' optimum (one round: no proof needed for a fill)
    more, _ = _solve_bipartite(P.K, caps, rows, cols, big, deadline=t0, partial=True)
    more, conf = _repair(P, more, big, rows, cols)
    if conf and more:  # people freed by the repair: once more while time allows
        return _fill(P, big, sorted(pairs + more), deadline, time.perf_counter() - t0)
    return sorted(pairs + more)


_COMPLETE_MAX_ENTRIES = 25_000_000  # people left out: rows x columns read at most
_COMPLETE_CHUNK = 4096


def _complete(P: _Pool, big, pairs):
    """`pairs` plus every pair still possible between the people it leaves out (a mentor with
    a free place and a mentee without a mentor, an "either" person in one role only), best
    weight first. A proposal cut short by the budget may leave such a pair; an optimal one
    never does. So an unpaired person's possible partners are always taken."""
    caps, mentee, mentor, rows, cols = _left_free(P, pairs)
    rows, cols = np.flatnonzero(rows), np.flatnonzero(cols)
    if not len(rows) or not len(cols) or len(rows) * len(cols) > _COMPLETE_MAX_ENTRIES:
        return pairs
    keys = P.K.rows(rows, cols) if isinstance(P.K, LazyKeys) else P.K[np.ix_(rows, cols)]
    el, er = np.nonzero(keys >= 0)
    if not len(el):
        return pairs
    el, er = rows[el], cols[er]
    order = np.argsort(-big.w(el, er), kind="stable")
    el, er = el[order], er[order]
    more = []
    for a in range(0, len(el), _COMPLETE_CHUNK):
        # pairs taken people already rule out are dropped a chunk at a time (the same
        # pairs as one loop over all: a person once taken stays taken)
        cl, cr = el[a : a + _COMPLETE_CHUNK], er[a : a + _COMPLETE_CHUNK]
        cm, ce = P.L[cl], P.R[cr]
        live = (caps[cl] >= 1) & ~mentee[cm] & ~mentee[ce] & ~mentor[ce]
        for k in np.flatnonzero(live).tolist():
            lp, rp, m, e = int(cl[k]), int(cr[k]), int(cm[k]), int(ce[k])
            if caps[lp] >= 1 and not mentee[m] and not mentee[e] and not mentor[e]:
                more.append((lp, rp))
                caps[lp] -= 1
                mentor[m] = mentee[e] = True
    return sorted(pairs + more) if more else pairs


def _one_role(P: _Pool, big, pairs):
    """(L rows, R columns) switched on when every "either" person keeps one role: the one
    they hold in `pairs` (if both, the one worth more there; if none, the role with more
    eligible partners)."""
    rows, cols = P.capL >= 1, np.ones(P.K.shape[1], bool)
    _repair(P, pairs, big, rows, cols)
    p = np.flatnonzero(P.can_mentor & P.can_mentee & (P.posL >= 0) & (P.posR >= 0))
    lp, rp = P.posL[p], P.posR[p]
    open_ = rows[lp] & cols[rp]  # not settled by the repair
    p, lp, rp = p[open_], lp[open_], rp[open_]
    as_mentor = np.zeros(P.n, bool)
    as_mentee = np.zeros(P.n, bool)
    if pairs:
        a, b = np.array(pairs, np.int64).T
        as_mentor[P.L[a]] = True
        as_mentee[P.R[b]] = True
    row_count, col_count = _partner_counts(P)  # eligible partners on each side
    mentor = as_mentor[p] | (~as_mentee[p] & (row_count[lp] >= col_count[rp]))
    cols[rp[mentor]] = False
    rows[lp[~mentor]] = False
    return rows, cols


def _incumbent(P: _Pool, big: int, pairs, deadline: float):
    """A valid proposal from a relaxation optimum: every "either" person gets ONE role (the
    role they hold in the relaxation; if they hold both, the one worth more there; if none,
    the role with more eligible partners), then the bipartite problem with those roles is
    solved exactly on the full graph (certified, like the relaxation)."""
    rows, cols = _one_role(P, big, pairs)
    fixed = [(a, b) for a, b in pairs if rows[a] and cols[b]]
    if time.perf_counter() < deadline:
        try:
            cand, _ = _solve_bipartite(P.K, P.capL, rows, cols, big, deadline=deadline)
        except _OutOfTime:  # the relaxation's pairs with one role each
            cand = fixed
        if _pairs_weight(P, cand, big) > _pairs_weight(P, fixed, big):
            fixed = cand
    return fixed, _pairs_weight(P, fixed, big)


def _milp_edges(P: _Pool, el, er, big: int, time_limit: float):
    """Exact MILP (HiGHS) on the given edges with the one-role rule.

    Returns (pairs, weight, proven, upper bound on the optimum over these edges)."""
    m = len(el)
    if m == 0:
        return [], 0, True, 0
    w = big.w(el, er)
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


def _rc_quantile(P: _Pool, big, u, v, count: int, scale: int = 1) -> int:
    """About the `count`-th smallest reduced cost u[l] + v[r] - scale * w(l, r) over every
    eligible pair, read off a sample of the rows (one pass over ~256 rows)."""
    rows = np.arange(0, len(P.L), max(1, len(P.L) // 256))
    el, er = np.nonzero(P.K[rows] >= 0)
    if not len(el):
        return 0
    total = int((P.K >= 0).sum())
    if count >= total:  # every pair
        return int(np.iinfo(np.int64).max)
    rc = u[rows[el]] + v[er] - scale * big.w(rows[el], er)
    k = min(len(rc) - 1, max(0, count * len(rc) // max(1, total)))
    return int(np.partition(rc, k)[k])


def _solve_either(P: _Pool, big: int, pairs, val: int, duals, deadline: float, start=None):
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
    if start is not None:  # a valid proposal found by another method
        best, best_val = start, _pairs_weight(P, start, big)
    else:
        best, best_val = _incumbent(P, big, pairs, deadline)
    bound = val
    solver = "either_incumbent"
    delta = val - best_val
    grow = 1
    while best_val < bound:
        remaining = deadline - time.perf_counter()
        if remaining <= 0.05:
            break
        # HiGHS overshoots its time limit on big models: no more pairs than the time left
        # allows (and never more than _EITHER_MAX_EDGES); a sample of the rows tells where
        # to stop before the full pass
        most = max(100, min(_EITHER_MAX_EDGES, int(_MILP_EDGES_PER_S * remaining),
                            _MILP_EDGES_PER_PERSON * P.n * grow))
        q = _rc_quantile(P, big, u, v, most)
        capped = q < delta  # the set stops short of every pair that could improve
        delta = min(delta, q)
        el, er = _violations(P.K, big, u, v, rows_ok, cols_ok, delta + 1)  # rc <= delta
        if time.perf_counter() > deadline - 0.05:
            break
        if len(el) > most:
            rc = u[el] + v[er] - big.w(el, er)
            delta = int(np.partition(rc, most)[most]) - 1
            keep = rc <= delta
            el, er = el[keep], er[keep]
            capped = True
        # HiGHS checks its clock between phases and overshoots on big models: keep a margin
        limit = min(0.8 * (deadline - time.perf_counter()) - 0.2, 2 + P.n / 100)
        if len(best) >= _pairs_count_bound(P):
            # no proposal has more pairs: only the fit can improve, not worth the admin's wait
            limit = min(limit, 1 + P.n / 2000)
        if limit <= 0.05:
            break
        before = best_val
        mp, mval, proven, mbound = _milp_edges(P, el, er, big, limit)
        if mval > best_val:
            best, best_val = mp, mval
            solver = "either_milp"
        # a solution using an edge outside the set (rc > delta) weighs <= val - delta - 1
        bound = min(bound, max(mbound, val - delta - 1))
        if best_val >= bound:
            solver = "either_milp"
            break
        if not proven or mval <= before:
            break  # a bigger set would take longer for little: the proposal says how far
        if capped:
            grow *= 4  # proven on the set and better: a bigger one next, while time allows
        delta = val - best_val  # the restricted optimum was not enough: widen the set
    if _conflicts(P, best):  # pragma: no cover - safety net: never two roles
        best, _ = _repair(P, best, big, P.capL >= 1, np.ones(P.K.shape[1], bool))
        best_val = _pairs_weight(P, best, big)
    return best, solver, max(bound, best_val)


# --------------------------------------------------------------------------- stability


def _keep_index(P: _Pool, keep: Iterable[tuple[str, str]]) -> frozenset[tuple[int, int]]:
    """The (L row, R column) of each (mentor, mentee) user-ID pair of `keep` that is still
    possible (both in the pool, in those roles, eligible)."""
    out = set()
    for pair in keep:
        if len(pair) != 2:
            continue
        m, e = P.index.get(pair[0], -1), P.index.get(pair[1], -1)
        if m < 0 or e < 0:
            continue
        lp, rp = int(P.posL[m]), int(P.posR[e])
        if lp >= 0 and rp >= 0 and P.K[lp, rp] >= 0:
            out.add((lp, rp))
    return frozenset(out)


def _prefer_kept(P: _Pool, big, pairs, duals, keep: frozenset[tuple[int, int]],
                 rows_ok=None, cols_ok=None):
    """Among the optimal proposals, one with the most pairs of `keep` (the previous
    preview's pairs, as (L row, R column)): the fifth level of the objective, as a tie-break
    after the optimum is known.

    `pairs` is an optimal b-matching on the switched-on rows and columns (`rows_ok`,
    `cols_ok`, default all) and `duals` = (u, v, ...) its certified LP duals
    (w(l, r) <= u[l] + v[r] on every eligible edge, equality on the matching; from
    `_solve_bipartite(..., with_duals=True)` on the same masks). Complementary slackness:
    every optimal b-matching uses only tight edges (u + v == w) and fills every slot of a row
    with u > 0 and every column with v > 0, and any b-matching with those two properties is
    optimal. So on the tight edges alone a b-matching of small weights
    `Lw * (ends with a positive dual it covers) + (1 if the pair is kept)` (Lw = slots + 1)
    is solved with LAPJVsp: the first term can reach its maximum only by being optimal, the
    second counts kept pairs. Only the connected components of the tight graph that hold a
    kept tight edge are re-solved; the others keep their pairs. The result is checked (same
    int64 weight, no fewer kept pairs, one role per "either" person) and `pairs` returned
    unchanged otherwise.

    Rounds with "either" people reach it through _keep_with_roles (roles fixed to the ones
    held in the optimum, the round re-solved with duals on those masks): the most previous
    pairs among the optimal proposals with those roles."""
    if not keep or not pairs:
        return pairs
    nl, nr = P.K.shape
    u, v = np.asarray(duals[0], np.int64), np.asarray(duals[1], np.int64)
    rows_ok = (P.capL >= 1) if rows_ok is None else (np.asarray(rows_ok, bool) & (P.capL >= 1))
    cols_ok = np.ones(nr, bool) if cols_ok is None else np.asarray(cols_ok, bool).copy()
    rows_ok = rows_ok.copy()
    pl, pr = np.array(pairs, np.int64).T
    # one role per "either" person: the one they hold in `pairs`; when they hold none, the
    # one they hold in a kept pair (mentor first); such a person has u = v = 0, so switching
    # a side off removes no positive dual and the original matching still fits the masks
    both = np.flatnonzero(P.can_mentor & P.can_mentee & (P.posL >= 0) & (P.posR >= 0))
    if len(both):
        as_mentor = np.zeros(P.n, bool)
        as_mentor[P.L[pl]] = True
        as_mentee = np.zeros(P.n, bool)
        as_mentee[P.R[pr]] = True
        kept_mentor = np.zeros(P.n, bool)
        for lp, _ in keep:
            kept_mentor[P.L[lp]] = True
        for p in both.tolist():
            if as_mentor[p] or (not as_mentee[p] and kept_mentor[p]):
                cols_ok[P.posR[p]] = False
            else:
                rows_ok[P.posL[p]] = False
    el, er = _violations(P.K, big, u, v, rows_ok, cols_ok, 1)  # w > u + v - 1: tight
    w = big.w(el, er)
    if len(el) == 0 or not (w == u[el] + v[er]).all() or \
            not (big.w(pl, pr) == u[pl] + v[pr]).all():  # pragma: no cover - not a certificate
        return pairs
    kcodes = np.array(sorted(a * nr + b for a, b in keep), np.int64)
    kept = np.isin(el * nr + er, kcodes)
    if not kept.any():
        return pairs
    # components of the tight graph (rows 0..nl-1, columns nl..nl+nr-1) holding a kept edge
    g = csr_matrix((np.ones(len(el), np.int8), (el, nl + er)), shape=(nl + nr, nl + nr))
    _, comp = connected_components(g, directed=False)
    hot = np.zeros(comp.max() + 1, bool)
    hot[comp[el[kept]]] = True
    sel = hot[comp[el]]
    el, er, kept = el[sel], er[sel], kept[sel]
    stay = [(a, b) for a, b in pairs if not hot[comp[a]]]
    rows = _unique(el)
    cols = _unique(er)
    ri = np.full(nl, -1, np.int64)
    ri[rows] = np.arange(len(rows))
    ci = np.full(nr, -1, np.int64)
    ci[cols] = np.arange(len(cols))
    capr = P.capL[rows]
    slot_start = np.concatenate([[0], np.cumsum(capr)])
    nslots = int(slot_start[-1])
    ncols = len(cols)
    lw = min(nslots, ncols) + 1
    ends = ((u[el] > 0) & rows_ok[el]).astype(np.int64) + ((v[er] > 0) & cols_ok[er])
    sw = lw * ends + kept
    top = int(sw.max(initial=0) + 1)
    reps = capr[ri[el]]
    es = np.repeat(slot_start[ri[el]], reps) + (
        np.arange(reps.sum()) - np.repeat(np.cumsum(reps) - reps, reps))
    et = np.repeat(ci[er], reps)
    ew = np.repeat(top - sw, reps)
    if nslots <= ncols:
        col_of = _min_cost_rows(es, et, ew, nslots, ncols, top, False)
        slot_of_col = {int(c): s for s, c in enumerate(col_of.tolist()) if c < ncols}
    else:
        slot_of = _min_cost_rows(et, es, ew, ncols, nslots, top, False)
        slot_of_col = {c: int(s) for c, s in enumerate(slot_of.tolist()) if s < nslots}
    slot_owner = np.repeat(rows, capr)
    new = stay + [(int(slot_owner[s]), int(cols[c])) for c, s in slot_of_col.items()]
    new = sorted(new)
    # checks: valid, as good on every level (same int64 weight), no fewer kept pairs
    nr_, nc_ = np.array(new, np.int64).T if new else (np.zeros(0, np.int64),) * 2
    ok = (len(set(new)) == len(new) and len(set(nc_.tolist())) == len(new)
          and (np.bincount(nr_, minlength=nl) <= P.capL).all()
          and bool((P.K[nr_, nc_] >= 0).all())
          and _pairs_weight(P, new, big) == _pairs_weight(P, pairs, big)
          and sum(p in keep for p in new) >= sum(p in keep for p in pairs)
          and not _conflicts(P, new))
    if not ok:  # pragma: no cover - complementary slackness guarantees it
        return pairs
    return new


# --------------------------------------------------------------------------- general matching


def _general_applies(P: _Pool) -> bool:
    """Exact as a general matching: every "either" person can mentor at most one person."""
    both = P.can_mentor[P.L] & P.can_mentee[P.L]
    return not (P.capL[both] > 1).any()


_PAIRS_BOUND_MAX_ARCS = 12_000_000  # about 5,000 people: ~300 MB for a moment


def _pairs_bound(P: _Pool) -> int | None:
    """Upper bound on the number of pairs of any proposal: the fractional matching number
    of the round's graph (every person as many nodes as partners they can take), i.e. half
    a maximum matching of its bipartite double cover (Hopcroft-Karp, every eligible pair).
    None when the graph is too big to bother (see _PAIRS_BOUND_MAX_ARCS)."""
    copies = np.ones(P.n, np.int64)
    copies[P.L] = np.maximum(P.capL, 1)
    per_row = np.zeros(len(P.L), np.int64)
    for a in range(0, len(P.L), _CHUNK):
        per_row[a : a + _CHUNK] = (P.K[a : a + _CHUNK] >= 0).sum(1)
    if 2 * int((per_row * copies[P.L]).sum()) > _PAIRS_BOUND_MAX_ARCS:
        return None
    el, er = np.nonzero(P.K >= 0)
    reps = copies[P.L[el]]
    start = np.concatenate([[0], np.cumsum(copies)])
    k = np.repeat(np.arange(len(el)), reps)
    off = np.arange(int(reps.sum())) - np.repeat(np.cumsum(reps) - reps, reps)
    a = start[P.L[el]][k] + off
    b = start[P.R[er]][k]
    n = int(start[-1])
    g = csr_matrix((np.ones(2 * len(a), np.int8), (np.concatenate([a, b]), np.concatenate([b, a]))),
                   shape=(n, n))
    match = maximum_bipartite_matching(g, perm_type="column")
    return int((match >= 0).sum()) // 2


def _pairs_count_bound(P: _Pool) -> int:
    """A quick bound on the pairs of any proposal: each pair takes a mentee with an eligible
    mentor and a place of a mentor with an eligible mentee; and it has two people, each in
    at most as many pairs as they can take partners (a mentor's capacity, capped by their
    eligible mentees; one as a mentee), so at most half the sum of those counts. Kept on
    the pool per capacities (one pass over the keys)."""
    memo = P.__dict__.setdefault("_count_bounds", {})
    key = P.capL.tobytes()
    if key not in memo:
        memo[key] = _count_bound(P)
    return memo[key]


def _partner_counts(P: _Pool):
    """Eligible partners of each L row (its mentees) and each R column (its mentors), over
    the rows that can mentor; one pass over the keys."""
    live = P.capL >= 1
    if isinstance(P.K, LazyKeys):  # from the attributes, no pass over the pairs (a
        # column's count over every row: rows switched off only make it larger)
        per_row, per_col = P.K._counts()
        return np.where(live, per_row, 0), np.array(per_col)
    row_deg = np.zeros(len(P.L), np.int64)
    col_deg = np.zeros(P.K.shape[1], np.int64)
    for a in range(0, len(P.L), _CHUNK):
        blk = (P.K[a : a + _CHUNK] >= 0) & live[a : a + _CHUNK, None]
        row_deg[a : a + _CHUNK] = blk.sum(1)
        col_deg += blk.sum(0)
    return row_deg, col_deg


def _count_bound(P: _Pool) -> int:
    row_deg, col_deg = _partner_counts(P)
    places = np.minimum(P.capL, row_deg)
    ends = np.zeros(P.n, np.int64)
    ends[P.L] = places
    np.maximum.at(ends, P.R, (col_deg > 0).astype(np.int64))
    return min(int(places.sum()), int((col_deg > 0).sum()), int(ends.sum()) // 2)


def _tighten(P: _Pool, bound: int, found_pairs: int) -> int:
    """`bound` capped by the pairs bound: no proposal of p pairs weighs (p + 1) * PAIR."""
    if bound // P.wt.pair <= found_pairs:
        return bound
    pmax = _pairs_count_bound(P)
    if pmax > found_pairs and not isinstance(P.K, LazyKeys):  # _pairs_bound reads P.K
        pmax = min(pmax, _pairs_bound(P) or pmax)
    return min(bound, (pmax + 1) * P.wt.pair - 1)


def _big(P: _Pool) -> _Weights:
    return P.wt


def _keep_with_roles(P: _Pool, big, pairs, keep: frozenset[tuple[int, int]],
                     deadline: float):
    """Rounds with "either" people: the previous preview's pairs among the optima with the
    roles of `pairs`, or with the previous preview's roles. For each of the two, every
    "either" person takes that role (one who holds none there: the role in the other, else
    mentee), the round is solved again exactly with those roles and _prefer_kept runs on its
    certified duals; the better, then the one that keeps more previous pairs, wins if it is
    as good as `pairs` (the first always is: `pairs` fits its roles). `pairs` unchanged when
    time does not allow it."""
    if not keep or not pairs:
        return pairs
    target = _pairs_weight(P, pairs, big)
    held = ({int(P.L[a]) for a, _ in pairs}, {int(P.R[b]) for _, b in pairs})
    before = ({int(P.L[a]) for a, _ in keep}, {int(P.R[b]) for _, b in keep})
    either = np.flatnonzero(P.can_mentor & P.can_mentee & (P.posL >= 0) & (P.posR >= 0))
    best, best_key = pairs, (target, -1)
    for first, second in ((held, before), (before, held)):
        rows, cols = P.capL >= 1, np.ones(P.K.shape[1], bool)
        for p in either.tolist():
            if p in first[0] or (p not in first[1] and p in second[0]):
                cols[P.posR[p]] = False
            else:
                rows[P.posL[p]] = False
        try:
            new, val, duals = _solve_bipartite(P.K, P.capL, rows, cols, big, with_duals=True,
                                               deadline=deadline)
        except _OutOfTime:
            break
        if val < target:  # the previous roles fit no optimum (never the first)
            continue
        new = _prefer_kept(P, big, new, duals, keep, rows, cols)
        if (val, len(keep.intersection(new))) > best_key:
            best, best_key = new, (val, len(keep.intersection(new)))
    return best


def _cover_result(P: _Pool, big, best, bound: int, keep, deadline: float):
    """_solve's answer from _solve_cover's (pairs, bound)."""
    best = _keep_with_roles(P, big, best, keep, deadline)
    if bound <= _pairs_weight(P, best, big):
        return best, "general", None
    return best, "general_unproven", _tighten(P, bound, len(best))


def _cover_rounded(P: _Pool, big, deadline: float, extra=None):
    """A proposal from the fractional matching LP of the round's general graph (`_Cover`,
    every "either" person at capacity 1) on the candidate pairs only: one LAPJVsp solve of
    the double cover, not certified, so no bound. In its optimum every node has at most two
    half pairs, so its pairs form paths and cycles; the best matching of each
    (paths_and_cycles_matching) is a valid proposal at most one pair per odd cycle short of
    the LP. For rounds beyond the cover method (12,000 nodes): 20,000 people with 20 %
    "either" get 10,605 pairs in about 8 s where the relaxation's roles gave 9,493.
    `extra`: more candidate (l, r) pairs, the relaxation's (its near-tight pairs), used when
    the time allows: on an admin's 12,000-person pool the best pairs of each person alone
    gave 6,953 pairs, with the relaxation's 7,142, every pair the count bound allows.
    None when its estimated time does not fit."""
    if isinstance(P.K, LazyKeys) or not _general_applies(P):
        return None
    C = _Cover(P)
    N = C.n_nodes
    a, b = C.start_edges()
    most = len(a) + 2 * int(np.maximum(P.capL[extra[0]], 1).sum()) if extra is not None else 0
    if most and _SPARSE_COVER_S * N * most < deadline - time.perf_counter():
        xa, xb, _ = C.expand(*extra)
        codes = _unique(np.concatenate([a * N + b, xa * N + xb, xb * N + xa]))
        if _SPARSE_COVER_S * N * len(codes) < deadline - time.perf_counter():
            a, b = codes // N, codes % N
    if _SPARSE_COVER_S * N * len(a) > deadline - time.perf_counter():
        return None
    el, er = C.pairs_of(a, b)
    w = big.w(el, er)
    top = big.max_weight + 1
    sigma = _min_cost_rows(a, b, top - w, N, N, top, False)
    del a, b, el, er, w
    real = np.flatnonzero(sigma < N)
    return _rounded(C, big, real, sigma[real])


def _half_pairs(C: _Cover, big, a, b):
    """The half pairs (a[k], b[k]) of a double-cover matching, each once, as nodes (ga, gb)
    and as (L row, R column) pairs (sl, sr), and the indices of their best matching: every
    node has at most two of them, so they form paths and cycles, and the best matching of
    each (paths_and_cycles_matching) is at most one pair per odd cycle short."""
    N = C.n_nodes
    codes = _unique(np.minimum(a, b) * N + np.maximum(a, b))  # both halves of a pair: once
    ga, gb = codes // N, codes % N
    sl, sr = C.pairs_of(ga, gb)
    return ga, gb, sl, sr, paths_and_cycles_matching(N, ga, gb, big.w(sl, sr).tolist())


def _rounded(C: _Cover, big, a, b):
    """The best proposal within the half pairs (a[k], b[k]) of a double-cover matching."""
    _, _, sl, sr, pick = _half_pairs(C, big, a, b)
    return sorted((int(sl[k]), int(sr[k])) for k in pick)


def _valid_part(P: _Pool, big, pairs):
    """The pairs of `pairs` (eligible (L row, R column) pairs, sorted) that make a valid
    proposal: one role per person (_repair), at most a mentor's places (the first ones)."""
    pairs, _ = _repair(P, list(pairs), big, P.capL >= 1, np.ones(P.K.shape[1], bool))
    used = np.zeros(len(P.L), np.int64)
    mentored = set()
    out = []
    for a, b in pairs:
        if used[a] < P.capL[a] and b not in mentored:
            used[a] += 1
            mentored.add(b)
            out.append((a, b))
    return out


def _top_per_node(el, er, w, k: int) -> np.ndarray:
    """Mask of the pairs among the `k` heaviest of their mentor row or of their mentee."""
    pick = np.zeros(len(el), bool)
    for side in (el, er):
        order = np.lexsort((-w, side))
        s = side[order]
        rank = np.arange(len(order)) - np.searchsorted(s, s, side="left")
        pick[order[rank < k]] = True
    return pick


def _either_lazy(P: _Pool, big, deadline: float, keep: frozenset[tuple[int, int]] = frozenset()):
    """A proposal for a round with "either" people beyond the cover method (on block-by-block
    keys, the proposal; with a dense matrix, one more start for _either_start), and whether
    the time left cut step 2 short. None when its first step does not fit.

    1. The most pairs: a maximum matching of the double cover of the round's general graph
       (every "either" person taking one partner at most, `_Cover`) on the first pass's
       candidate pairs, by Hopcroft-Karp, is a maximum
       fractional matching, and `_rounded` makes it a proposal. While more than 0.2 % of the
       pairs the count bound allows are missing, the people it left free bring about
       _FREE_PAIRS of their possible pairs into another round.
    2. The roles: the ones held there (`_one_role`), or those of the previous preview
       (`keep`, made valid and completed) when it pairs as many people.
    3. The fit: the bipartite round with those roles, solved on the 30 heaviest candidate
       pairs of each person (fewer when that would not fit in the time left) and the pairs
       found: one LAPJVsp solve, not certified.
    50,000 people with 20 % "either": 26,503 pairs, as many as the count bound allows, where
    the relaxation's roles repaired gave 24,576 (bench/MATCHING.md, "Big rounds")."""
    both_l = P.can_mentee[P.L]
    Pr = copy.copy(P)
    Pr.capL = np.where(both_l, np.minimum(P.capL, 1), P.capL)
    C = _Cover(Pr)
    N = C.n_nodes
    a, b = C.start_edges()  # the first pass's candidate pairs (kept by _top_edges_lazy)
    if _HK_S * len(a) > deadline - time.perf_counter():
        return None
    best, best_w = [], -1
    most = _pairs_count_bound(Pr)  # every "either" person taking one partner
    for _ in range(3):
        # (the matrix sorts each row's pairs by column: listing the heavier ones first, as
        # tried, changed nothing)
        g = csr_matrix((np.ones(len(a), np.int8), (a, b)), shape=(N, N))
        sigma = maximum_bipartite_matching(g, perm_type="column")
        del g
        real = np.flatnonzero(sigma >= 0)
        found = _rounded(C, big, real, sigma[real])
        found_w = _pairs_weight(P, found, big)
        if found_w <= best_w:
            break
        best, best_w = found, found_w
        # people left free may have a partner outside the candidate pairs: about
        # _FREE_PAIRS of each one's possible pairs join them, when more than 0.2 % of the
        # pairs the count bound allows are missing (one more round costs as much again)
        # and the time allows
        covered = np.zeros(N, bool)
        covered[sigma[real]] = True
        free = np.flatnonzero((sigma < 0) | ~covered)
        if (most - len(best) <= max(8, most // 500) or not len(free)
                or _HK_S * 1.5 * len(a) > deadline - time.perf_counter()):
            break
        fa, fb = C.pairs_of_nodes(free, most=_FREE_PAIRS)
        if not len(fa):
            break
        a, b = np.concatenate([a, fa, fb]), np.concatenate([b, fb, fa])
    el, er = C.pairs_of(a, b)
    kept = []
    if keep:  # fewer pairs move from one preview to the next (bench_stability.py --either)
        prev = _complete(P, big, _valid_part(P, big, sorted(keep)))
        if len(prev) >= len(best):
            kept = prev
    rows, cols = _one_role(P, big, kept or best)
    nr = P.K.shape[1]
    ok = rows[el] & cols[er]
    codes = _unique(el[ok] * nr + er[ok])
    el, er = codes // nr, codes % nr
    left = deadline - time.perf_counter()
    nrows = int(rows.sum())
    held = _unique(np.array([a * nr + b for a, b in best + kept if rows[a] and cols[b]],
                            np.int64))
    if kept:  # the previous pairs stay candidates
        codes = _unique(np.concatenate([codes, held]))
        el, er = codes // nr, codes % nr
        best = max([best, kept], key=lambda x: _pairs_weight(P, x, big))
    for k in (30, 12, 6):  # the same pairs whatever the clock, unless 30 do not fit
        pick = _top_per_node(el, er, big.w(el, er), k)
        pick |= member(held, codes)  # the pairs found stay: the solve can only do better
        el, er, codes = el[pick], er[pick], codes[pick]
        if _SPARSE_BIP_S * nrows * len(el) < left:
            # one round, no check over every pair (it would prove the roles' optimum only)
            more, _ = _solve_bipartite(P.K, P.capL, rows, cols, big, start=(el, er),
                                       deadline=time.perf_counter(), partial=True)
            if _pairs_weight(P, more, big) > _pairs_weight(P, best, big):
                best = more
            return best, k < 30
    return best, True


def _either_start(P: _Pool, big, relaxed, deadline: float, relaxed_edges=None, quick=None):
    """The proposal for the one-role MILP to beat: the best of valid proposals that are each
    exact for a simpler round, or close to it.

    - `quick`, when given: _either_lazy's proposal.
    - The rounded fractional matching (_cover_rounded) of the round where "either" people
      take one partner at most (the round itself when they can only take one), on the
      relaxation's pairs `relaxed_edges` too.
    - When "either" people can mentor several: every "either" person as a mentee, then every
      one as a mentor (each a bipartite round, solved exactly; with plenty of mentor places
      the first pairs every possible mentee).
    - The roles of the relaxation's optimum (_incumbent).
    - When "either" people can mentor several and not every possible mentee is paired yet:
      a round with fewer partners allowed, a matching the cover method solves exactly when it
      fits: "either" people who can mentor several mentor one at most, or, when that graph
      is still too big, everyone takes one partner at most."""
    now = time.perf_counter()
    part = now + 0.7 * (deadline - now)
    rows, cols = P.capL >= 1, np.ones(P.K.shape[1], bool)
    both_l, both_r = P.can_mentee[P.L], P.can_mentor[P.R]
    one_each = np.where(both_l, np.minimum(P.capL, 1), P.capL)
    found = [quick] if quick else []
    Pr = copy.copy(P)
    Pr.capL = one_each
    with contextlib.suppress(_OutOfTime):
        rounded = _cover_rounded(Pr, big, part, relaxed_edges)
        if rounded:
            found.append(rounded)
        if not _general_applies(P):
            for r, c in ((rows & ~both_l, cols), (rows, cols & ~both_r)):
                found.append(_solve_bipartite(P.K, P.capL, r, c, big, deadline=part)[0])
        if time.perf_counter() < part:
            found.append(_incumbent(P, big, relaxed, part)[0])
    if _general_applies(P) or (found and max(map(len, found)) >= _pairs_count_bound(P)):
        caps_tried = ()  # every possible mentee paired: the time left goes to the fit
    else:
        caps_tried = (one_each, np.minimum(P.capL, 1))
    for caps in caps_tried:
        Pr = copy.copy(P)
        Pr.capL = caps
        if (caps != P.capL).any() and _cover_affordable(Pr, part):
            res = _solve_cover(Pr, big, part)
            if res is not None:
                found.append(res[0])
            break
    return max(found, key=lambda x: _pairs_weight(P, x, big)) if found else None


def _solve(P: _Pool, method: str = "auto", deadline: float = float("inf"),
           keep: frozenset[tuple[int, int]] = frozenset()):
    """Returns (pairs, solver, upper bound on the weight or None when proven optimal).

    `keep`: (L row, R column) pairs of the previous preview, kept where an optimal proposal
    can (see _prefer_kept; with "either" people, among the optima with the roles found, see
    _keep_with_roles)."""
    nl, nr = P.K.shape
    big = _big(P)
    rows = np.ones(nl, bool)
    cols = np.ones(nr, bool)
    if method == "milp":
        pairs, val, proven = _solve_milp(P, rows, cols, big)
        return pairs, "milp" if proven else "milp_time_limit", None
    either = int((P.can_mentor & P.can_mentee & (P.posL >= 0) & (P.posR >= 0)).sum())
    one_role = _general_applies(P)  # every "either" person at capacity 1
    if (method == "auto" and one_role and either >= _COVER_FIRST_SHARE * P.n
            and _cover_affordable(P, deadline)):
        # many "either" people: the relaxation would only be the first step of the cover
        res = _solve_cover(P, big, deadline)
        if res is not None:
            return _cover_result(P, big, *res, keep, deadline)
    quick = None  # beyond the cover method: the rounded fractional matching's proposal
    if either and method == "auto" and not (one_role and _cover_affordable(P, deadline)):
        res = _either_lazy(P, big, deadline, keep)
        if res is not None and isinstance(P.K, LazyKeys):
            best, cut = res
            bound = (_pairs_count_bound(P) + 1) * big.pair - 1
            solver = "either_rounded_time_limit" if cut else "either_rounded"
            return best, solver, _tighten(P, bound, len(best))
        if res is not None:  # one more start for the methods below (30,000 people: 1,312
            quick = res[0]  # more pairs than they found, and 8 s less)
    relax_by = deadline
    if isinstance(P.K, LazyKeys) and either:
        # too big for the "either" methods: half the time left for the relaxation, the rest
        # for _fill after its roles are repaired
        relax_by = time.perf_counter() + 0.5 * (deadline - time.perf_counter())
    pairs, val, duals = _solve_bipartite(P.K, P.capL, rows, cols, big, with_duals=True,
                                         deadline=relax_by, partial=True)
    if duals is None:  # the budget ran out before the relaxation was proven
        pairs, _ = _repair(P, pairs, big, P.capL >= 1, np.ones(nr, bool))
        pairs = _fill(P, big, pairs, deadline)
        if quick is not None and _pairs_weight(P, quick, big) > _pairs_weight(P, pairs, big):
            pairs = quick
        return pairs, "time_limit", (_pairs_count_bound(P) + 1) * big.pair - 1
    conf = _conflicts(P, pairs)
    if not conf:
        if keep:
            pairs = _prefer_kept(P, big, pairs, duals, keep)
        return pairs, "bipartite", None
    if isinstance(P.K, LazyKeys):
        # a round too big for the dense matrix the "either" methods read: the relaxation's
        # optimum with one role each, bounded by the relaxation
        best, _ = _repair(P, pairs, big, P.capL >= 1, np.ones(nr, bool))
        best = _fill(P, big, best, deadline)
        found = _pairs_weight(P, best, big)
        return best, "either_relaxation", _tighten(P, max(val, found), len(best))
    if (method == "auto" and one_role and either < _COVER_FIRST_SHARE * P.n
            and _cover_affordable(P, deadline)):
        res = _solve_cover(P, big, deadline)
        if res is not None:
            best, bound = res
            return _cover_result(P, big, best, min(bound, val), keep, deadline)
    if method == "auto":
        start = _either_start(P, big, pairs, deadline, duals[2:], quick)
        best, solver, bound = _solve_either(P, big, pairs, val, duals, deadline, start=start)
        best = _keep_with_roles(P, big, best, keep, deadline)
        found = _pairs_weight(P, best, big)
        if bound > found:
            bound = _tighten(P, bound, len(best))
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


# --------------------------------------------------------------------------- fractional bound

# The cover method is used up to this many nodes: at 21,215 (20,000 people with 20 %
# "either") its double-cover rounds alone took 16 s of the 20 s budget, and no proposal came
# in time.
_COVER_MAX_NODES = 12_000
_COVER_FIRST_SHARE = 0.05  # from this share of "either" people, no bipartite relaxation first
_COVER_FIRST_EDGES = 4  # pairs per node (smallest reduced costs) for the first proposal
# seconds per node squared for the double-cover solves, and per node x edge for
# rustworkx's blossom, on the 2-core bench machine (10,000 people: about 3.5 s and 5 s;
# 20,000 people: 16 s for the double cover)
_COVER_S = 5e-8
_BLOSSOM_S = 1.2e-8
_WARM_EXPOSED = 8  # most people a proposal can leave out for the warm-started blossom
_WARM_S = 3e-5  # per cover pair, the warm-started blossom (41,713 pairs: 1.1 s; 85,866: 1.8 s)
_SPARSE_COVER_S = 2e-10  # per node x candidate pair: one LAPJVsp solve (21,215 x 1.7 M: 5.8 s)
# per row x candidate pair, a bipartite LAPJVsp solve with "either" people's roles fixed
# (26,504 x 628,000: 2.8 s; 26,504 x 2.5 M: about 8 s)
_SPARSE_BIP_S = 2e-10
_HK_S = 1e-6  # per cover pair: the double cover's pairs, Hopcroft-Karp and the rounding
# (53,007 nodes, 7.2 M pairs: 1.2 + 2.9 + 0.2 s)
_FREE_PAIRS = 400  # possible pairs per person left free that join the next Hopcroft-Karp


class _CoverKeys:
    """The double cover's keys, read from the pool's mentor x mentee matrix when asked: no
    `nodes x nodes` matrix (225 MB and about 1.3 s at 10,000 people). Node a's row holds the
    pairs where a mentors (its L row of `P.K`) and where a is mentored (its R column)."""

    def __init__(self, C: _Cover):
        self.C = C
        self.shape = (C.n_nodes, C.n_nodes)

    def keys(self, a, b) -> np.ndarray:
        """Key of each pair of nodes (a[k], b[k]), -1 where neither direction is eligible."""
        rows, cols = self.C.pairs_of(np.asarray(a, np.int64), np.asarray(b, np.int64))
        ok = (rows >= 0) & (cols >= 0)
        out = np.full(len(rows), -1, np.int64)
        out[ok] = self.C.P.K[rows[ok], cols[ok]]
        return out


class _CoverWeights(_Weights):
    """Weights of the round's bipartite double cover (every node of the general graph as a
    row and as a column; the pair {a, b} is the edges (a, b) and (b, a), same weight):

        pair_unit + WANTED * covered + LEFT * (people left out last round) + score

    with a pair unit of the caller's choice (see _solve_cover): _Weights' methods on the
    double cover's keys (`_CoverKeys`) and offsets."""

    def __init__(self, P: _Pool, Kd: _CoverKeys, owner: np.ndarray, pair_unit: int):
        self.K = Kd
        self.cardinality_first = False  # the caller's pair unit need not outweigh the rest
        self.table = P.wt.table
        lo = P.wt.left * P.left_out[owner].astype(np.int64) if P.wt.fairness else 0 * owner
        self.rowoff = (pair_unit + lo).astype(np.int64)
        self.coloff = np.asarray(lo, np.int64)
        self.max_weight = int(self.rowoff.max(initial=0) + self.coloff.max(initial=0)
                              + self.table.max())

    def w(self, el, er) -> np.ndarray:
        el = np.asarray(el, np.int64)
        er = np.asarray(er, np.int64)
        return self.rowoff[el] + self.coloff[er] + self.key_value(self.K.keys(el, er))

    def colmax(self, rows) -> np.ndarray:
        """Per node (as a column), the largest weight over the nodes `rows` (as rows)."""
        C = self.K.C
        K = C.P.K
        rows = np.asarray(rows, np.int64)
        never = -(np.int64(1) << 62)
        out = np.full(C.n_nodes, never, np.int64)
        lm = rows[C.lrow[rows] >= 0]  # rows that mentor: their mentees' nodes
        if len(lm):
            vals = self.key_value(K[C.lrow[lm]]) + self.rowoff[lm, None]
            out[C.P.R] = vals.max(axis=0)
        re = rows[C.rcol[rows] >= 0]  # rows that are mentored: every node of their mentors
        if len(re):
            vals = self.key_value(K[:, C.rcol[re]]) + self.rowoff[None, re]
            best = vals.max(axis=1)  # per L row
            mentor = C.lrow >= 0
            out[mentor] = np.maximum(out[mentor], best[C.lrow[mentor]])
        return np.where(out > never, out + self.coloff, out)


class _Cover:
    """The round as a general graph (one node per person, plus capacity - 1 mentor-only
    nodes for anyone who can mentor more than one person) and its double cover.

    When "either" people have capacity 1 a matching of this graph is a proposal. With
    capacity >= 2 it is a relaxation (someone could mentee and mentor at once): the
    "tighter model" of issue 13, used for bounds."""

    def __init__(self, P: _Pool):
        extra = np.maximum(P.capL - 1, 0)
        self.n_nodes = P.n + int(extra.sum())
        self.owner = np.concatenate([np.arange(P.n), np.repeat(P.L, extra)])
        self.lrow = np.full(self.n_nodes, -1, np.int64)  # L row of a node that can mentor
        self.lrow[P.L] = np.arange(len(P.L))
        self.lrow[P.n:] = np.repeat(np.arange(len(P.L)), extra)
        self.rcol = np.full(self.n_nodes, -1, np.int64)  # R column of a node that can mentee
        self.rcol[P.R] = np.arange(len(P.R))
        self.P = P
        self._lonely = None

    def pairs_of(self, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(L row, R column) of each cover edge between nodes a[k] and b[k]: the direction
        that is eligible (at most one is: the mentor is strictly less senior)."""
        P = self.P
        la, lb = self.lrow[a], self.lrow[b]
        ra, rb = self.rcol[a], self.rcol[b]
        fwd = (la >= 0) & (rb >= 0)
        fwd[fwd] = P.K[la[fwd], rb[fwd]] >= 0
        return np.where(fwd, la, lb), np.where(fwd, rb, ra)

    def expand(self, el, er):
        """Cover edges (node a, node b, index into el) of the (l, r) edges: every node of
        the mentor (the person, then their extra nodes) with the mentee."""
        P = self.P
        extra = np.maximum(P.capL - 1, 0)
        first = P.n + np.concatenate([[0], np.cumsum(extra)])[:-1]
        reps = extra[el] + 1
        k = np.repeat(np.arange(len(el)), reps)
        off = np.arange(int(reps.sum())) - np.repeat(np.cumsum(reps) - reps, reps)
        a = np.where(off == 0, P.L[el][k], first[el][k] + off - 1)
        return a, P.R[er][k], k

    def pairs_of_nodes(self, nodes: np.ndarray, most: int | None = None,
                       batch: int = 64) -> tuple[np.ndarray, np.ndarray]:
        """Every eligible pair (node, partner's node) of the nodes given, both roles, read
        `batch` nodes at a time (rows of K, then columns: on block-by-block keys, one pass
        over the mentors for a batch of columns). With `most`, about that many pairs per
        node, at random (each kept with probability `most` / the node's pairs; the same
        pairs for the same input)."""
        P = self.P
        K = P.K
        nodes = np.asarray(nodes, np.int64)
        out_a, out_b = [np.zeros(0, np.int64)], [np.zeros(0, np.int64)]
        rng = np.random.default_rng(0)
        for c0 in range(0, len(nodes), batch):
            part = nodes[c0 : c0 + batch]
            n0 = len(out_a)
            lr = part[self.lrow[part] >= 0]  # as a mentor: the mentees' nodes
            if len(lr):
                r, c = np.nonzero(K[self.lrow[lr]] >= 0)
                out_a.append(lr[r])
                out_b.append(P.R[c])
            rc = part[self.rcol[part] >= 0]  # as a mentee: every node of each possible mentor
            if len(rc):
                r, c = np.nonzero(K[:, self.rcol[rc]] >= 0)
                mentors, _, k = self.expand(r, self.rcol[rc][c])
                out_a.append(rc[c][k])
                out_b.append(mentors)
            if most is not None:  # sampled batch by batch (a batch holds all of a node's)
                a, b = np.concatenate(out_a[n0:]), np.concatenate(out_b[n0:])
                count = np.bincount(a, minlength=self.n_nodes)
                keep = rng.random(len(a)) * count[a] < most
                out_a[n0:], out_b[n0:] = [a[keep]], [b[keep]]
        return np.concatenate(out_a), np.concatenate(out_b)

    def lonely(self) -> np.ndarray:
        """Nodes with no possible partner at all."""
        if self._lonely is None:
            K = self.P.K
            has = np.zeros(self.n_nodes, bool)
            if K.size:
                row, col = K.max(axis=1) >= 0, K.max(axis=0) >= 0
                has[self.lrow >= 0] = row[self.lrow[self.lrow >= 0]]
                has[self.rcol >= 0] |= col[self.rcol[self.rcol >= 0]]
            self._lonely = np.flatnonzero(~has)
        return self._lonely

    def cover_card(self, start, rounds: int = 3) -> int | None:
        """The most pairs a proposal can have, (nodes - lonely) // 2 (`lonely`: nodes with no
        possible partner), when the double cover has a matching of twice that many edges
        (Hopcroft-Karp): on the candidate pairs `start`, then with every pair of the nodes it
        left free, up to `rounds` times. None when not found (it may still exist)."""
        N = self.n_nodes
        a, b = start
        for _ in range(rounds):
            g = csr_matrix((np.ones(len(a), np.int8), (a, b)), shape=(N, N))
            free = np.flatnonzero(maximum_bipartite_matching(g, perm_type="column") < 0)
            fa, fb = self.pairs_of_nodes(free)
            lonely = len(free) - len(_unique(fa))
            if len(free) - lonely <= (N - lonely) % 2:  # an odd number leaves one more out
                return (N - lonely) // 2
            a, b = np.concatenate([a, fa, fb]), np.concatenate([b, fb, fa])
        return None

    def start_edges(self):
        """Candidate cover edges: the best edges of each person both ways."""
        P = self.P
        el, er = _top_edges(P.K, _TOP_PER_MENTOR, _TOP_PER_MENTEE, P.capL >= 1,
                            np.ones(P.K.shape[1], bool))
        ment = np.flatnonzero(self.lrow >= 0)
        by_row = [[] for _ in range(len(P.L))]
        for node in ment.tolist():
            by_row[self.lrow[node]].append(node)
        reps = np.array([len(x) for x in by_row], np.int64)
        nodes = np.concatenate([np.array(x, np.int64) for x in by_row]) if len(by_row) else ment
        ptr = np.concatenate([[0], np.cumsum(reps)])
        k = np.repeat(np.arange(len(el)), reps[el])
        off = np.arange(int(reps[el].sum())) - np.repeat(np.cumsum(reps[el]) - reps[el], reps[el])
        a = nodes[ptr[el][k] + off]
        b = P.R[er][k]
        return np.concatenate([a, b]), np.concatenate([b, a])


def _cover_affordable(P: _Pool, deadline: float) -> bool:
    if isinstance(P.K, LazyKeys):  # the cover reads the dense matrix
        return False
    n_nodes = P.n + int(np.maximum(P.capL - 1, 0).sum())
    return n_nodes <= _COVER_MAX_NODES and _COVER_S * n_nodes**2 < deadline - time.perf_counter()


def _rc_edges(P: _Pool, big, ul2, vr2, limit2: int):
    """Eligible (l, r) edges with doubled reduced cost ul2[l] + vr2[r] - 2 w(l, r) <= limit2."""
    rows_ok = P.capL >= 1
    cols_ok = np.ones(P.K.shape[1], bool)
    # rounded-down halves flag a superset; the exact doubled test keeps the right ones
    el, er = _violations(P.K, big, ul2 // 2, vr2 // 2, rows_ok, cols_ok, limit2 // 2 + 1)
    rc2 = ul2[el] + vr2[er] - 2 * big.w(el, er)
    keep = rc2 <= limit2
    return el[keep], er[keep], rc2[keep]


def _best_on(P: _Pool, C: _Cover, big, el, er, deadline: float, warm=None,
             cert: list | None = None) -> list:
    """The best proposal using only the (l, r) pairs given: the blossom algorithm on those
    pairs of the round's graph (every "either" person at capacity 1), exact. Raises
    _OutOfTime when the budget runs out in the warm-started blossom, or when rustworkx's
    estimated time does not fit (it cannot stop half-way).

    `warm` = (doubled LP duals of the cover's nodes, the Lagrangian mu, a matching of
    tight pairs among those given, {node: partner}, how many nodes the bound `card` leaves
    out, the nodes with no possible partner): the blossom starts from them
    (blossom.warm_perfect_matching) on the round's graph plus that many extra nodes
    (`_with_extra_nodes`; one of their own for the nodes no one can pair with), which is
    exact when it pairs every node; when it cannot (the pairs given allow fewer pairs), once more with as many more
    extra nodes as it left unpaired (at most _WARM_EXPOSED in all). Else, or without
    `warm`, rustworkx's blossom from scratch.
    `cert`, a list, receives the warm-started blossom's final duals when it pairs every
    node with the bound's extra nodes (no proposal has more pairs; see
    _blossom_violations); it is left empty otherwise."""
    if cert is None:
        cert = []
    cert.clear()
    if len(el):
        el, er = np.unique(np.stack([el, er], 1), axis=0).T
    ga, gb, gk = C.expand(el, er)
    w = big.w(el, er)[gk]
    N = C.n_nodes
    extra = warm[3] - len(warm[4]) if warm is not None else _WARM_EXPOSED + 1
    while extra <= _WARM_EXPOSED and _WARM_S * (len(ga) + extra * N) < (
            deadline - time.perf_counter()):
        y2, mu, mate0, bound_extra, lonely = warm
        a, b, w2, dual0, mate0 = _with_extra_nodes(N, extra, lonely, ga, gb, 2 * (w - mu), 2 * y2,
                                                   mate0)
        n_all = N + len(lonely) + extra
        try:
            mate = warm_perfect_matching(n_all, a, b, w2, mate0, dual0, deadline=deadline,
                                         duals=cert)
        except TimeoutError:
            raise _OutOfTime from None
        if len(mate) == n_all:  # perfect: the best of (N - extra - lonely) / 2 pairs
            if len(lonely) + extra > bound_extra:
                cert.clear()  # more pairs may be possible with pairs not given
            lo, hi = np.minimum(ga, gb), np.maximum(ga, gb)
            index = dict(zip((lo * N + hi).tolist(), gk.tolist(), strict=True))
            return sorted((int(el[index[x * N + y]]), int(er[index[x * N + y]]))
                          for x, y in mate.items() if x < y < N)
        cert.clear()  # not perfect: the duals prove nothing
        extra += n_all - len(mate)
    if _BLOSSOM_S * N * len(ga) > deadline - time.perf_counter():
        raise _OutOfTime
    pick = _blossom(N, ga, gb, w.tolist())
    return sorted((int(el[gk[k]]), int(er[gk[k]])) for k in pick)


def _with_extra_nodes(N: int, extra: int, lonely, ga, gb, w2, dual2, mate0: dict):
    """The blossom's input with one more node for each `lonely` node (people no one can be
    paired with), joined to it alone and matched to it from the start, then `extra` more
    nodes, each joined to every node of the round; all at weight 0, dual 0. A perfect
    matching of this graph is a proposal of (N - len(lonely) - extra) / 2 pairs plus its
    unpaired people, each with an extra node, of the proposal's weight."""
    own = N + np.arange(len(lonely))
    dum = np.repeat(N + len(lonely) + np.arange(extra), N)
    real = np.tile(np.arange(N), extra)
    a = np.concatenate([ga, own, dum]).tolist()
    b = np.concatenate([gb, lonely, real]).tolist()
    w = np.concatenate([w2, np.zeros(len(own) + len(dum), np.int64)])
    dual0 = np.concatenate([dual2, np.zeros(len(own) + extra, np.int64)])
    mate = dict(mate0)
    for x, y in zip(own.tolist(), np.asarray(lonely).tolist(), strict=True):
        if dual2[y] == 0 and y not in mate:  # a tight pair
            mate[x], mate[y] = y, x
    return a, b, w.tolist(), dual0.tolist(), mate


def _blossom_violations(P: _Pool, C: _Cover, big, mu: int, cert: list):
    """The (l, r) pairs on which the warm-started blossom's final duals fail, over every
    eligible pair of the round. None fail: its perfect matching is the best of all (the dual
    of the perfect matching LP with odd-set rows, Edmonds): every pair's slack
    dual[a] + dual[b] + 2 * Z - 4 * (w - mu) >= 0, Z the duals of the blossoms holding both
    (the extra nodes' pairs of weight 0 were all given to the blossom)."""
    dual, parent, z = cert
    N = C.n_nodes
    d = np.asarray(dual[:N], np.int64)
    Kc = _CoverKeys(C)
    W = _CoverWeights(P, Kc, C.owner, big.pair - mu)
    q = d // 4  # q[a] + q[b] <= (d[a] + d[b]) / 4: the pass flags a superset
    ones = np.ones(N, bool)
    a, b = _violations_cover(Kc, W, q, q, ones, ones, 0)
    keep = a < b
    a, b = a[keep], b[keep]
    slack = d[a] + d[b] - 4 * W.w(a, b)
    bad = slack < 0
    if bad.any():  # inside a blossom: its dual counts
        bad[bad] = slack[bad] + 2 * shared_blossom_duals(parent, z, len(dual), a[bad], b[bad]) < 0
    return C.pairs_of(a[bad], b[bad])


def _cover_round(P: _Pool, C: _Cover, big, Kd: _CoverKeys, start, card: int, mu: int,
                 deadline: float, best: list, most_pairs_next: bool = False):
    """Steps 2 and 3 of _solve_cover for one `mu`: (best pairs, their weight, bound).
    `most_pairs_next`: a round with no unit taken off follows when the best proposal has
    fewer than `card` pairs; this one then stops after its first proposal."""
    N = C.n_nodes
    ones = np.ones(N, bool)
    d2, _, (u2, v2, _, _) = _solve_bipartite(
        Kd, np.ones(N, np.int64), ones, ones, _CoverWeights(P, Kd, C.owner, big.pair - mu),
        with_duals=True, start=start, deadline=deadline)
    y2 = u2 + v2  # twice the node duals
    D2 = int(y2.sum()) + 2 * mu * card  # twice the bound
    ul2 = np.full(len(P.L), np.iinfo(np.int64).max, np.int64)
    np.minimum.at(ul2, C.lrow[C.lrow >= 0], y2[C.lrow >= 0])
    ul2 += 2 * mu
    vr2 = y2[P.R]
    bound = D2 // 2
    # the proposal to beat: from the pairs of the fractional optimum, and the 4 * N pairs of
    # smallest reduced cost (the limit read off a sample of the rows)
    warm = None
    if d2:
        # the fractional optimum's pairs (tight: complementary slackness) form paths and
        # cycles; their best matching starts the blossom with the LP's duals
        a, b = np.array(d2, dtype=np.int64).T
        ga, gb, sl, sr, pick = _half_pairs(C, big, a, b)
        mate0 = {}
        for k in pick:
            mate0[int(ga[k])], mate0[int(gb[k])] = int(gb[k]), int(ga[k])
        lonely = C.lonely()  # each with an extra node of their own (the only pair they have)
        if N - 2 * card - len(lonely) <= _WARM_EXPOSED:  # else rustworkx's, from scratch
            warm = (y2, mu, mate0, N - 2 * card, lonely)
    else:
        sl = sr = np.zeros(0, np.int64)
    limit2 = _rc_quantile(P, big, ul2, vr2, _COVER_FIRST_EDGES * N, scale=2)
    el, er, rc2 = _rc_edges(P, big, ul2, vr2, limit2)
    exact = True  # the first proposal is the best of every pair with rc <= limit2
    cert: list = []
    try:
        first = _best_on(P, C, big, np.concatenate([sl, el]), np.concatenate([sr, er]), deadline,
                         warm, cert)
    except _OutOfTime:  # the pairs of the fractional optimum alone, if that fits
        exact = False
        try:
            first = _best_on(P, C, big, sl, sr, deadline)
        except _OutOfTime:
            first = []
    if _pairs_weight(P, first, big) > _pairs_weight(P, best, big):
        best = first
    best_val = _pairs_weight(P, best, big)
    if exact:  # a proposal using a pair of doubled reduced cost > limit2 weighs at most this
        bound = min(bound, max(best_val, (D2 - limit2 - 1) // 2))
    if _TRACE is not None:
        _TRACE.append({"cover_nodes": N, "card": card, "pairs": len(best),
                       "bound_gap": D2 // 2 - best_val, "cover_gap": bound - best_val,
                       "edges": len(el), "t": round(time.perf_counter(), 3)})
    # the blossom's own duals, checked on every pair: the pairs they fail on join its pairs
    # until they hold everywhere (then its proposal is the best of all)
    gl, gr = np.concatenate([sl, el]), np.concatenate([sr, er])
    while cert and best_val < bound and time.perf_counter() < deadline - 0.1:
        vl, vr = _blossom_violations(P, C, big, mu, cert)
        if _TRACE is not None:
            _TRACE.append({"blossom_violations": len(vl), "t": round(time.perf_counter(), 3)})
        if not len(vl):
            best, best_val = first, _pairs_weight(P, first, big)
            bound = best_val
            break
        gl, gr = np.concatenate([gl, vl]), np.concatenate([gr, vr])
        try:
            first = _best_on(P, C, big, gl, gr, deadline, warm, cert)
        except _OutOfTime:
            break
        if _pairs_weight(P, first, big) > best_val:
            best, best_val = first, _pairs_weight(P, first, big)
    if most_pairs_next and len(best) < card:
        # the blossom on the pairs within the gap (up to 100,000, from scratch: 6.5 s on a
        # 10,000-person pool with 5 % "either") cannot close a gap of whole pairs that the
        # next round's LP, which puts the most pairs first, is there for
        return best, best_val, max(bound, best_val)
    last_limit2 = None
    while best_val < bound and time.perf_counter() < deadline - 0.1:
        limit2 = D2 - 2 * best_val
        el, er, rc2 = _rc_edges(P, big, ul2, vr2, limit2)
        # the warm-started blossom takes as many pairs as its time allows; rustworkx's, which
        # cannot stop half-way, at most _EITHER_MAX_EDGES
        most = _EITHER_MAX_EDGES
        if warm is not None:
            most = max(most, int((deadline - time.perf_counter()) / _WARM_S) - warm[3] * N)
        capped = len(el) > most
        if capped:
            limit2 = int(np.partition(rc2, most)[most]) - 1
            if limit2 == last_limit2:
                break  # the same pairs as the last run (ties at the cap): the same answer
            last_limit2 = limit2
            keep = rc2 <= limit2
            el, er = el[keep], er[keep]
        try:
            cand = _best_on(P, C, big, np.concatenate([sl, el]), np.concatenate([sr, er]),
                            deadline, warm)
        except _OutOfTime:
            break
        cval = _pairs_weight(P, cand, big)  # the best of every pair with rc <= limit2
        improved = cval > best_val
        if improved:
            best, best_val = cand, cval
        bound = min(bound, max(cval, (D2 - limit2 - 1) // 2))
        if _TRACE is not None:
            _TRACE.append({"cover_edges": len(el), "pairs": len(best),
                           "cover_gap": bound - best_val, "t": round(time.perf_counter(), 3)})
        if not capped or not improved:
            break  # proven, or no bigger set fits
    return best, best_val, max(bound, best_val)


def _solve_cover(P: _Pool, big, deadline: float):
    """Rounds with "either" people, through the fractional matching LP of the round's general
    graph (`_Cover`), solved exactly as a bipartite b-matching of its double cover.

    1. `card`, a bound on the pairs of any proposal: half the nodes when the double cover
       has a perfect matching on the candidate pairs (Hopcroft-Karp), else half the most
       edges of a double-cover matching (a solve with a pair unit above everything else).
    2. Double cover with the weights less `mu` (the pair unit, and the wanted-skill unit when
       every pair of the relaxation covers one): its certified duals y (y_a + y_b + mu >= w_ab
       on every eligible pair) bound every proposal of at most `card` pairs by
       D = sum y + mu * card, and a proposal weighs at most D minus the reduced costs
       rc = y_a + y_b + mu - w of its pairs.
    3. So only pairs with rc <= D - (the proposal to beat) can be in a better proposal: the
       blossom algorithm (every "either" person at capacity 1) or the one-role MILP runs on
       those alone (a few thousand pairs where the bound is tight), and its optimum is the
       round's. The first proposal to beat comes from the pairs of smallest reduced cost.

    Returns (pairs, upper bound on the weight of any proposal) or None when it could not run."""
    if not _general_applies(P):  # a matching of the cover graph must be a proposal
        return None
    C = _Cover(P)
    N = C.n_nodes
    Kd = _CoverKeys(C)
    ones = np.ones(N, bool)
    cap1 = np.ones(N, np.int64)
    start = C.start_edges()
    most_first = start  # candidate pairs for the round with no unit taken off (mu = 0)
    best: list = []
    best_val, bound = 0, None
    try:
        card = C.cover_card(start)  # no proposal has more pairs
        if card is None:
            lower_max = int(big.table.max()) + (2 * big.left if big.fairness else 0)
            unit = lower_max * (N + 1) + 1
            if (unit + lower_max) * (N + 1) >= _WEIGHT_LIMIT:  # pragma: no cover - beyond any pool
                return None
            d1, _, (_, _, e1, f1) = _solve_bipartite(
                Kd, cap1, ones, ones, _CoverWeights(P, Kd, C.owner, unit), with_duals=True,
                start=start, deadline=deadline)
            card = len(d1) // 2
            # the LP with no unit taken off also puts the most pairs first: this solve's
            # final pairs are a better start for it than everyone's best pairs (10,000
            # people with 5 % "either": its three rounds, about 3 s, became one)
            most_first = (e1, f1)
        # the bound is aimed at proposals where every pair covers a wanted skill (the usual
        # case). Unproven, once more: when the best found has fewer pairs than `card`, with no
        # unit taken off (the LP then puts the most pairs first: with the wanted-skill or the
        # pair unit off, it left out pairs the most pairs need, and an admin's 3,000-person
        # pool got 1,602 pairs where 1,650 were possible); when it needs pairs without a
        # wanted skill, with the pair unit alone.
        mu, tried, took = big.pair + big.wanted, set(), N / 3000
        while mu is not None and time.perf_counter() + (
                took / 2 if mu == 0 and most_first is not start else took) < deadline:
            tried.add(mu)
            t_round = time.perf_counter()
            best, best_val, b = _cover_round(P, C, big, Kd, most_first if mu == 0 else start,
                                             card, mu, deadline, best, 0 not in tried)
            # the next round takes about as long (half as long with mu = 0 after the solve
            # for `card`: its LP starts from that solve's pairs; 10,000 people with 5 %
            # "either": 7.4 s, then 4 s)
            took = time.perf_counter() - t_round
            bound = b if bound is None else min(bound, b)
            if best_val >= bound:
                break
            if len(best) < card:
                mu = 0
            elif best and not (big.key_value(P.K[tuple(np.array(best).T)]) >= big.wanted).all():
                mu = big.pair
            else:
                mu = None
            if mu in tried:
                mu = None
    except _OutOfTime:
        pass
    if bound is None or not best:
        return None
    return best, max(bound, best_val)


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
    as_mentor = np.zeros(P.n, bool)
    as_mentee = np.zeros(P.n, bool)
    for m, e in pairs_idx:
        as_mentor[m] = as_mentee[e] = True
    unmatched = tuple(
        UnmatchedPerson(P.people[i].user_id, _unmatched_reason(P, i, as_mentee, as_mentor))
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
        "left_out_last_round": int(P.left_out.sum()),
        "left_out_preferred": bool(P.wt.fairness),
        "left_out_last_round_paired": int(sum(1 for i in used if P.left_out[i])),
        "total_score": total,
        "mean_score": round(total / npairs, 2) if npairs else 0.0,
        "eligible_edges": (P.K.eligible_count() if isinstance(P.K, LazyKeys)
                           else int((P.K >= 0).sum())),
        "solver": solver,
        "proven_optimal": solver != "milp_time_limit" and bound is None,
        "optimality_gap": 0,
        "optimality_gap_pairs": 0,
        "stopped_by": None,
    }
    if bound is not None:
        # why a round stops unproven, for the preview: its size (beyond the exact methods'
        # reach) or people who said "either" (and can take several partners)
        nodes = P.n + int(np.maximum(P.capL - 1, 0).sum())
        too_big = isinstance(P.K, LazyKeys) or nodes > _COVER_MAX_NODES
        stats["stopped_by"] = "either" if stats["either"] and not too_big else "size"
    if bound is not None:  # upper bound on BIG * pairs + total score of any valid proposal
        big = _big(P).pair
        gap_pairs = max(0, bound // big - npairs)
        stats["optimality_gap_pairs"] = int(gap_pairs)
        found = _pairs_weight(P, [(P.posL[m], P.posR[e]) for m, e in pairs_idx], _big(P))
        stats["optimality_gap"] = int(max(0, bound - big * gap_pairs - found))
    return Proposal(tuple(pairs), unmatched, stats)


# --------------------------------------------------------------------------- entry points


def _propose(pool, history, rules, skill_labels, method: str, left_out=(), keep=()) -> Proposal:
    t0 = time.perf_counter()
    P = _Pool(pool, history, rules, left_out)
    t1 = time.perf_counter()
    lazy = isinstance(P.K, LazyKeys)
    try:
        with one_blas_thread() if lazy else contextlib.nullcontext():
            # the budget covers the whole call: the proposal's build comes off the solve's time
            deadline = t0 + float(rules.time_budget_s) - _BUILD_S * P.n
            pairs, solver, bound = _solve(P, method, deadline, _keep_index(P, keep))
            if bound is not None:  # cut short: no pair left undone between people left out
                pairs = _complete(P, P.wt, pairs)
            t2 = time.perf_counter()
            pairs_idx = [(int(P.L[lp]), int(P.R[rp])) for lp, rp in pairs]
            out = _build(P, pairs_idx, skill_labels, solver, bound)
    finally:
        if lazy:
            P.K.close()  # the passes' helper threads
    # unproven after half the budget or more: the budget is what stopped it; earlier, the
    # methods ran out of ways to prove it (the preview says which). A round beyond the dense
    # matrix with "either" people says itself whether the budget cut it.
    late = t2 - t0 >= 0.5 * float(rules.time_budget_s) and solver != "either_rounded"
    out.stats["stopped_at_time_limit"] = bool(
        bound is not None and (late or solver == "either_rounded_time_limit"))
    if _TRACE is not None:
        _TRACE.append({"pool": round(t1 - t0, 3), "solve": round(t2 - t1, 3),
                       "build": round(time.perf_counter() - t2, 3)})
    return out


def propose(
    pool: Sequence[Candidate],
    history: Iterable[tuple[str, str]] = (),
    rules: Rules | None = None,
    skill_labels: Mapping[str, str] | None = None,
    left_out: Iterable[str] = (),
    keep: Iterable[tuple[str, str]] = (),
) -> Proposal:
    """Optimal, deterministic proposal for one matching round.

    Maximises, in this order: the number of pairs; the number of mentees whose mentor shares
    a skill they want to learn; the number of people paired among `left_out` (user IDs left
    unmatched last round, so nobody who could be paired is left out round after round); the
    total score; then, among proposals equal on all four, the number of pairs of `keep`
    ((mentor_id, mentee_id) of the previous preview, so one change in the pool moves few
    pairs; rounds without "either" people so far). All under the hard rules. `history` holds
    earlier (mentor_id, mentee_id) pairs; either order is never repeated.
    """
    return _propose(pool, history, rules or Rules(), skill_labels, "auto", left_out, keep)
