"""Bulk sign-up from an HR export (CSV).

`parse_csv` checks the whole file without touching the database and returns either rows ready
to store or one message per problem (`line N: what is wrong`, N being the physical line in the
file, the header being line 1): a file with any bad line imports nobody. `import_participants`
stores the rows in bulk, a few thousand per transaction.

The rules are those of the join modal (`bot.slack.forms.parse_join_submission`).
"""

from __future__ import annotations

import csv
import difflib
import io
import re
import time
from dataclasses import dataclass, field
from functools import cache

from sqlalchemy.exc import IntegrityError

from bot.domain import catalog
from bot.domain.skills import SkillCatalog
from bot.domain.timezones import iana_name, unknown_zone_problem
from storage.db import Database
from storage.models import PARTICIPANT_ACTIVE, PARTICIPANT_LEFT
from storage.repositories import participants as repo
from storage.types import utcnow

REQUIRED_COLUMNS = (
    "slack_user_id",
    "name",
    "side",
    "skills_share",
    "skills_learn",
    "seniority_years",
    "department",
    "timezone",
)
OPTIONAL_COLUMNS = ("capacity", "manager_slack_id")
ALL_COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS

MIN_CAPACITY = 1
MAX_CAPACITY = 5
MAX_ID_LEN = 32  # the column width for Slack IDs

USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
TEAM_ID = re.compile(r"^T[A-Z0-9]+$")


@dataclass(frozen=True)
class ParticipantRow:
    """One valid line of the file. `columns` lists the optional columns the file has: an optional
    column the file lacks keeps the stored value on update (and the default on create)."""

    line: int
    slack_user_id: str
    name: str
    side: str
    skills_share: list[str]
    skills_learn: list[str]
    seniority_years: int
    department: str
    timezone: str
    capacity: int = 1
    manager_slack_id: str | None = None
    columns: frozenset[str] = field(default_factory=frozenset)


def valid_user_id(value: str) -> bool:
    return bool(USER_ID.match(value)) and len(value) <= MAX_ID_LEN


def valid_team_id(value: str) -> bool:
    return bool(TEAM_ID.match(value)) and len(value) <= MAX_ID_LEN


# --- skills and time zones -----------------------------------------------------------------

def _fold(text: str) -> str:
    return " ".join(text.split()).casefold()


@cache
def _skill_lookup() -> dict[str, str]:
    """Folded key or label -> key."""
    lookup = {}
    for skill in catalog.SKILLS:
        lookup[_fold(skill.label)] = skill.key
        lookup[_fold(skill.key)] = skill.key
    return lookup


@cache
def _skill_hints() -> dict[str, str]:
    """Keys, labels and the distinctive words of labels ("excel", "figma") -> key."""
    hints = dict(_skill_lookup())
    owners: dict[str, set[str]] = {}
    for skill in catalog.SKILLS:
        hints.setdefault(skill.key.replace("_", " "), skill.key)
        for word in re.findall(r"[a-z]{3,}", skill.label.casefold()):
            owners.setdefault(word, set()).add(skill.key)
    for word, keys in owners.items():
        if len(keys) == 1:
            hints.setdefault(word, next(iter(keys)))
    return hints


def _closest_skill(value: str) -> str | None:
    hints = _skill_hints()
    match = difflib.get_close_matches(_fold(value), list(hints), n=1, cutoff=0.75)
    return hints[match[0]] if match else None


def _parse_skills(raw: str, column: str, problems: list[str],
                  skills: SkillCatalog | None = None) -> tuple[list[str], bool]:
    """(sorted skill keys, True if every value was a known skill). `skills`: the workspace's
    catalog (keys and names, case-insensitively), by default the built-in one."""
    keys: list[str] = []
    ok = True
    for part in raw.split(";"):
        value = " ".join(part.split())
        if not value:
            continue
        found = skills.find(value) if skills is not None else None
        key = found.key if found is not None else (_skill_lookup().get(_fold(value)) if skills is None else None)
        if found is not None and found.retired:
            ok = False
            problems.append(f"the skill '{found.label}' in {column} is retired: it isn't offered any more")
        elif key is None:
            ok = False
            hint = _closest_skill(value)
            problems.append(
                f"unknown skill '{value}' in {column}"
                + (f" (did you mean '{hint}'?)" if hint else "")
            )
        elif key not in keys:
            keys.append(key)
    return sorted(keys), ok


