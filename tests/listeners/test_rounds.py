"""Matching-round journeys through the real app: an admin previews in the admin channel, confirms
or cancels; pairs are introduced exactly once, also through 429s, interruptions and crashes."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from bot.blocks import rounds as views
from bot.blocks.rounds import build_intro
from bot.delivery import introductions as fanout
from bot.delivery.outbox import METADATA_EVENT_TYPE, Item, Outbox
from bot.delivery.sender import Pacer
from bot.services import rounds
from bot.slack.ids import Action
from bot.slack.round_board import SlackRoundBoard
from storage.models import (
    PAIR_ACTIVE,
    PAIR_ENDED,
    ROUND_CANCELLED,
    ROUND_DONE,
    ROUND_INTRODUCING,
    ROUND_PROPOSED,
    ROUND_STALE,
    MatchRound,
    Pair,
    SendLedger,
)
from storage.repositories import participants as participants_repo
from tests.support.factories import mentee_create, participant_create, seed_participants
from tests.support.harness import ADMIN_CHANNEL, TEAM, start_harness
from tests.support.rounds import (
    ADMIN,
    LONE,
    MENTEES,
    MENTORS,
    all_rows,
    click,
    command_reply,
    confirm_while_slack_refuses,
    intro_posts,
    preview,
    round_row,
    seed,
    wait_round,
)


def unmatched_posts(bot):
    return [c for c in bot.fake.calls_to("chat.postMessage")
            if ((c.json("metadata") or {}).get("event_payload") or {}).get("key", "").startswith("unmatched:")]


def responses(bot):
    """Replies to button clicks (the command's own replies aside)."""
    return bot.fake.replies("actions")


def wait_replies(bot, count=1):
    return bot.wait_until(lambda: len(responses(bot)) >= count and responses(bot), what=f"{count} button replies")


def button_values(blocks) -> dict:
    return {el["action_id"]: el.get("value") for b in blocks if b["type"] == "actions" for el in b["elements"]}


def section_text(blocks) -> str:
    return "\n".join(b["text"]["text"] for b in blocks if b["type"] == "section" and "text" in b)


def paused_note_shown(bot) -> bool:
    return any(el.get("text", "").startswith("Slack is busy")
               for c in bot.fake.calls_to("chat.update") for b in c.json("blocks") if b["type"] == "context"
               for el in b["elements"])


def assert_introduced_exactly_once(bot):
    pairs = all_rows(bot, Pair)
    assert len(pairs) == 3
    posts = intro_posts(bot)
    assert sorted(c.json("metadata")["event_payload"]["key"] for c in posts) == sorted(f"intro:{p.id}" for p in pairs)
    for p in pairs:
        channel = bot.fake.dm_channel_id([p.mentor_user_id, p.mentee_user_id])
        assert p.channel_id == channel
        assert p.introduced_at is not None and p.status == PAIR_ACTIVE
        [post] = [c for c in posts if c.json("metadata")["event_payload"]["key"] == f"intro:{p.id}"]
        assert post.params["channel"] == channel
        assert button_values(post.json("blocks"))[Action.OPEN_GOALS] == str(p.id)
        # ... and its calendar invitation, shared once in the same DM
        assert [f["name"] for f in bot.fake.shared_files(channel)] == [f"reverse-mentoring-{p.id}.ics"]
    assert [c.params["channel"] for c in unmatched_posts(bot)] == [LONE]
    ledger = all_rows(bot, SendLedger)
    assert all(r.status == "sent" for r in ledger) and len(ledger) == 7  # 3 intros, 3 invitations, 1 DM


# --- preview --------------------------------------------------------------------------------


def test_admin_previews_a_round_in_the_admin_channel(bot_on):
    bot = bot_on
    seed(bot)
    body, call = preview(bot)
    assert body["response_type"] == "ephemeral" and "Working out the best pairs" in body["text"]

    blocks = call.json("blocks")
    assert blocks[0] == {"type": "header", "text": {"type": "plain_text", "text": "Matching round preview",
                                                    "emoji": True}}
    text = section_text(blocks)
    assert "*3 pairs* from a pool of 7 people (3 mentors, 4 mentees)" in text
    assert "*3 of 3* mentees (100%) get a mentor who can teach something they asked for" in text
    for m, e in zip(MENTORS, MENTEES, strict=True):
        assert f"*<@{m}> → <@{e}>*\n" in text
    assert "can share what" in text  # the reasons are shown
    assert f"<@{LONE}>: " in text and "hours away" in text
    row = round_row(bot)
    assert (row.status, row.open_slot, row.created_by) == (ROUND_PROPOSED, TEAM, ADMIN)
    assert (row.channel_id, row.message_ts) == (ADMIN_CHANNEL, call.response["ts"])
    assert len(row.proposal["pairs"]) == 3 and [u["user"] for u in row.proposal["unmatched"]] == [LONE]
    assert button_values(blocks) == {Action.MATCH_CONFIRM: str(row.id), Action.MATCH_CANCEL: str(row.id)}
    assert all_rows(bot, Pair) == []
    assert bot.fake.calls_to("conversations.open") == []


def test_a_second_match_while_one_is_open_is_refused(bot):
    seed(bot)
    _, call = preview(bot)
    body = command_reply(bot, ADMIN)
    assert body["response_type"] == "ephemeral"
    assert "There's already an open matching preview (from <@U0ADM>)" in body["text"]
    assert f"/archives/{ADMIN_CHANNEL}/p" in body["text"]  # a link to it
    assert len(bot.fake.calls_to("chat.postMessage")) == 1
    assert len(all_rows(bot, MatchRound)) == 1


def test_nothing_to_match_says_so_and_records_nothing(bot):
    seed(bot, n=0)  # only the lone mentee
    replies = [command_reply(bot, ADMIN)]
    replies.append(bot.fake.wait_for("response_url", count=2)[-1].params)
    assert "Only one person is waiting to be matched (<@U0LONE>)" in replies[-1]["text"]
    assert all_rows(bot, MatchRound) == [] and bot.fake.calls_to("chat.postMessage") == []


def test_bot_not_in_the_admin_channel_is_told_and_the_proposal_is_dropped(bot):
    seed(bot)
    bot.fake.fail_next("chat.postMessage", error="not_in_channel")
    command_reply(bot, ADMIN)
    reply = bot.fake.wait_for("response_url", count=2)[-1]
    assert "Invite me there (`/invite @Reverse Mentoring`)" in reply.params["text"]
    row = round_row(bot)
    assert (row.status, row.open_slot) == (ROUND_CANCELLED, None)
    preview(bot)  # and the next try works
    assert len(all_rows(bot, MatchRound)) == 2


# --- who may ----------------------------------------------------------------------------------


def test_non_admin_in_the_admin_channel_is_refused(bot):
    seed(bot)
    body = command_reply(bot, "U0M1")
    assert body["response_type"] == "ephemeral"
    assert body["text"].startswith("Only program admins can do that: members of <#C0ADMIN> and workspace admins")
    assert all_rows(bot, MatchRound) == [] and bot.fake.calls_to("chat.postMessage") == []


def test_admin_outside_the_admin_channel_is_refused(bot):
    seed(bot)
    body = command_reply(bot, ADMIN, "C0GENERAL")
    assert body["response_type"] == "ephemeral"
    assert body["text"].startswith("`/mentoring match` only works in the program's admin channel, <#C0ADMIN>")
    assert all_rows(bot, MatchRound) == [] and bot.fake.calls_to("chat.postMessage") == []
    assert bot.fake.calls_to("conversations.members") == []  # no need to ask Slack


@pytest.mark.parametrize("role", ["is_admin", "is_owner"])
def test_workspace_admins_and_owners_may_match_without_being_in_the_channel(bot, role):
    seed(bot)
    bot.fake.add_user("U0BOSS", **{role: True})
    preview(bot, user="U0BOSS")
    assert round_row(bot).created_by == "U0BOSS"


def test_without_an_admin_channel_admin_commands_say_how_to_set_one(fake_slack, sqlite_db):
    bot = start_harness(fake_slack, sqlite_db, admin_channel=None)
    try:
        seed(bot)
        body = command_reply(bot, ADMIN)
        assert "MENTORING_ADMIN_CHANNEL" in body["text"]
        assert all_rows(bot, MatchRound) == []
    finally:
        bot.close()


def test_non_admin_and_outside_clicks_on_confirm_change_nothing(bot):
    seed(bot)
    _, call = preview(bot)
    click(bot, call, Action.MATCH_CONFIRM, user="U0M1")
    refusal = wait_replies(bot)[-1]
    assert refusal.params["text"].startswith("Only program admins can do that")
    assert refusal.params["response_type"] == "ephemeral" and refusal.params["replace_original"] is False
    click(bot, call, Action.MATCH_CANCEL, channel="C0GENERAL")
    refusal = wait_replies(bot, count=2)[-1]
    assert "Cancelling a matching round only works in the program's admin channel" in refusal.params["text"]
    row = round_row(bot)
    assert (row.status, row.open_slot) == (ROUND_PROPOSED, TEAM)
    assert all_rows(bot, Pair) == [] and bot.fake.calls_to("chat.update") == []


def test_membership_is_asked_once_for_many_admin_clicks(bot):
    seed(bot)
    bot.fake.set_channel_members(ADMIN_CHANNEL, [ADMIN, *[f"U0A{i}" for i in range(20)]])
    for i in range(5):
        bot.slack.command(f"U0A{i}", "match", channel_id="C0ADMIN")
    bot.fake.wait_for("response_url", count=5)  # every command has been checked and answered
    assert len(bot.fake.calls_to("conversations.members")) == 1
    assert bot.fake.calls_to("users.info") == []


# --- confirm -------------------------------------------------------------------------------------


def test_confirm_introduces_every_pair_once_and_tells_the_unmatched(bot_on):
    bot = bot_on
    seed(bot)
    _, call = preview(bot)
    click(bot, call, Action.MATCH_CONFIRM)
    row = wait_round(bot, ROUND_DONE)
    assert (row.decided_by, row.open_slot, row.pairs_total, row.pairs_introduced) == (ADMIN, None, 3, 3)

    assert_introduced_exactly_once(bot)
    opens = bot.fake.calls_to("conversations.open")
    assert sorted(c.params["users"] for c in opens) == sorted(f"{m},{e}" for m, e in zip(MENTORS, MENTEES,
                                                                                         strict=True))
    intro = intro_posts(bot)[0]
    text = section_text(intro.json("blocks"))
    for expected in ("is the *mentor*", "is the *mentee*", "*Why we paired you*", "*Mutual respect*",
                     "*Confidentiality*", "*Feedback about behaviour, not the person*",
                     "*Your first session", "*Book a recurring slot*"):
        assert expected in text
    [dm] = unmatched_posts(bot)
    assert "You stay in the pool" in dm.json("blocks")[0]["text"]["text"]
    assert "time zones too far from yours" in dm.json("blocks")[0]["text"]["text"]

    updates = [c for c in bot.fake.calls_to("chat.update") if c.params["ts"] == call.response["ts"]]
    assert "Introducing 0 of 3 pairs" in updates[0].params["text"]
    final = section_text(updates[-1].json("blocks"))
    assert "All 3 pairs introduced. 1 person stays in the pool for next time." in final
    assert button_values(updates[-1].json("blocks")) == {}  # no more buttons
    assert responses(bot) == []  # nothing private to say


def test_two_confirm_clicks_introduce_once(bot_on):
    bot = bot_on
    seed(bot)
    _, call = preview(bot)
    barrier = threading.Barrier(2)

    def go(user):
        barrier.wait()
        click(bot, call, Action.MATCH_CONFIRM, user=user)

    threads = [threading.Thread(target=go, args=(u,)) for u in (ADMIN, "U0OTHER")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wait_round(bot, ROUND_DONE)
    [late] = wait_replies(bot)
    assert "This round was already confirmed by <@" in late.params["text"]
    assert len(bot.fake.calls_to("conversations.open")) == 3
    assert_introduced_exactly_once(bot)


def test_cancel_closes_the_proposal_and_allows_a_new_one(bot):
    seed(bot)
    _, call = preview(bot)
    click(bot, call, Action.MATCH_CANCEL)
    update = bot.fake.wait_for("chat.update")[-1]
    assert "Cancelled by <@U0ADM>. Nobody was introduced" in section_text(update.json("blocks"))
    row = round_row(bot)
    assert (row.status, row.open_slot, row.decided_by) == (ROUND_CANCELLED, None, ADMIN)
    click(bot, call, Action.MATCH_CANCEL)  # idempotent
    click(bot, call, Action.MATCH_CONFIRM)  # too late
    late = wait_replies(bot)[-1]
    assert "This round was cancelled by <@U0ADM>" in late.params["text"]
    assert len(bot.fake.calls_to("chat.update")) == 1
    assert all_rows(bot, Pair) == [] and bot.fake.calls_to("conversations.open") == []
    preview(bot)
    assert [r.status for r in all_rows(bot, MatchRound)] == [ROUND_CANCELLED, ROUND_PROPOSED]


@pytest.mark.parametrize("change, expected", [
    ("join", "1 person joined or came back"),
    ("leave", "1 person left, paused or got paired"),
    ("edit", "someone's profile, a pair or the program settings changed"),
])
def test_confirming_a_stale_proposal_is_refused_and_creates_nothing(bot_on, change, expected):
    bot = bot_on
    seed(bot)
    _, call = preview(bot)
    with bot.db.session() as s:
        if change == "join":
            participants_repo.upsert(s, data=mentee_create(slack_user_id="U0NEW"))
        elif change == "leave":
            participants_repo.mark_left(s, team_id=TEAM, user_id="U0E2")
        else:
            participants_repo.upsert(s, data=participant_create(slack_user_id="U0M1", name="Mentor 1",
                                                                skills_share=["spreadsheets"]))
    click(bot, call, Action.MATCH_CONFIRM)
    reply = wait_replies(bot)[-1]
    assert reply.params["text"] == (
        f"The pool has changed since this preview ({expected}), so I haven't introduced anyone. "
        "Run `/mentoring match` again for a fresh preview.")
    row = round_row(bot)
    assert (row.status, row.open_slot) == (ROUND_STALE, None)
    update = bot.fake.last_call("chat.update")
    assert "This preview is out of date" in section_text(update.json("blocks"))
    assert all_rows(bot, Pair) == [] and bot.fake.calls_to("conversations.open") == []
    assert intro_posts(bot) == [] and unmatched_posts(bot) == []
    preview(bot)  # a fresh one is allowed at once


# --- rate limits, interruptions, crashes -------------------------------------------------------


def test_429s_on_open_and_post_are_waited_out_and_each_pair_is_introduced_once(bot):
    seed(bot)
    _, call = preview(bot)
    bot.fake.fail_next("conversations.open", error="ratelimited", retry_after=1)
    bot.fake.fail_next("chat.postMessage", error="ratelimited", retry_after=1)
    click(bot, call, Action.MATCH_CONFIRM)
    wait_round(bot, ROUND_DONE, timeout=15)
    failed = [c for c in bot.fake.calls_to("conversations.open", include_failed=True) if c.status == 429]
    assert len(failed) == 1
    assert len([c for c in bot.fake.calls_to("chat.postMessage", include_failed=True) if c.status == 429]) == 1
    assert len(bot.fake.calls_to("conversations.open")) == 3
    assert_introduced_exactly_once(bot)


def test_an_interrupted_fanout_is_resumed_without_skipping_or_repeating(bot_on):
    bot = bot_on
    seed(bot)
    _, call = preview(bot)
    opened = []

    def flaky_open(c):
        opened.append(c)
        if len(opened) > 1:  # Slack falls over after the first pair
            return {"ok": False, "error": "fatal_error"}
        return None

    bot.fake.set_handler("conversations.open", flaky_open)
    click(bot, call, Action.MATCH_CONFIRM)
    bot.wait_until(lambda: paused_note_shown(bot), what="the pass to stop")
    bot.wait_until(lambda: not fanout._running, what="the background pass to end")
    assert len(intro_posts(bot)) == 1
    row = round_row(bot)
    assert row.status == ROUND_INTRODUCING
    assert sum(p.introduced_at is not None for p in all_rows(bot, Pair)) == 1

    bot.fake.set_handler("conversations.open", None)
    [result] = fanout.resume_all(bot.deps)
    assert result.done and result.introduced == 2
    assert round_row(bot).status == ROUND_DONE
    assert_introduced_exactly_once(bot)
    assert fanout.resume_all(bot.deps) == []  # nothing left to do
    assert len(intro_posts(bot)) == 3


def test_a_failed_post_is_settled_by_recovery_once_the_lease_runs_out(bot):
    seed(bot)
    now = datetime.now(UTC)
    bot.clock.set(now)
    _, call = preview(bot)
    bot.fake.fail_next("chat.postMessage", error="internal_error")  # the first intro: Slack hiccups
    click(bot, call, Action.MATCH_CONFIRM)
    bot.wait_until(lambda: paused_note_shown(bot), what="the pass to stop")
    bot.wait_until(lambda: not fanout._running, what="the background pass to end")
    [result] = fanout.resume_all(bot.deps)  # the failed intro's lease hasn't run out: left alone
    assert not result.done and result.pending == 1 and result.introduced == 2
    assert len(intro_posts(bot)) == 2
    bot.clock.set(now + timedelta(minutes=11))
    [result] = fanout.resume_all(bot.deps)
    assert result.done
    assert_introduced_exactly_once(bot)


def test_crash_after_slack_took_the_intro_but_before_the_database_knew(bot_on):
    bot = bot_on
    seed(bot)
    now = datetime.now(UTC)
    bot.clock.set(now)
    _, call = preview(bot)
    rnd = round_row(bot)
    client = bot.fake.client()
    reply = views.decision_reply(rounds.confirm(bot.deps, SlackRoundBoard(client, ADMIN_CHANNEL), team_id=TEAM,
                                                round_id=rnd.id, user_id=ADMIN))
    assert reply is None
    first = all_rows(bot, Pair)[0]
    # The dead process had opened the group DM, claimed the intro, posted it... and died.
    channel = client.conversations_open(users=f"{first.mentor_user_id},{first.mentee_user_id}")["channel"]["id"]
    message = build_intro(pair_id=first.id, mentor=first.mentor_user_id, mentee=first.mentee_user_id)
    outbox = Outbox(bot.db, clock=bot.clock)
    key = f"intro:{first.id}"
    row_id = outbox.claim(team_id=TEAM, items=[Item(key=key, kind="intro", channel=channel, text=message["text"],
                                                    blocks=message["blocks"], pair_id=first.id)])[key]
    assert outbox._start_attempt(row_id, 0)
    client.chat_postMessage(channel=channel, text=message["text"], blocks=message["blocks"],
                            metadata={"event_type": METADATA_EVENT_TYPE, "event_payload": {"key": key}})

    [result] = fanout.resume_all(bot.deps)  # restart within the lease: the others go, this one waits
    assert (result.introduced, result.pending, result.done) == (2, 1, False)
    bot.clock.set(now + timedelta(minutes=11))
    [result] = fanout.resume_all(bot.deps)  # recovery finds it in the history: not sent again
    assert result.done
    assert len([c for c in bot.fake.calls_to("chat.postMessage")
                if (c.json("metadata") or {}).get("event_payload", {}).get("key") == key]) == 1
    pairs = {p.id: p for p in all_rows(bot, Pair)}
    assert all(p.introduced_at is not None for p in pairs.values())
    assert round_row(bot).status == ROUND_DONE


def test_two_processes_resuming_the_same_round_introduce_each_pair_once(bot_on, monkeypatch):
    bot = bot_on
    seed(bot)
    _, call = preview(bot)
    rnd = round_row(bot)
    rounds.confirm(bot.deps, SlackRoundBoard(bot.fake.client(), ADMIN_CHANNEL), team_id=TEAM, round_id=rnd.id,
                   user_id=ADMIN)
    monkeypatch.setattr(fanout, "_acquire", lambda _db, _round_id: True)  # as if in two processes
    barrier = threading.Barrier(3)

    def worker():
        barrier.wait()
        fanout.resume_all(bot.deps)

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    fanout.resume_all(bot.deps)  # settles whatever another "process" still had in flight
    assert round_row(bot).status == ROUND_DONE
    assert_introduced_exactly_once(bot)


def test_a_pair_with_a_deactivated_person_is_reported_and_goes_back_to_the_pool(bot):
    seed(bot)
    confirm_while_slack_refuses(bot, "U0E2")
    pairs = {p.mentee_user_id: p for p in all_rows(bot, Pair)}
    assert pairs["U0E2"].status == PAIR_ENDED and pairs["U0E2"].introduced_at is None
    assert "user_disabled" in pairs["U0E2"].end_reason
    assert len(intro_posts(bot)) == 2
    bot.wait_until(lambda: "pairs introduced" in bot.fake.last_call("chat.update").params["text"],
                   what="the final update")
    final = section_text(bot.fake.last_call("chat.update").json("blocks"))
    assert "2 of 3 pairs introduced" in final and "*Couldn't introduce these pairs*" in final
    with bot.db.session() as s:
        pool = {p.slack_user_id for p in participants_repo.matchable_rows(s, team_id=TEAM, today=datetime.now(UTC).date())}
    assert {"U0E2", "U0M2", LONE} <= pool


def test_the_admin_check_waits_for_slack_after_the_ack_not_before(bot):
    """A slow admin-membership lookup must not cost the 3-second ack (it used to: HTTP 404)."""
    import time as _time

    seed(bot)
    bot.fake.set_delay("conversations.members", 3.5)
    started = _time.monotonic()
    status, _, body = bot.slack.command(ADMIN, "match", channel_id=ADMIN_CHANNEL)
    acked_in = _time.monotonic() - started
    assert status == 200 and not body
    assert acked_in < 3.0  # Slack's limit: the ack came before the slow lookup finished
    call = bot.fake.wait_for("chat.postMessage", timeout=15)[-1]
    assert call.params["channel"] == ADMIN_CHANNEL  # the preview still came


def test_a_preview_that_fails_says_so_instead_of_leaving_the_admin_waiting(bot, monkeypatch):
    from sqlalchemy.exc import OperationalError

    from bot.services import rounds as rounds_service

    def broken(*_a, **_k):
        raise OperationalError("SELECT", {}, Exception("server closed the connection"))

    seed(bot)
    monkeypatch.setattr(rounds_service, "preview", broken)
    command_reply(bot, ADMIN)  # "Working out the best pairs…"
    reply = bot.fake.wait_for("response_url", count=2)[-1]
    assert "something went wrong while I was preparing the preview" in reply.params["text"]
    assert all_rows(bot, MatchRound) == []


# --- pace, Retry-After, the app refused, Slack failing after the fact ----------------------------


def test_introductions_go_at_the_workspaces_pace(fake_slack, sqlite_db):
    """Introductions share the workspace's pace with every other send: against a Slack that
    allows 4 posts a second, a pacer at 2 a second never meets a 429."""
    bot = start_harness(fake_slack, sqlite_db, pacer=Pacer(rate=2, burst=1))
    try:
        seed(bot)
        _, call = preview(bot)
        fake_slack.enforce_rate_limit("chat.postMessage", per_second=4, burst=1)
        fake_slack.enforce_rate_limit("conversations.open", per_second=4, burst=1)
        click(bot, call, Action.MATCH_CONFIRM)
        wait_round(bot, ROUND_DONE, timeout=30)
        assert fake_slack.rate_limited_count == 0
        assert_introduced_exactly_once(bot)
    finally:
        bot.close()


def test_a_retry_after_on_introductions_is_waited_out_in_full(bot):
    seed(bot)
    _, call = preview(bot)
    bot.fake.fail_next("conversations.open", error="ratelimited", retry_after=2)
    click(bot, call, Action.MATCH_CONFIRM)
    wait_round(bot, ROUND_DONE, timeout=15)
    opens = bot.fake.calls_to("conversations.open", include_failed=True)
    assert opens[0].status == 429 and opens[1].at - opens[0].at >= 2.0  # not a second sooner
    assert_introduced_exactly_once(bot)


def test_slack_refusing_the_app_keeps_introductions_due_and_tells_the_admins_once(bot):
    """`account_inactive` is about the app's token, not about the two people: no pair is ended,
    nobody is told their pair failed, the admins hear it once, and it all goes out once fixed."""
    seed(bot)
    _, call = preview(bot)
    bot.fake.fail_next("conversations.open", error="account_inactive", times=2)
    click(bot, call, Action.MATCH_CONFIRM)
    admin_note = bot.wait_until(lambda: [c for c in bot.fake.calls_to("chat.postMessage")
                                         if c.params["channel"] == ADMIN_CHANNEL and "account_inactive" in c.params["text"]],
                                what="the admins' note")
    bot.wait_until(lambda: not fanout._running, what="the background pass to end")
    [result] = fanout.resume_all(bot.deps)  # Slack still refuses: still nothing ended, no second note
    assert result.stopped == "conversations.open: account_inactive" and not result.done
    assert all(p.status == PAIR_ACTIVE and p.introduced_at is None for p in all_rows(bot, Pair))
    assert round_row(bot).status == ROUND_INTRODUCING
    [result] = fanout.resume_all(bot.deps)  # fixed
    assert result.done
    pairs = all_rows(bot, Pair)
    assert sorted(c.json("metadata")["event_payload"]["key"] for c in intro_posts(bot)) == \
        sorted(f"intro:{p.id}" for p in pairs)
    assert all(p.introduced_at is not None and p.status == PAIR_ACTIVE for p in pairs)
    assert len([c for c in bot.fake.calls_to("chat.postMessage") if "account_inactive" in c.params["text"]]) == 1
    assert len(admin_note) == 1


def test_slack_failing_after_taking_every_tenth_intro_sends_none_twice(bot):
    """HTTP 500 or an HTML 502 *after* Slack took the message: in doubt, settled from history."""
    seed(bot)
    _, call = preview(bot)
    bot.fake.fail_after_storing("chat.postMessage", status=502, html=True, every=2)
    click(bot, call, Action.MATCH_CONFIRM)
    # The doubtful post is recorded while the pass runs, so once it is seen, no pass running means
    # the pass has stopped (the round is `introducing` from the click on, before the pass starts).
    bot.wait_until(lambda: [c for c in bot.fake.calls_to("chat.postMessage", include_failed=True) if c.status == 502]
                   and not fanout._running and round_row(bot).status == ROUND_INTRODUCING,
                   what="the first pass to stop on the doubtful post")
    bot.fake.fail_after_storing("chat.postMessage", times=0)
    bot.clock.set(datetime.now(UTC) + timedelta(minutes=11))  # the lease of the doubtful post runs out
    for _ in range(3):
        fanout.resume_all(bot.deps)
    assert round_row(bot).status == ROUND_DONE
    keys = [m["metadata"]["event_payload"]["key"] for msgs in bot.fake.history.values() for m in msgs
            if m.get("metadata")]
    assert len(keys) == len(set(keys)) == 4  # three intros and the unmatched DM, once each
    assert all(p.introduced_at is not None for p in all_rows(bot, Pair))


def test_recovery_after_a_restart_mid_round_goes_at_the_workspaces_pace(fake_slack, sqlite_db):
    """After a restart while a round was being introduced, the messages left in doubt are
    settled at the workspace's pace, not in a burst around it."""
    slept = []
    pacer = Pacer(rate=2, burst=1, sleep=slept.append, monotonic=lambda: sum(slept))
    bot = start_harness(fake_slack, sqlite_db, pacer=pacer)
    try:
        seed(bot)
        _, call = preview(bot)
        rnd = round_row(bot)
        rounds.confirm(bot.deps, SlackRoundBoard(bot.fake.client(), ADMIN_CHANNEL), team_id=TEAM, round_id=rnd.id,
                       user_id=ADMIN)  # confirmed, and the process died before introducing anyone
        for uid in MENTEES:
            bot.fake.add_user(uid)
        long_ago = datetime.now(UTC) - timedelta(hours=1)
        Outbox(bot.db, clock=lambda: long_ago).claim(team_id=TEAM, items=[
            Item(key=f"pair_ended:{900 + i}:partner", kind="pair_ended", channel=MENTEES[i % 3], text=f"note {i}")
            for i in range(10)])  # left unsent by the process that died
        slept.clear()
        [result] = fanout.resume_all(bot.deps)
        assert result.done
        notes = [c for c in bot.fake.calls_to("chat.postMessage") if c.params["text"].startswith("note ")]
        assert len(notes) == 10
        # 10 notes, 3 intros and the unmatched DM: 14 messages, 1 token, 2 a second (the 3
        # conversations.open calls go at the same pace in a lane of their own).
        assert sum(slept) >= (14 - 1) / 2
    finally:
        bot.close()


def test_a_new_preview_after_one_person_joins_keeps_the_pairs_of_the_cancelled_one(bot):
    """Five mentors and four mentees, all alike: every assignment is as good as any other. A
    preview, cancelled; one mentor joins; the next preview has the same pairs (the newcomer
    changes nothing that has to change), where the engine alone would have moved some."""
    bot.fake.add_user(ADMIN, name="Ada Admin")
    bot.fake.set_channel_members(ADMIN_CHANNEL, [ADMIN, "U0OTHER"])
    mentors = [f"U0M{i}" for i in range(1, 6)]
    mentees = [f"U0E{i}" for i in range(1, 5)]
    seed_participants(bot.db, [participant_create(slack_user_id=u) for u in mentors]
                      + [mentee_create(slack_user_id=u) for u in mentees])
    for uid in mentors + mentees:
        bot.fake.add_user(uid)

    def latest_pairs():
        rows = all_rows(bot, MatchRound)
        return {(p["mentor"], p["mentee"]) for p in rows[-1].proposal["pairs"]}

    _, call = preview(bot)
    first = latest_pairs()
    assert len(first) == 4
    click(bot, call, Action.MATCH_CANCEL)
    bot.wait_until(lambda: round_row(bot).status == ROUND_CANCELLED, what="cancelled")
    seed_participants(bot.db, [participant_create(slack_user_id="U0A0")])  # sorts first
    bot.fake.add_user("U0A0")
    with bot.db.session() as s:
        snap = rounds.snapshot(s, team_id=TEAM, now=datetime.now(UTC))
    assert set(snap.keep) == first
    plain = {(p.mentor, p.mentee) for p in rounds.proposal_for(replace(snap, keep=())).pairs}
    assert plain != first  # without the previous pairs the engine would move some

    preview(bot)
    assert latest_pairs() == first
    assert [r.status for r in all_rows(bot, MatchRound)] == [ROUND_CANCELLED, ROUND_PROPOSED]


def test_a_round_cut_short_by_the_time_limit_says_so_in_the_preview(bot, monkeypatch):
    """A round the budget stops (forced: no time at all) still gets a valid preview, posted
    through the real app, and the preview says why it stopped in the admin's words; the
    stored proposal records the reason."""
    from functools import partial

    from bot.domain.matching import Rules

    monkeypatch.setattr(rounds, "Rules", partial(Rules, time_budget_s=0.0))
    bot.fake.add_user(ADMIN, name="Ada Admin")
    bot.fake.set_channel_members(ADMIN_CHANNEL, [ADMIN, "U0OTHER"])
    people = ([participant_create(slack_user_id=f"U0M{i}") for i in range(4)]
              + [mentee_create(slack_user_id=f"U0E{i}") for i in range(4)]
              + [participant_create(slack_user_id=f"U0X{i}", side="either", seniority_years=10,
                                    department="Marketing", skills_learn=["ai_tools", "leadership"])
                 for i in range(4)])
    seed_participants(bot.db, people)
    for p in people:
        bot.fake.add_user(p.slack_user_id)
    _, call = preview(bot)
    text = section_text(call.json("blocks"))
    assert "Many people said they'd take either role, so I stopped at the time limit" in text
    [row] = all_rows(bot, MatchRound)
    stats = row.proposal["stats"]
    assert stats["proven_optimal"] is False and stats["stopped_by"] == "either"
    assert stats["stopped_at_time_limit"] is True
    assert stats["pairs"] >= 1 and len(row.proposal["pairs"]) == stats["pairs"]
