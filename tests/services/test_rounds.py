"""Matching rounds below the app: fingerprints, compare-and-set, one open proposal, admin checks,
and the builders' Block Kit limits (SQLite and PostgreSQL where a database is involved)."""

from __future__ import annotations

import re
import threading
from datetime import UTC, datetime

import pytest
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from bot.blocks import rounds as views
from bot.deps import build_deps
from bot.domain.pairing import Why
from bot.services import rounds
from bot.slack.admin import AdminDirectory
from bot.slack.forms import positive_int
from bot.slack.ids import Action, parse_proposal_drop_value, parse_proposal_page_value
from bot.slack.round_board import SlackRoundBoard
from storage.models import ROUND_INTRODUCING, ROUND_STALE, MatchRound, Pair, ProgramSettings
from storage.repositories import participants as participants_repo
from storage.repositories import rounds as repo
from tests.support.factories import mentee_create, participant_create, seed_participants
from tests.support.fakeslack import check_message
from tests.support.harness import make_settings

T = "T0001"
NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def seed(db, n=2):
    seed_participants(db, [participant_create(slack_user_id=f"U0M{i}") for i in range(n)]
                      + [mentee_create(slack_user_id=f"U0E{i}") for i in range(n)])


def fingerprint(db) -> str:
    with db.session() as s:
        return rounds.snapshot(s, team_id=T, now=NOW).fingerprint


def propose_round(db, fake_slack=None) -> MatchRound:
    proposal, snap = rounds.dry_run(db, team_id=T, now=NOW)
    with db.session() as s:
        return repo.insert_proposal(s, team_id=T, created_by="U0ADM", fingerprint=snap.fingerprint,
                                    proposal=proposal.to_json_dict(), created_at=NOW)


def test_the_fingerprint_moves_with_the_pool_and_nothing_else(db):
    seed(db)
    first = fingerprint(db)
    assert fingerprint(db) == first
    with db.session() as s:
        participants_repo.upsert(s, data=participant_create(slack_user_id="U0M0", seniority_years=4))
    edited = fingerprint(db)
    assert edited != first
    with db.session() as s:
        participants_repo.set_paused(s, team_id=T, user_id="U0E1", until=datetime(2027, 1, 1).date())
    paused = fingerprint(db)
    assert paused != edited
    with db.session() as s:
        s.add(ProgramSettings(team_id=T, allow_same_department=True))
    with_settings = fingerprint(db)
    assert with_settings != paused
    with db.session() as s:  # another workspace's people don't count
        participants_repo.upsert(s, data=participant_create(team_id="T0002", slack_user_id="U0X"))
    assert fingerprint(db) == with_settings


def test_one_open_proposal_per_workspace(db):
    seed(db)
    propose_round(db)
    with pytest.raises(IntegrityError):
        propose_round(db)
    with db.session() as s:  # another workspace may have its own
        repo.insert_proposal(s, team_id="T0002", created_by="U0ADM", fingerprint="x", proposal={}, created_at=NOW)