def _who(side: str) -> str:
    return {catalog.MENTOR: "a mentor", catalog.MENTEE: "a mentee"}.get(side, "someone with side 'either'")


def _parse_timezone(raw: str, problems: list[str]) -> str:
    if not raw.strip():
        problems.append("timezone is empty (use an IANA name such as Europe/London)")
        return ""
    proper = iana_name(raw)
    if proper is None:
        problems.append(unknown_zone_problem("timezone", raw))
    return proper or ""


def whole_number(raw: str, name: str, low: int, high: int, problems: list[str]) -> int | None:
    """A whole number from `low` to `high`, or None with a problem noted for `name`."""
    value = raw.strip()
    # Plain ASCII digits only: int() would also take "1_0" (10) and other scripts' digits ("٣").
    number = int(value) if value.isascii() and value.isdigit() else None
    if number is None or not low <= number <= high:
        shown = f"got '{value}'" if value else "it is empty"
        problems.append(f"{name} must be a whole number from {low} to {high} ({shown})")
        return None
    return number


# --- the file ------------------------------------------------------------------------------

def _header_name(cell: str) -> str:
    return "_".join(cell.strip().lower().replace("-", " ").split())


def _quoted(names) -> str:
    return ", ".join(f"'{n}'" for n in names)


def parse_csv(text: str, *, skills: SkillCatalog | None = None) -> tuple[list[ParticipantRow], list[str]]:
    """Check every line; returns (rows, []) when the whole file is good, else ([], problems).
    `skills`: the workspace's catalog (default: the built-in one)."""
    text = text.removeprefix("\ufeff")
    if not text.strip():
        return [], [
            "the file is empty; it needs a header row naming the columns ("
            + ", ".join(REQUIRED_COLUMNS) + ") and one line per person"
        ]

    reader = csv.reader(io.StringIO(text, newline=""))
    header: list[str] | None = None
    header_line = 0
    last_line = 0
    rows: list[ParticipantRow] = []
    problems: list[str] = []
    seen: dict[str, int] = {}

    try:
        for cells in reader:
            line = last_line + 1  # where this record starts (a quoted cell may span lines)
            last_line = reader.line_num
            if not any(c.strip() for c in cells):
                continue  # blank lines, and Excel's ",,,," lines
            if header is None:
                header_line = line
                header, header_problems = _check_header(cells, line)
                if header_problems:
                    return [], header_problems
                continue
            row, row_problems = _parse_row(cells, header, line, seen, skills)
            if row_problems:
                problems.append(f"line {line}: " + "; ".join(row_problems))
            elif row is not None:
                rows.append(row)
    except csv.Error as e:
        problems.append(f"line {reader.line_num}: the file isn't valid CSV here ({e})")

    if problems:
        return [], problems
    if not rows:
        return [], [f"line {header_line}: there is a header but nobody to import below it"]
    return rows, []


def _check_header(cells: list[str], line: int) -> tuple[list[str], list[str]]:
    names = [_header_name(c) for c in cells]
    while names and not names[-1]:
        names.pop()  # trailing empty cells, as spreadsheets sometimes write
    known = [n for n in names if n in ALL_COLUMNS]
    if not known:
        if len(names) == 1 and ";" in cells[0]:
            return [], [
                f"line {line}: the columns seem to be separated by semicolons; save the file "
                "as comma-separated CSV (semicolons are for separating skills)"
            ]
        return [], [
            f"line {line}: the first line should be a header naming the columns ("
            + ", ".join(REQUIRED_COLUMNS) + "), but it doesn't name any of them"
        ]
    problems = []
    unknown = [n or f"(empty, column {i + 1})" for i, n in enumerate(names) if n not in ALL_COLUMNS]
    if unknown:
        problems.append(
            f"line {line}: unknown column{'s' if len(unknown) > 1 else ''} {_quoted(unknown)}; "
            f"the columns are {', '.join(REQUIRED_COLUMNS)} and optionally {', '.join(OPTIONAL_COLUMNS)}"
        )
    twice = sorted({n for n in names if n and names.count(n) > 1})
    if twice:
        problems.append(f"line {line}: column{'s' if len(twice) > 1 else ''} {_quoted(twice)} "
                        f"appear{'' if len(twice) > 1 else 's'} more than once")
    missing = [c for c in REQUIRED_COLUMNS if c not in names]
    if missing:
        problems.append(
            f"line {line}: missing column{'s' if len(missing) > 1 else ''} {_quoted(missing)}"
        )
    return names, problems


