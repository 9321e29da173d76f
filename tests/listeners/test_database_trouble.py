"""When the database fails (SQLite locked past its busy timeout, PostgreSQL down), every request
is answered in words: nothing changed, try again in a minute. Never a silent drop, never a 500."""

from __future__ import annotations

import shutil
import threading
from datetime import UTC, datetime

import pytest
from sqlalchemy import text

from bot.blocks.common import DATABASE_TROUBLE
from bot.slack.ids import Action, CheckinBlock, checkin_button_value
from storage.db import Database
from storage.repositories import participants as repo
from tests.support.factories import paired
from tests.support.harness import start_harness
from tests.support.slackreq import radio, values_from_view

NOW = datetime(2026, 3, 6, 15, 30, tzinfo=UTC)
ANA, BEN = "U0ANA", "U0BEN"


class WriteLock:
    """Another writer holding SQLite's write lock (as a long import would)."""

    def __init__(self, url: str):
        self.db = Database(url)

    def __enter__(self):
        self.conn = self.db.engine.connect()
        self.tx = self.conn.begin()  # BEGIN IMMEDIATE
        self.conn.execute(text("UPDATE participant SET name = name WHERE 1 = 0"))
        return self

    def __exit__(self, *exc):
        self.tx.rollback()
        self.conn.close()
        self.db.dispose()


@pytest.fixture
def locked_bot(fake_slack, tmp_path, _sqlite_template):
    """The app on a SQLite file whose writers give up after 0.2 s instead of 30."""
    path = tmp_path / "locked.db"
    shutil.copyfile(_sqlite_template, path)
    db = Database(f"sqlite:///{path}", busy_timeout_s=0.2)
    bot = start_harness(fake_slack, db)
    bot.clock.set(NOW)
    _, _, pair = paired(db, mentee=dict(slack_user_id=ANA, name="Ana"), mentor=dict(slack_user_id=BEN, name="Ben"))
    bot.pair = pair
    yield bot
    bot.close()
    db.dispose()


def reply_to_command(bot, user, words) -> dict:
    before = len(bot.fake.replies("commands"))
    status, _, body = bot.slack.command(user, words)
    assert status == 200
    return body or bot.wait_until(lambda: bot.fake.replies("commands")[before:], what="the reply")[0].params


def stored(bot, user):
    with bot.db.session(read_only=True) as s:
        return repo.get(s, team_id="T0001", user_id=user)


def test_pause_while_the_database_is_locked_says_nothing_changed(locked_bot):
    bot = locked_bot
    with WriteLock(bot.db.url):
        reply = reply_to_command(bot, ANA, "pause 2w")
    assert (reply["response_type"], reply["text"]) == ("ephemeral", DATABASE_TROUBLE)
    assert stored(bot, ANA).status == "active"
    assert bot.fake.calls_to("chat.postMessage") == []  # no note to the partner about a pause that didn't happen


def test_leave_while_the_database_is_locked_says_nothing_changed(locked_bot):
    bot = locked_bot
    with WriteLock(bot.db.url):
        status, _, _ = bot.slack.block_action(ANA, Action.LEAVE_CONFIRM, "leave")
        assert status == 200
        reply = bot.wait_until(lambda: bot.fake.replies("actions"), what="the reply")[-1]
    assert reply.params["text"] == DATABASE_TROUBLE and reply.params["response_type"] == "ephemeral"
    assert stored(bot, ANA).status == "active"


def test_a_checkin_while_the_database_is_locked_is_a_field_error_not_a_lost_answer(locked_bot):
    bot = locked_bot
    status, _, _ = bot.slack.block_action(ANA, Action.OPEN_CHECKIN, checkin_button_value(bot.pair.id, 2, "checkin"),
                                          channel_id="G0PAIR")
    assert status == 200
    view = bot.fake.wait_for("views.open")[-1].json("view")
    values = values_from_view(view, {CheckinBlock.MET: radio("no")})
    with WriteLock(bot.db.url):
        status, _, body = bot.slack.view_submission(ANA, view, values)
    assert status == 200
    assert body == {"response_action": "errors", "errors": {CheckinBlock.MET: DATABASE_TROUBLE}}


@pytest.fixture
def bot_without_database(fake_slack):
    """The app pointed at a PostgreSQL server that isn't there."""
    db = Database("postgresql+psycopg://postgres@127.0.0.1:1/gone")
    bot = start_harness(fake_slack, db)
    yield bot
    bot.close()
    db.dispose()


def test_with_postgresql_down_every_command_answers_try_again(bot_without_database):
    bot = bot_without_database
    for words in ("status", "join", "goals", "pause 2w", "resume"):
        reply = reply_to_command(bot, ANA, words)
        assert reply["text"] == DATABASE_TROUBLE and reply["response_type"] == "ephemeral", words
    status, _, _ = bot.slack.block_action(ANA, Action.LEAVE_CONFIRM, "leave")
    assert status == 200
    assert bot.wait_until(lambda: bot.fake.replies("actions"), what="the reply")[-1].params["text"] == DATABASE_TROUBLE


def test_answers_come_while_another_writer_holds_the_lock_and_go_through_once_it_is_released(locked_bot):
    """The lock is held for less than the busy timeout: the write waits, then succeeds."""
    bot = locked_bot
    lock = WriteLock(bot.db.url).__enter__()
    threading.Timer(0.05, lock.__exit__, args=(None, None, None)).start()
    reply = reply_to_command(bot, ANA, "pause 2w")
    assert reply["text"].startswith("Paused until")
    assert stored(bot, ANA).status == "paused"
