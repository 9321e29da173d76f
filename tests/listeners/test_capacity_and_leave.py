"""A mentor with several pairs (capacity > 1): leaving ends all of them, pause/resume and status
cover every partner; leave notes are in the ledger before anything can lose them; fan-out skips
pairs that ended meanwhile and tells the person left behind by a pair that couldn't be introduced;
the closing and check-in wording."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
from slack_bolt.context.respond.respond import Respond
from sqlmodel import select

from bot.blocks import prompts
from bot.blocks.checkins import build_checkin_modal
from bot.blocks.onboarding import standing_line
from bot.delivery.outbox import Outbox
from bot.services import onboarding
from bot.slack.ids import Action
from storage.models import PAIR_ENDED, ROUND_DONE, SEND_CLAIMED, Pair, SendLedger
from storage.repositories import participants as repo
from tests.support.factories import participant_create
from tests.support.harness import ADMIN_CHANNEL, TEAM
from tests.support.rounds import (
    MENTEES,
    all_rows,
    click,
    confirm_while_slack_refuses,
    intro_posts,
    preview,
    seed,
    wait_round,
)

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)  # Monday 2 March
BEN = "U0BEN"  # a mentor with capacity 2
ANA, CAT = "U0ANA", "U0CAT"  # his two mentees: Ana first, Cat newest


@pytest.fixture
def two_pairs(bot_on):
    bot_on.clock.set(NOW)
    with bot_on.db.session() as s:
        repo.upsert(s, data=participant_create(slack_user_id=BEN, name="Ben", capacity=2))
        for uid in (ANA, CAT):
            repo.upsert(s, data=participant_create(slack_user_id=uid, side="mentee", seniority_years=20,
                                                   skills_share=["leadership"], skills_learn=["ai_tools"]))
        first = Pair(team_id=TEAM, mentor_user_id=BEN, mentee_user_id=ANA, channel_id="G0P1",
                     introduced_at=datetime(2026, 1, 5, 9, 0, tzinfo=UTC))
        s.add(first)
        s.flush()
        second = Pair(team_id=TEAM, mentor_user_id=BEN, mentee_user_id=CAT, channel_id="G0P2",
                      introduced_at=datetime(2026, 2, 2, 9, 0, tzinfo=UTC))
        s.add(second)
        s.flush()
    for uid in (BEN, ANA, CAT):
        bot_on.fake.add_user(uid)
    return first, second


def posts_to(bot, channel):
    return [c for c in bot.fake.calls_to("chat.postMessage") if c.params.get("channel") == channel]


def ledger(bot) -> list[SendLedger]:
    with bot.db.session() as s:
        return list(s.exec(select(SendLedger).order_by(SendLedger.key)))


def command(bot, user, text):
    """The private answer: in the ack, or through the response URL after a bare ack."""
    before = len(bot.fake.replies("commands"))
    status, _, body = bot.slack.command(user, text)
    assert status == 200
    if not body:
        body = bot.wait_until(lambda: bot.fake.replies("commands")[before:], what="the reply")[0].params
    return body["text"]


def pairs_by_id(bot) -> dict[int, Pair]:
    return {p.id: p for p in all_rows(bot, Pair)}


# --- 1. capacity > 1 -------------------------------------------------------------------------

def test_leaving_ends_every_pair_and_tells_each_partner_and_the_admins(bot_on, two_pairs):
    bot = bot_on
    first, second = two_pairs
    bot.slack.block_action(BEN, Action.LEAVE_CONFIRM, "leave")
    assert "You've left" in bot.fake.wait_for("response_url")[-1].params["text"]
    bot.wait_until(lambda: posts_to(bot, ANA) and posts_to(bot, CAT) and len(posts_to(bot, ADMIN_CHANNEL)) == 2,
                   what="every note")
    time.sleep(0.2)

    assert [c.params["text"][:62] for c in posts_to(bot, ANA) + posts_to(bot, CAT)] == [
        "<@U0BEN> has stepped out of reverse mentoring, so your pairing"] * 2
    assert sorted(c.params["text"] for c in posts_to(bot, ADMIN_CHANNEL)) == [
        f"<@U0BEN> left the program, which ends their pair with <@{p}>. <@{p}> is back in the pool for the next round."
        for p in (ANA, CAT)]
    assert [(r.key, r.status) for r in ledger(bot)] == [
        (f"pair_ended:{first.id}:admins", "sent"), (f"pair_ended:{first.id}:partner", "sent"),
        (f"pair_ended:{second.id}:admins", "sent"), (f"pair_ended:{second.id}:partner", "sent")]
    assert len(bot.fake.calls_to("chat.postMessage")) == 4
    pairs = pairs_by_id(bot)
    assert {(p.status, p.end_reason, p.ended_at) for p in pairs.values()} == {(PAIR_ENDED, "left", NOW)}
    with bot.db.session() as s:
        assert [p.slack_user_id for p in repo.matchable_rows(s, team_id=TEAM, today=NOW.date())] == [ANA, CAT]
        assert repo.get(s, team_id=TEAM, user_id=BEN).status == "left"


def test_pause_and_resume_tell_every_partner(bot_on, two_pairs):
    bot = bot_on
    first, second = two_pairs
    reply = command(bot, BEN, "pause 2w")
    assert reply.startswith("Paused until Monday 16 March: your pairs get no prompts until then, and pick up "
                            "on their own. I've let <@U0CAT> and <@U0ANA> know.")
    bot.wait_until(lambda: posts_to(bot, "G0P1") and posts_to(bot, "G0P2"), what="both pause notes")
    reply = command(bot, BEN, "resume")
    assert reply == ("Welcome back! Your pairs' prompts pick up again from the next one. "
                     "I've let <@U0CAT> and <@U0ANA> know.")
    bot.wait_until(lambda: len(posts_to(bot, "G0P1")) == 2 and len(posts_to(bot, "G0P2")) == 2,
                   what="both welcome-back notes")
    time.sleep(0.2)
    assert [r.key for r in ledger(bot)] == [
        f"pause:{first.id}:{BEN}:2026-03-16", f"pause:{second.id}:{BEN}:2026-03-16",
        f"pause_admins:{first.id}:{BEN}:2026-03-16", f"pause_admins:{second.id}:{BEN}:2026-03-16",
        f"resume:{first.id}:{BEN}:2026-03-02", f"resume:{second.id}:{BEN}:2026-03-02"]
    assert len(bot.fake.calls_to("chat.postMessage")) == 6  # a note to each pair and a line each for the admins


def test_standing_lists_every_partner_and_keeps_the_single_partner_wording(bot_on, two_pairs):
    bot = bot_on
    st = onboarding.standing(bot.db, team_id=TEAM, user_id=BEN)
    assert [(p.partner_id, p.role) for p in st.pairs] == [(CAT, "mentee"), (ANA, "mentee")]
    assert st.partner_id == CAT  # the newest
    line = standing_line(st.profile, partner_id=st.partner_id, partner_role=st.partner_role,
                         paired_since=st.paired_since, today=NOW.date(), partners=st.pairs)
    assert line == ("You're paired with 2 people:\n• <@U0CAT> (your mentee) since 2 February\n"
                    "• <@U0ANA> (your mentee) since 5 January")
    ana = onboarding.standing(bot.db, team_id=TEAM, user_id=ANA)
    assert standing_line(ana.profile, partner_id=ana.partner_id, partner_role=ana.partner_role,
                         paired_since=ana.paired_since, today=NOW.date(), partners=ana.pairs) == (
        "You're paired with <@U0BEN> (your reverse mentor) since 5 January.")


def test_status_command_lists_every_partner(bot_on, two_pairs):
    assert command(bot_on, BEN, "status").startswith("You're paired with 2 people:")


def test_goals_with_several_pairs_opens_the_newest_and_names_that_partner(bot_on, two_pairs):
    bot = bot_on
    bot.slack.command(BEN, "goals")
    view = bot.fake.wait_for("views.open")[-1].json("view")
    assert "<@U0CAT>" in view["blocks"][0]["text"]["text"] and "<@U0ANA>" not in str(view["blocks"])


# --- 2. leave notes are claimed before respond ---------------------------------------------

def test_leave_notes_are_claimed_before_respond_so_a_failing_respond_loses_none(bot_on, two_pairs, monkeypatch):
    bot = bot_on

    def broken_respond(self, *args, **kwargs):
        raise OSError("the response_url is gone")

    monkeypatch.setattr(Respond, "__call__", broken_respond)
    bot.slack.block_action(BEN, Action.LEAVE_CONFIRM, "leave")
    bot.wait_until(lambda: len(ledger(bot)) == 4, what="the notes in the ledger")
    time.sleep(0.2)
    assert bot.fake.calls_to("chat.postMessage") == []
    assert {r.status for r in ledger(bot)} == {SEND_CLAIMED}

    later = NOW + timedelta(minutes=11)  # past the lease: recovery sends them, once
    outbox = Outbox(bot.db, clock=lambda: later)
    assert outbox.recover(bot.deps.slack.for_team) == {"sent": 4}
    assert outbox.recover(bot.deps.slack.for_team) == {}
    assert {r.status for r in ledger(bot)} == {"sent"}
    assert len(posts_to(bot, ANA)) == len(posts_to(bot, CAT)) == 1
    assert len(posts_to(bot, ADMIN_CHANNEL)) == 2


# --- 3. and 4. fan-out ------------------------------------------------------------------------

def test_a_pair_ended_during_the_fanout_gets_no_intro(bot_on):
    bot = bot_on
    seed(bot)
    _, call = preview(bot)
    left: list[str] = []

    def open_(c):  # while the first pair is being opened, a mentee of a later pair leaves
        if not left:
            leaver = next(m for m in MENTEES if m not in c.params["users"])
            left.append(leaver)
            onboarding.leave(bot.db, team_id=TEAM, user_id=leaver, delete_data=False)
        return None

    bot.fake.set_handler("conversations.open", open_)
    click(bot, call, Action.MATCH_CONFIRM)
    wait_round(bot, ROUND_DONE)
    [leaver] = left
    intros = intro_posts(bot)
    assert len(intros) == 2 and not any(leaver in c.params["text"] for c in intros)
    [ended] = [p for p in all_rows(bot, Pair) if p.mentee_user_id == leaver]
    assert (ended.status, ended.end_reason, ended.introduced_at) == (PAIR_ENDED, "left", None)
    assert "Couldn't introduce" not in str(bot.fake.last_call("chat.update").json("blocks"))
    assert not [r for r in ledger(bot) if r.key.startswith("intro_failed:")]


def test_the_active_person_of_a_pair_that_couldnt_be_introduced_is_told(bot_on):
    bot = bot_on
    seed(bot)
    bot.fake.add_user("U0E2", deleted=True)  # deactivated since signing up
    confirm_while_slack_refuses(bot, "U0E2")
    [failed] = [p for p in all_rows(bot, Pair) if p.mentee_user_id == "U0E2"]
    mentor = failed.mentor_user_id
    assert [(r.key, r.status, r.payload["channel"]) for r in ledger(bot) if r.key.startswith("intro_failed:")] == [
        (f"intro_failed:{failed.id}:{mentor}", "sent", mentor)]
    [dm] = [c for c in posts_to(bot, mentor)
            if c.json("metadata")["event_payload"]["key"].startswith("intro_failed:")]
    assert dm.params["text"] == ("Your reverse-mentoring pairing this round couldn't go ahead, "
                                 "but you stay in the pool.")
    assert "You're back in the pool" in dm.json("blocks")[0]["text"]["text"]
    assert posts_to(bot, "U0E2") == []


# --- 5. wording -------------------------------------------------------------------------------

def test_closing_says_they_are_back_in_the_pool_and_checkins_say_session():
    msg = prompts.closing(pair_id=1, mentor="U1", mentee="U2", cycle=12, survey_pending=[])
    body = str(msg["blocks"])
    assert "/mentoring join" not in body and "next cohort" not in body
    assert "You're both back in the pool" in body
    assert "`/mentoring pause` takes a break and `/mentoring leave` leaves the program" in body
    nudge = prompts.nudge(mentor="U1", mentee="U2", cycle=1, n_cycles=12,
                          topic=type("T", (), {"title": "Hi", "prompt": "Talk"})())
    assert "`/mentoring goals`" in str(nudge["blocks"])
    modal = build_checkin_modal(pair_id=1, cycle=3, kind="checkin", partner_name="Ana", goals=[])
    assert "Check-in for session 3." in str(modal["blocks"])