def _parse_row(cells: list[str], header: list[str], line: int,
               seen: dict[str, int], skills: SkillCatalog | None = None) -> tuple[ParticipantRow | None, list[str]]:
    problems: list[str] = []
    if len(cells) > len(header) and any(c.strip() for c in cells[len(header):]):
        problems.append(f"this line has {len(cells)} values but the header has {len(header)} columns")
    values = {name: (cells[i] if i < len(cells) else "") for i, name in enumerate(header)}

    user_id = values["slack_user_id"].strip()
    if not user_id:
        problems.append("slack_user_id is empty")
    elif not valid_user_id(user_id):
        problems.append(f"slack_user_id '{user_id}' doesn't look like a Slack member ID (like U0123ABCD)")
    elif user_id in seen:
        problems.append(f"{user_id} is already on line {seen[user_id]}")
    else:
        seen[user_id] = line

    name = " ".join(values["name"].split())
    if len(name) > catalog.MAX_NAME_LEN:
        problems.append(f"name is longer than {catalog.MAX_NAME_LEN} characters")

    side = values["side"].strip().lower()
    if side not in catalog.SIDES:
        shown = f"got '{values['side'].strip()}'" if side else "it is empty"
        problems.append(f"side must be mentor, mentee or either ({shown})")

    share, share_ok = _parse_skills(values["skills_share"], "skills_share", problems, skills)
    learn, learn_ok = _parse_skills(values["skills_learn"], "skills_learn", problems, skills)
    if side in (catalog.MENTOR, catalog.EITHER) and not share and share_ok:
        problems.append(f"{_who(side)} needs at least one skill in skills_share")
    if side in (catalog.MENTEE, catalog.EITHER) and not learn and learn_ok:
        problems.append(f"{_who(side)} needs at least one skill in skills_learn")

    years = whole_number(values["seniority_years"], "seniority_years", 0,
                       catalog.MAX_SENIORITY_YEARS, problems)

    department = " ".join(values["department"].split())
    if not department:
        problems.append("department is empty")
    elif len(department) > catalog.MAX_DEPARTMENT_LEN:
        problems.append(f"department is longer than {catalog.MAX_DEPARTMENT_LEN} characters")

    timezone = _parse_timezone(values["timezone"], problems)

    capacity = 1
    if "capacity" in values and values["capacity"].strip():
        capacity = whole_number(values["capacity"], "capacity", MIN_CAPACITY, MAX_CAPACITY, problems) or 1

    manager = None
    if "manager_slack_id" in values:
        manager = values["manager_slack_id"].strip() or None
        if manager is not None and not valid_user_id(manager):
            problems.append(
                f"manager_slack_id '{manager}' doesn't look like a Slack member ID (like U0123ABCD)"
            )
        elif manager is not None and manager == user_id:
            problems.append("manager_slack_id is the person themselves")

    if problems:
        return None, problems
    return ParticipantRow(
        line=line,
        slack_user_id=user_id,
        name=name,
        side=side,
        skills_share=share,
        skills_learn=learn,
        seniority_years=years,
        department=department,
        timezone=timezone,
        capacity=capacity if side != catalog.MENTEE else 1,
        manager_slack_id=manager,
        columns=frozenset(c for c in OPTIONAL_COLUMNS if c in values),
    ), []


# --- storing -------------------------------------------------------------------------------

@dataclass(frozen=True)
class ImportResult:
    """What an import did. `left` lists the member IDs in the file of people who had left the
    program: they were neither updated nor brought back (only they can rejoin)."""

    created: int = 0
    updated: int = 0
    left: tuple[str, ...] = ()

    @property
    def total(self) -> int:
        return self.created + self.updated + len(self.left)


