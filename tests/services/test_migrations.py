"""Every schema change is a migration, and the bot brings any database it may meet up to date:
an empty one, an up-to-date one, one made before migrations existed (release d4ae0dc), while
other copies of the bot start at the same moment; and it refuses, untouched, one that a newer
release has migrated. On SQLite and PostgreSQL."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from datetime import UTC, datetime

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Column, MetaData, String, Table, inspect, text
from sqlmodel import SQLModel

from bot.cli import main
from storage import schema
from tests.support import legacy
from tests.support.harness import ADMIN_CHANNEL, SIGNING_SECRET
from tests.support.processes import ROOT, child_env, free_port, wait_healthy

HEAD = schema.head()


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def differences(db, metadata=SQLModel.metadata) -> list:
    with db.engine.connect() as conn:
        return compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), metadata)


def tables(db) -> set[str]:
    with db.engine.connect() as conn:
        return set(inspect(conn).get_table_names())


def dump(db) -> dict:
    """Every row of every table, each as its (column, value) pairs."""
    with db.engine.connect() as conn:
        names = {t: [c["name"] for c in inspect(conn).get_columns(t)] for t in inspect(conn).get_table_names()}
        return {t: sorted((tuple(zip(names[t], row, strict=True)) for row in rows), key=repr)
                for t, rows in legacy.dump(conn).items()}


def kept(rows: dict, like: dict) -> dict:
    """`rows` (a dump) cut down to the tables and columns of `like` (a dump made at another revision,
    which may have added or dropped columns): what the two have in common."""
    out = {}
    for name, like_rows in like.items():
        columns = {c for row in like_rows for c, _ in row}
        out[name] = sorted((tuple((c, v) for c, v in row if c in columns) for row in rows.get(name, [])), key=repr)
    return out


@pytest.fixture
def cli_on(clean_cli_env, monkeypatch):
    """Point the command line at a database."""
    def use(db) -> None:
        monkeypatch.setenv("DATABASE_URL", db.engine.url.render_as_string(hide_password=False))
    return use


def group_dms(fake) -> tuple[str, str]:
    """The two pairs' group DMs in the fake Slack, as the release's introductions opened them."""
    for user in ("UMENTOR1", "UMENTEE1", "UMENTOR2", "UMENTEE2"):
        fake.add_user(user, tz="Europe/London")
    client = fake.client()
    return tuple(client.conversations_open(users=users)["channel"]["id"]
                 for users in ("UMENTOR1,UMENTEE1", "UMENTOR2,UMENTEE2"))


# --- the revisions themselves -------------------------------------------------------------


def test_the_revisions_are_one_line_each_saying_what_it_does():
    script = schema.scripts()
    assert script.get_heads() == [HEAD]
    revisions = list(reversed(list(script.walk_revisions())))
    assert [r.revision for r in revisions] == sorted(r.revision for r in revisions)
    assert revisions[0].revision == schema.BASELINE
    assert all((r.doc or "").strip() for r in revisions)


def test_the_models_and_the_migrations_agree(db):
    assert schema.current(db) == HEAD
    assert differences(db) == []


def test_a_model_change_without_a_revision_would_be_caught(sqlite_db):
    changed = MetaData()
    for table in SQLModel.metadata.tables.values():
        table.to_metadata(changed)
    Table("participant", changed, Column("nickname", String(40)), extend_existing=True)
    assert [d[0] for d in differences(sqlite_db, changed)] == ["add_column"]


# --- python -m bot migrate ----------------------------------------------------------------


def test_an_empty_database_gets_the_schema_then_has_nothing_to_do(empty_db, cli_on, capsys):
    cli_on(empty_db)
    assert main(["migrate"]) == 0
    out = capsys.readouterr().out
    assert "had no schema: created it (0001 Baseline" in out and f"Now at {HEAD}." in out
    assert differences(empty_db) == []

    assert main(["migrate"]) == 0
    assert capsys.readouterr().out.endswith(f"is up to date (schema revision {HEAD}); nothing to do.\n")


@pytest.mark.parametrize("entry", ["migrate", "tick"])
def test_a_pre_migration_database_is_adopted_without_losing_a_row_and_runs_on(
        empty_db, cli_slack_env, fake_slack, monkeypatch, capsys, entry):
    """The release before migrations left a program in its second week. After the upgrade every
    row is still there, and the next tick sends the second week's nudges, once, and nothing the
    release already sent (intros, first week's prompts) again."""
    channels = group_dms(fake_slack)
    with empty_db.engine.begin() as conn:
        legacy.create_schema(conn)
        program = legacy.fill(conn, channels)
    before = dump(empty_db)
    assert "alembic_version" not in tables(empty_db)
    monkeypatch.setenv("DATABASE_URL", empty_db.engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("MENTORING_ADMIN_CHANNEL", ADMIN_CHANNEL)
    monkeypatch.setenv("LOG_LEVEL", "WARNING")
    fake_slack.add_channel(ADMIN_CHANNEL, name="mentoring-admins", members=[])

    if entry == "migrate":
        assert main(["migrate"]) == 0
        said = capsys.readouterr().out
        after = dump(empty_db)
        assert kept(after, before) == before  # every row; new tables start empty
        assert all(rows == [] for name, rows in after.items() if name not in before)
    assert main(["tick", "--at", "2026-01-19T10:00:00Z"]) == 0
    out, err = capsys.readouterr()
    if entry == "tick":
        said = err  # the tick brought the database up to date itself, and said so
    assert "predates migrations: recognised its tables as release d4ae0dc's" in said
    assert "stamped it at revision 0001 (no row touched), then upgraded it: 0002 " in said
    assert schema.current(empty_db) == HEAD and differences(empty_db) == []

    p1, p2, _ended = program.pair_ids
    posted = [c.json("metadata")["event_payload"]["key"] for c in fake_slack.calls_to("chat.postMessage")]
    assert sorted(posted) == sorted([f"nudge:{p1}:2", f"nudge:{p2}:2"])
    assert "2 sent" in out

    assert main(["tick", "--at", "2026-01-19T10:30:00Z"]) == 0
    assert len(fake_slack.calls_to("chat.postMessage")) == 2
    after = kept(dump(empty_db), before)
    for name, rows in before.items():
        if name == "sendledger":
            assert all(row in after[name] for row in rows)  # old rows untouched; the new week's added
        else:
            assert after[name] == rows, name


def test_migrate_sql_prints_the_sql_and_changes_nothing(empty_db, cli_on, capsys):
    cli_on(empty_db)
    assert main(["migrate", "--sql"]) == 0
    out = capsys.readouterr().out
    assert "CREATE TABLE participant" in out and "ix_send_team_claimed" in out
    assert tables(empty_db) == set()

    with empty_db.engine.begin() as conn:
        legacy.create_schema(conn)
    assert main(["migrate", "--sql"]) == 0
    out = capsys.readouterr().out
    assert "predates migrations (release d4ae0dc)" in out
    assert "INSERT INTO alembic_version (version_num) VALUES ('0001')" in out
    assert "CREATE INDEX ix_send_team_claimed" in out and "CREATE TABLE participant" not in out
    assert "alembic_version" not in tables(empty_db)

    schema.upgrade(empty_db)
    assert main(["migrate", "--sql"]) == 0
    assert capsys.readouterr().out == f"-- The database is at revision {HEAD}, the newest: there is nothing to run.\n"


def _revisions() -> list[str]:
    return [r.revision for r in reversed(list(schema.scripts().walk_revisions()))]


@pytest.mark.parametrize("revision", _revisions()[1:])
def test_downgrading_each_revision_above_the_baseline_loses_no_row(empty_db, fake_slack, revision):
    """Every revision after the baseline can be undone without losing a row of the tables that
    stay (a table it added goes, with whatever the pacer had learnt in it), and redone."""
    revisions = _revisions()
    schema.upgrade(empty_db)
    with empty_db.engine.begin() as conn:
        legacy.fill(conn, group_dms(fake_slack))
    before = dump(empty_db)
    target = revisions[revisions.index(revision) - 1]
    with empty_db.engine.begin() as conn:
        command.downgrade(schema.alembic_config(connection=conn), target)
    assert schema.current(empty_db) == target
    # Each row of the tables that stay, with the columns that stay (a column the revision added goes).
    after = dump(empty_db)
    assert after == kept(before, after)
    assert [r for r, _ in schema.upgrade(empty_db).applied] == revisions[revisions.index(revision):]
    assert differences(empty_db) == [] and dump(empty_db) == before


def test_revision_0002_is_the_ledger_index(empty_db):
    schema.upgrade(empty_db)
    with empty_db.engine.begin() as conn:
        command.downgrade(schema.alembic_config(connection=conn), "0001")
    with empty_db.engine.connect() as conn:
        assert "ix_send_team_claimed" not in {i["name"] for i in inspect(conn).get_indexes("sendledger")}
    schema.upgrade(empty_db)
    with empty_db.engine.connect() as conn:
        assert "ix_send_team_claimed" in {i["name"] for i in inspect(conn).get_indexes("sendledger")}


def test_the_baseline_refuses_to_be_downgraded(empty_db):
    schema.upgrade(empty_db)
    with pytest.raises(RuntimeError, match="Not downgrading below the baseline"):
        with empty_db.engine.begin() as conn:
            command.downgrade(schema.alembic_config(connection=conn), "base")
    assert schema.current(empty_db) == HEAD and differences(empty_db) == []


# --- databases the bot must not touch -----------------------------------------------------


def test_a_database_newer_than_the_code_is_refused_and_left_alone(empty_db, cli_on, capsys):
    schema.upgrade(empty_db)
    with empty_db.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0999'"))
    before = dump(empty_db)
    cli_on(empty_db)
    for argv in (["migrate"], ["migrate", "--sql"], ["settings", "--team", "T0001", "--length-weeks", "8"],
                 ["match", "--dry-run", "--team", "T0001"]):
        assert main(argv) == 2, argv
        out, err = capsys.readouterr()
        assert out == ""
        assert (f"The database is at schema revision 0999, which this version of the bot doesn't know "
                f"(the newest it knows is {HEAD})") in err and "Nothing was changed." in err
    assert schema.current(empty_db) == "0999" and dump(empty_db) == before


def test_a_schema_that_is_neither_empty_nor_a_release_is_refused(empty_db, cli_on, capsys):
    with empty_db.engine.begin() as conn:
        legacy.create_schema(conn)
        conn.execute(text("DROP TABLE checkin"))
        conn.execute(text("ALTER TABLE participant DROP COLUMN paused_at"))
    cli_on(empty_db)
    assert main(["migrate"]) == 2
    err = capsys.readouterr().err
    assert "no migration history, and they don't match release d4ae0dc" in err
    assert "table checkin is missing; participant lacks paused_at" in err
    assert "alembic_version" not in tables(empty_db)


def test_the_bot_refuses_to_start_on_a_newer_database(tmp_path):
    from storage.db import Database

    db = Database(f"sqlite:///{tmp_path / 'bot.db'}")
    schema.upgrade(db)
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0999'"))
    db.dispose()
    proc = subprocess.run([sys.executable, "-m", "bot"], cwd=tmp_path, capture_output=True, text=True, timeout=60,
                          env=_env(DATABASE_URL=f"sqlite:///{tmp_path / 'bot.db'}"))
    assert proc.returncode == 2, proc.stderr
    assert "schema revision 0999" in proc.stderr and "Traceback" not in proc.stderr


# --- several copies starting at once ------------------------------------------------------


def _env(**extra) -> dict:
    return child_env(SLACK_BOT_TOKEN="xoxb-1-2-abc", SLACK_SIGNING_SECRET=SIGNING_SECRET, **extra)


class _MigrationLockHeld:
    """Hold the lock `storage.schema.upgrade` takes, so that processes started meanwhile queue on it."""

    def __init__(self, db):
        self.db = db

    def __enter__(self):
        self.conn = self.db.engine.connect()
        self.tx = self.conn.begin()  # SQLite: BEGIN IMMEDIATE, the write lock
        if self.conn.dialect.name == "postgresql":
            self.conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": schema.LOCK_KEY})
        return self

    def waiting(self) -> int:
        """How many other sessions wait for the lock (PostgreSQL only; SQLite can't tell)."""
        if self.conn.dialect.name != "postgresql":
            return -1
        with self.db.engine.connect() as other:
            return other.execute(text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' "
                                      "AND NOT granted")).scalar_one()

    def __exit__(self, *exc):
        self.tx.rollback()
        self.conn.close()


def _wait_for_waiters(lock: _MigrationLockHeld, n: int, procs) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if any(p.poll() is not None for p in procs):
            raise AssertionError("a process ended before the lock was released")
        count = lock.waiting()
        if count >= n or (count < 0 and time.monotonic() > deadline - 27):  # SQLite: give them 3 s
            return
        time.sleep(0.05)
    raise AssertionError(f"expected {n} processes waiting for the migration lock")


def test_three_migrates_at_once_migrate_once(empty_db):
    url = empty_db.engine.url.render_as_string(hide_password=False)
    with _MigrationLockHeld(empty_db) as lock:
        procs = [subprocess.Popen([sys.executable, "-m", "bot", "migrate"], cwd=ROOT, env=_env(DATABASE_URL=url),
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(3)]
        _wait_for_waiters(lock, 3, procs)
    outs = [p.communicate(timeout=60) for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0], outs
    said = sorted("created it" if "had no schema: created it" in out else
                  "up to date" if "is up to date" in out else out for out, _ in outs)
    assert said == ["created it", "up to date", "up to date"]
    assert differences(empty_db) == []


def test_three_bots_starting_together_all_come_up_after_one_migration(empty_db, fake_slack):
    url = empty_db.engine.url.render_as_string(hide_password=False)
    ports = [free_port() for _ in range(3)]
    procs = []
    try:
        with _MigrationLockHeld(empty_db) as lock:
            for port in ports:
                procs.append(subprocess.Popen(
                    [sys.executable, "-m", "bot"], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                    text=True, env=_env(DATABASE_URL=url, SLACK_API_URL=fake_slack.base_url, PORT=str(port),
                                        HOST="127.0.0.1")))
            _wait_for_waiters(lock, 3, procs)
        for port, proc in zip(ports, procs, strict=True):
            wait_healthy(proc, port)
    finally:
        for proc in procs:
            proc.send_signal(signal.SIGTERM)
    logs = [proc.communicate(timeout=30)[0] for proc in procs]
    assert [p.returncode for p in procs] == [0, 0, 0], logs
    assert sum("had no schema: created it" in log for log in logs) == 1, logs
    assert not any("Traceback" in log for log in logs), logs
    assert differences(empty_db) == []


def test_revision_0005_keeps_every_checkin_and_shares_none_of_their_blockers(empty_db, fake_slack):
    """Check-ins answered before the "share with the program team" box existed were answered
    under the promise that admins see totals only: after the upgrade none is shared."""
    with empty_db.engine.begin() as conn:
        command.upgrade(schema.alembic_config(connection=conn), "0004")
    with empty_db.engine.begin() as conn:
        legacy.fill(conn, group_dms(fake_slack))
    before = dump(empty_db)
    assert any(dict(row)["blockers"] for row in before["checkin"])
    schema.upgrade(empty_db)
    after = dump(empty_db)
    assert kept(after, before) == before
    assert [dict(row)["share_blocker"] for row in after["checkin"]] == [False] * len(before["checkin"])


def test_revision_0006_keeps_every_pair_and_round_and_calls_the_old_rounds_rounds(empty_db, fake_slack):
    """A program under way at 0004 upgrades to 0006: every row kept, no pair ended by an admin,
    every round a matching round, and no workspace has changed the skill catalog."""
    with empty_db.engine.begin() as conn:
        command.upgrade(schema.alembic_config(connection=conn), "0004")
        legacy.fill(conn, group_dms(fake_slack))
    before = dump(empty_db)
    with empty_db.engine.begin() as conn:
        command.upgrade(schema.alembic_config(connection=conn), "0006")
    after = dump(empty_db)
    assert kept(after, before) == before and after["skillentry"] == []
    with empty_db.engine.connect() as conn:
        assert conn.execute(text("SELECT DISTINCT kind FROM matchround")).scalars().all() == ["round"]
        assert conn.execute(text("SELECT count(*) FROM pair WHERE ended_by IS NOT NULL OR end_note IS NOT NULL")
                            ).scalar_one() == 0
        assert conn.execute(text("SELECT count(*) FROM pair")).scalar_one() == 3
        assert conn.execute(text("SELECT count(*) FROM skillentry")).scalar_one() == 0


def test_revision_0008_moves_a_paused_pair_under_way_on_and_resends_nothing(
        empty_db, cli_slack_env, fake_slack, monkeypatch, capsys):
    """A program in its second week at revision 0004: Dee (pair 2) has been paused since Saturday
    17 January until the 24th, and the release before recorded her pair's 19 January nudge as
    skipped (it spent paused cycles). After 0008 every row is still there, the new table is empty,
    and the program moves on: pair 1 gets its nudges as before; pair 2 gets "Session 2 of 12" on
    26 January under a key never used before, once; nothing already sent or skipped goes out."""
    channels = group_dms(fake_slack)
    with empty_db.engine.begin() as conn:
        command.upgrade(schema.alembic_config(connection=conn), "0004")
    with empty_db.engine.begin() as conn:
        program = legacy.fill(conn, channels)
        conn.execute(text("UPDATE participant SET status = 'paused', paused_until = :until, paused_at = :at "
                          "WHERE slack_user_id = 'UMENTEE2'"),
                     {"until": "2026-01-24", "at": datetime(2026, 1, 17, 8, 0)})
    p1, p2, _ended = program.pair_ids
    with empty_db.engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO sendledger (team_id, key, kind, pair_id, cycle, status, attempts, in_doubt, claimed_at, "
            "channel_id, payload, error) VALUES ('T0001', :key, 'nudge', :pair, 2, 'stale', 0, :no, :at, :ch, "
            "'{}', 'skipped: paused: <@UMENTEE2> paused until 2026-01-24')"),
            {"key": f"nudge:{p2}:2", "pair": p2, "no": False, "at": datetime(2026, 1, 19, 10, 0), "ch": channels[1]})
    before = dump(empty_db)
    schema.upgrade(empty_db)
    assert schema.current(empty_db) == HEAD and differences(empty_db) == []
    after = dump(empty_db)
    assert kept(after, before) == before and after["pairschedule"] == []

    monkeypatch.setenv("DATABASE_URL", empty_db.engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("MENTORING_ADMIN_CHANNEL", ADMIN_CHANNEL)
    monkeypatch.setenv("LOG_LEVEL", "WARNING")
    fake_slack.add_channel(ADMIN_CHANNEL, name="mentoring-admins", members=[])
    for at in ("2026-01-19T10:00:00Z", "2026-01-19T10:30:00Z", "2026-01-26T10:00:00Z", "2026-01-26T10:30:00Z"):
        assert main(["tick", "--at", at]) == 0
    capsys.readouterr()
    posted = [(c.json("metadata")["event_payload"]["key"], c["text"].split(":")[0])
              for c in fake_slack.calls_to("chat.postMessage") if c.params.get("channel") != ADMIN_CHANNEL]
    assert posted == [(f"nudge:{p1}:2", "Session 2 of 12"), (f"nudge:{p1}:3", "Session 3 of 12"),
                      (f"nudge:{p2}:2@3", "Session 2 of 12")]
