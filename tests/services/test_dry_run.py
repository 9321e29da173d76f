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
    assert "Best possible: no other set pairs more people or fits them better." in out
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
    out = capsys.readouterr().out
    assert "Nobody in T0001 is waiting to be matched" in out and "is T0001 the right team ID?" in out
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
             "mean_score": 20.0, "proven_optimal": False, "optimality_gap_pairs": 1,
             "either_as_mentor": 1, "either_as_mentee": 0}
    proposal = Proposal((ProposedPair("U0A", "U0B", 20, ("why",)),), (), stats)
    out = format_dry_run(proposal, snap, team_id="T0001")
    assert ("Note: Many people said they'd take either role, so I stopped at the time limit with the best "
            "set I found. At most 1 more pair might be possible") in out
    assert "score" not in out.lower()
    assert "Pool:   3 people (1 mentor, 1 mentee, 1 either)" in out
    assert "average fit 20.0" in out and "Not matched: 0" in out
    assert "Said either: 1 mentoring, 0 learning" in out
    assert "Best possible" not in out


def test_the_time_limit_note_gives_its_reason_and_never_more_people_than_are_unpaired():
    from bot.blocks.rounds import stopped_early_text

    big = stopped_early_text({"either": 2939, "stopped_by": "size", "optimality_gap_pairs": 189,
                              "unmatched": 135})
    assert big.startswith("This round is a big one, so I stopped at the time limit")
    # more pairs than people left out: the rest is people who'd take either role switching
    assert ("At most 189 more pairs might be possible (up to 135 more people with a partner; the "
            "rest would need some people happy to take either role to switch).") in big
    assert stopped_early_text({"optimality_gap_pairs": 189, "unmatched": 135}).endswith(
        "At most 189 more pairs might be possible (up to 135 more people with a partner).")
    roles = stopped_early_text({"either": 40, "stopped_by": "either", "optimality_gap_pairs": 3,
                                "unmatched": 0})
    assert roles.startswith("Many people said they'd take either role")
    assert roles.endswith("At most 3 more pairs might be possible (if some people happy to take "
                          "either role switched).")
    assert stopped_early_text({"optimality_gap_pairs": 3, "unmatched": 0}).endswith(
        "At most 3 more pairs might be possible.")
    one = stopped_early_text({"optimality_gap_pairs": 1, "unmatched": 1})
    assert one.endswith("At most 1 more pair might be possible (up to 1 more person with a partner).")
    # a preview saved before `stopped_by` existed still reads as it did
    assert stopped_early_text({"either": 3, "optimality_gap_pairs": 2}).startswith("Many people said")
    # a round the methods could not prove well within the budget doesn't blame the clock
    early = stopped_early_text({"either": 300, "stopped_by": "either", "optimality_gap_pairs": 41,
                                "unmatched": 110, "stopped_at_time_limit": False})
    assert early.startswith("Many people said they'd take either role, so I couldn't prove this is "
                            "the best set; it's the best I found. At most 41 more pairs")
    assert "time limit" not in early


def test_shares_never_read_as_all_or_none_when_they_are_not():
    from bot.blocks.rounds import percent

    assert percent(1602 / 1609) == "99.6%"
    assert percent(0.99999) == "99.9%"
    assert percent(1.0) == "100%" and percent(0.0) == "0%"
    assert percent(0.001) == "0.1%" and percent(0.5) == "50%" and percent(0.3333) == "33%"


def test_printing_into_a_pipe_that_closes_early_ends_quietly(db_file, tmp_path):
    """`match --dry-run | head -1`: no traceback when the reader stops."""
    import os
    import subprocess
    import sys

    # 300 pairs: far more output than a pipe holds, so the writer meets the closed pipe
    seed_participants(db_file, [participant_create() for _ in range(300)]
                      + [mentee_create() for _ in range(300)])
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'mentoring.db'}", "SLACK_TEAM_ID": "T0001"}
    cmd = f"{sys.executable} -m bot match --dry-run | head -1"
    done = subprocess.run(["bash", "-c", cmd], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.stdout.startswith("Matching proposal for T0001")
    assert "Traceback" not in done.stderr and "BrokenPipe" not in done.stderr, done.stderr


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
