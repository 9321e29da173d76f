"""Reading and changing a workspace's program settings (`storage.models.ProgramSettings`).

`parse_options` turns the command-line values ("Mon 10:00", "biweekly", "yes") into column
values, or one message per problem. `update_settings` validates the requested values together
with the stored ones (the program's rhythm through `bot.domain.schedule.Rhythm`, so the dispatcher's
rules apply) and upserts the row in one transaction; on any problem it changes nothing.
`format_settings` renders the settings for a terminal, marking the defaults.

Changing the rhythm affects prompts not yet sent: the send ledger keeps what already went out,
so nothing is sent twice.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.exc import IntegrityError

from bot.domain.schedule import Rhythm
from bot.domain.timezones import iana_name, unknown_zone_problem
from bot.services.people_import import whole_number
from storage.db import Database
from storage.models import ProgramSettings
from storage.repositories import settings as settings_repo

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_FULL_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
CADENCES = {"weekly": 1, "biweekly": 2, "per-pair": 0}  # per-pair: the slower of the two people's choices

MIN_LENGTH_WEEKS, MAX_LENGTH_WEEKS = 4, 52
MAX_REMINDER_AFTER_DAYS = 6
MIN_QUIET_CYCLES, MAX_QUIET_CYCLES = 1, 6
MAX_TZ_DIFF_HOURS = 12

# The options, in the order they are shown: (option, the columns it sets, label).
OPTIONS: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("length_weeks", ("length_weeks",), "how long each pair's program runs"),
    ("cadence", ("cadence_weeks",), "how often pairs are nudged to meet"),
    ("nudge", ("nudge_weekday", "nudge_time"), "nudge to meet, in the pair's local time"),
    ("feedback", ("feedback_weekday", "feedback_time"), "how-did-it-go prompt, pair's local time"),
    ("reminder_after_days", ("reminder_after_days",), "after the feedback prompt, remind who hasn't answered"),
    ("quiet_cycles", ("quiet_cycles",), "cycles without a meeting before the digest flags a pair"),
    ("digest", ("digest_weekday", "digest_time"), "admins' weekly digest"),
    ("digest_timezone", ("digest_timezone",), "time zone of the digest slot"),
    ("max_tz_diff_hours", ("max_tz_diff_hours",), "largest time-zone gap within a pair"),
    ("allow_same_department", ("allow_same_department",), "may a pair share a department"),
)
OPTION_NAMES = tuple(name for name, _, _ in OPTIONS)
RHYTHM_OPTIONS = ("length_weeks", "cadence", "nudge", "feedback", "reminder_after_days")
_TRUE = ("yes", "y", "true", "on", "1")
_FALSE = ("no", "n", "false", "off", "0")


def flag(option: str) -> str:
    return "--" + option.replace("_", "-")


@dataclass
class UpdateResult:
    settings: ProgramSettings
    problems: list[str] = field(default_factory=list)
    changed: tuple[str, ...] = ()  # options whose value changed

    @property
    def ok(self) -> bool:
        return not self.problems


# --- parsing -------------------------------------------------------------------------------

def _weekday(text: str) -> int | None:
    word = text.strip().casefold()
    for i, (short, full) in enumerate(zip(WEEKDAYS, _FULL_DAYS, strict=True)):
        if word in (short.casefold(), full):
            return i
    return None


def _slot(option: str, raw: str, problems: list[str]) -> tuple[int, str] | None:
    example = '"Mon 10:00"'
    parts = raw.split()
    if len(parts) != 2:
        problems.append(f"{flag(option)} '{raw.strip()}' should be a weekday and a 24-hour time, "
                        f"like {example}")
        return None
    day, clock = parts
    weekday = _weekday(day)
    m = re.fullmatch(r"([0-9]{1,2}):([0-9]{2})", clock)
    bad = []
    if weekday is None:
        bad.append(f"'{day}' isn't a weekday (use Mon, Tue, Wed, Thu, Fri, Sat or Sun)")
    if not m or int(m.group(1)) > 23 or int(m.group(2)) > 59:
        bad.append(f"'{clock}' isn't a 24-hour time (00:00 to 23:59)")
    if bad:
        problems.append(f"{flag(option)} '{raw.strip()}': " + "; ".join(bad) + f"; for example {example}")
        return None
    return weekday, f"{int(m.group(1)):02d}:{m.group(2)}"


def _timezone(raw: str, problems: list[str]) -> str | None:
    proper = iana_name(raw)
    if proper is None:
        problems.append(unknown_zone_problem(flag("digest_timezone"), raw))
    return proper


def parse_options(options: Mapping[str, str | None]) -> tuple[dict[str, Any], list[str]]:
    """Command-line values -> ({column: value}, problems). Options that are None are not set."""
    values: dict[str, Any] = {}
    problems: list[str] = []
    unknown = sorted(set(options) - set(OPTION_NAMES))
    if unknown:
        raise ValueError(f"unknown settings options: {unknown}")
    for option in OPTION_NAMES:
        raw = options.get(option)
        if raw is None:
            continue
        if option == "length_weeks":
            n = whole_number(raw, flag(option), MIN_LENGTH_WEEKS, MAX_LENGTH_WEEKS, problems)
            if n is not None:
                values["length_weeks"] = n
        elif option == "cadence":
            cadence = CADENCES.get(raw.strip().casefold())
            if cadence is None:
                problems.append(f"{flag(option)} must be weekly, biweekly or per-pair (got '{raw.strip()}')")
            else:
                values["cadence_weeks"] = cadence
        elif option in ("nudge", "feedback", "digest"):
            slot = _slot(option, raw, problems)
            if slot is not None:
                values[f"{option}_weekday"], values[f"{option}_time"] = slot
        elif option == "reminder_after_days":
            n = whole_number(raw, flag(option), 0, MAX_REMINDER_AFTER_DAYS, problems)
            if n is not None:
                values["reminder_after_days"] = n
        elif option == "quiet_cycles":
            n = whole_number(raw, flag(option), MIN_QUIET_CYCLES, MAX_QUIET_CYCLES, problems)
            if n is not None:
                values["quiet_cycles"] = n
        elif option == "digest_timezone":
            tz = _timezone(raw, problems)
            if tz is not None:
                values["digest_timezone"] = tz
        elif option == "max_tz_diff_hours":
            value = raw.strip()
            # Plain ASCII decimals only: float() would also take "1_0", "٣", "nan" and "1e1".
            hours = float(value) if re.fullmatch(r"[0-9]+(\.[0-9]+)?", value) else math.nan
            if not 0 <= hours <= MAX_TZ_DIFF_HOURS:  # also rejects nan
                shown = f"got '{value}'" if value else "it is empty"
                problems.append(f"{flag(option)} must be a number of hours from 0 to {MAX_TZ_DIFF_HOURS}, "
                                f"such as 6 or 4.5 ({shown})")
            else:
                values["max_tz_diff_hours"] = hours
        elif option == "allow_same_department":
            word = raw.strip().casefold()
            if word in _TRUE or word in _FALSE:
                values["allow_same_department"] = word in _TRUE
            else:
                problems.append(f"{flag(option)} must be yes or no (got '{raw.strip()}')")
    return values, problems


def _rhythm_problems(candidate: ProgramSettings, values: Mapping[str, Any]) -> list[str]:
    """The dispatcher's own rules (`Rhythm`), applied to the settings as they would be saved."""
    try:
        Rhythm.from_settings(candidate)
    except ValueError as e:
        slot = slot_label(candidate.nudge_weekday, candidate.nudge_time)
        if (candidate.nudge_weekday, candidate.nudge_time) == (candidate.feedback_weekday,
                                                               candidate.feedback_time):
            if "feedback_weekday" in values:
                what = f"{flag('feedback')} '{slot}' is the same slot as the nudge"
            else:
                what = f"{flag('nudge')} '{slot}' is the same slot as the feedback prompt"
            return [f"{what}; the feedback prompt needs its own day or time, after the pair has had "
                    "a chance to meet"]
        return [f"these settings don't make a valid program rhythm: {e}"]
    return []


