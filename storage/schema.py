"""Bring the database schema up to date: Alembic migrations (storage/migrations/), run safely.

`upgrade(db)` is what the bot does when it starts (`python -m bot`, `tick`, `import`, `match`,
`settings`) and what `python -m bot migrate` does as an explicit deploy step:

- **One migrator at a time.** Everything happens in one transaction that first takes a lock:
  on PostgreSQL a transaction-level advisory lock (`pg_advisory_xact_lock`), on SQLite the
  database's write lock (`BEGIN IMMEDIATE`). Replicas starting together queue on it; the first
  migrates, the others find the schema up to date and carry on. PostgreSQL's DDL is
  transactional, so a migration that fails leaves the database as it was.
- **Databases older than migrations are adopted.** A database made by release d4ae0dc (tables
  created by `create_all`, no `alembic_version`) is recognised by its tables and columns,
  stamped at the baseline revision (0001, which creates exactly those tables) without touching
  a row, then upgraded like any other.
- **Databases newer than the code are refused.** A revision this code doesn't know means a newer
  release has migrated the database: `DatabaseTooNew` names both revisions and nothing is
  touched.

`upgrade_sql(db)` prints the SQL an upgrade would run, for DBAs who review changes first.
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import Connection

from storage.db import Database

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
BASELINE = "0001"
BASELINE_RELEASE = "d4ae0dc"
# pg_advisory_xact_lock key: any bigint unique to this app ("mentorin" in ASCII).
LOCK_KEY = 0x6D656E746F72696E


class SchemaError(Exception):
    """The database can't be brought up to date; the message says why and what to do."""


class DatabaseTooNew(SchemaError):
    def __init__(self, found: str, head: str):
        self.found, self.head = found, head
        super().__init__(
            f"The database is at schema revision {found}, which this version of the bot doesn't know "
            f"(the newest it knows is {head}). A newer release has upgraded it. Run that release (or "
            "newer), or restore the backup taken before the upgrade. Nothing was changed.")


@dataclass(frozen=True)
class Migration:
    """What `upgrade` found and did."""

    database: str  # the URL, password hidden
    before: str | None  # the revision found (None: no schema yet, or a pre-migration database)
    adopted: bool  # a pre-migration database, stamped at the baseline
    applied: tuple[tuple[str, str], ...]  # (revision, what it does) run, oldest first
    head: str

    @property
    def changed(self) -> bool:
        return self.adopted or bool(self.applied)

    def summary(self) -> str:
        steps = "; ".join(f"{rev} {doc}" for rev, doc in self.applied)
        if not self.changed:
            return f"Database {self.database} is up to date (schema revision {self.head}); nothing to do."
        if self.adopted:
            head = (f"Database {self.database} predates migrations: recognised its tables as release "
                    f"{BASELINE_RELEASE}'s and stamped it at revision {BASELINE} (no row touched)")
            return head + (f", then upgraded it: {steps}." if steps else ".") + f" Now at {self.head}."
        if self.before is None:
            return f"Database {self.database} had no schema: created it ({steps}). Now at {self.head}."
        return f"Database {self.database} upgraded from revision {self.before}: {steps}. Now at {self.head}."


def alembic_config(*, connection: Connection | None = None, output: io.TextIOBase | None = None) -> Config:
    cfg = Config(output_buffer=output) if output is not None else Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def scripts() -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config())


def head() -> str:
    return scripts().get_current_head()


def _revision_of(conn: Connection) -> str | None:
    return MigrationContext.configure(conn).get_current_revision()


def _path(script: ScriptDirectory, start: str | None) -> list[tuple[str, str]]:
    """(revision, first line of its docstring) from after `start` to head, oldest first."""
    revs = list(script.iterate_revisions("head", start or "base"))
    revs.reverse()
    return [(r.revision, (r.doc or "").strip().splitlines()[0].rstrip(".") if r.doc else "")
            for r in revs if r.revision != start]


# --- pre-migration databases ---------------------------------------------------------------


