"""Right to erasure: `python -m bot forget U…` (the same code as "Leave and delete my data"), on
SQLite and PostgreSQL: every table is dumped afterwards and holds none of the person's
identifiers or words; other people's rows are untouched, even one whose Slack ID starts with
theirs; a returning person is never paired with the same partner again, nor with their reports;
revision 0007 upgrades a database holding a program, and won't be undone while codes depend on it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from alembic import command
from sqlalchemy import insert
from sqlmodel import select

from bot.cli import main
from bot.services import onboarding, rounds
from storage import schema
from storage.models import (
    SEND_QUEUED,
    SEND_SENT,
    SEND_STALE,
    SLACK_INSTALLATIONS,
    CheckIn,
    Goal,
    MatchRound,
    Pair,
    Participant,
    SendLedger,
    SkillEntry,
)
from storage.repositories import erasure
from storage.repositories import participants as people
from tests.support import legacy
from tests.support.dbutil import find_in_dump
from tests.support.factories import paired, participant_create

T = "T0001"
ANA, BEN, CAT, ANA2 = "U0ANA", "U0BEN", "U0CAT", "U0ANA2"  # ANA2: another person, whose ID starts with Ana's
ANAS = [ANA, "Zephyrine", "Xylophonics", "marzipanology", "Tessellate", "obsidianwaves"]
NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def seed_program(db) -> Pair:
    """Ana (mentee) in an active pair with Ben, her goal and check-in, his; Cat reports to Ana;
    an open proposal Ana made as an admin that names her; the ledger: a sent intro, a queued nudge
    of the pair, a DM to Ana still in flight, a DM to Ana2 waiting; an install Ana made."""
    _, _, pair = paired(db, mentee=dict(slack_user_id=ANA, name="Zephyrine Q", intro="marzipanology fan"),
                        mentor=dict(slack_user_id=BEN, name="Ben Okafor"))
    with db.session() as s:
        ana = people.get(s, team_id=T, user_id=ANA)
        ana.department = "Xylophonics"
        s.add(ana)
        people.upsert(s, data=participant_create(slack_user_id=CAT, manager_slack_id=ANA))
        people.upsert(s, data=participant_create(slack_user_id=ANA2, name="Other Ana"))
        pair = s.get(Pair, pair.id)
        pair.reasons = ["Ben can share what Zephyrine Q wants to learn: AI tools",
                        "Different departments: Engineering and Xylophonics"]
        s.add(pair)
        s.add(Goal(team_id=T, pair_id=pair.id, role="mentee", author_user_id=ANA, what="Tessellate dashboards"))
        s.add(Goal(team_id=T, pair_id=pair.id, role="mentor", author_user_id=BEN, what="Budgets"))
        s.add(CheckIn(team_id=T, pair_id=pair.id, user_id=ANA, cycle=1, met=True, learned="obsidianwaves"))
        s.add(CheckIn(team_id=T, pair_id=pair.id, user_id=BEN, cycle=1, met=True, learned="Board meetings"))
        s.add(MatchRound(team_id=T, open_slot=T, created_by=ANA, pool_fingerprint="f" * 64, proposal={
            "pairs": [{"mentor": CAT, "mentee": ANA, "score": 9, "reasons": ["Zephyrine Q wants AI tools"]}],
            "unmatched": [{"user": ANA2, "reason": "No possible mentor is less senior than them"}],
            "stats": {"pairs": 1}}))
        s.add_all([
            SendLedger(team_id=T, key=f"intro:{pair.id}", kind="intro", pair_id=pair.id, status=SEND_SENT,
                       channel_id="G0PAIR", payload={"text": "<@U0ANA>: “marzipanology fan”"}),
            SendLedger(team_id=T, key=f"nudge:{pair.id}:2", kind="nudge", pair_id=pair.id, status=SEND_QUEUED,
                       channel_id="G0PAIR", payload={"text": "Session 2, <@U0BEN> and <@U0ANA>"}),
            SendLedger(team_id=T, key=f"joined:{ANA}:V1", kind="joined", user_id=ANA, status="claimed",
                       in_doubt=True, channel_id=ANA, payload={"text": "Department: Xylophonics"}),
            SendLedger(team_id=T, key=f"joined:{ANA2}:V2", kind="joined", user_id=ANA2, status=SEND_QUEUED,
                       channel_id=ANA2, payload={"text": "Welcome <@U0ANA2>"}),
        ])
        s.execute(insert(SLACK_INSTALLATIONS).values(
            client_id="111.222", app_id="A1", team_id=T, user_id=ANA, bot_token="xoxb-1",
            is_enterprise_install=False, installed_at=datetime(2026, 1, 1)))
    return pair


def rows(db, model):
    with db.session() as s:
        return list(s.exec(select(model).order_by(model.id)))


@pytest.fixture
def cli_db(db, clean_cli_env, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", db.engine.url.render_as_string(hide_password=False))
    return db


def test_forget_deletes_every_trace_and_touches_nobody_else(cli_db, capsys):
    db = cli_db
    pair = seed_program(db)
    assert find_in_dump(db, ANAS)

    assert main(["forget", ANA, "--team", T]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"Deleted the data of {ANA} in workspace {T}:\n")
    for line in ("profile:                  deleted", "goals they wrote:         1 deleted",
                 "check-ins and surveys:    1 deleted", "copies of messages:       3 emptied",
                 "pairings:                 1 (", "matching rounds:          1 (",
                 "other records with their ID: 2 (", f"a note to {BEN} is queued",
                 "Messages already posted in Slack stay there."):
        assert line in out, line

    assert find_in_dump(db, ANAS) == []
    code = erasure.code(erasure_salt(db), ANA)
    [p] = rows(db, Pair)
    assert (p.mentor_user_id, p.mentee_user_id, p.reasons, p.status) == (BEN, code, [], "ended")
    assert [(g.author_user_id, g.what) for g in rows(db, Goal)] == [(BEN, "Budgets")]
    assert [(c.user_id, c.learned) for c in rows(db, CheckIn)] == [(BEN, "Board meetings")]
    by_id = {r.slack_user_id: r for r in rows(db, Participant)}
    assert set(by_id) == {BEN, CAT, ANA2} and by_id[CAT].manager_slack_id == code
    assert by_id[ANA2].name == "Other Ana"
    [r] = rows(db, MatchRound)
    assert r.created_by == code and r.proposal["pairs"] == [{"mentor": CAT, "mentee": code, "score": 9,
                                                             "reasons": []}]
    assert r.proposal["unmatched"] == [{"user": ANA2, "reason": "No possible mentor is less senior than them"}]
    ledger = {row.key: row for row in rows(db, SendLedger)}
    assert ledger[f"intro:{pair.id}"].payload == {} and ledger[f"intro:{pair.id}"].status == SEND_SENT
    assert ledger[f"nudge:{pair.id}:2"].status == SEND_STALE  # never sent now
    mine = ledger[f"joined:{code}:V1"]
    assert (mine.status, mine.in_doubt, mine.user_id, mine.channel_id, mine.payload) == (SEND_STALE, False, code,
                                                                                       code, {})
    other = ledger[f"joined:{ANA2}:V2"]  # Ana2's welcome is still on its way, as it was
    assert (other.status, other.payload) == (SEND_QUEUED, {"text": "Welcome <@U0ANA2>"})
    notes = {k: row for k, row in ledger.items() if k.startswith("pair_ended")}
    assert [(row.status, row.channel_id) for row in notes.values()] == [(SEND_QUEUED, BEN)]  # no admin channel
    assert notes[f"pair_ended:{pair.id}:partner"].payload["text"].startswith("Your reverse-mentoring partner")

    assert main(["forget", ANA, "--team", T]) == 0  # asked twice: nothing more to do
    assert capsys.readouterr().out == f"Nothing to delete: workspace {T} holds no data about {ANA}. Nothing was changed.\n"


def erasure_salt(db) -> str:
    with db.session() as s:
        return erasure.existing_salt(s, team_id=T)


def test_forget_refuses_what_is_not_a_slack_user_id(clean_cli_env, capsys):
    assert main(["forget", "ana@example.com", "--team", T]) == 2
    assert "doesn't look like a Slack user ID (like U0123ABCD" in capsys.readouterr().err
    assert main(["forget", ANA]) == 2  # which workspace?
    assert "Pass --team T0123ABCD" in capsys.readouterr().err


def test_someone_who_comes_back_is_never_paired_with_a_former_partner_or_their_reports(db):
    """Ana was Ben's mentee and is Cat's manager; her data was deleted. Back in the pool with the
    same profile, nothing but the history keeps her from Ben, and nothing but the reporting line
    from Cat: both still hold, through the code."""
    paired(db, mentee=dict(slack_user_id=ANA), mentor=dict(slack_user_id=BEN))
    with db.session() as s:
        people.upsert(s, data=participant_create(slack_user_id=CAT, manager_slack_id=ANA, department="Design"))
    onboarding.forget(db, team_id=T, user_id=ANA, now=NOW)
    with db.session() as s:
        people.upsert(s, data=participant_create(slack_user_id=ANA, side="mentee", seniority_years=20,
                                                 skills_share=["leadership"], skills_learn=["ai_tools"],
                                                 department="Finance"))
    proposal, snap = rounds.dry_run(db, team_id=T, now=NOW)
    assert proposal.pairs == ()
    assert {u.user_id for u in proposal.unmatched} == {ANA, BEN, CAT}
    assert (BEN, ANA) in snap.history
    assert {p.slack_user_id: p.manager_slack_id for p in snap.pool}[CAT] == ANA


def test_revision_0007_upgrades_a_database_holding_a_program_and_keeps_its_secret(empty_db, fake_slack):
    for user in ("UMENTOR1", "UMENTEE1", "UMENTOR2", "UMENTEE2"):
        fake_slack.add_user(user, tz="Europe/London")
    client = fake_slack.client()
    channels = tuple(client.conversations_open(users=u)["channel"]["id"] for u in ("UMENTOR1,UMENTEE1",
                                                                                  "UMENTOR2,UMENTEE2"))
    with empty_db.engine.begin() as conn:
        command.upgrade(schema.alembic_config(connection=conn), "0004")
    with empty_db.engine.begin() as conn:
        legacy.fill(conn, channels)
    applied = schema.upgrade(empty_db).applied
    assert "0007" in [r for r, _ in applied]

    bea = ["UMENTEE1", "Bea", "Use AI tools to draft my board updates", "Prompt templates", "Save an hour"]
    assert find_in_dump(empty_db, bea)
    result = onboarding.forget(empty_db, team_id=legacy.TEAM, user_id="UMENTEE1", now=NOW)
    assert result.member and result.erased.goals == 2 and result.erased.checkins == 1
    assert find_in_dump(empty_db, bea) == []
    kept = set(find_in_dump(empty_db, ["UMENTOR1", "Ada", "How budgets get decided", "Ask about the budget"]))
    assert {"participant: Ada", "pair: UMENTOR1", "goal: How budgets get decided",
            "checkin: Ask about the budget"} <= kept  # her partner's data stays

    with pytest.raises(RuntimeError, match="Not downgrading below 0007"), empty_db.engine.begin() as conn:
        command.downgrade(schema.alembic_config(connection=conn), "0004")
    assert schema.current(empty_db) == schema.head()


def test_nothing_to_delete_changes_nothing(db):
    result = onboarding.forget(db, team_id=T, user_id=ANA, now=NOW)
    assert not result.member and not result.erased.anything and result.ended == ()


def test_an_admins_note_ending_a_pair_goes_where_it_is_about_her_and_stays_where_it_is_not(db):
    """The note an admin wrote when ending a pair is about its two people: it goes from every
    pair she was in, and from any other pair whose note names her (by her name or her ID);
    other notes stay as the admin wrote them."""
    _, _, hers = paired(db, mentee=dict(slack_user_id=ANA, name="Zephyrine Q"), mentor=dict(slack_user_id=BEN))
    _, _, others = paired(db, mentee=dict(slack_user_id=CAT), mentor=dict(slack_user_id="U0DAN"), channel_id="G0B")
    _, _, by_id = paired(db, mentee=dict(slack_user_id="U0EVE"), mentor=dict(slack_user_id="U0FAY"), channel_id="G0C")
    _, _, untouched = paired(db, mentee=dict(slack_user_id="U0GUS"), mentor=dict(slack_user_id=ANA2), channel_id="G0D")
    notes = {hers.id: "They never found a time", others.id: "Cat would rather work with Zephyrine Q",
             by_id.id: "Swap with <@U0ANA>", untouched.id: "Ask U0ANA2 about the Xylo project"}
    with db.session() as s:
        for pair_id, note in notes.items():
            p = s.get(Pair, pair_id)
            p.status, p.end_reason, p.ended_by, p.end_note = "ended", "not_a_fit", "U0ADM", note
            s.add(p)

    onboarding.forget(db, team_id=T, user_id=ANA, now=NOW)

    assert find_in_dump(db, [ANA, "Zephyrine"]) == []
    after = {p.id: p.end_note for p in rows(db, Pair)}
    assert after == {hers.id: None, others.id: None, by_id.id: None, untouched.id: notes[untouched.id]}
    assert {p.id: p.end_reason for p in rows(db, Pair)} == dict.fromkeys(notes, "not_a_fit")


def test_a_skill_she_changed_as_an_admin_keeps_its_name_and_loses_hers(db):
    """The catalog's record of who last changed a skill holds her code after she is deleted; the
    skill (the program's words, not hers) stays."""
    paired(db, mentee=dict(slack_user_id=ANA, name="Zephyrine Q"), mentor=dict(slack_user_id=BEN))
    with db.session() as s:
        s.add(SkillEntry(team_id=T, key="podcasting", label="Podcasting", updated_by=ANA))
        s.add(SkillEntry(team_id=T, key="budgets", label="Budgets", group="leadership", updated_by=ANA2))

    onboarding.forget(db, team_id=T, user_id=ANA, now=NOW)

    assert find_in_dump(db, [ANA, "Zephyrine"]) == []
    with db.session() as s:
        entries = {e.key: (e.label, e.updated_by) for e in s.exec(select(SkillEntry))}
    assert entries == {"podcasting": ("Podcasting", erasure.code(erasure_salt(db), ANA)),
                       "budgets": ("Budgets", ANA2)}
