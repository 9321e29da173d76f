"""Workspaces in storage: an uninstalled workspace is left out of everything that sends, and its
deletion takes every row it has, in every table with a team_id, and nobody else's. On SQLite and
PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from alembic import command
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy import MetaData, func, insert, select

from storage import schema
from storage.models import (
    ROUND_INTRODUCING,
    SEND_CLAIMED,
    SLACK_BOTS,
    SLACK_INSTALLATIONS,
    SLACK_OAUTH_STATES,
    CheckIn,
    ErasureSalt,
    Goal,
    MatchRound,
    PairSchedule,
    ProgramSettings,
    SendLedger,
    SendPace,
    SkillEntry,
    Workspace,
)
from storage.repositories import ledger, pairs, rounds
from storage.repositories import workspaces as repo
from tests.support.factories import paired

T1, T2 = "T0000ONE1", "T0000TWO2"
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def fill(db, team_id: str) -> None:
    """A row in every table that has a team_id: a program under way, and its installation."""
    _, _, pair = paired(db, team_id=team_id, mentee=dict(slack_user_id=f"UE{team_id}"),
                        mentor=dict(slack_user_id=f"UR{team_id}"))
    naive = NOW.replace(tzinfo=None) - timedelta(days=40)
    with db.session() as s:
        rnd = MatchRound(team_id=team_id, created_by="U1", pool_fingerprint="f", status=ROUND_INTRODUCING)
        s.add(rnd)
        s.add(ProgramSettings(team_id=team_id))
        s.add(SkillEntry(team_id=team_id, key="podcasting", label="Podcasting"))
        s.add(SendLedger(team_id=team_id, key=f"nudge:{pair.id}:1", kind="nudge", claimed_at=NOW - timedelta(hours=1)))
        s.add(SendPace(team_id=team_id, lane="post", rate=1.0, tokens=1.0, refilled_at=NOW))
        s.add(Goal(team_id=team_id, pair_id=pair.id, role="mentee", author_user_id="U1", what="Learn"))
        s.add(CheckIn(team_id=team_id, pair_id=pair.id, user_id="U1", cycle=1, met=True))
        s.add(PairSchedule(team_id=team_id, pair_id=pair.id, cadence_weeks=2))
        s.add(Workspace(team_id=team_id, admin_channel=f"C{team_id}", installed_at=NOW - timedelta(days=40)))
        s.add(ErasureSalt(team_id=team_id, salt="s" * 64))
        bot = dict(client_id="1.2", app_id="A1", team_id=team_id, bot_token=f"xoxb-{team_id}", bot_id="B1",
                   bot_user_id="UB", is_enterprise_install=False, installed_at=naive)
        s.execute(insert(SLACK_BOTS).values(**bot))
        s.execute(insert(SLACK_INSTALLATIONS).values(**bot, user_id="UINSTALLER"))


def rows_of(db, team_id: str) -> dict[str, int]:
    with db.session(read_only=True) as s:
        return {t.name: s.execute(select(func.count()).select_from(t).where(t.c.team_id == team_id)).scalar_one()
                for t in repo.team_tables()}


def test_every_table_with_a_team_id_is_known_to_the_deletion():
    names = {t.name for t in repo.team_tables()}
    assert names == {"participant", "programsettings", "matchround", "pair", "sendledger", "sendpace", "goal",
                     "checkin", "workspace", "slack_bots", "slack_installations", "erasuresalt", "skillentry", "pairschedule"}
    order = [t.name for t in repo.team_tables()]
    assert order.index("goal") < order.index("pair") < order.index("matchround")  # dependents first
    assert order.index("pairschedule") < order.index("pair")


def test_deleting_an_uninstalled_workspace_takes_all_its_rows_and_nobody_elses(db):
    fill(db, T1)
    fill(db, T2)
    assert all(rows_of(db, T1).values()) and rows_of(db, T1) == rows_of(db, T2)
    with db.session() as s:
        assert repo.record_uninstall(s, team_id=T1, at=NOW - timedelta(days=31)) == NOW - timedelta(days=31)
        # A second event for the same uninstall (Slack sends app_uninstalled and tokens_revoked)
        # doesn't push the deletion back.
        assert repo.record_uninstall(s, team_id=T1, at=NOW) == NOW - timedelta(days=31)
    before_t2 = rows_of(db, T2)
    with db.session() as s:
        assert [w.team_id for w in repo.due_for_deletion(s, uninstalled_before=NOW - timedelta(days=30))] == [T1]
        assert repo.delete_team_data(s, team_id=T2, uninstalled_before=NOW) is None  # not uninstalled
        counts = repo.delete_team_data(s, team_id=T1, uninstalled_before=NOW - timedelta(days=30))
    assert counts == {name: (2 if name == "participant" else 1) for name in counts}
    assert set(rows_of(db, T1).values()) == {0}
    assert rows_of(db, T2) == before_t2


def test_a_workspace_is_not_deleted_before_its_time_nor_after_installing_again(db):
    fill(db, T1)
    with db.session() as s:
        repo.record_uninstall(s, team_id=T1, at=NOW - timedelta(days=10))
    with db.session() as s:
        assert repo.due_for_deletion(s, uninstalled_before=NOW - timedelta(days=30)) == []
        assert repo.delete_team_data(s, team_id=T1, uninstalled_before=NOW - timedelta(days=30)) is None
    with db.session() as s:
        assert repo.record_install(s, team_id=T1, enterprise_id=None, at=NOW) == NOW - timedelta(days=10)
    with db.session() as s:
        assert repo.delete_team_data(s, team_id=T1, uninstalled_before=NOW + timedelta(days=60)) is None
        assert repo.get(s, team_id=T1).admin_channel == f"C{T1}"  # as it was
    assert all(rows_of(db, T1).values())


def test_an_installation_newer_than_the_uninstall_survives_the_deletion(db):
    """A reinstall racing the deletion keeps its token (and installs the workspace afresh)."""
    fill(db, T1)
    with db.session() as s:
        repo.record_uninstall(s, team_id=T1, at=NOW - timedelta(days=31))
        s.execute(insert(SLACK_BOTS).values(client_id="1.2", app_id="A1", team_id=T1, bot_token="xoxb-new",
                                            bot_id="B1", bot_user_id="UB", is_enterprise_install=False,
                                            installed_at=NOW.replace(tzinfo=None)))
    with db.session() as s:
        counts = repo.delete_team_data(s, team_id=T1, uninstalled_before=NOW - timedelta(days=30))
    assert counts["slack_bots"] == 1
    with db.session(read_only=True) as s:
        assert s.execute(select(SLACK_BOTS.c.bot_token).where(SLACK_BOTS.c.team_id == T1)).scalars().all() == \
            ["xoxb-new"]


def test_nothing_that_sends_sees_an_uninstalled_workspace(db):
    fill(db, T1)
    fill(db, T2)
    with db.session() as s:
        assert pairs.teams_with_started_pairs(s) == [T1, T2]
        assert {r.team_id for r in rounds.introducing(s)} == {T1, T2}
        assert {r.team_id for r in ledger.unsettled(s, claimed_before=NOW)} == {T1, T2}
        repo.record_uninstall(s, team_id=T1, at=NOW)
    with db.session() as s:
        assert pairs.teams_with_started_pairs(s) == [T2]
        assert {r.team_id for r in rounds.introducing(s)} == {T2}
        assert rounds.introducing(s, team_id=T1) == []
        assert {r.team_id for r in ledger.unsettled(s, claimed_before=NOW)} == {T2}
        # Its messages stay due in the ledger, for a reinstall, until its data is deleted.
        assert s.execute(select(func.count()).select_from(SendLedger).where(
            SendLedger.team_id == T1, SendLedger.status == SEND_CLAIMED)).scalar_one() == 1


def test_the_admin_channel_chosen_in_slack_is_kept_per_workspace(db):
    with db.session() as s:
        assert repo.set_admin_channel(s, team_id=T1, channel_id="C0ONE") is None
    with db.session() as s:
        assert repo.set_admin_channel(s, team_id=T1, channel_id="C0ONE2") == "C0ONE"
        repo.set_admin_channel(s, team_id=T2, channel_id="C0TWO")
    with db.session(read_only=True) as s:
        assert repo.admin_channel(s, team_id=T1) == "C0ONE2"
        assert repo.admin_channel(s, team_id=T2) == "C0TWO"
        assert repo.admin_channel(s, team_id="T0THREE") is None


def test_slack_sdks_install_tables_are_declared_as_slack_sdk_builds_them():
    """storage/models.py spells slack_sdk's tables out (storage imports no Slack library): the same
    columns, types, nullability and indexes as the installed slack_sdk makes."""
    theirs = MetaData()
    tables = [
        (SLACK_INSTALLATIONS, SQLAlchemyInstallationStore.build_installations_table(theirs, "slack_installations")),
        (SLACK_BOTS, SQLAlchemyInstallationStore.build_bots_table(theirs, "slack_bots")),
        (SLACK_OAUTH_STATES, SQLAlchemyOAuthStateStore.build_oauth_states_table(theirs, "slack_oauth_states")),
    ]

    def shape(table):
        return ([(c.name, repr(c.type), c.nullable, c.primary_key) for c in table.columns],
                sorted((i.name, tuple(c.name for c in i.columns)) for i in table.indexes))

    for ours, slack_sdks in tables:
        assert shape(ours) == shape(slack_sdks), ours.name


def test_downgrading_0004_refuses_while_a_workspace_would_lose_its_install(empty_db):
    schema.upgrade(empty_db)
    fill(empty_db, T1)
    with empty_db.session() as s:  # nobody was forgotten: revision 0007 goes down without a word
        s.delete(s.get(ErasureSalt, T1))
    with pytest.raises(RuntimeError, match=r"Not downgrading below 0004: .*1 installation\(s\) and 1 bot token"):
        with empty_db.engine.begin() as conn:
            command.downgrade(schema.alembic_config(connection=conn), "0003")
    assert schema.current(empty_db) == schema.head()
