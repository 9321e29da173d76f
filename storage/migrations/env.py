"""Alembic's entry point for this project's migrations.

The bot runs migrations through `storage.schema` (at start-up and with `python -m bot migrate`),
which hands this script an open connection holding the migration lock. Contributors run the
`alembic` command line (its settings are in pyproject.toml, `[tool.alembic]`): the database is
then `-x url=...`, or DATABASE_URL from the environment or a `.env` in the working directory.

Revisions never import the app's code: types render as plain SQLAlchemy types (`render_item`),
so an old revision keeps meaning what it meant when it was written.
"""

from __future__ import annotations

import os

import dotenv
from alembic import context
from sqlalchemy import engine_from_config, pool
from sqlmodel.sql.sqltypes import AutoString

from storage import models
from storage.db import DEFAULT_DATABASE_URL, normalise_database_url
from storage.types import UTCDateTime

config = context.config
target_metadata = models.SQLModel.metadata  # every table of storage/models.py


def _url() -> str:
    url = context.get_x_argument(as_dictionary=True).get("url") or config.get_main_option("sqlalchemy.url")
    if not url:
        path = dotenv.find_dotenv(usecwd=True)
        if path:
            dotenv.load_dotenv(path, override=False)
        url = os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL
    return normalise_database_url(url)


def render_item(type_: str, obj, autogen_context):
    """Plain SQLAlchemy types in revisions, as the database sees them."""
    if type_ == "type" and isinstance(obj, AutoString):
        return f"sa.String(length={obj.length})" if obj.length else "sa.String()"
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime()"
    return False


def _configure(**kwargs) -> None:
    context.configure(target_metadata=target_metadata, render_item=render_item, render_as_batch=True,
                      compare_type=True, **kwargs)


def run_offline() -> None:
    """`--sql`: print the SQL instead of running it."""
    _configure(url=_url(), literal_binds=True, dialect_opts={"paramstyle": "named"})
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:  # storage.schema: its transaction and lock are already open
        _configure(connection=connection)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = engine_from_config({"sqlalchemy.url": _url()}, prefix="sqlalchemy.", poolclass=pool.NullPool)
    with engine.connect() as conn:
        _configure(connection=conn)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
