"""The export: pairs.csv, people.csv, checkins.csv from the command line and in Slack; UTF-8 with a
header row, formula-like cells neutralised, numbers and choices only."""

from __future__ import annotations

import csv
import io

import pytest

from bot.blocks.export import CHECKINS_COLUMNS, PAIRS_COLUMNS, PEOPLE_COLUMNS, WRITERS, neutralise
from bot.cli import main
from bot.services import export
from storage import schema
from storage.db import Database
from storage.models import Participant
from tests.support.program import NOW, TEAM, seed_program


def rows(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


def test_pairs_people_and_checkins_have_the_columns_and_the_figures(db):
    ids = seed_program(db)
    data = export.build(db, team_id=TEAM, now=NOW)
    pairs = rows(WRITERS["pairs"](data))
    assert tuple(pairs[0]) == PAIRS_COLUMNS
    by_id = {int(r["pair_id"]): r for r in pairs}
    on_track = by_id[ids["on_track"]]
    assert {k: on_track[k] for k in ("mentor_id", "mentor_name", "mentee_id", "started", "ended", "status",
                                      "cycles_done", "checkins", "meetings_reported", "avg_usefulness", "goals",
                                      "goals_progress", "health")} == {
        "mentor_id": "U0R1", "mentor_name": "Mentor on_track", "mentee_id": "U0E1", "started": "2026-01-05",
        "ended": "", "status": "Active", "cycles_done": "3", "checkins": "6", "meetings_reported": "3",
        "avg_usefulness": "4.5", "goals": "1", "goals_progress": "on track: 1", "health": "On track"}
    assert by_id[ids["silent"]]["health"] == "Needs attention"
    assert by_id[ids["silent"]]["health_reason"] == "no check-in from either of them in the last 2 sessions"
    assert (by_id[ids["ended"]]["status"], by_id[ids["ended"]]["ended"]) == ("Ended early", "2026-01-20")

    people = rows(WRITERS["people"](data))
    assert tuple(people[0]) == PEOPLE_COLUMNS and len(people) == 14
    assert {(r["user_id"], r["active_pairs"], r["pairs_total"]) for r in people} >= {("U0R1", "1", "1"),
                                                                                    ("U0R7", "0", "1")}
    checkins = rows(WRITERS["checkins"](data))
    assert tuple(checkins[0]) == CHECKINS_COLUMNS and len(checkins) == 13
    blocked = [r for r in checkins if r["blocker_reported"] == "yes"]
    assert sorted((r["user_id"], r["blocker_shared"]) for r in blocked) == [
        ("U0E4", "yes"), ("U0E7", "no"), ("U0R5", "no")]
    final = [r for r in checkins if r["kind"] == "final"]
    assert [(r["overall_usefulness"], r["recommend"], r["keep_meeting"]) for r in final] == [("4", "yes", "maybe")]


@pytest.mark.parametrize("cell, safe", [
    ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"), ("+1", "'+1"), ("-2", "'-2"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\tx", "'\tx"), ("Ana", "Ana"), ("", ""), (None, ""), (3, "3"),
])
def test_formula_like_cells_are_neutralised(cell, safe):
    assert neutralise(cell) == safe


def test_a_name_that_looks_like_a_formula_is_exported_as_text(db):
    seed_program(db)
    with db.session() as s:
        person = s.get(Participant, 1)
        person.name = "=cmd|' /C calc'!A0"
    text = WRITERS["people"](export.build(db, team_id=TEAM, now=NOW))
    assert "\"'=cmd|' /C calc'!A0\"" in text or "'=cmd|' /C calc'!A0" in text
    assert ",=cmd" not in text


def test_the_command_line_writes_each_file(clean_cli_env, tmp_path, capsys):
    db = Database(clean_cli_env)
    schema.upgrade(db)
    seed_program(db)
    db.dispose()
    assert main(["export", "pairs", "--team", TEAM]) == 0
    out = capsys.readouterr().out
    assert out.startswith(",".join(PAIRS_COLUMNS) + "\r\n") and len(rows(out)) == 7
    target = tmp_path / "people.csv"
    assert main(["export", "people", "--team", TEAM, "--out", str(target)]) == 0
    assert f"Wrote the people to {target}." in capsys.readouterr().err
    assert len(rows(target.read_text(encoding="utf-8"))) == 14
    assert main(["export", "checkins", "--team", TEAM, "--out", str(tmp_path / "nowhere" / "x.csv")]) == 1
    assert "Can't write" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["export", "goals", "--team", TEAM])