def test_concurrent_confirms_create_the_pairs_once(db, fake_slack):
    seed(db, n=4)
    rnd = propose_round(db)
    deps = build_deps(make_settings(fake_slack, db.url), db, clock=lambda: NOW)
    client = fake_slack.client()
    replies = []
    barrier = threading.Barrier(5)

    def click():
        barrier.wait()
        replies.append(views.decision_reply(rounds.confirm(deps, SlackRoundBoard(client, "C0ADMIN"), team_id=T,
                                                           round_id=rnd.id, user_id="U0ADM")))

    threads = [threading.Thread(target=click) for _ in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with db.session() as s:
        pairs = list(s.exec(select(Pair)))
        row = s.get(MatchRound, rnd.id)
    assert len(pairs) == 4 and (row.status, row.open_slot, row.pairs_total) == (ROUND_INTRODUCING, None, 4)
    assert sum(r is None for r in replies) == 1
    assert all("already confirmed" in r["text"] for r in replies if r)


def test_a_stale_confirm_creates_nothing_and_frees_the_slot(db, fake_slack):
    seed(db)
    rnd = propose_round(db)
    with db.session() as s:
        participants_repo.upsert(s, data=mentee_create(slack_user_id="U0LATE"))
    deps = build_deps(make_settings(fake_slack, db.url), db, clock=lambda: NOW)
    reply = views.decision_reply(rounds.confirm(deps, SlackRoundBoard(fake_slack.client(), "C0ADMIN"), team_id=T,
                                                round_id=rnd.id, user_id="U0ADM"))
    assert "1 person joined or came back" in reply["text"]
    with db.session() as s:
        assert s.exec(select(Pair)).first() is None
        assert (s.get(MatchRound, rnd.id).status, s.get(MatchRound, rnd.id).open_slot) == (ROUND_STALE, None)
    propose_round(db)  # the slot is free again


def test_a_round_of_another_workspace_is_not_found(db, fake_slack):
    seed(db)
    rnd = propose_round(db)
    deps = build_deps(make_settings(fake_slack, db.url), db, clock=lambda: NOW)
    reply = views.decision_reply(rounds.confirm(deps, SlackRoundBoard(fake_slack.client(), "C0ADMIN"),
                                                team_id="T0002", round_id=rnd.id, user_id="U0ADM"))
    assert "can't find that matching round" in reply["text"]
    with db.session() as s:
        assert s.exec(select(Pair)).first() is None


@pytest.mark.parametrize("value, expected", [("7", 7), ("0", None), ("-1", None), ("abc", None), ("", None),
                                             (None, None)])
def test_round_ids_from_buttons(value, expected):
    assert positive_int(value) == expected


# --- admin checks -------------------------------------------------------------------------


def test_admin_membership_is_paginated_cached_and_per_workspace(fake_slack):
    members = [f"U{i:05d}" for i in range(1200)]
    fake_slack.set_channel_members("C0ADMIN", members)
    admins = AdminDirectory(make_settings(fake_slack, "sqlite://").admin_channel)
    client = fake_slack.client()
    for _ in range(20):
        assert admins.is_admin(client, team_id=T, user_id="U01100")
    assert len(fake_slack.calls_to("conversations.members")) == 3  # 500 + 500 + 200, once
    assert admins.is_admin(client, team_id="T0002", user_id="U01100")
    assert len(fake_slack.calls_to("conversations.members")) == 6  # never shared across workspaces


def test_an_unknown_admin_channel_falls_back_to_workspace_roles(fake_slack):
    admins = AdminDirectory(make_settings(fake_slack, "sqlite://", admin_channel="C0GONE").admin_channel)
    client = fake_slack.client()
    fake_slack.add_user("U0BOSS", is_owner=True)
    fake_slack.add_user("U0ANA")
    assert admins.is_admin(client, team_id=T, user_id="U0BOSS")
    assert not admins.is_admin(client, team_id=T, user_id="U0ANA")
    assert not admins.is_admin(client, team_id=T, user_id="U0NOBODY")  # users.info fails


# --- builders -----------------------------------------------------------------------------


def big_proposal(n_pairs=400, n_unmatched=120) -> dict:
    long_reason = "Mentor can share what Mentee wants to learn: " + ", ".join(["Collaboration tools"] * 5)
    return {
        "pairs": [{"mentor": f"UM{i:05d}", "mentee": f"UE{i:05d}", "score": 30,
                   "reasons": [long_reason[:150], "Different departments: Sales and Finance",
                               "8 working hours overlap (0 h apart)", "Mentor (3 yrs) mentors Mentee (20 yrs)"]}
                  for i in range(n_pairs)],
        "unmatched": [{"user": f"UU{i:05d}", "reason": "All 12 possible mentors are already paired (mentor "
                                                    "capacity used up by better fits)"} for i in range(n_unmatched)],
        "stats": {"participants": 2 * n_pairs + n_unmatched, "mentors": n_pairs, "mentees": n_pairs + n_unmatched,
                  "pairs": n_pairs, "unmatched": n_unmatched, "mentees_with_wanted_skill_covered": n_pairs,
                  "mentees_with_wanted_skill_covered_share": 1.0, "mean_score": 30.0},
    }


@pytest.mark.parametrize("n_pairs, n_unmatched", [(1, 0), (3, 1), (40, 5), (400, 120)])
def test_every_state_of_the_round_message_fits_block_kit(n_pairs, n_unmatched):
    proposal = big_proposal(n_pairs, n_unmatched)
    messages = [
        views.build_preview(round_id=9, proposal=proposal, created_by="U0ADM"),
        views.build_progress(proposal=proposal, decided_by="U0ADM", introduced=3, total=n_pairs, note="busy"),
        views.build_finished(proposal=proposal, decided_by="U0ADM", introduced=n_pairs - 1, total=n_pairs,
                             unmatched=n_unmatched, failed=[("UM1", "UE1", "user_disabled")] * 12),
        views.build_cancelled(proposal=proposal, cancelled_by="U0ADM"),
        views.build_stale(proposal=proposal, what_changed="2 people joined or came back"),
    ]
    for message in messages:
        errors, warnings = check_message(message)
        assert errors == [] and warnings == [], errors + warnings
        assert len(message["blocks"]) <= 50
    preview = messages[0]["blocks"]
    text = "\n".join(str(b) for b in preview)
    if n_pairs > 10:
        assert f"Pairs 1–10 of {n_pairs}" in text and "Next ▶" in text
    assert preview[-1]["elements"][0]["action_id"] == Action.MATCH_CONFIRM
    assert not any("python" in str(m).lower() for m in messages)  # never "run Python"


@pytest.mark.parametrize("n_pairs, n_unmatched", [(3, 1), (10, 40), (11, 0), (400, 120), (2, 90)])
def test_the_preview_pages_through_every_pair_and_everyone_unmatched_once(n_pairs, n_unmatched):
    proposal = big_proposal(n_pairs, n_unmatched)
    shown_pairs, shown_unmatched = [], []
    n_pages = len(views.pages(proposal))
    for page in range(n_pages):
        message = views.build_preview(round_id=9, proposal=proposal, created_by="U0ADM", page=page)
        errors, warnings = check_message(message)
        assert errors == [] and warnings == [], errors + warnings
        for b in message["blocks"]:
            if b.get("accessory", {}).get("action_id") == Action.PROPOSAL_DROP:
                round_id, on_page, mentor, mentee = parse_proposal_drop_value(b["accessory"]["value"])
                assert (round_id, on_page) == (9, page)
                shown_pairs.append((mentor, mentee))
            elif b["type"] == "section" and "text" in b:
                shown_unmatched += re.findall(r"<@(UU\d+)>", b["text"]["text"])
        nav = {el["action_id"]: parse_proposal_page_value(el["value"]) for b in message["blocks"]
               if b["type"] == "actions" for el in b["elements"] if el["action_id"].startswith("proposal_page")}
        assert nav.get(Action.PROPOSAL_PAGE) == ((9, page + 1) if page < n_pages - 1 else None)
        assert nav.get(Action.PROPOSAL_PAGE_BACK) == ((9, page - 1) if page > 0 else None)
    assert shown_pairs == [(p["mentor"], p["mentee"]) for p in proposal["pairs"]]
    assert shown_unmatched == [u["user"] for u in proposal["unmatched"]]
    # A page past the end (a stale button) shows the last one.
    last = views.build_preview(round_id=9, proposal=proposal, created_by="U0ADM", page=n_pages + 5)
    assert last == views.build_preview(round_id=9, proposal=proposal, created_by="U0ADM", page=n_pages - 1)


def test_the_intro_and_the_unmatched_dm_fit_block_kit():
    long = tuple("r" * 75 for _ in range(12))
    intro = views.build_intro(pair_id=5, mentor="U0M", mentee="U0E",
                              why=Why(wanted=long, back=long, common=long, departments=("d" * 80, "e" * 80)))
    unmatched = views.build_unmatched_dm(user_id="U0X", reason="Every possible partner is more than 6 hours away")
    for message in (intro, unmatched):
        errors, warnings = check_message(message)
        assert errors == [] and warnings == []


@pytest.mark.parametrize("reason, expected", [
    ("All 4 possible partners were paired elsewhere, which gave the round more or better matches",
     "were all paired with someone else"),
    ("All 2 possible mentors are already paired (mentor capacity used up by better fits)",
     "were all paired with someone else"),
    ("Every possible partner is more than 6 hours away", "time zones too far"),
    ("Every possible partner is in the same department (Sales)", "in your own department"),
    ("No possible mentor is less senior than them", "gap in experience"),
    ("Every possible partner was paired with them before", "already been paired"),
    ("Their time zone ('Mars/Base') is not recognised, so no partner can be checked", "Slack profile"),
    ("Something new the engine says", "couldn't find a partner who suits you"),
])
def test_unmatched_reasons_in_plain_words(reason, expected):
    assert expected in views.plain_reason(reason)


def test_the_pool_excludes_people_who_left_are_paused_or_are_in_a_pair(db):
    from datetime import date

    seed(db, n=3)
    seed_participants(db, [participant_create(slack_user_id="U0GONE"), mentee_create(slack_user_id="U0HOLS"),
                           mentee_create(slack_user_id="U0BACK"), participant_create(slack_user_id="U0INPAIR")])
    today = date(2026, 3, 2)
    with db.session() as s:
        participants_repo.mark_left(s, team_id=T, user_id="U0GONE")
        participants_repo.set_paused(s, team_id=T, user_id="U0HOLS", until=date(2026, 4, 1))
        participants_repo.set_paused(s, team_id=T, user_id="U0BACK", until=date(2026, 3, 1))
        s.add(Pair(team_id=T, mentor_user_id="U0INPAIR", mentee_user_id="U0E0"))
    with db.session() as s:
        pool = [r.slack_user_id for r in participants_repo.matchable_rows(s, team_id=T, today=today)]
    assert pool == ["U0BACK", "U0E1", "U0E2", "U0M0", "U0M1", "U0M2"]


def test_the_preview_says_when_the_round_stopped_at_the_time_limit():
    proposal = {"pairs": [], "unmatched": [], "stats": {"pairs": 40, "participants": 100, "proven_optimal": True}}
    assert "time limit" not in views.summary_line(proposal)
    proposal["stats"].update(proven_optimal=False, optimality_gap_pairs=3)
    text = views.summary_line(proposal)
    assert "time limit" in text and "At most 3 more pairs might be possible" in text
    assert "up to 6 more people with a partner" in text
    proposal["stats"].update(optimality_gap_pairs=1)
    assert "At most 1 more pair might be possible" in views.summary_line(proposal)
    proposal["stats"].update(optimality_gap_pairs=0)
    text = views.summary_line(proposal)
    assert "Nobody else could have been given a partner" in text
    # words an admin understands: none of the engine's
    for jargon in ("bound", "optim", "gap", "solver", "score"):
        assert jargon not in text.split("\n")[-1].lower()
    # why it stopped, in the round's own terms
    assert "This round is a big one" in text and "either role" not in text.split("\n")[-1]
    proposal["stats"].update(either=30)
    assert "Many people said they'd take either role" in views.summary_line(proposal)


def test_the_intro_shows_each_person_in_their_own_words():
    message = views.build_intro(pair_id=1, mentor="U0A", mentee="U0B",
                                profiles={"U0A": ("I run our TikTok.", "video"), "U0B": ("", "in_person")})
    text = "\n".join(b["text"]["text"] for b in message["blocks"] if b["type"] == "section")
    assert "• <@U0A>: “I run our TikTok.” · prefers to meet: video call" in text
    assert "• <@U0B>: prefers to meet: in person" in text
    assert check_message({"channel": "G1", **message}) == ([], [])
    plain = views.build_intro(pair_id=1, mentor="U0A", mentee="U0B")
    assert "In your own words" not in str(plain)


def test_the_engines_own_unmatched_reasons_all_have_plain_words():
    """Rephrasing a reason in the engine must not silently turn the DM generic."""
    from bot.domain.matching import Candidate, Rules, propose

    def person(uid, side, years, dept="Sales", tz="Europe/London"):
        return Candidate(user_id=uid, name=uid, side=side, skills_share=frozenset({"ai_tools"}),
                         skills_learn=frozenset({"ai_tools"}), seniority_years=years, department=dept,
                         timezone=tz)

    rules = Rules(reference_time=datetime(2026, 3, 2, 12, tzinfo=UTC))
    cases = {
        "time zone": [person("U1", "mentor", 2, "A"), person("U2", "mentee", 20, "B", "Asia/Tokyo")],
        "department": [person("U1", "mentor", 2), person("U2", "mentee", 20)],
        "seniority": [person("U1", "mentor", 20, "A"), person("U2", "mentee", 2, "B")],
        "history": [person("U1", "mentor", 2, "A"), person("U2", "mentee", 20, "B")],
        "nobody": [person("U1", "mentor", 2, "A")],
    }
    generic = views.plain_reason("something the mapping has never seen")
    for name, pool in cases.items():
        history = [("U1", "U2")] if name == "history" else []
        unmatched = propose(pool, history, rules).unmatched
        assert unmatched, name
        for u in unmatched:
            assert views.plain_reason(u.reason) != generic, (name, u.reason)


def test_the_people_left_out_by_the_last_round_that_went_ahead_are_passed_to_the_engine(db):
    seed(db)
    with db.session() as s:
        assert repo.last_left_out(s, team_id=T) == frozenset()
        done = repo.insert_proposal(s, team_id=T, created_by="U0ADM", fingerprint="f", created_at=NOW,
                                    proposal={"pairs": [], "unmatched": [{"user": "U0E1", "reason": "r"}]})
        assert repo.move(s, round_id=done.id, expected="proposed", to=ROUND_INTRODUCING, open_slot=None)
        # a later preview that nobody confirmed does not count
        repo.insert_proposal(s, team_id=T, created_by="U0ADM", fingerprint="g", created_at=NOW,
                             proposal={"pairs": [], "unmatched": [{"user": "U0E0", "reason": "r"}]})
    with db.session() as s:
        assert repo.last_left_out(s, team_id=T) == frozenset({"U0E1"})
        assert repo.last_left_out(s, team_id="T0OTHER") == frozenset()
        snap = rounds.snapshot(s, team_id=T, now=NOW)
    assert snap.left_out == frozenset({"U0E1"})
    assert rounds.proposal_for(snap).stats["left_out_last_round"] == 1


def test_the_latest_previews_pairs_whatever_became_of_it_are_passed_to_the_engine(db):
    seed(db)
    pairs = [{"mentor": "U0M0", "mentee": "U0E1", "score": 1, "reasons": []}]
    with db.session() as s:
        assert repo.last_preview_pairs(s, team_id=T) == ()
        old = repo.insert_proposal(s, team_id=T, created_by="U0ADM", fingerprint="f", created_at=NOW,
                                   proposal={"pairs": [{"mentor": "U0M1", "mentee": "U0E0"}], "unmatched": []})
        assert repo.move(s, round_id=old.id, expected="proposed", to=ROUND_INTRODUCING, open_slot=None)
        cancelled = repo.insert_proposal(s, team_id=T, created_by="U0ADM", fingerprint="g", created_at=NOW,
                                         proposal={"pairs": pairs, "unmatched": []})
        assert repo.move(s, round_id=cancelled.id, expected="proposed", to="cancelled", open_slot=None)
        # a one-person rematch is not a preview of the round
        repo.insert_proposal(s, team_id=T, created_by="U0ADM", fingerprint="h", created_at=NOW, kind="rematch",
                             proposal={"pairs": [{"mentor": "U0M1", "mentee": "U0E1"}], "unmatched": []})
        repo.insert_proposal(s, team_id="T0002", created_by="U0ADM", fingerprint="i", created_at=NOW,
                             proposal={"pairs": [{"mentor": "U0X", "mentee": "U0Y"}], "unmatched": []})
    with db.session() as s:
        assert repo.last_preview_pairs(s, team_id=T) == (("U0M0", "U0E1"),)
        assert repo.last_preview_pairs(s, team_id="T0003") == ()
        snap = rounds.snapshot(s, team_id=T, now=NOW)
    assert snap.keep == (("U0M0", "U0E1"),)
    assert {(p.mentor, p.mentee) for p in rounds.proposal_for(snap).pairs} == {("U0M0", "U0E1"), ("U0M1", "U0E0")}
