"""Steering races, on SQLite and PostgreSQL: two admins (or a double click) pairing the same
people by hand, ending the same pair, or dropping pairs while another confirms, change things once."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

from sqlmodel import select

from bot.deps import build_deps
from bot.domain.matching import Candidate, Rules
from bot.domain.steering import best_partner, broken_rules, orient
from bot.services import rounds, steering
from bot.services.errors import Refusal
from bot.slack.round_board import SlackRoundBoard
from storage.models import PAIR_ENDED, ROUND_INTRODUCING, MatchRound, Pair
from tests.support.factories import (
    mentee_create,
    participant_create,
    seed_participants,
    started_pair,
)
from tests.support.harness import make_settings

T = "T0001"
NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def together(n, fn):
    """`fn()` in `n` threads started at the same moment; their results (or the Refusal raised)."""
    barrier = threading.Barrier(n)
    out = []

    def run():
        barrier.wait()
        try:
            out.append(fn())
        except Refusal as e:
            out.append(e)

    threads = [threading.Thread(target=run) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return out


def test_two_admins_pairing_the_same_people_by_hand_make_one_pair(db, fake_slack):
    seed_participants(db, [participant_create(slack_user_id="U0JUN"), mentee_create(slack_user_id="U0SEN")])
    deps = build_deps(make_settings(fake_slack, db.url), db, clock=lambda: NOW)
    results = together(4, lambda: steering.make_hand_pair(deps, team_id=T, mentor="U0JUN", mentee="U0SEN", by="U0ADM"))
    made = [r for r in results if isinstance(r, steering.HandPaired)]
    assert len(made) == 1 and all(isinstance(r, steering.Busy) for r in results if r not in made)
    with db.session() as s:
        assert len(list(s.exec(select(Pair)))) == 1
        assert s.get(MatchRound, made[0].round_id).status == ROUND_INTRODUCING


def test_two_admins_ending_the_same_pair_end_it_once(db, fake_slack):
    pair = started_pair(db, fake_slack)
    deps = build_deps(make_settings(fake_slack, db.url), db, clock=lambda: NOW)
    results = together(4, lambda: steering.end_pair(deps, team_id=T, pair_id=pair.id, by="U0ADM", reason="other",
                                                     note=""))
    assert sum(isinstance(r, steering.Ended) for r in results) == 1
    assert all(isinstance(r, steering.PairAlreadyEnded) and r.ended is not None for r in results
               if not isinstance(r, steering.Ended))
    with db.session() as s:
        assert s.get(Pair, pair.id).status == PAIR_ENDED


def test_drops_racing_a_confirm_never_introduce_a_dropped_pair(db, fake_slack):
    seed_participants(db, [participant_create(slack_user_id=f"U0M{i}") for i in range(6)]
                      + [mentee_create(slack_user_id=f"U0E{i}") for i in range(6)])
    deps = build_deps(make_settings(fake_slack, db.url), db, clock=lambda: NOW)
    proposal, snap = rounds.dry_run(db, team_id=T, now=NOW)
    with db.session() as s:
        from storage.repositories import rounds as repo
        rnd = repo.insert_proposal(s, team_id=T, created_by="U0ADM", fingerprint=snap.fingerprint,
                                   proposal=proposal.to_json_dict(), created_at=NOW)
    board = SlackRoundBoard(fake_slack.client(), "C0ADMIN")
    pairs = [(p.mentor, p.mentee) for p in proposal.pairs]
    jobs = [lambda m=m, e=e: rounds.drop_pair(deps, board, team_id=T, round_id=rnd.id, mentor=m, mentee=e,
                                              user_id="U0ADM") for m, e in pairs[:3]]
    jobs.append(lambda: rounds.confirm(deps, board, team_id=T, round_id=rnd.id, user_id="U0ADM"))
    barrier = threading.Barrier(len(jobs))
    done = []

    def run(job):
        barrier.wait()
        done.append(job())

    threads = [threading.Thread(target=run, args=(j,)) for j in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    dropped = sum(isinstance(r, rounds.Dropped) for r in done)
    with db.session() as s:
        made = {(p.mentor_user_id, p.mentee_user_id) for p in s.exec(select(Pair))}
        row = s.get(MatchRound, rnd.id)
    # Whatever the order, the pairs made are exactly those still in the stored proposal.
    assert made == {(p["mentor"], p["mentee"]) for p in row.proposal["pairs"]}
    assert len(made) == 6 - dropped and row.pairs_total == len(made)


def _c(uid, side, years, dept="Sales", tz="Europe/London", **kw) -> Candidate:
    return Candidate(user_id=uid, name=uid, side=side, skills_share=frozenset(kw.get("share", ())),
                     skills_learn=frozenset(kw.get("learn", ())), seniority_years=years, department=dept,
                     timezone=tz, manager_id=kw.get("manager"))


def test_every_broken_rule_is_named_and_the_better_way_round_is_chosen():
    rules = Rules(reference_time=NOW)
    boss = _c("U0BOSS", "mentee", 30)
    jun = _c("U0JUN", "mentor", 2, manager="U0BOSS", tz="Asia/Tokyo")
    assert broken_rules(jun, boss, rules, [("U0BOSS", "U0JUN")]) == [
        "U0JUN and U0BOSS have been paired before",
        "U0BOSS is U0JUN's manager",
        "Both work in the same department (Sales), and the program pairs people across departments",
        "Their time zones are 9 hours apart; the program's limit is 6 hours",
    ]
    mentor, mentee, broken = orient(boss, jun, rules)  # typed the other way round
    assert (mentor.user_id, mentee.user_id) == ("U0JUN", "U0BOSS") and len(broken) == 3
    assert broken_rules(_c("A", "mentor", 2, "Eng"), _c("B", "mentee", 20, "Fin"), rules) == []


def test_a_one_person_round_picks_the_best_partner_who_breaks_no_rule():
    rules = Rules(reference_time=NOW)
    ana = _c("U0ANA", "mentee", 20, "Finance", learn={"ai_tools"})
    pool = [_c("U0ZED", "mentor", 2, "Eng", share={"ai_tools"}), _c("U0CAT", "mentor", 2, "Eng"),
            _c("U0DAN", "mentor", 2, "Finance", share={"ai_tools"})]
    assert best_partner(ana, pool, rules).mentor == "U0ZED"
    assert best_partner(ana, pool, rules, history=[("U0ZED", "U0ANA")]).mentor == "U0CAT"
    assert best_partner(ana, pool[2:], rules) is None
