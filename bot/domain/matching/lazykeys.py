"""The key matrix of a large pool without "either" people, computed block by block.

`solver._Pool.K` is a dense (possible mentors x possible mentees) int16 matrix: 1.25 GB at
50,000 people. For large pools where nobody can take both roles (the bipartite method only)
the pool holds a :class:`LazyKeys` instead: the same keys, computed on demand from the
factor matrices, exactly (small integers in float32):

    key = 16 * (10 * A + 4 * B + time-zone points + 3 * [departments differ])
          + tie_l * tie_r + 16 * (max_score + 1) * [A > 0]

where A = |mentee.learn & mentor.share| and B = |mentor.learn & mentee.share| come from
two float32 products (skills only), and the time zone, department and seniority rules, which
depend on three small attributes of the mentor, are one precomputed row of column terms per
(time zone, department, seniority) group of mentors: the mentors are processed group by
group, so those rules cost one broadcast addition per block instead of one-hot product
columns. Ineligible pairs get a term of -2**20 per broken rule (exact in float32), history
and manager pairs are struck out per block; readers see -1 for every ineligible pair, like
the dense matrix.

Used by solver._top_edges / solver._violations (their lazy variants) and, through
indexing, by _Weights and the reasons. No "either" code path ever sees it.
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from threadpoolctl import threadpool_limits

from bot.domain.matching.model import W_BACK, W_CROSS_DEPT, W_WANTED

_NEG = float(-(1 << 20))  # per broken rule; every ineligible sum stays below -2**19
_BLOCK = 128  # most mentor rows per block of a pass
_PAIR_CHUNK = 1 << 18
# Threads for the passes over every pair (numpy's products and comparisons release the GIL):
# two at most, each with its own scratch buffers (~50 MB at 50,000 people).
_THREADS = max(1, min(2, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
                      else (os.cpu_count() or 1)))


def one_blas_thread():
    """The passes' products are many small ones (a few hundred rows x 27-66 columns), and
    OpenBLAS's threads wait for one another on each: on the 2-core bench machine with other
    work running they took 4-6 times longer than one thread. So a round on a LazyKeys runs
    with one BLAS thread (threadpoolctl; the previous setting is restored after)."""
    return threadpool_limits(limits=1, user_api="blas")


class LazyKeys:
    """Read-only stand-in for the dense key matrix (indexing returns exact int keys)."""

    ndim = 2

    def __init__(self, P, dtype):
        L, R = P.L, P.R
        nl, nr = len(L), len(R)
        self.shape = (nl, nr)
        self.size = nl * nr
        self.dtype = np.dtype(dtype)
        self.bonus = np.float32(16 * (P.max_score + 1))
        self._max = None
        self._local = threading.local()  # scratch buffers, one set per thread
        self._pool = None  # the passes' helper threads (see map_blocks), until close()
        self.row_max = self.col_max = None  # largest key per row / column (first pass)
        self.cache = None  # (arguments, result) of the first candidate pass
        tie_l = ((np.arange(nl) * 7 + 3) % 4).astype(np.float32)
        self.tie_r = ((np.arange(nr) * 5 + 1) % 4).astype(np.float32)
        share, learn = P.share, P.learn
        # one product: 16 * (10 A + 4 B) + tie_l * tie_r - 2**20 * [seniority rule broken]
        # (mentor: one-hot of its seniority among the mentors' values; mentee: for each of
        # those values v, [mentee's seniority <= v])
        self.sen_l, self.sen_r = P.sen[L], P.sen[R]
        svals, scode = np.unique(self.sen_l, return_inverse=True)
        onehot = np.zeros((nl, len(svals)), np.float32)
        onehot[np.arange(nl), scode] = _NEG
        thermo = (self.sen_r[None, :] <= svals[:, None]).astype(np.float32)
        # skills nobody on one side has add nothing: left out of the product
        a_on = share[L].any(axis=0) & learn[R].any(axis=0)
        b_on = learn[L].any(axis=0) & share[R].any(axis=0)
        self.FL = np.ascontiguousarray(np.hstack([
            16 * W_WANTED * share[L][:, a_on], 16 * W_BACK * learn[L][:, b_on], tie_l[:, None],
            onehot]), np.float32)
        self.GR = np.ascontiguousarray(np.vstack([
            learn[R].T[a_on], share[R].T[b_on], self.tie_r[None, :], thermo]), np.float32)
        self.GRT = np.ascontiguousarray(self.GR.T)
        # covered = A > 0, from skill bit masks (or a second product beyond 62 skills)
        nsk = share.shape[1]
        if nsk <= 62:
            bits = np.int64(1) << np.arange(nsk, dtype=np.int64)
            mt = np.int32 if nsk <= 30 else np.int64
            self.cov_l = ((share[L] > 0.5) @ bits).astype(mt)
            self.cov_r = ((learn[R] > 0.5) @ bits).astype(mt)
            self.CL = self.CR = None
            self.pair_bits = (self.cov_l.astype(np.int64), ((learn[L] > 0.5) @ bits),
                              self.cov_r.astype(np.int64), ((share[R] > 0.5) @ bits))
        else:  # pragma: no cover - the catalog has 27 skills
            self.cov_l = self.cov_r = self.pair_bits = None
            self.CL = np.ascontiguousarray(share[L], np.float32)
            self.CR = np.ascontiguousarray(learn[R].T, np.float32)
        # attributes
        self.tz_l, self.tz_r = P.tzc[L], P.tzc[R]
        self.dep_l, self.dep_r = P.dept[L], P.dept[R]
        self.tz16 = np.where(P.tz_table < 0, _NEG, 16 * P.tz_table).astype(np.float32)
        self.same_dept = np.float32(0 if P.rules.allow_same_department else _NEG)
        self.cross = np.float32(16 * W_CROSS_DEPT)
        # bit masks of skills for pair keys (fallback: float dot products)
        nsk = share.shape[1]
        if nsk <= 63:
            w = (np.int64(1) << np.arange(nsk, dtype=np.int64))
            self.msk = ((share[L] > 0.5) @ w, (learn[L] > 0.5) @ w,
                        (learn[R] > 0.5) @ w, (share[R] > 0.5) @ w)
        else:  # pragma: no cover - the catalog has 27 skills
            self.msk = None
        self._share_l, self._learn_l = share[L], learn[L]
        self._learn_r, self._share_r = learn[R], share[R]
        # history and manager pairs, as sorted flat codes l * nr + r
        codes = []
        for i, j in P._pair_exclusions():
            for m, e in ((i, j), (j, i)):
                if P.posL[m] >= 0 and P.posR[e] >= 0:
                    codes.append(int(P.posL[m]) * nr + int(P.posR[e]))
        self.ex = np.unique(np.array(codes, np.int64))
        ex_l = self.ex // max(1, nr)
        self.ex_ptr = np.searchsorted(ex_l, np.arange(nl + 1))
        self.ex_r = self.ex % max(1, nr)
        # groups of mentors with the same time zone and department
        g = self.tz_l * (int(self.dep_l.max(initial=0)) + 1) + self.dep_l
        self.order = np.argsort(g, kind="stable")
        gs = g[self.order]
        self.starts = np.flatnonzero(np.r_[True, gs[1:] != gs[:-1]]) if nl else np.zeros(0, int)
        self.group_of = g
        self._per_row = self._per_col = None

    # ------------------------------------------------------------------ column contexts

    def columns(self, cols=None):
        """The mentee side of a pass, for the columns `cols` (all, in order, by default)."""
        if cols is None:
            return (self.GR, self.cov_r if self.CR is None else self.CR, self.tz_r, self.dep_r,
                    None)
        pos = np.full(self.shape[1], -1, np.int64)
        pos[cols] = np.arange(len(cols))
        cov = self.cov_r[cols] if self.CR is None else np.ascontiguousarray(self.CR[:, cols])
        return (np.ascontiguousarray(self.GR[:, cols]), cov, self.tz_r[cols], self.dep_r[cols],
                pos)

    def _colterm(self, l0: int, ctx, ncols: int):
        """Time-zone and department terms for mentor row l0's group (-2**20 if broken)."""
        tz_r, dep_r = ctx[2][:ncols], ctx[3][:ncols]
        ct = self.tz16[self.tz_l[l0]][tz_r]
        ct += np.where(dep_r == self.dep_l[l0], self.same_dept, self.cross)
        return ct

    def groups(self, rows_ok=None, block: int = _BLOCK):
        """Blocks of mentor rows sharing time zone and department: (rows, first row)."""
        starts = list(self.starts) + [self.shape[0]]
        for a, b in zip(starts[:-1], starts[1:], strict=True):
            rows = self.order[a:b]
            if rows_ok is not None:
                rows = rows[rows_ok[rows]]
            for c in range(0, len(rows), block):
                yield rows[c : c + block], int(rows[0])

    def _covered(self, X, rows, cov, ncols):
        """X += bonus where the mentor shares a skill the mentee wants."""
        if self.CR is None:
            m = self.scratch("m", X.shape, self.cov_l.dtype)
            np.bitwise_and(self.cov_l[rows, None], cov[None, :ncols], out=m)
            mk = self.scratch("mk", X.shape, bool)
            np.not_equal(m, 0, out=mk)
            t = self.scratch("t", X.shape, np.float32)
            np.multiply(mk, self.bonus, out=t)
            X += t
        else:  # pragma: no cover
            A = self.CL[rows] @ cov[:, :ncols]
            np.minimum(A, 1, out=A)
            A *= self.bonus
            X += A

    def block(self, rows, l0: int, ctx, ncols: int | None = None, covered: bool = True):
        """float32 keys of `rows` (one group) x the first `ncols` columns of ctx: exact for
        eligible pairs, below -2**19 for ineligible ones. Without `covered`, the keys less
        the covered bonus (`self.bonus` where the mentor shares a skill the mentee wants):
        key - bonus <= X <= key; `covered_at` adds it for chosen pairs."""
        GR, cov, *_, pos = ctx
        ncols = GR.shape[1] if ncols is None else ncols
        X = self.scratch("X", (len(rows), ncols), np.float32)
        np.matmul(self.FL[rows], GR if ncols == GR.shape[1] else GR[:, :ncols], out=X)
        if covered:
            self._covered(X, rows, cov, ncols)
        X += self._colterm(l0, ctx, ncols)
        self._strike(X, rows, pos, ncols)
        return X

    def covered_at(self, rows, cols) -> np.ndarray:
        """The covered bonus of the pairs (rows[k], cols[k]) (0 or `self.bonus`), int64."""
        if self.CR is None:
            hit = (self.cov_l[rows] & self.cov_r[cols]) != 0
        else:  # pragma: no cover - more than 62 skills
            hit = np.einsum("ij,ji->i", self.CL[rows], self.CR[:, cols]) > 0.5
        return hit * np.int64(self.bonus)

    def release(self) -> None:
        """Free this thread's scratch buffers (between passes; the helper threads keep
        theirs until close())."""
        self._local.__dict__.clear()

    def close(self) -> None:
        """End the helper threads (and free their buffers)."""
        if self._pool is not None:
            self._pool.shutdown()
            self._pool = None

    def map_blocks(self, fn, blocks) -> list:
        """[fn(rows, l0) for each block], the blocks dealt round-robin to this thread and
        `_THREADS - 1` helper threads, kept with their scratch buffers until close() (new
        threads each pass cost their buffers' page faults again). Results in block order."""
        blocks = list(blocks)
        if _THREADS == 1 or len(blocks) < 2 * _THREADS:
            return [fn(rows, l0) for rows, l0 in blocks]
        if self._pool is None:
            self._pool = ThreadPoolExecutor(_THREADS - 1, thread_name_prefix="matching-pass")

        def run(share):
            return [fn(rows, l0) for rows, l0 in share]

        shares = [blocks[k::_THREADS] for k in range(_THREADS)]
        with one_blas_thread():  # each thread's products on one BLAS thread (see above)
            futures = [self._pool.submit(run, share) for share in shares[1:]]
            parts = [run(shares[0])] + [f.result() for f in futures]
        out = [None] * len(blocks)
        for k, part in enumerate(parts):
            out[k::_THREADS] = part
        return out

    def scratch(self, name: str, shape, dtype) -> np.ndarray:
        """A reused buffer (fresh arrays of this size cost page faults on every block).
        Valid until the next call with the same name: block()'s result is overwritten by
        the next block()."""
        n = int(np.prod(shape))
        mine = self._local.__dict__
        buf = mine.get(name)
        if buf is None or buf.dtype != np.dtype(dtype) or len(buf) < n:
            buf = mine[name] = np.empty(max(n, _BLOCK * self.shape[1]), dtype)
        return buf[:n].reshape(shape)

    def _strike(self, X, rows, pos, ncols):
        cnt = self.ex_ptr[rows + 1] - self.ex_ptr[rows]
        tot = int(cnt.sum())
        if not tot:
            return
        idx = np.repeat(self.ex_ptr[rows] - np.cumsum(cnt) + cnt, cnt) + np.arange(tot)
        rr = np.repeat(np.arange(len(rows)), cnt)
        cc = self.ex_r[idx]
        if pos is not None:
            cc = pos[cc]
        keep = (cc >= 0) & (cc < ncols)
        X[rr[keep], cc[keep]] = _NEG

    # ------------------------------------------------------------------ exact reads

    def rows(self, rows, cols=None) -> np.ndarray:
        """Exact keys (-1 if ineligible) of mentor rows x columns (all by default)."""
        rows = np.atleast_1d(np.asarray(rows, np.int64))
        ctx = self.columns(None if cols is None else np.atleast_1d(np.asarray(cols, np.int64)))
        out = np.empty((len(rows), ctx[0].shape[1]), self.dtype)
        at, blocks = self._by_group(rows)

        def keys(rb, l0):
            X = self.block(rb, l0, ctx)
            return np.maximum(X, -1).astype(self.dtype)

        for pos, X in zip(at, self.map_blocks(keys, blocks), strict=True):
            out[pos] = X
        if len(rows) > _BLOCK:
            self.release()
        return out

    def _by_group(self, rows, block: int = _BLOCK):
        """The given rows in blocks of one group: (positions in `rows` of each block,
        [(rows, first row)] for map_blocks)."""
        g = self.group_of[rows]
        order = np.argsort(g, kind="stable")
        gs = g[order]
        cuts = np.flatnonzero(np.r_[True, gs[1:] != gs[:-1], True])
        at, blocks = [], []
        for a, b in zip(cuts[:-1], cuts[1:], strict=True):
            for c in range(a, b, block):
                at.append(order[c : min(b, c + block)])
                blocks.append((rows[at[-1]], int(rows[at[-1][0]])))
        return at, blocks

    def colmax_key(self, rows) -> np.ndarray:
        """Per column, the largest key over `rows` (-1 where none is eligible)."""
        ctx = self.columns()
        best = np.full(self.shape[1], -1.0, np.float32)
        _, blocks = self._by_group(np.asarray(rows, np.int64))
        for m in self.map_blocks(lambda rb, l0: self.block(rb, l0, ctx).max(axis=0), blocks):
            np.maximum(best, m, out=best)
        self.release()
        return best.astype(np.int64)

    def pairs(self, el, er) -> np.ndarray:
        """Exact keys of the pairs (el[k], er[k])."""
        el = np.asarray(el, np.int64)
        er = np.asarray(er, np.int64)
        shape = np.broadcast(el, er).shape
        el, er = np.broadcast_to(el, shape).ravel(), np.broadcast_to(er, shape).ravel()
        out = np.empty(len(el), self.dtype)
        for a in range(0, len(el), _PAIR_CHUNK):
            r = er[a : a + _PAIR_CHUNK]
            l = el[a : a + _PAIR_CHUNK]  # noqa: E741
            if self.pair_bits is not None:
                sl, ll, lr, sr = self.pair_bits
                A = _popcount(sl[l] & lr[r])
                x = 16 * W_WANTED * A + 16 * W_BACK * _popcount(ll[l] & sr[r])
                x += ((l * 7 + 3) % 4) * ((r * 5 + 1) % 4)
                x += np.where(self.sen_r[r] <= self.sen_l[l], int(_NEG), 0)
            else:  # pragma: no cover - more than 62 skills
                x = np.einsum("ij,ij->i", self.FL[l], self.GRT[r]).astype(np.int64)
                A = np.einsum("ij,ji->i", self.CL[l], self.CR[:, r]) > 0.5
            x += (A > 0) * np.int64(self.bonus)
            x += self.tz16[self.tz_l[l], self.tz_r[r]].astype(np.int64)
            x += np.where(self.dep_l[l] == self.dep_r[r], int(self.same_dept), int(self.cross))
            if len(self.ex):
                x[member(self.ex, l * self.shape[1] + r)] = int(_NEG)
            out[a : a + len(l)] = np.maximum(x, -1)
        return out.reshape(shape)

    def __getitem__(self, key):
        if isinstance(key, tuple):
            a, b = key
            if isinstance(a, slice):
                col = self.rows(np.arange(self.shape[0])[a], np.atleast_1d(np.arange(self.shape[1])[b]))
                return col[:, 0] if np.ndim(b) == 0 else col
            if isinstance(b, slice):
                return self.rows(np.atleast_1d(np.arange(self.shape[0])[a]), np.arange(self.shape[1])[b])
            res = self.pairs(a, b)
            return res[()] if res.ndim == 0 else res
        if isinstance(key, slice):
            return self.rows(np.arange(self.shape[0])[key])
        if np.ndim(key) == 0:
            return self.rows([int(key)])[0]
        return self.rows(key)

    # ------------------------------------------------------------------ whole-matrix figures

    def max(self) -> int:
        """The largest key (-1 if no pair is eligible); known after the first pass."""
        if self._max is None:
            m = -1
            ctx = self.columns()
            for rows, l0 in self.groups():
                X = self.block(rows, l0, ctx)
                m = max(m, int(X.max(initial=-1)))
            self._max = max(-1, m)
        return self._max

    def eligible_count(self) -> int:
        """Number of eligible pairs (see _counts)."""
        return int(self._counts()[0].sum())

    def row_eligible(self, li: int) -> int:
        return int(self._counts()[0][li])

    def col_eligible(self, ri: int) -> int:
        return int(self._counts()[1][ri])

    def _counts(self):
        """Eligible pairs per row and per column, from the attributes (no pass over the
        pairs): per group, the columns whose time-zone and department rules hold, then the
        seniority rule by a search in sorted seniorities; less the struck-out history and
        manager pairs whose rules hold."""
        if self._per_row is not None:
            return self._per_row, self._per_col
        nl, nr = self.shape
        ctx = self.columns()
        per_row = np.zeros(nl, np.int64)
        per_col = np.zeros(nr, np.int64)
        for a, b in zip(self.starts, list(self.starts[1:]) + [nl], strict=True):
            rows = self.order[a:b]
            ok = self._colterm(int(rows[0]), ctx, nr) > _NEG / 2
            sen_ok = np.sort(self.sen_r[ok])
            per_row[rows] = len(sen_ok) - np.searchsorted(sen_ok, self.sen_l[rows], side="right")
            sen_rows = np.sort(self.sen_l[rows])
            per_col[ok] += np.searchsorted(sen_rows, self.sen_r[ok], side="left")
        if len(self.ex):
            el, er = self.ex // nr, self.ex % nr
            rule_ok = (self.tz16[self.tz_l[el], self.tz_r[er]] >= 0) & (self.sen_r[er] > self.sen_l[el])
            rule_ok &= (self.dep_l[el] != self.dep_r[er]) | (self.same_dept == 0)
            np.subtract.at(per_row, el[rule_ok], 1)
            np.subtract.at(per_col, er[rule_ok], 1)
        self._per_row, self._per_col = per_row, per_col
        return per_row, per_col


def member(sorted_codes: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """codes[k] in sorted_codes (sorted, unique), by binary search."""
    if not len(sorted_codes):
        return np.zeros(len(codes), bool)
    i = np.searchsorted(sorted_codes, codes)
    np.minimum(i, len(sorted_codes) - 1, out=i)
    return sorted_codes[i] == codes


_BYTE_BITS = np.array([bin(i).count("1") for i in range(256)], np.int64)


def _popcount(x: np.ndarray) -> np.ndarray:
    """Set bits of non-negative int64 values (numpy >= 2: bitwise_count)."""
    if hasattr(np, "bitwise_count"):
        return np.bitwise_count(x).astype(np.int64)
    b = np.ascontiguousarray(x, np.int64).view(np.uint8).reshape(-1, 8)  # pragma: no cover
    return _BYTE_BITS[b].sum(axis=1)  # pragma: no cover
