"""Pairs an admin makes or remakes by hand: every matching rule a chosen pair breaks (not only
the first, as `eligible` says), which way round two people fit best, and the best partner for
one person from the pool (a rematch). Pure code over matching's Candidate and Rules.

The rules are those of a matching round (bot/domain/matching/rules.py); each broken one is
worded here in plain words, with the people's names, for the admin who may pair them anyway.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime

from bot.domain.matching import Candidate, ProposedPair, Rules, eligible, score
from bot.domain.matching.model import EITHER, MENTEE, MENTOR
from bot.domain.timezones import zone


def _name(c: Candidate) -> str:
    return (c.name or "").strip() or c.user_id


def _offset_minutes(tz: str, at: datetime) -> int | None:
    try:
        off = at.astimezone(zone(tz)).utcoffset()
    except ValueError:
        return None
    return None if off is None else round(off.total_seconds() / 60)


def _hours(minutes: float) -> str:
    h = minutes / 60
    return str(int(h)) if h == int(h) else f"{h:.1f}".rstrip("0").rstrip(".")


def broken_rules(mentor: Candidate, mentee: Candidate, rules: Rules,
                 history: Iterable[tuple[str, str]] = ()) -> list[str]:
    """Every matching rule that `mentor` mentoring `mentee` breaks, in plain words (empty: none)."""
    m, e = _name(mentor), _name(mentee)
    broken: list[str] = []
    if mentor.side not in (MENTOR, EITHER):
        broken.append(f"{m} signed up to learn digital skills, not to share them")
    if mentee.side not in (MENTEE, EITHER):
        broken.append(f"{e} signed up to share digital skills, not to learn them")
    if not mentor.seniority_years < mentee.seniority_years:
        broken.append(f"{m} ({mentor.seniority_years} years) isn't less senior than {e} "
                      f"({mentee.seniority_years} years): in reverse mentoring the junior colleague mentors")
    if any({a, b} == {mentor.user_id, mentee.user_id} for a, b in history):
        broken.append(f"{m} and {e} have been paired before")
    if mentor.manager_id == mentee.user_id:
        broken.append(f"{e} is {m}'s manager")
    if mentee.manager_id == mentor.user_id:
        broken.append(f"{m} is {e}'s manager")
    if not rules.allow_same_department and \
            (mentor.department or "").strip().casefold() == (mentee.department or "").strip().casefold():
        broken.append(f"Both work in the same department ({(mentor.department or '').strip()}), "
                      "and the program pairs people across departments")
    at = rules.reference_time or datetime.now(UTC)
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    a, b = _offset_minutes(mentor.timezone, at), _offset_minutes(mentee.timezone, at)
    if a is None or b is None:
        who = mentor if a is None else mentee
        broken.append(f"I don't know {_name(who)}'s time zone ({who.timezone!r})")
    else:
        diff = abs(a - b) % 1440
        diff = min(diff, 1440 - diff)
        if diff > rules.max_tz_diff_hours * 60 + 1e-9:
            broken.append(f"Their time zones are {_hours(diff)} hours apart; the program's limit is "
                          f"{_hours(rules.max_tz_diff_hours * 60)} hours")
    return broken


def orient(a: Candidate, b: Candidate, rules: Rules,
           history: Iterable[tuple[str, str]] = ()) -> tuple[Candidate, Candidate, list[str]]:
    """(mentor, mentee, broken rules) for two people: `a` mentors `b` unless the other way round
    breaks fewer rules."""
    history = list(history)
    ab = broken_rules(a, b, rules, history)
    ba = broken_rules(b, a, rules, history)
    if len(ba) < len(ab):
        return b, a, ba
    return a, b, ab


def proposed(mentor: Candidate, mentee: Candidate, rules: Rules,
             skill_labels: Mapping[str, str] | None = None) -> ProposedPair:
    """The pair as a round would propose it: its score and the reasons, in people's words."""
    total, reasons = score(mentor, mentee, rules, skill_labels)
    return ProposedPair(mentor=mentor.user_id, mentee=mentee.user_id, score=total, reasons=tuple(reasons))


def best_partner(person: Candidate, pool: Iterable[Candidate], rules: Rules,
                 history: Iterable[tuple[str, str]] = (),
                 skill_labels: Mapping[str, str] | None = None) -> ProposedPair | None:
    """A one-person round: the highest-scoring pair of `person` with someone in `pool` that breaks
    no rule (either way round, as their sides allow); None when nobody fits."""
    history = list(history)
    best: tuple[int, str, ProposedPair] | None = None
    for other in pool:
        if other.user_id == person.user_id:
            continue
        for mentor, mentee in ((person, other), (other, person)):
            if eligible(mentor, mentee, rules, history) is not None:
                continue
            pair = proposed(mentor, mentee, rules, skill_labels)
            # Highest score first; ties go to the lower Slack ID, so the answer is stable.
            key = (-pair.score, other.user_id + mentor.user_id)
            if best is None or key < (best[0], best[1]):
                best = (key[0], key[1], pair)
    return best[2] if best else None
