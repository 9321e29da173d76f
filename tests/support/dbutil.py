"""Test databases: a fresh SQLite file per test; one PostgreSQL database per test worker."""

from __future__ import annotations

import os
import uuid
from urllib.parse import urlparse, urlunparse

import psycopg
from sqlalchemy import text

from storage import models
from storage.db import Database, normalise_database_url


def postgres_admin_url() -> str | None:
    url = os.environ.get("TEST_DATABASE_URL", "").strip()
    return normalise_database_url(url) if url else None


def create_postgres_database(admin_url: str, prefix: str) -> str:
    """Create an empty database next to the one in `admin_url`; return its URL."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    plain = admin_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    parts = urlparse(admin_url)
    return urlunparse(parts._replace(path=f"/{name}"))


def drop_postgres_database(admin_url: str, url: str) -> None:
    name = urlparse(url).path.lstrip("/")
    plain = admin_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def truncate_all(db: Database) -> None:
    """Empty every table of the app (not Alembic's: the schema stays at its revision)."""
    names = ", ".join(f'"{t.name}"' for t in models.SQLModel.metadata.sorted_tables)
    with db.engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


def dump_all(db: Database) -> dict[str, list[dict]]:
    """Every row of every table of the app's metadata, as JSON-ready dicts, by table name."""
    from sqlalchemy import select

    out = {}
    with db.engine.connect() as conn:
        for table in models.SQLModel.metadata.sorted_tables:
            out[table.name] = [dict(r._mapping) for r in conn.execute(select(table))]
    return out


def find_in_dump(db: Database, needles) -> list[str]:
    """Where any of `needles` appears as a whole word (case-insensitively: U0ANA, not in U0ANA2) in
    any column of any table: "table: needle"."""
    import json
    import re

    found = []
    for name, rows in dump_all(db).items():
        text = json.dumps(rows, default=str, ensure_ascii=False)
        found += [f"{name}: {n}" for n in needles
                  if re.search(rf"(?<![A-Za-z0-9]){re.escape(n)}(?![A-Za-z0-9])", text, re.IGNORECASE)]
    return found
