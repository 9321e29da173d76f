from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.exc import IntegrityError

from storage.models import PAIR_ACTIVE, Pair, Participant
from storage.repositories import participants as repo
from tests.support.factories import participant_create


def test_upsert_creates_then_updates_same_record(db):
    with db.session() as s:
        row, created = repo.upsert(s, data=participant_create(slack_user_id="U1", department="Sales"))
        assert created
    with db.session() as s:
        row2, created2 = repo.upsert(s, data=participant_create(slack_user_id="U1", department="Finance"))
        assert not created2 and row2.id == row.id
    with db.session() as s:
        rows = repo.list_for_team(s, team_id="T0001")
        assert [(r.slack_user_id, r.department) for r in rows] == [("U1", "Finance")]
        assert rows[0].updated_at.tzinfo is not None


def test_same_user_id_in_two_workspaces_are_two_people(db):
    with db.session() as s:
        repo.upsert(s, data=participant_create(team_id="T1", slack_user_id="U1"))
        repo.upsert(s, data=participant_create(team_id="T2", slack_user_id="U1"))
    with db.session() as s:
        assert len(repo.list_for_team(s, team_id="T1")) == 1
        assert len(repo.list_for_team(s, team_id="T2")) == 1
        assert repo.get(s, team_id="T3", user_id="U1") is None


def test_unique_per_team_and_user_is_enforced_by_the_database(db):
    with pytest.raises(IntegrityError):
        with db.session() as s:
            s.add(Participant.model_validate(participant_create(slack_user_id="U9")))
            s.add(Participant.model_validate(participant_create(slack_user_id="U9")))
            s.flush()


def test_rejoining_after_leaving_reactivates(db):
    with db.session() as s:
        repo.upsert(s, data=participant_create(slack_user_id="U1"))
        repo.mark_left(s, team_id="T0001", user_id="U1")
    with db.session() as s:
        assert repo.get(s, team_id="T0001", user_id="U1").status == "left"
        row, _ = repo.upsert(s, data=participant_create(slack_user_id="U1"))
        assert row.status == "active" and row.left_at is None


def test_the_matchable_pool_excludes_left_paused_and_paired_people(db):
    today = date(2026, 11, 22)
    with db.session() as s:
        for uid in ("U1", "U2", "U3", "U4", "U5", "U6"):
            repo.upsert(s, data=participant_create(slack_user_id=uid))
        repo.mark_left(s, team_id="T0001", user_id="U2")
        repo.set_paused(s, team_id="T0001", user_id="U3", until=date(2026, 12, 1))
        repo.set_paused(s, team_id="T0001", user_id="U4", until=date(2026, 11, 22))  # pause over
        s.add(Pair(team_id="T0001", mentor_user_id="U5", mentee_user_id="U9", status=PAIR_ACTIVE))
    with db.session() as s:
        pool = repo.matchable_rows(s, team_id="T0001", today=today)
        assert [p.slack_user_id for p in pool] == ["U1", "U4", "U6"]


def test_read_only_sessions_do_not_wait_for_a_writer(db):
    """On SQLite a reader must not queue behind an open write transaction (WAL)."""
    import threading

    with db.session() as s:
        repo.upsert(s, data=participant_create(slack_user_id="U1"))
    writer_has_lock = threading.Event()
    release = threading.Event()

    def writer():
        with db.session() as s:
            repo.upsert(s, data=participant_create(slack_user_id="U2"))
            writer_has_lock.set()
            release.wait(5)

    seen: list[str] = []
    read_done = threading.Event()

    def reader():
        with db.session(read_only=True) as s:
            seen.extend(p.slack_user_id for p in repo.list_for_team(s, team_id="T0001"))
        read_done.set()

    t = threading.Thread(target=writer)
    t.start()
    try:
        assert writer_has_lock.wait(5)
        threading.Thread(target=reader).start()
        # The reader finishes while the writer still holds its transaction open.
        assert read_done.wait(4), "the read waited for the writer"
        assert not release.is_set()
    finally:
        release.set()
        t.join()
    assert seen == ["U1"]


def test_a_pause_remembers_when_it_began_until_it_ends(db):
    from datetime import UTC, datetime

    began = datetime(2026, 3, 6, 9, 30, tzinfo=UTC)
    with db.session() as s:
        repo.upsert(s, data=participant_create(slack_user_id="U1"))
        repo.set_paused(s, team_id="T0001", user_id="U1", until=date(2026, 3, 20), now=began)
    with db.session() as s:
        repo.set_paused(s, team_id="T0001", user_id="U1", until=date(2026, 3, 27),
                        now=datetime(2026, 3, 10, tzinfo=UTC))  # extended: same start
        assert repo.get(s, team_id="T0001", user_id="U1").paused_at == began
    with db.session() as s:
        repo.set_paused(s, team_id="T0001", user_id="U1", until=None)
        row = repo.get(s, team_id="T0001", user_id="U1")
        assert (row.status, row.paused_at, row.paused_until) == ("active", None, None)
