"""Hard rules, scores and the reasons behind them, in people's words.

Scalar rules for one (mentor, mentee) couple (`eligible`, `score`, the reasons of a proposed
pair) and the vectorised block codes that explain why someone was left unmatched. The
functions at the end read the solver's pool arrays (``solver._Pool``, passed in as ``P``);
this module does not import the solver.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from functools import lru_cache

import numpy as np

from bot.domain.matching.model import (
    EITHER,
    MAX_REASON_LEN,
    MENTEE,
    MENTOR,
    W_BACK,
    W_CROSS_DEPT,
    W_TZ_MAX,
    W_WANTED,
    WORK_DAY_MINUTES,
    Candidate,
    Rules,
)
from bot.domain.timezones import zone

# Block codes, in the order the rules are checked. Higher = the pair got further.
_ROLE, _SELF, _CAP0, _SENIORITY, _HISTORY, _MANAGER, _DEPARTMENT, _TZ_UNKNOWN, _TZ, _OK = range(10)


# --------------------------------------------------------------------------- helpers


def _dept_key(department: str) -> str:
    return (department or "").strip().casefold()


def _name(c: Candidate) -> str:
    return (c.name or "").strip() or c.user_id


def _reference_time(rules: Rules) -> datetime:
    ref = rules.reference_time or datetime.now(UTC)
    if ref.tzinfo is None:
        ref = ref.replace(tzinfo=UTC)
    # Minute resolution keeps the offset cache small and deterministic.
    return ref.astimezone(UTC).replace(second=0, microsecond=0)


@lru_cache(maxsize=4096)
def _utc_offset_minutes(tz: str, ref: datetime) -> int | None:
    """UTC offset of `tz` at instant `ref`, in minutes; None if the name is unknown."""
    if not isinstance(tz, str) or not tz.strip():
        return None
    try:
        z = zone(tz.strip())
    except ValueError:  # unknown or malformed
        return None
    off = ref.astimezone(z).utcoffset()
    return None if off is None else round(off.total_seconds() / 60)


def _circular_diff(a: int, b: int) -> int:
    d = abs(a - b) % 1440
    return min(d, 1440 - d)


def _overlap_minutes(diff: int) -> int:
    return max(0, WORK_DAY_MINUTES - diff)


def _tz_points(diff: int) -> int:
    return min(W_TZ_MAX, _overlap_minutes(diff) // 120)


def _history_set(history: Iterable[tuple[str, str]]) -> frozenset[frozenset[str]]:
    return frozenset(frozenset((a, b)) for a, b in history if a != b)


def _labels(keys: Iterable[str], skill_labels: Mapping[str, str] | None) -> list[str]:
    lab = skill_labels or {}
    return [lab.get(k, k) for k in sorted(keys)]


def _fit(prefix: str, items: list[str], limit: int = MAX_REASON_LEN) -> str:
    """`prefix + ", ".join(items)`, dropping items into "and N more" to stay under `limit`."""
    for keep in range(len(items), 0, -1):
        text = prefix + ", ".join(items[:keep])
        if keep < len(items):
            text += f" and {len(items) - keep} more"
        if len(text) <= limit:
            return text
    text = prefix + f"{len(items)} skills"
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _fmt_hours(minutes: int) -> str:
    h = minutes / 60
    return str(int(h)) if h == int(h) else f"{h:.1f}".rstrip("0").rstrip(".")


def _can_mentor(c: Candidate) -> bool:
    return c.side in (MENTOR, EITHER)


def _can_be_mentee(c: Candidate) -> bool:
    return c.side in (MENTEE, EITHER)


# --------------------------------------------------------------------------- public rules


def _block_code(
    mentor: Candidate,
    mentee: Candidate,
    rules: Rules,
    hist: frozenset[frozenset[str]],
    ref: datetime,
) -> int:
    if not _can_mentor(mentor) or not _can_be_mentee(mentee):
        return _ROLE
    if mentor.user_id == mentee.user_id:
        return _SELF
    if mentor.capacity < 1:
        return _CAP0
    if not mentor.seniority_years < mentee.seniority_years:
        return _SENIORITY
    if frozenset((mentor.user_id, mentee.user_id)) in hist:
        return _HISTORY
    if mentor.manager_id == mentee.user_id or mentee.manager_id == mentor.user_id:
        return _MANAGER
    if not rules.allow_same_department and _dept_key(mentor.department) == _dept_key(
        mentee.department
    ):
        return _DEPARTMENT
    a = _utc_offset_minutes(mentor.timezone, ref)
    b = _utc_offset_minutes(mentee.timezone, ref)
    if a is None or b is None:
        return _TZ_UNKNOWN
    if _circular_diff(a, b) > rules.max_tz_diff_hours * 60 + 1e-9:
        return _TZ
    return _OK


def eligible(
    mentor: Candidate,
    mentee: Candidate,
    rules: Rules | None = None,
    history: Iterable[tuple[str, str]] = (),
) -> str | None:
    """None if `mentor` may mentor `mentee` under the hard rules, else the reason it may not.

    Capacity and "one role per round" are properties of a whole round, checked by `propose`.
    """
    rules = rules or Rules()
    ref = _reference_time(rules)
    code = _block_code(mentor, mentee, rules, _history_set(history), ref)
    m, e = _name(mentor), _name(mentee)
    if code == _OK:
        return None
    if code == _ROLE:
        if not _can_mentor(mentor):
            return f"{m} signed up to learn, not to mentor"
        return f"{e} signed up to share skills, not to be mentored"
    if code == _SELF:
        return "A person cannot be paired with themselves"
    if code == _CAP0:
        return f"{m} has no mentoring capacity"
    if code == _SENIORITY:
        return (
            f"The mentor must be less senior than the mentee ({m}: {mentor.seniority_years} "
            f"years, {e}: {mentee.seniority_years} years)"
        )
    if code == _HISTORY:
        return f"{m} and {e} were paired before"
    if code == _MANAGER:
        if mentor.manager_id == mentee.user_id:
            return f"{e} is {m}'s manager"
        return f"{m} is {e}'s manager"
    if code == _DEPARTMENT:
        return f"Both are in the same department ({mentor.department.strip()})"
    if code == _TZ_UNKNOWN:
        bad = mentor if _utc_offset_minutes(mentor.timezone, ref) is None else mentee
        return f"Unknown time zone for {_name(bad)}: {bad.timezone!r}"
    a = _utc_offset_minutes(mentor.timezone, ref)
    b = _utc_offset_minutes(mentee.timezone, ref)
    return (
        f"Time zones are {_fmt_hours(_circular_diff(a, b))} hours apart "
        f"(limit {_fmt_hours(round(rules.max_tz_diff_hours * 60))})"
    )


def _score_parts(mentor: Candidate, mentee: Candidate, rules: Rules, ref: datetime):
    wanted = mentee.skills_learn & mentor.skills_share
    back = mentor.skills_learn & mentee.skills_share
    cross = _dept_key(mentor.department) != _dept_key(mentee.department)
    a = _utc_offset_minutes(mentor.timezone, ref)
    b = _utc_offset_minutes(mentee.timezone, ref)
    diff = None if a is None or b is None else _circular_diff(a, b)
    tzp = 0 if diff is None else _tz_points(diff)
    total = W_WANTED * len(wanted) + W_BACK * len(back) + (W_CROSS_DEPT if cross else 0) + tzp
    return total, wanted, back, cross, diff


def score(
    mentor: Candidate,
    mentee: Candidate,
    rules: Rules | None = None,
    skill_labels: Mapping[str, str] | None = None,
) -> tuple[int, list[str]]:
    """Exact integer score of the pair and the human reasons behind it."""
    rules = rules or Rules()
    ref = _reference_time(rules)
    total, wanted, back, cross, diff = _score_parts(mentor, mentee, rules, ref)
    m, e = _name(mentor), _name(mentee)
    reasons: list[str] = []
    if wanted:
        reasons.append(_fit(f"{m} can share what {e} wants to learn: ", _labels(wanted, skill_labels)))
    if back:
        reasons.append(_fit(f"{e} can share back: ", _labels(back, skill_labels)))
    if not wanted and not back:
        reasons.append("Neither asked for what the other can share yet: paired so both have a partner this round")
    if cross:
        reasons.append(
            _fit("Different departments: ", [mentor.department.strip(), mentee.department.strip()])
            .replace(", ", " and ", 1)
        )
    elif rules.allow_same_department:
        reasons.append(_fit("Same department (allowed this round): ", [mentor.department.strip()]))
    # In people's words: shared working hours, never offsets; no years (the seniority rule always
    # holds in a pair) and no score.
    if diff is not None:
        ov = _overlap_minutes(diff)
        if diff == 0:
            reasons.append("Same working hours")
        elif ov > 0:
            hours = _fmt_hours(ov)
            reasons.append(f"Their working days overlap by {hours} hour{'' if hours == '1' else 's'}")
        else:
            reasons.append("Their working days don't overlap")
    return total, reasons


# --------------------------------------------------------------------------- unmatched reasons


def _codes_against(P, i: int, as_mentor: bool, others: np.ndarray) -> np.ndarray:
    """Block code for person i (as mentor if as_mentor, else as mentee) against `others`."""
    codes = np.full(len(others), _OK, dtype=np.int64)
    if as_mentor:
        m_ok = P.can_mentor[i]
        role_ok = m_ok & P.can_mentee[others]
        sen_ok = P.sen[i] < P.sen[others]
        cap_ok = np.full(len(others), P.cap[i] >= 1)
    else:
        role_ok = P.can_mentee[i] & P.can_mentor[others]
        sen_ok = P.sen[others] < P.sen[i]
        cap_ok = P.cap[others] >= 1
    ids = [P.people[o].user_id for o in others]
    me = P.people[i].user_id
    hist_hit = np.array([frozenset((me, u)) in P.hist for u in ids], dtype=bool)
    mgr_hit = (P.mgr[others] == i) | (others == P.mgr[i])
    same_dept = (P.dept[others] == P.dept[i]) & (not P.rules.allow_same_department)
    tz_unknown = ~P.tz_valid[others] | (not P.tz_valid[i])
    tz_far = P.tz_table[P.tzc[i], P.tzc[others]] < 0
    # assign from the last rule to the first so the first failing rule wins
    for cond, code in (
        (tz_far, _TZ),
        (tz_unknown, _TZ_UNKNOWN),
        (same_dept, _DEPARTMENT),
        (mgr_hit, _MANAGER),
        (hist_hit, _HISTORY),
        (~sen_ok, _SENIORITY),
        (~cap_ok, _CAP0),
        (others == i, _SELF),
        (~role_ok, _ROLE),
    ):
        codes[cond] = code
    return codes


def _other_role(P, pos: int, row: bool, flags) -> int:
    """How many of the possible partners of L row `pos` (row=True; else R column `pos`) hold
    the other role in the proposal (`flags`: one bool per person, None: not known)."""
    if flags is None or not hasattr(P.K, "shape") or hasattr(P.K, "row_eligible"):
        return 0  # the block-by-block keys: counts only
    if row:
        return int(flags[P.R[np.flatnonzero(P.K[pos] >= 0)]].sum())
    return int(flags[P.L[np.flatnonzero(P.K[:, pos] >= 0)]].sum())


# Reasons of someone whose possible partners are all taken, j of n in the other role
# ("either" people): (only one and in the other role, all n in it, some, none).
_MENTEES_TAKEN = (
    "Their only possible mentee is mentoring others this round",
    "All {n} possible mentees are mentoring others this round",
    "All {n} possible mentees are taken: {k} paired with mentors who fit the round better, "
    "{j} mentoring others",
    "All {n} possible mentee{s} were paired with mentors who fit the round better",
)
_MENTORS_TAKEN = (
    "Their only possible mentor is a mentee themselves this round",
    "All {n} possible mentors are mentees themselves this round",
    "All {n} possible mentors are already paired: {k} with no place left, {j} as mentees "
    "themselves",
    "All {n} possible mentor{s} are already paired (mentor capacity used up by better fits)",
)


def _all_taken(n: int, j: int, texts: tuple[str, str, str, str]) -> str:
    text = texts[0 if j == n == 1 else 1 if j == n else 2 if j else 3]
    return text.format(n=n, j=j, k=n - j, s="s" if n > 1 else "")


def _unmatched_reason(P, i: int, as_mentee=None, as_mentor=None) -> str:
    """Why person i has no partner in the proposal; `as_mentee` / `as_mentor` (one bool per
    person, from the proposal) tell apart possible partners who took the other role."""
    c = P.people[i]
    rules = P.rules
    if not P.tz_valid[i]:
        return f"Their time zone ({c.timezone!r}) is not recognised, so no partner can be checked"
    if c.side == MENTOR and P.cap[i] < 1:
        return "Their mentoring capacity is set to 0"
    li, ri = P.posL[i], P.posR[i]
    K = P.K
    lazy = hasattr(K, "row_eligible")  # solver's LazyKeys: counted from the attributes
    n_mentees = (K.row_eligible(li) if lazy else int((K[li] >= 0).sum())) if li >= 0 else 0
    n_mentors = (K.col_eligible(ri) if lazy else int((K[:, ri] >= 0).sum())) if ri >= 0 else 0
    if n_mentees and n_mentors:
        return (
            f"All {n_mentees + n_mentors} possible partners were paired elsewhere, which gave "
            "the round more or better matches"
        )
    if n_mentees:
        return _all_taken(n_mentees, _other_role(P, li, True, as_mentor), _MENTEES_TAKEN)
    if n_mentors:
        return _all_taken(n_mentors, _other_role(P, ri, False, as_mentee), _MENTORS_TAKEN)
    others = np.array([o for o in range(P.n) if o != i], dtype=np.int64)
    best = np.full(len(others), _ROLE, dtype=np.int64)
    if _can_mentor(c):
        best = np.maximum(best, _codes_against(P, i, True, others))
    if _can_be_mentee(c):
        best = np.maximum(best, _codes_against(P, i, False, others))
    cand = best > _SELF
    if not cand.any():
        role = {MENTOR: "mentee", MENTEE: "mentor", EITHER: "partner"}[c.side]
        return f"Nobody in the pool can be their {role} right now"
    counts = {int(k): int((best[cand] == k).sum()) for k in np.unique(best[cand])}
    tzh = _fmt_hours(round(rules.max_tz_diff_hours * 60))
    dept = c.department.strip()
    if len(counts) == 1:
        (code,) = counts
        if code == _SENIORITY:
            if c.side == MENTOR:
                return "No possible mentee is more senior than them"
            if c.side == MENTEE:
                return "No possible mentor is less senior than them"
            return "Nobody has the seniority gap reverse mentoring needs with them"
        return {
            _CAP0: "Every possible mentor has their capacity set to 0",
            _HISTORY: "Every possible partner was paired with them before",
            _MANAGER: "Their only possible partners are their manager or their direct reports",
            _DEPARTMENT: f"Every possible partner is in the same department ({dept})"[:MAX_REASON_LEN],
            _TZ_UNKNOWN: "Every possible partner has an unrecognised time zone",
            _TZ: f"Every possible partner is more than {tzh} hours away",
        }[code]
    phrases = {
        _CAP0: "have no mentoring capacity",
        _SENIORITY: "lack the seniority gap",
        _HISTORY: "were paired with them before",
        _MANAGER: "are their manager or direct reports",
        _DEPARTMENT: f"are in the same department ({dept})"[:60],
        _TZ_UNKNOWN: "have an unrecognised time zone",
        _TZ: f"are more than {tzh} hours away",
    }
    parts = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    text = "No possible partner fits: " + ", ".join(f"{n} {phrases[k]}" for k, n in parts[:3])
    if len(parts) > 3:
        text += f", {sum(n for _, n in parts[3:])} for other reasons"
    return text