# --- the service ---------------------------------------------------------------------------

def _copy(row: ProgramSettings) -> ProgramSettings:
    return ProgramSettings(**row.model_dump())


def get(db: Database, *, team_id: str) -> ProgramSettings:
    """The workspace's settings (defaults when it has none), detached from any session."""
    with db.session(read_only=True) as s:
        return _copy(settings_repo.get(s, team_id=team_id))


def update_settings(db: Database, *, team_id: str, options: Mapping[str, str | None]) -> UpdateResult:
    """Validate every option together with the stored settings and, if all is well, save them
    in one transaction. On any problem nothing is written and `problems` says why."""
    values, problems = parse_options(options)
    given = [o for o in OPTION_NAMES if options.get(o) is not None]
    failed = {o for o in given if not all(c in values for c in _columns(o))}
    # A value that didn't parse keeps its stored (valid) value in the candidate, so the rhythm
    # check stays meaningful; but a slot that didn't parse would make a clash report misleading.
    check_rhythm = not failed.intersection(("nudge", "feedback"))
    for attempt in range(2):
        try:
            return _update_once(db, team_id=team_id, values=values, problems=problems,
                                check_rhythm=check_rhythm)
        except IntegrityError:  # someone else created the row at the same moment: go again
            if attempt:
                raise
    raise AssertionError("unreachable")


