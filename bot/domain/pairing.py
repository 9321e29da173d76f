"""Why two people were paired, in the terms they would use: what one can share that the other
wants to learn (in both directions), what they both care about, and whether their teams meet.
Never scores, years or time-zone offsets: bot/blocks/rounds.py puts this into words for the
pair's introduction. Pure: reads profiles (anything with `skills_share`, `skills_learn` and
`department`), imports nothing of the app but the catalog.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain import catalog


@dataclass(frozen=True)
class Why:
    wanted: tuple[str, ...] = ()  # labels: what the mentee wants to learn that the mentor can share
    back: tuple[str, ...] = ()  # labels: what the mentor wants to learn that the mentee can share back
    common: tuple[str, ...] = ()  # labels: what both want to learn, or both can share
    departments: tuple[str, str] | None = None  # (mentor's, mentee's) when they differ

    @property
    def skills(self) -> bool:
        return bool(self.wanted or self.back or self.common)


def _keys(values) -> set[str]:
    return {k for k in (values or ()) if isinstance(k, str)}


def _labels(keys: set[str]) -> tuple[str, ...]:
    # Catalog order: the order people see in the join modal.
    order = {s.key: i for i, s in enumerate(catalog.SKILLS)}
    return tuple(catalog.skill_label(k) for k in sorted(keys, key=lambda k: (order.get(k, len(order)), k)))


def why(mentor, mentee) -> Why:
    """Why `mentor` and `mentee` (their profiles; None when one was deleted) make a pair."""
    if mentor is None or mentee is None:
        return Why()
    wanted = _keys(mentee.skills_learn) & _keys(mentor.skills_share)
    back = _keys(mentor.skills_learn) & _keys(mentee.skills_share)
    both = ((_keys(mentor.skills_learn) & _keys(mentee.skills_learn))
            | (_keys(mentor.skills_share) & _keys(mentee.skills_share))) - wanted - back
    a, b = (mentor.department or "").strip(), (mentee.department or "").strip()
    departments = (a, b) if a and b and a.casefold() != b.casefold() else None
    return Why(wanted=_labels(wanted), back=_labels(back), common=_labels(both), departments=departments)