def _baseline_columns() -> dict[str, set[str]]:
    """The tables and columns revision 0001 creates, read off an in-memory database (quietly:
    Alembic's "Running upgrade" lines would read as if the real database were being changed)."""
    engine = create_engine("sqlite://")
    alembic_log = logging.getLogger("alembic.runtime.migration")
    level = alembic_log.level
    alembic_log.setLevel(logging.WARNING)
    try:
        with engine.begin() as conn:
            command.upgrade(alembic_config(connection=conn), BASELINE)
            insp = inspect(conn)
            return {t: {c["name"] for c in insp.get_columns(t)}
                    for t in insp.get_table_names() if t != "alembic_version"}
    finally:
        alembic_log.setLevel(level)
        engine.dispose()


def _is_pre_migration(conn: Connection) -> bool:
    """True for a database release d4ae0dc made; False when none of its tables exist. Raises
    SchemaError for a partial or different schema, rather than guessing."""
    insp = inspect(conn)
    existing = set(insp.get_table_names())
    if not existing:
        return False
    expected = _baseline_columns()
    present = existing & set(expected)
    if not present:
        return False
    problems = [f"table {t} is missing" for t in sorted(set(expected) - present)]
    for table in sorted(present):
        missing = expected[table] - {c["name"] for c in insp.get_columns(table)}
        if missing:
            problems.append(f"{table} lacks {', '.join(sorted(missing))}")
    if problems:
        raise SchemaError(
            "The database has some of the bot's tables but no migration history, and they don't "
            f"match release {BASELINE_RELEASE}, the last one before migrations ({'; '.join(problems)}). "
            "It was probably made by an older development version. Nothing was changed; start from a "
            "backup made by a release, or from an empty database.")
    return True


# --- upgrade ---------------------------------------------------------------------------------


def _lock(conn: Connection) -> None:
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})
    # SQLite: Database begins write transactions with BEGIN IMMEDIATE, which is the lock.


def upgrade(db: Database) -> Migration:
    """Bring the schema to the newest revision (see the module docstring). Safe to call from
    several processes at once; a no-op when the database is up to date."""
    script = scripts()
    newest = script.get_current_head()
    shown = db.engine.url.render_as_string(hide_password=True)
    with db.engine.begin() as conn:
        _lock(conn)
        found = _revision_of(conn)
        if found is not None and found not in {r.revision for r in script.walk_revisions()}:
            raise DatabaseTooNew(found, newest)
        adopted = found is None and _is_pre_migration(conn)
        cfg = alembic_config(connection=conn)
        if adopted:
            command.stamp(cfg, BASELINE)
        start = BASELINE if adopted else found
        applied = _path(script, start)
        if applied:
            command.upgrade(cfg, "head")
    return Migration(database=shown, before=found, adopted=adopted, applied=tuple(applied), head=newest)


def current(db: Database) -> str | None:
    with db.engine.connect() as conn:
        return _revision_of(conn)


def upgrade_sql(db: Database) -> str:
    """The SQL `upgrade(db)` would run now, without running it (the database is only read)."""
    script = scripts()
    newest = script.get_current_head()
    with db.engine.connect() as conn:
        found = _revision_of(conn)
        if found is not None and found not in {r.revision for r in script.walk_revisions()}:
            raise DatabaseTooNew(found, newest)
        adopted = found is None and _is_pre_migration(conn)
    if found == newest:
        return f"-- The database is at revision {newest}, the newest: there is nothing to run.\n"
    out = io.StringIO()
    cfg = alembic_config(output=out)
    cfg.set_main_option("sqlalchemy.url", db.engine.url.render_as_string(hide_password=False))
    if adopted:
        out.write(f"-- This database predates migrations (release {BASELINE_RELEASE}): it is stamped at "
                  f"revision {BASELINE}, then upgraded.\n")
        command.stamp(cfg, BASELINE, sql=True)
        command.upgrade(cfg, f"{BASELINE}:head", sql=True)
    elif found is None:
        command.upgrade(cfg, "head", sql=True)
    else:
        command.upgrade(cfg, f"{found}:head", sql=True)
    return out.getvalue()