def _columns(option: str) -> tuple[str, ...]:
    return next(cols for name, cols, _ in OPTIONS if name == option)


def _update_once(db: Database, *, team_id: str, values: dict[str, Any], problems: list[str],
                 check_rhythm: bool) -> UpdateResult:
    with db.session() as s:
        row = s.get(ProgramSettings, team_id)
        current = _copy(row) if row is not None else ProgramSettings(team_id=team_id)
        candidate = _copy(current)
        for column, value in values.items():
            setattr(candidate, column, value)
        if check_rhythm:
            problems = problems + _rhythm_problems(candidate, values)
        if problems:
            return UpdateResult(settings=current, problems=problems)
        if row is None:
            row = ProgramSettings(team_id=team_id)
        for column, value in values.items():
            setattr(row, column, value)
        s.add(row)
        s.flush()
        saved = _copy(row)
    changed = tuple(option for option, columns, _ in OPTIONS
                    if any(getattr(current, c) != getattr(saved, c) for c in columns))
    return UpdateResult(settings=saved, changed=changed)


# --- display -------------------------------------------------------------------------------

def slot_label(weekday: int, at: str) -> str:
    day = WEEKDAYS[weekday] if 0 <= weekday <= 6 else f"day {weekday}"
    return f"{day} {at}"


def _hours(value: float) -> str:
    return f"{value:g}"


def _plural(n: float, word: str) -> str:
    return f"{_hours(n)} {word}{'' if n == 1 else 's'}"


def value_label(row: ProgramSettings, option: str) -> str:
    if option == "length_weeks":
        return _plural(row.length_weeks, "week")
    if option == "cadence":
        return {0: "per-pair (the slower of the two people's choices)", 1: "weekly", 2: "biweekly"}.get(
            row.cadence_weeks, f"every {row.cadence_weeks} weeks")
    if option in ("nudge", "feedback", "digest"):
        return slot_label(getattr(row, f"{option}_weekday"), getattr(row, f"{option}_time"))
    if option == "reminder_after_days":
        if row.reminder_after_days == 0:
            return "0 (no reminder)"
        return _plural(row.reminder_after_days, "day")
    if option == "quiet_cycles":
        return _plural(row.quiet_cycles, "cycle")
    if option == "digest_timezone":
        return row.digest_timezone
    if option == "max_tz_diff_hours":
        return _plural(row.max_tz_diff_hours, "hour")
    if option == "allow_same_department":
        return "yes" if row.allow_same_department else "no"
    raise ValueError(option)


def is_default(row: ProgramSettings, option: str) -> bool:
    default = ProgramSettings(team_id=row.team_id)
    return all(getattr(row, c) == getattr(default, c) for c in _columns(option))


def format_settings(row: ProgramSettings, *, changed: tuple[str, ...] = ()) -> str:
    """One line per setting: the option, its value, "(default)" or "(changed)", what it is."""
    lines = []
    for option, _, label in OPTIONS:
        mark = "(changed)" if option in changed else "(default)" if is_default(row, option) else ""
        lines.append(f"  {flag(option):<25} {value_label(row, option):<15} {mark:<9}  {label}".rstrip())
    return "\n".join(lines)


def show_text(row: ProgramSettings, *, team_id: str) -> str:
    return f"Program settings for workspace {team_id}:\n" + format_settings(row)


def saved_text(result: UpdateResult, *, team_id: str) -> str:
    n = len(result.changed)
    head = (f"Saved: {n} setting{'s' if n != 1 else ''} changed for workspace {team_id}."
            if n else f"Saved; nothing changed for workspace {team_id} (the values were already so).")
    if set(result.changed).intersection(RHYTHM_OPTIONS):
        head += " Prompts not yet sent follow the new rhythm; those already sent stay as they were."
    return head + "\n" + format_settings(result.settings, changed=result.changed)


def problems_text(result: UpdateResult, *, team_id: str) -> str:
    return (f"Nothing was changed for workspace {team_id}; please fix the following and run it again:\n"
            + "\n".join(f"  {p}" for p in result.problems))
