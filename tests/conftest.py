from __future__ import annotations

import os
import shutil

import pytest

from storage import schema
from storage.db import Database
from tests.support import dbutil
from tests.support.fakeslack import FakeSlack
from tests.support.harness import SIGNING_SECRET, start_harness

BACKENDS = ["sqlite", "postgresql"]
_PG_HINT = ("set TEST_DATABASE_URL=postgresql://user@host/dbname to run them too "
            "(.ci/run uses the server on 127.0.0.1:5432)")


def _runs_on_postgres(item: pytest.Item) -> bool:
    callspec = getattr(item, "callspec", None)
    return callspec is not None and "postgresql" in (callspec.params.get("db"), callspec.params.get("empty_db"))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Without TEST_DATABASE_URL, the PostgreSQL variants are deselected (one summary line says
    so) rather than reported as a hundred skips."""
    if dbutil.postgres_admin_url() is not None:
        return
    dropped = [i for i in items if _runs_on_postgres(i)]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = [i for i in items if not _runs_on_postgres(i)]


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    if dbutil.postgres_admin_url() is None:
        terminalreporter.write_line(f"PostgreSQL variants of the storage tests were not run: {_PG_HINT}.")


@pytest.fixture(scope="session")
def _postgres_url():
    """One PostgreSQL database per test worker, created empty and dropped at the end."""
    admin = dbutil.postgres_admin_url()
    if admin is None:
        yield None
        return
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    url = dbutil.create_postgres_database(admin, f"mentoring_test_{worker}")
    db = Database(url)
    schema.upgrade(db)
    db.dispose()
    try:
        yield url
    finally:
        dbutil.drop_postgres_database(admin, url)


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory):
    """A SQLite file migrated to the newest revision once per test worker; tests get copies."""
    path = tmp_path_factory.mktemp("schema") / "migrated.db"
    db = Database(f"sqlite:///{path}")
    schema.upgrade(db)
    db.dispose()  # the last connection closing folds the WAL into the file
    assert not path.with_name(path.name + "-wal").exists()
    return path


def _sqlite_db(tmp_path, template) -> Database:
    target = tmp_path / "test.db"
    shutil.copyfile(template, target)
    return Database(f"sqlite:///{target}")


@pytest.fixture
def sqlite_db(tmp_path, _sqlite_template):
    db = _sqlite_db(tmp_path, _sqlite_template)
    yield db
    db.dispose()


@pytest.fixture(params=BACKENDS)
def db(request, tmp_path, _postgres_url, _sqlite_template):
    """The same test on SQLite and, when TEST_DATABASE_URL is set, on PostgreSQL."""
    if request.param == "sqlite":
        database = _sqlite_db(tmp_path, _sqlite_template)
    else:
        if _postgres_url is None:  # deselected at collection; reached only when run by node id
            pytest.skip(f"PostgreSQL variant: {_PG_HINT}")
        database = Database(_postgres_url)
        dbutil.truncate_all(database)
    yield database
    database.dispose()


@pytest.fixture(params=BACKENDS)
def empty_db(request, tmp_path):
    """A database with nothing in it, not even a schema: a new SQLite file, or a new PostgreSQL
    database (dropped afterwards) when TEST_DATABASE_URL is set."""
    if request.param == "sqlite":
        database = Database(f"sqlite:///{tmp_path / 'empty.db'}")
        yield database
        database.dispose()
        return
    admin = dbutil.postgres_admin_url()
    if admin is None:  # deselected at collection; reached only when run by node id
        pytest.skip(f"PostgreSQL variant: {_PG_HINT}")
    url = dbutil.create_postgres_database(admin, "mentoring_empty")
    database = Database(url)
    try:
        yield database
    finally:
        database.dispose()
        dbutil.drop_postgres_database(admin, url)


@pytest.fixture
def fake_slack():
    with FakeSlack() as fake:
        yield fake
        fake.assert_clean()


def _over_http(request: pytest.FixtureRequest) -> bool:
    """Tests under tests/journeys/ reach the app through the real HTTP server; the others
    dispatch the same signed requests into it in process."""
    return "journeys" in request.node.path.parts


@pytest.fixture
def bot(request, fake_slack, sqlite_db):
    """The whole app, on SQLite, against the fake Slack Web API."""
    harness = start_harness(fake_slack, sqlite_db, http=_over_http(request))
    yield harness
    harness.close()


@pytest.fixture
def bot_on(request, fake_slack, db):
    """The same, on SQLite and PostgreSQL."""
    harness = start_harness(fake_slack, db, http=_over_http(request))
    yield harness
    harness.close()


APP_ENV_VARS = ("SLACK_TEAM_ID", "SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN",
                "MENTORING_ADMIN_CHANNEL", "PORT", "HOST", "LOG_LEVEL", "SLACK_API_URL", "DATABASE_URL")


@pytest.fixture
def clean_cli_env(tmp_path, monkeypatch):
    """For running `bot.cli.main` in-process: none of the app's settings from this machine, no
    .env file read, and DATABASE_URL at a fresh SQLite file (returned)."""
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setattr("bot.settings.read_dotenv", lambda: None)
    for name in APP_ENV_VARS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", url)
    return url


@pytest.fixture
def cli_slack_env(clean_cli_env, monkeypatch, fake_slack):
    """`clean_cli_env`, plus the Slack settings a command that talks to Slack needs (`tick`),
    pointing at the fake Slack. Returns the database URL."""
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", SIGNING_SECRET)
    monkeypatch.setenv("SLACK_API_URL", fake_slack.base_url)
    return clean_cli_env
