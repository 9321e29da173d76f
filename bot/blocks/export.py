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


def _progress(counts: dict[str, int]) -> str:
    return "; ".join(f"{PROGRESS_LABELS[k]}: {counts[k]}" for k in (*PROGRESS_KEYS[::-1], UNREPORTED) if counts.get(k))


def _write(columns: tuple[str, ...], rows) -> str:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow(columns)
    for row in rows:
        w.writerow([neutralise(v) for v in row])
    return out.getvalue()


def pairs_csv(export: Export) -> str:
    return _write(PAIRS_COLUMNS, (
        (p.pair_id, p.mentor_id, p.mentor_name, p.mentee_id, p.mentee_name, _day(p.started), _day(p.ended),
         STATUS_WORDS[p.status], p.cycles_done, p.checkins, p.meetings_reported,
         "" if p.usefulness.value is None else f"{p.usefulness.value:.1f}", p.goals, _progress(p.goals_progress),
         HEALTH_WORDS.get(p.health, ""),
         "; ".join(reason_words(r, slack=False, with_shared=False) for r in p.reasons))
        for p in export.pairs))


def people_csv(export: Export) -> str:
    return _write(PEOPLE_COLUMNS, (
        (q.person.user_id, q.person.name, q.person.status, q.person.side, ";".join(q.person.skills_share),
         ";".join(q.person.skills_learn), q.person.seniority_years, q.person.department, q.person.timezone,
         q.person.meeting_mode, q.person.meeting_frequency, q.person.capacity, _day(q.person.joined_at),
         _day(q.person.paused_until), _day(q.person.left_at), q.active_pairs, q.pairs)
        for q in export.people))


def checkins_csv(export: Export) -> str:
    return _write(CHECKINS_COLUMNS, (
        (c.checkin.pair_id, c.checkin.user_id, c.name, c.role, c.checkin.cycle, c.checkin.kind,
         _yes_no(c.checkin.met), c.checkin.usefulness or "", _yes_no(c.checkin.has_blocker),
         _yes_no(c.checkin.has_blocker and c.checkin.share_blocker), _progress(c.goal_progress),
         c.checkin.overall_usefulness or "", c.checkin.recommend or "", c.checkin.keep_meeting or "",
         _day(c.checkin.updated_at))
        for c in export.checkins))


WRITERS = {"pairs": pairs_csv, "people": people_csv, "checkins": checkins_csv}


def export_comment(export: Export) -> str:
    return (f"The program's data as of {export.generated_at:%d %b %Y %H:%M} UTC: {len(export.pairs)} pairs, "
            f"{len(export.people)} people, {len(export.checkins)} check-ins. Figures and choices only: what people "
            "write stays in their pair.")


EXPORT_LOST = f"The export didn't make it to Slack this time. `{COMMAND} {Sub.EXPORT}` runs it again."
EXPORT_FAILED = "Sorry, I couldn't put the export together just now. Please try again in a minute."
EXPORT_REFUSED = "Slack didn't take the files just now, so nothing was shared. Please try again in a minute."
