"""The program's data for a spreadsheet: pairs, people and check-ins as typed rows (numbers and
choices only: nobody's free text), from the same reads and definitions as the health report
(bot/services/report.py). bot/blocks/export.py writes them as CSV.
"""

from __future__ import annotations

import gc
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from bot.services.report import PairHealth, Report, ReportData, compute, load
from storage.db import Database
from storage.models import PAIR_ACTIVE
from storage.repositories.reporting import CheckinRow, PersonRow

KINDS = ("pairs", "people", "checkins")


@dataclass(frozen=True)
class PersonExport:
    person: PersonRow
    active_pairs: int
    pairs: int


class CheckinExport(NamedTuple):  # a tuple: tens of thousands are built per export
    checkin: CheckinRow
    name: str
    role: str  # "mentor" or "mentee" in that pair
    goal_progress: dict[str, int]  # progress key -> goals reported on (mentee goals and learn-back items)


@dataclass(frozen=True)
class Export:
    team_id: str
    generated_at: datetime
    pairs: list[PairHealth]  # by pair id
    people: list[PersonExport]
    checkins: list[CheckinExport]


@contextmanager
def _collector_paused():
    """The cyclic garbage collector off while hundreds of thousands of rows (which hold no cycles)
    are built: its full passes over them took a fifth of the export's time. Back on afterwards,
    unless it was already off."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()


def build(db: Database, *, team_id: str, now: datetime) -> Export:
    with _collector_paused():
        return from_data(load(db, team_id=team_id), now=now)


def from_data(data: ReportData, *, now: datetime, report: Report | None = None) -> Export:
    report = report or compute(data, now=now)
    names = {p.user_id: p.name for p in data.people}
    roles = {}
    active: dict[str, int] = {}
    total: dict[str, int] = {}
    for p in data.pairs:
        roles[(p.id, p.mentor_id)] = "mentor"
        roles[(p.id, p.mentee_id)] = "mentee"
        for uid in (p.mentor_id, p.mentee_id):
            total[uid] = total.get(uid, 0) + 1
            if p.status == PAIR_ACTIVE:
                active[uid] = active.get(uid, 0) + 1
    goal_roles = {g.id: g.role for g in data.goals}
    checkins = []
    append = checkins.append
    for c in data.checkins:
        counts: dict[str, int] = {}
        if c.goal_progress:
            for goal_id, key in c.goal_progress.items():
                try:
                    known = int(goal_id) in goal_roles
                except ValueError:
                    known = False
                if known:
                    counts[key] = counts.get(key, 0) + 1
        append(CheckinExport(c, names.get(c.user_id, ""), roles.get((c.pair_id, c.user_id), ""), counts))
    return Export(
        team_id=data.team_id, generated_at=now,
        pairs=sorted(report.pairs, key=lambda p: p.pair_id),
        people=[PersonExport(p, active.get(p.user_id, 0), total.get(p.user_id, 0)) for p in data.people],
        checkins=checkins,
    )
