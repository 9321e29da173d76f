"""Engine and sessions. One `Database` per process, built by the app factory (never at import)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, create_engine

DEFAULT_DATABASE_URL = "sqlite:///mentoring.db"


def normalise_database_url(url: str) -> str:
    """Use the psycopg 3 driver for plain postgres URLs."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


class Database:
    def __init__(self, url: str, *, echo: bool = False, pool_size: int = 10, busy_timeout_s: float = 30.0):
        """`busy_timeout_s` (SQLite): how long a writer waits for another's lock before failing."""
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        if self.is_sqlite:
            self.engine: Engine = create_engine(
                url, echo=echo, connect_args={"check_same_thread": False, "timeout": busy_timeout_s}
            )
            event.listen(self.engine, "connect",
                         lambda dbapi_conn, record: _sqlite_pragmas(dbapi_conn, record, busy_timeout_s))
            event.listen(self.engine, "begin", _sqlite_begin)
        else:
            self.engine = create_engine(
                url, echo=echo, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True,
                # An unreachable server fails a request in seconds, rather than hanging it.
                connect_args={"connect_timeout": 5},
            )

    def check(self) -> None:
        """Raises when the database can't be reached (the health check)."""
        with self.engine.execution_options(read_only=True).connect() as conn:
            conn.exec_driver_sql("SELECT 1")

    @contextmanager
    def session(self, *, read_only: bool = False) -> Iterator[Session]:
        """A unit of work: committed when the block ends, rolled back on any error.

        `read_only=True` is for sessions that only read: on SQLite they don't take the write
        lock, so they never wait for writers (WAL lets readers and a writer work side by side).
        """
        bind = self.engine.execution_options(read_only=True) if read_only else self.engine
        with Session(bind, expire_on_commit=False) as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    def dispose(self) -> None:
        self.engine.dispose()


def _sqlite_pragmas(dbapi_conn, _record, busy_timeout_s: float = 30.0) -> None:
    # Let pysqlite leave transaction control to SQLAlchemy's "begin" event below.
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    if not _is_memory(dbapi_conn):
        cur.execute("PRAGMA journal_mode=WAL")
    cur.execute(f"PRAGMA busy_timeout={int(busy_timeout_s * 1000)}")
    cur.close()


def _sqlite_begin(conn) -> None:
    # Writers take the write lock at BEGIN so two of them queue (busy_timeout) instead of one
    # failing when it upgrades a read lock; readers start a plain deferred transaction.
    if conn.get_execution_options().get("read_only"):
        conn.exec_driver_sql("BEGIN")
    else:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def _is_memory(dbapi_conn) -> bool:
    try:
        rows = dbapi_conn.execute("PRAGMA database_list").fetchall()
    except Exception:  # pragma: no cover - defensive: unknown driver state
        return False
    return any(r[2] in ("", ":memory:") for r in rows)


def is_unique_violation(exc: IntegrityError) -> bool:
    text = str(exc.orig).lower()
    return "unique" in text or "duplicate key" in text
