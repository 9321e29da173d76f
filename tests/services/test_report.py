"""The program health report: every figure, for the current cohort and overall, small bases said
plainly, and each pair's health with its reason. On SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from bot.blocks.report import ratio, report_messages, report_text
from bot.services import report
from bot.services.report import NEEDS_ATTENTION, ON_TRACK, TOO_EARLY, Mean, Ratio
from storage.models import MatchRound, Pair
from storage.repositories import participants as repo
from tests.support.factories import mentee_create, participant_create
from tests.support.fakeslack import check_message
from tests.support.program import NOW, SHARED_BLOCKER, TEAM, seed_program


def by_id(rep):
    return {p.pair_id: p for p in rep.pairs}


def test_each_pair_gets_its_health_and_the_reason_in_plain_words(db):
    ids = seed_program(db)
    rep = report.build(db, team_id=TEAM, now=NOW)
    pairs = by_id(rep)
    assert pairs[ids["on_track"]].health == ON_TRACK
    assert pairs[ids["new"]].health == TOO_EARLY
    assert pairs[ids["ended"]].health is None
    for name in ("silent", "not_met", "shared_blocker", "private_blocker"):
        assert pairs[ids[name]].health == NEEDS_ATTENTION, name
    assert [r.kind for r in pairs[ids["silent"]].reasons] == [report.SILENT]
    assert [r.kind for r in pairs[ids["not_met"]].reasons] == [report.NOT_MET]
    [shared] = pairs[ids["shared_blocker"]].reasons
    assert (shared.kind, shared.who, shared.shared) == (report.BLOCKER, "U0E4", SHARED_BLOCKER)
    [private] = pairs[ids["private_blocker"]].reasons
    assert (private.kind, private.who, private.shared) == (report.BLOCKER, "U0R5", None)

    text = report_text(rep)
    assert "Mentor silent (U0R2) & Mentee silent (U0E2), pair" in text
    assert "no check-in from either of them in the last 2 sessions" in text
    assert "no meeting reported in the last 2 sessions" in text
    assert f"Mentee shared_blocker (U0E4) said something is getting in the way (session 3), and shared it with you: “{SHARED_BLOCKER}”" in text
    assert "Mentor private_blocker (U0R5) said something is getting in the way (session 3)\n" in text


def test_the_figures_count_what_happened(db):
    ids = seed_program(db)
    f = report.build(db, team_id=TEAM, now=NOW).overall  # one cohort so far
    assert (f.people.total, f.people.paired, f.people.in_pool, f.people.paused, f.people.left) == (14, 12, 2, 0, 0)
    assert (f.pairs, f.active, f.completed, f.ended_early, f.started) == (7, 6, 0, 1, 7)
    # Met at least once: on_track, not_met, shared_blocker, private_blocker of 7 started pairs.
    assert f.met_once == Ratio(4, 7)
    # In the last session done (3): on_track, shared_blocker, private_blocker, of the 5 active pairs with one done.
    assert f.met_last_cycle == Ratio(3, 5)
    assert f.meetings == Mean(3 + 1 + 1 + 1, 7)
    # Asked: 3 sessions x 2 people for the 5 pairs under way since 5 Jan, 1 x 2 for the pair that
    # ended on 20 Jan (its sessions 1 and 2 were asked before), none yet for the new pair.
    assert f.response == Ratio(6 + 3 + 1 + 1 + 1, 5 * 6 + 2 * 2)
    assert f.usefulness == Mean(27 + 3 + 4 + 4, 9)
    assert f.goals.pairs_with_goals == Ratio(7, 7) and f.goals.goals == 7
    assert f.goals.goal_progress == {"on_track": 1, "done": 0, "some": 0, "not_started": 0, "unreported": 6}
    assert f.goals.learn_back == 7
    assert f.survey.answers == 1 and f.survey.recommend == {"yes": 1, "maybe": 0, "no": 0}
    assert f.survey.nps is None  # one answer: no percentage
    assert f.health == {NEEDS_ATTENTION: 4, TOO_EARLY: 1, ON_TRACK: 1}
    assert ids


def test_small_bases_are_said_as_counts_never_as_a_percentage():
    assert ratio(Ratio(2, 3)) == "2 of 3 pairs so far"
    assert ratio(Ratio(4, 5)) == "4 of 5 pairs (80 %)"
    assert ratio(Ratio(0, 0), none="no pair yet") == "no pair yet"


def test_a_new_round_is_the_current_cohort_and_overall_keeps_everyone(db):
    seed_program(db)
    with db.session() as s:
        rnd = MatchRound(team_id=TEAM, status="done", created_by="U0ADM", pool_fingerprint="y",
                         created_at=datetime(2026, 1, 26, tzinfo=UTC), decided_at=datetime(2026, 1, 26, tzinfo=UTC))
        s.add(rnd)
        s.flush()
        repo.upsert(s, data=participant_create(team_id=TEAM, slack_user_id="U0NEWR"))
        repo.upsert(s, data=mentee_create(team_id=TEAM, slack_user_id="U0NEWE"))
        s.add(Pair(team_id=TEAM, round_id=rnd.id, mentor_user_id="U0NEWR", mentee_user_id="U0NEWE",
                   channel_id="G0NEW", introduced_at=datetime(2026, 1, 26, 9, tzinfo=UTC)))
    rep = report.build(db, team_id=TEAM, now=NOW)
    assert rep.cohort is not None and rep.cohort.pairs == 1 and rep.overall.pairs == 8
    assert rep.cohort.people.total == 2 and rep.overall.people.total == 16
    assert "Current cohort (matched 26 Jan 2026)" in report_text(rep)
    assert "Overall (every cohort)" in report_text(rep)


def test_the_weekly_series_follows_the_sessions_asked(db):
    seed_program(db)
    weeks = report.build(db, team_id=TEAM, now=NOW).weeks
    assert [(w.week, w.pairs) for w in weeks] == [(1, 6), (2, 6), (3, 5)]
    assert weeks[0].met == Ratio(2, 6)  # on_track, not_met
    assert weeks[2].response == Ratio(2 + 1 + 1 + 1, 10)


def test_the_slack_report_fits_in_messages_with_a_button_pair_per_pair_that_needs_attention(db):
    ids = seed_program(db)
    messages = report_messages(report.build(db, team_id=TEAM, now=NOW))
    assert len(messages) == 2
    buttons = [(e["action_id"], e["value"]) for b in messages[1]["blocks"] if b["type"] == "actions"
               for e in b["elements"]]
    attention = sorted(ids[n] for n in ("silent", "not_met", "shared_blocker", "private_blocker"))
    assert sorted(int(v) for a, v in buttons if a == "pair_message") == attention
    assert sorted(int(v) for a, v in buttons if a == "end_pair_open") == attention


def test_an_empty_workspace_has_a_report_too(db):
    rep = report.build(db, team_id="T0EMPTY", now=NOW)
    assert rep.pairs == () and rep.weeks == ()
    assert "No pairs yet." in report_text(rep)
    assert "no pair has started yet" in report_text(rep)


def test_the_command_line_prints_the_same_report(clean_cli_env, capsys):
    from bot.cli import main
    from storage import schema
    from storage.db import Database

    db = Database(clean_cli_env)
    schema.upgrade(db)
    ids = seed_program(db)
    db.dispose()
    assert main(["report", "--team", TEAM, "--at", "2026-01-28T12:00Z"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"Program health for {TEAM}, as of 2026-01-28 12:00 UTC")
    assert "Met at least once:" in out and "4 of 7 pairs (57 %)" in out
    assert "Pairs that need attention (4)" in out and f"pair {ids['silent']}," in out
    assert main(["report", "--team", TEAM, "--at", "2026-01-28T12:00Z", "--every-pair"]) == 0
    every = capsys.readouterr().out.split("Every pair (7)\n")[1].splitlines()
    assert every[0] == f"  {ids['on_track']:>6}  On track           Mentor on_track (U0R1) & Mentee on_track (U0E1): met in session 3"
    assert "Too early to tell" in every[ids["new"] - 1] and "Ended early" in every[ids["ended"] - 1]
    assert main(["report", "--team", "nonsense"]) == 2
    assert "doesn't look like a Slack team ID" in capsys.readouterr().err


def test_a_long_attention_list_stays_within_block_kit_limits():
    base = report.PairHealth(
        pair_id=0, mentor_id="U0R", mentor_name="R", mentee_id="U0E", mentee_name="E", status=report.ACTIVE,
        health=NEEDS_ATTENTION, reasons=(report.Reason(report.SILENT, cycles=2),
                                         report.Reason(report.BLOCKER, cycles=3, who="U0E", shared="x" * 1000)),
        started=None, ended=None, cycles_done=3, checkins=0, meetings_reported=0, usefulness=Mean(0, 0), goals=0,
        goals_progress={}, in_cohort=True, channel_id="G1")
    empty = report.compute(report.ReportData(TEAM, report.Rhythm(), 2, [], [], [], [], {}, None), now=NOW)
    rep = replace(empty, pairs=tuple(replace(base, pair_id=i, mentor_id=f"U{i:07d}") for i in range(1, 251)))
    messages = report_messages(rep)
    assert len(messages) == 1 + 5
    for m in messages:
        errors, warnings = check_message({"channel": "C1", "text": m["text"], "blocks": m["blocks"]})
        assert errors == [] and warnings == [] and len(m["blocks"]) <= 50
    assert "…and 150 more" in str(messages[-1]["blocks"])