BATCH = 2_000  # rows per transaction: a SQLite write lock is never held for long
SQLITE_PAUSE_S = 0.1  # between two batches on SQLite


def import_participants(db: Database, *, team_id: str, rows: list[ParticipantRow], batch: int = BATCH) -> ImportResult:
    """Create or update everyone, `batch` rows per transaction, each a bulk INSERT and a bulk UPDATE.

    The file has been checked whole before this runs (`parse_csv`), so a bad line imports
    nobody. Writing in batches keeps other writers (people checking in while HR imports 50,000
    rows) from waiting on one long transaction; if the database fails midway, the batches
    already written stay, and importing the file again completes it (it updates what is there).

    Someone who left the program is skipped, not updated: leaving was their choice, and an HR
    export must not put them back into the matching pool (they can rejoin with
    `/mentoring join`). Paused people are updated and stay paused. Fields the file doesn't carry
    (meeting mode and frequency, intro, and an absent optional column) keep their stored values.
    """
    created = updated = 0
    left: list[str] = []
    with db.session(read_only=True) as s:
        known = repo.import_views(s, team_id=team_id)
    for start in range(0, len(rows), batch):
        chunk = rows[start:start + batch]
        for attempt in range(2):
            try:
                inserts, updates, gone = _write_batch(db, team_id=team_id, chunk=chunk, known=known)
                break
            except IntegrityError:  # someone joined meanwhile: look again at this batch's people
                if attempt:
                    raise
                with db.session(read_only=True) as s:
                    known.update(repo.import_views(s, team_id=team_id, user_ids=[r.slack_user_id for r in chunk]))
        created += inserts
        updated += updates
        left += gone
        if db.is_sqlite and start + batch < len(rows):
            # SQLite has one writer at a time, and a waiting one retries on its own schedule: leave
            # it a window, so that people checking in during a big import wait a moment, not seconds.
            time.sleep(SQLITE_PAUSE_S)
    return ImportResult(created=created, updated=updated, left=tuple(left))


def _write_batch(db: Database, *, team_id: str, chunk: list[ParticipantRow],
                 known: dict) -> tuple[int, int, list[str]]:
    """One transaction: the batch's new people inserted and the others updated, in bulk."""
    now = utcnow()
    inserts: list[dict] = []
    updates: list[dict] = []
    gone: list[str] = []
    for row in chunk:
        old = known.get(row.slack_user_id)
        if old is not None and old.status == PARTICIPANT_LEFT:
            gone.append(row.slack_user_id)
            continue
        values = dict(
            name=row.name or (old.name if old else ""), side=row.side, skills_share=row.skills_share,
            skills_learn=row.skills_learn, seniority_years=row.seniority_years, department=row.department,
            timezone=row.timezone,
            capacity=row.capacity if "capacity" in row.columns or old is None else old.capacity,
            manager_slack_id=(row.manager_slack_id if "manager_slack_id" in row.columns or old is None
                              else old.manager_slack_id),
            updated_at=now)
        if old is None:
            inserts.append(dict(values, team_id=team_id, slack_user_id=row.slack_user_id, meeting_mode="video",
                                meeting_frequency="weekly", intro="", status=PARTICIPANT_ACTIVE, joined_at=now))
        else:
            updates.append(dict(values, id=old.id))
    with db.session() as s:
        repo.insert_many(s, rows=inserts)
        repo.update_many(s, rows=updates)
    return len(inserts), len(updates), gone


MAX_LISTED = 20


def summary(result: ImportResult) -> str:
    people = "person" if result.total == 1 else "people"
    text = f"Imported {result.total} {people}: {result.created} new, {result.updated} updated"
    if not result.left:
        return text + "."
    n = len(result.left)
    text += f"; {n} skipped because they left the program (they can rejoin with /mentoring join)."
    shown = ", ".join(result.left[:MAX_LISTED])
    more = f" and {n - MAX_LISTED} more" if n > MAX_LISTED else ""
    return text + f"\nNot updated (left the program): {shown}{more}."
