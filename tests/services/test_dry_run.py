"""`python -m bot match --dry-run [--json]` on a SQLite file: the proposal, without Slack."""

from __future__ import annotations

import json

import pytest

from bot.cli import main
from storage import schema
from storage.db import Database
from tests.support.factories import mentee_create, participant_create, seed_participants


@pytest.fixture
def db_file(tmp_path, monkeypatch):
    path = tmp_path / "mentoring.db"
    monkeypatch.chdir(tmp_path)  # no stray .env
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{path}")
    monkeypatch.setenv("SLACK_TEAM_ID", "T0001")
    db = Database(f"sqlite:///{path}")
    schema.upgrade(db)
    yield db
    db.dispose()


def seed(db):
    seed_participants(db, [
        participant_create(slack_user_id="U0ANA", name="Ana Silva", skills_share=["ai_tools", "spreadsheets"]),
        participant_create(slack_user_id="U0BEA", name="Bea Ko"),
        mentee_create(slack_user_id="U0CARL", name="Carl Old", skills_learn=["spreadsheets"]),
        mentee_create(slack_user_id="U0DORA", name="Dora Senior", department="Marketing"),
        mentee_create(slack_user_id="U0EVE", name="Eve Far", timezone="Pacific/Auckland"),
    ])


def test_dry_run_prints_pairs_reasons_unmatched_and_figures(db_file, capsys):
    seed(db_file)
    assert main(["match", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Matching proposal for T0001 (dry run: nothing saved, nothing sent)")
    assert "Pool:   5 people (2 mentors, 3 mentees, 0 either)" in out
    assert "Pairs:  2; mentees with a wanted skill covered: 2 of 2 (100%)" in out
    assert "Ana Silva (U0ANA)" in out and "Carl Old (U0CARL)" in out
    assert "    - Ana Silva can share what Carl Old wants to learn: " in out
    assert "NOT MATCHED (1)\n  Eve Far (U0EVE): " in out
    assert "time limit" not in out and "score" not in out.lower()  # proven; no engine words
    with db_file.session() as s:  # nothing saved
        from sqlmodel import select

        from storage.models import MatchRound, Pair
        assert s.exec(select(MatchRound)).first() is None and s.exec(select(Pair)).first() is None


def test_dry_run_json_has_the_documented_shape_with_slack_ids(db_file, capsys):
    seed(db_file)
    assert main(["match", "--dry-run", "--json", "--team", "T0001"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert set(data) == {"pairs", "unmatched", "stats"}
    assert {(p["mentor"], p["mentee"]) for p in data["pairs"]} == {("U0ANA", "U0CARL"), ("U0BEA", "U0DORA")}
    for p in data["pairs"]:
        assert set(p) == {"mentor", "mentee", "score", "reasons"}
        assert isinstance(p["score"], int) and p["reasons"] and all(isinstance(r, str) for r in p["reasons"])
    assert [u["user"] for u in data["unmatched"]] == ["U0EVE"] and data["unmatched"][0]["reason"]
    assert data["stats"]["pairs"] == 2 and data["stats"]["participants"] == 5


def test_an_empty_pool_gets_a_friendly_line(db_file, capsys):
    assert main(["match", "--dry-run"]) == 0
    assert "Nobody in T0001 is waiting to be matched" in capsys.readouterr().out
    assert main(["match", "--dry-run", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["pairs"] == []


def test_without_dry_run_it_points_to_slack(db_file, capsys):
    assert main(["match"]) == 2
    assert "run `/mentoring match` in the admin channel" in capsys.readouterr().err


def test_a_bad_team_id_is_refused(db_file, capsys):
    assert main(["match", "--dry-run", "--team", "nope"]) == 2
    assert "'nope' doesn't look like a Slack team ID" in capsys.readouterr().err


def test_a_database_the_bot_never_used_is_set_up_and_its_empty_pool_explained(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'empty.db'}")
    assert main(["match", "--dry-run", "--team", "T0001"]) == 0
    out, err = capsys.readouterr()
    assert "Nobody in T0001 is waiting to be matched" in out
    assert "had no schema: created it" in err


def test_dry_run_says_when_the_round_stopped_at_the_time_limit():
    """An unproven round says so on the command line too, in the preview's words."""
    from types import SimpleNamespace

    from bot.cli import format_dry_run
    from bot.domain.matching import Proposal, ProposedPair

    snap = SimpleNamespace(pool=[SimpleNamespace(slack_user_id=u, name=u) for u in ("U0A", "U0B", "U0C")])
    stats = {"participants": 3, "mentors": 1, "mentees": 1, "either": 1, "pairs": 1,
             "mentees_with_wanted_skill_covered": 1, "mentees_with_wanted_skill_covered_share": 1.0,
             "mean_score": 20.0, "proven_optimal": False, "optimality_gap_pairs": 1}
    proposal = Proposal((ProposedPair("U0A", "U0B", 20, ("why",)),), (), stats)
    out = format_dry_run(proposal, snap, team_id="T0001")
    assert ("Note: Many people said they'd take either role, so I stopped at the time limit with the best "
            "set I found. At most 1 more pair might be possible") in out
    assert "score" not in out.lower()


def test_a_database_error_is_said_in_one_line_and_the_connection_closed(db_file, capsys, monkeypatch):
    """Every command reads or writes through one helper: its message names the database and the
    error's first line, and the command exits with 1."""
    from sqlalchemy.exc import OperationalError

    from bot import cli
    from bot.services import rounds

    def broken(db, **_):
        raise OperationalError("SELECT 1", {}, Exception("disk I/O error\nmore detail"))

    disposed = []
    real_open = cli.open_database

    def tracked(settings):
        db = real_open(settings)
        real_dispose = db.dispose
        db.dispose = lambda: (disposed.append(True), real_dispose())
        return db

    monkeypatch.setattr(rounds, "dry_run", broken)
    monkeypatch.setattr(cli, "open_database", tracked)
    assert main(["match", "--dry-run"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("Can't read the pool from the database (") and err.strip().endswith("disk I/O error.")
    assert disposed == [True]
