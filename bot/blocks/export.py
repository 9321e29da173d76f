"""The export's CSV files (UTF-8, a header row), and what is said around them.

Every cell that a spreadsheet would read as a formula (starting with = + - @, or a tab or
carriage return) is neutralised with a leading apostrophe. The files hold numbers and choices:
no one's free text (check-in answers, goals, intros) is in them.
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime

from bot.blocks.report import HEALTH_WORDS, STATUS_WORDS, reason_words
from bot.services.export import Export
from bot.services.report import PROGRESS_KEYS, UNREPORTED
from bot.slack.ids import COMMAND, Sub

PAIRS_COLUMNS = ("pair_id", "mentor_id", "mentor_name", "mentee_id", "mentee_name", "started", "ended", "status",
                 "cycles_done", "checkins", "meetings_reported", "avg_usefulness", "goals", "goals_progress",
                 "health", "health_reason")
PEOPLE_COLUMNS = ("user_id", "name", "status", "side", "skills_share", "skills_learn", "seniority_years",
                  "department", "timezone", "meeting_mode", "meeting_frequency", "capacity", "joined",
                  "paused_until", "left", "active_pairs", "pairs_total")
CHECKINS_COLUMNS = ("pair_id", "user_id", "name", "role", "cycle", "kind", "met", "usefulness", "blocker_reported",
                    "blocker_shared", "goals_progress", "overall_usefulness", "recommend", "keep_meeting",
                    "submitted")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
PROGRESS_LABELS = {"done": "done", "on_track": "on track", "some": "some progress", "not_started": "not started",
                   UNREPORTED: "not reported"}


_FIRSTS = frozenset(FORMULA_STARTS)


def neutralise(value) -> str:
    """A cell as text, safe from spreadsheet formula injection."""
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    return "'" + text if text[:1] in _FIRSTS else text


def _day(value: datetime | date | None) -> str:
    if value is None:
        return ""
    return value.date().isoformat() if isinstance(value, datetime) else value.isoformat()


def _yes_no(value: bool) -> str:
    return "yes" if value else "no"


_PROGRESS_ORDER = (*PROGRESS_KEYS[::-1], UNREPORTED)


def _progress(counts: dict[str, int]) -> str:
    if not counts:
        return ""
    return "; ".join(f"{PROGRESS_LABELS[k]}: {counts[k]}" for k in _PROGRESS_ORDER if counts.get(k))


class _Cells(dict):
    """`neutralise(value)`, remembered: ids, names and choices repeat from row to row. One for text
    and one for numbers (1 == True as a key): cells[value] is neutralise(value)."""

    def __missing__(self, value) -> str:
        text = self[value] = neutralise(value)
        return text


def _write(columns: tuple[str, ...], rows) -> str:
    """`rows`: tuples of cells already neutralised (or text that needs none: dates, yes/no, labels)."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow(columns)
    w.writerows(rows)
    return out.getvalue()


def pairs_csv(export: Export) -> str:
    t, n = _Cells(), _Cells()
    return _write(PAIRS_COLUMNS, (
        (n[p.pair_id], t[p.mentor_id], t[p.mentor_name], t[p.mentee_id], t[p.mentee_name], _day(p.started),
         _day(p.ended), t[STATUS_WORDS[p.status]], n[p.cycles_done], n[p.checkins], n[p.meetings_reported],
         "" if p.usefulness.value is None else t[f"{p.usefulness.value:.1f}"], n[p.goals],
         _progress(p.goals_progress), t[HEALTH_WORDS.get(p.health, "")],
         t["; ".join(reason_words(r, slack=False, with_shared=False) for r in p.reasons)])
        for p in export.pairs))


def people_csv(export: Export) -> str:
    t, n = _Cells(), _Cells()
    return _write(PEOPLE_COLUMNS, (
        (t[q.user_id], t[q.name], t[q.status], t[q.side], t[";".join(q.skills_share)], t[";".join(q.skills_learn)],
         n[q.seniority_years], t[q.department], t[q.timezone], t[q.meeting_mode], t[q.meeting_frequency],
         n[q.capacity], _day(q.joined_at), _day(q.paused_until), _day(q.left_at), n[e.active_pairs], n[e.pairs])
        for e in export.people for q in (e.person,)))


def checkins_csv(export: Export) -> str:
    t, n = _Cells(), _Cells()
    return _write(CHECKINS_COLUMNS, (
        (n[c.pair_id], t[c.user_id], t[e.name], t[e.role], n[c.cycle], t[c.kind], "yes" if c.met else "no",
         n[c.usefulness or ""], "yes" if c.has_blocker else "no",
         "yes" if c.has_blocker and c.share_blocker else "no", _progress(e.goal_progress),
         n[c.overall_usefulness or ""], t[c.recommend or ""], t[c.keep_meeting or ""], _day(c.updated_at))
        for e in export.checkins for c in (e.checkin,)))


WRITERS = {"pairs": pairs_csv, "people": people_csv, "checkins": checkins_csv}


def export_comment(export: Export) -> str:
    return (f"The program's data as of {export.generated_at:%d %b %Y %H:%M} UTC: {len(export.pairs)} pairs, "
            f"{len(export.people)} people, {len(export.checkins)} check-ins. Figures and choices only: what people "
            "write stays in their pair.")


EXPORT_LOST = f"The export didn't make it to Slack this time. `{COMMAND} {Sub.EXPORT}` runs it again."
EXPORT_FAILED = "Sorry, I couldn't put the export together just now. Please try again in a minute."
EXPORT_REFUSED = "Slack didn't take the files just now, so nothing was shared. Please try again in a minute."
