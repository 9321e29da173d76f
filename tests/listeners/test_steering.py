"""Steering pairs from the admin channel: `/mentoring end @person` and the "End the pair" button
ask why, end the pair once, tell both people kindly (once), stop its prompts and put both back in
the pool; "Find a new partner" previews a one-person round; `/mentoring pair @a @b` names every
broken rule and pairs them anyway if the admin says so. Admins only, in the admin channel."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import select

from bot.blocks import steering as words
from bot.delivery import introductions as fanout
from bot.services import rounds, steering
from bot.slack.ids import Action, EndBlock, View
from bot.slack.round_board import SlackRoundBoard
from storage.models import (
    PAIR_ACTIVE,
    PAIR_ENDED,
    ROUND_DONE,
    ROUND_KIND_HAND,
    ROUND_KIND_REMATCH,
    SEND_QUEUED,
    SEND_STALE,
    MatchRound,
    Pair,
    SendLedger,
)
from tests.support.factories import (
    mentee_create,
    participant_create,
    seed_participants,
    started_pair,
)
from tests.support.harness import ADMIN_CHANNEL, TEAM
from tests.support.rounds import all_rows, click, intro_posts
from tests.support.slackreq import plain, radio, values_from_view

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
ADMIN = "U0ADM"
NOBODY = "U0NOBODY"
SECRET_NOTE = "zebra-note-7731 <@U0EVIL> & friends"


def setup_admins(bot) -> None:
    bot.clock.set(NOW)
    bot.fake.add_user(ADMIN, "Ada Admin")
    bot.fake.add_user(NOBODY, "No Body")
    bot.fake.set_channel_members(ADMIN_CHANNEL, [ADMIN])


def run(bot, user, text, channel=ADMIN_CHANNEL) -> dict:
    """A `/mentoring` command: Slack gets a bare ack; the answer comes through the response URL."""
    before = len(bot.fake.calls_to("response_url"))
    status, _, body = bot.slack.command(user, text, channel_id=channel)
    assert status == 200 and not body
    return bot.fake.wait_for("response_url", count=before + 1)[-1].params


def open_modal(bot, user, text) -> dict:
    before = len(bot.fake.calls_to("views.open"))
    status, _, _ = bot.slack.command(user, text, channel_id=ADMIN_CHANNEL)
    assert status == 200
    return bot.fake.wait_for("views.open", count=before + 1)[-1].json("view")


def pair_row(bot, pair_id) -> Pair:
    with bot.db.session() as s:
        return s.get(Pair, pair_id)


def dms_to(bot, user_id):
    return [c for c in bot.fake.calls_to("chat.postMessage") if c.params["channel"] == user_id]


def admin_posts(bot):
    return [c for c in bot.fake.calls_to("chat.postMessage") if c.params["channel"] == ADMIN_CHANNEL]


def test_an_admin_ends_a_pair_with_a_reason_both_are_told_kindly_once_and_are_back_in_the_pool(bot_on):
    bot = bot_on
    setup_admins(bot)
    pair = started_pair(bot.db, bot.fake)
    mentee, mentor = pair.mentee_user_id, pair.mentor_user_id
    with bot.db.session() as s:  # a prompt already queued for the pair: it must never go out
        s.add(SendLedger(team_id=TEAM, key=f"nudge:{pair.id}:9", kind="nudge", pair_id=pair.id, status=SEND_QUEUED,
                         channel_id=pair.channel_id, payload={"channel": pair.channel_id, "text": "Nudge"}))

    view = open_modal(bot, ADMIN, f"end <@{mentee}|mentee>")
    assert view["callback_id"] == View.END_PAIR and view["private_metadata"] == str(pair.id)

    # No reason: the modal stays open, nothing changes.
    status, _, body = bot.slack.view_submission(ADMIN, view, values_from_view(view))
    assert body == {"response_action": "errors", "errors": {EndBlock.REASON: words.END_NO_REASON}}
    assert pair_row(bot, pair.id).status == PAIR_ACTIVE

    values = values_from_view(view, {EndBlock.REASON: radio("not_meeting"), EndBlock.NOTE: plain(SECRET_NOTE)})
    status, _, body = bot.slack.view_submission(ADMIN, view, values)
    assert status == 200 and not body
    row = pair_row(bot, pair.id)
    assert (row.status, row.end_reason, row.ended_by, row.end_note) == (PAIR_ENDED, "not_meeting", ADMIN, SECRET_NOTE)
    assert row.ended_at == NOW

    bot.wait_until(lambda: len(dms_to(bot, mentee)) == 1 and len(dms_to(bot, mentor)) == 1 and admin_posts(bot),
                   what="both told and the admins' record")
    for person, partner in ((mentee, mentor), (mentor, mentee)):
        [dm] = dms_to(bot, person)
        assert "has come to an end" in dm.params["text"] and f"<@{partner}>" in dm.params["text"]
        assert "zebra" not in dm.params["text"] and "stopped meeting" not in dm.params["text"]
    [record] = admin_posts(bot)
    shown = record.params["text"] + str(record.json("blocks"))
    assert "They've stopped meeting" in shown and f"<@{ADMIN}> ended the pair" in shown
    assert "zebra-note-7731 &lt;@U0EVIL&gt; &amp; friends" in shown and "<@U0EVIL>" not in shown
    rematch = [b["accessory"] for b in record.json("blocks") if "accessory" in b]
    assert [(el["action_id"], el["value"]) for el in rematch] == [(Action.REMATCH, mentor), (Action.REMATCH, mentee)]
    with bot.db.session() as s:
        queued = s.exec(select(SendLedger).where(SendLedger.key == f"nudge:{pair.id}:9")).one()
    assert queued.status == SEND_STALE

    # Slack retries the submission, and a second admin submits the same modal: nothing more.
    status, _, body = bot.slack.view_submission(ADMIN, view, values)
    assert body["response_action"] == "errors" and "has already ended" in body["errors"][EndBlock.REASON]
    assert len(dms_to(bot, mentee)) == 1 and len(dms_to(bot, mentor)) == 1 and len(admin_posts(bot)) == 1
    assert pair_row(bot, pair.id).ended_at == NOW

    # Both are back in the pool: the next matching round sees them.
    _, snap = rounds.dry_run(bot.db, team_id=TEAM, now=NOW)
    assert {mentee, mentor} <= snap.user_ids


def test_only_admins_in_the_admin_channel_may_end_a_pair_and_bad_commands_say_how(bot):
    setup_admins(bot)
    pair = started_pair(bot.db, bot.fake)
    refused = run(bot, NOBODY, f"end <@{pair.mentee_user_id}>")
    assert refused["text"].startswith("Only program admins can do that")
    elsewhere = run(bot, ADMIN, f"end <@{pair.mentee_user_id}>", channel="C0GENERAL")
    assert f"only works in the program's admin channel, <#{ADMIN_CHANNEL}>" in elsewhere["text"]
    assert run(bot, ADMIN, "end bob")["text"] == words.END_USAGE
    assert run(bot, ADMIN, "end")["text"] == words.END_USAGE
    assert "isn't in the program" in run(bot, ADMIN, "end <@U0STRANGER>")["text"]
    seed_participants(bot.db, [mentee_create(slack_user_id="U0SOLO")])
    assert "isn't in a pair right now" in run(bot, ADMIN, "end <@U0SOLO>")["text"]
    assert not bot.fake.calls_to("views.open")
    assert pair_row(bot, pair.id).status == PAIR_ACTIVE


def test_the_end_button_opens_the_modal_for_admins_from_a_message_or_the_home_tab_and_refuses_others(bot):
    setup_admins(bot)
    pair = started_pair(bot.db, bot.fake)
    message = {"blocks": [{"type": "actions", "elements": [
        {"type": "button", "text": {"type": "plain_text", "text": "End the pair"}, "action_id": Action.END_PAIR,
         "value": str(pair.id)}]}], "text": "Health report", "ts": "1700000000.000100"}

    bot.slack.block_action(NOBODY, Action.END_PAIR, str(pair.id), channel_id=ADMIN_CHANNEL, message=message)
    [reply] = bot.fake.wait_for("response_url")
    assert reply.params["text"].startswith("Only program admins can do that")

    bot.slack.block_action(ADMIN, Action.END_PAIR, str(pair.id), channel_id=ADMIN_CHANNEL, message=message)
    view = bot.fake.wait_for("views.open")[-1].json("view")
    assert view["callback_id"] == View.END_PAIR and view["private_metadata"] == str(pair.id)

    home = {"type": "home", "blocks": message["blocks"]}
    bot.slack.block_action(ADMIN, Action.END_PAIR, str(pair.id), view=home)
    bot.fake.wait_for("views.open", count=2)

    # A forged or stale value: said plainly, nothing opens.
    bot.slack.block_action(ADMIN, Action.END_PAIR, "99999", channel_id=ADMIN_CHANNEL, message=message)
    bot.wait_until(lambda: any("can't find that pair" in c.params.get("text", "")
                               for c in bot.fake.calls_to("response_url")), what="the refusal")
    assert len(bot.fake.calls_to("views.open")) == 2

    # Someone not an admin submits a modal they got hold of: refused, nothing changes.
    values = values_from_view(view, {EndBlock.REASON: radio("other")})
    status, _, body = bot.slack.view_submission(NOBODY, view, values)
    assert body == {"response_action": "errors", "errors": {EndBlock.REASON: words.END_NOT_AN_ADMIN}}
    assert pair_row(bot, pair.id).status == PAIR_ACTIVE


def test_find_a_new_partner_previews_a_one_person_round_that_confirms_like_any_round(bot):
    setup_admins(bot)
    pair = started_pair(bot.db, bot.fake, mentee_id="U0ANA", mentor_id="U0BEN")
    # In the pool: a mentor who fits Ana, and one from her own department (not allowed).
    seed_participants(bot.db, [participant_create(slack_user_id="U0CAT", name="Cat", timezone="Europe/London"),
                               participant_create(slack_user_id="U0DAN", name="Dan", department="Finance",
                                                  timezone="Europe/London")])
    for uid in ("U0CAT", "U0DAN"):
        bot.fake.add_user(uid)
    view = open_modal(bot, ADMIN, "end <@U0ANA>")
    bot.slack.view_submission(ADMIN, view, values_from_view(view, {EndBlock.REASON: radio("not_a_fit")}))
    record = bot.wait_until(lambda: admin_posts(bot), what="the admins' record")[-1]
    message = {"blocks": record.json("blocks"), "text": record.params["text"], "ts": record.response["ts"]}

    bot.slack.block_action(ADMIN, Action.REMATCH, "U0ANA", channel_id=ADMIN_CHANNEL, message=message)
    preview = bot.wait_until(lambda: len(admin_posts(bot)) == 2 and admin_posts(bot)[-1], what="the preview")
    assert preview.params["text"].startswith("Matching round preview: 1 pair ")
    assert "<@U0CAT> → <@U0ANA>" in str(preview.json("blocks"))
    [rnd] = all_rows(bot, MatchRound)
    assert rnd.kind == ROUND_KIND_REMATCH and rnd.proposal["pairs"][0]["mentor"] == "U0CAT"

    # Another click while it's open: told to decide on the open one first.
    bot.slack.block_action(ADMIN, Action.REMATCH, "U0ANA", channel_id=ADMIN_CHANNEL, message=message)
    bot.wait_until(lambda: any("already an open matching preview" in c.params.get("text", "")
                               for c in bot.fake.replies("actions")), what="the open-preview answer")

    bot.wait_until(lambda: all_rows(bot, MatchRound)[0].message_ts, what="the preview's ts")
    click(bot, preview, Action.MATCH_CONFIRM)
    bot.wait_until(lambda: all_rows(bot, MatchRound)[0].status == ROUND_DONE, what="the round done")
    [intro] = intro_posts(bot)
    new = [p for p in all_rows(bot, Pair) if p.id != pair.id]
    assert [(p.mentor_user_id, p.mentee_user_id, p.status) for p in new] == [("U0CAT", "U0ANA", PAIR_ACTIVE)]
    assert intro.params["channel"] == new[0].channel_id

    # Ben: nobody in the pool fits him (Dan is a mentor too, Ana is paired again).
    bot.slack.block_action(ADMIN, Action.REMATCH, "U0BEN", channel_id=ADMIN_CHANNEL, message=message)
    bot.wait_until(lambda: any("Nobody waiting in the pool fits <@U0BEN>" in c.params.get("text", "")
                               for c in bot.fake.replies("actions")), what="nobody fits")
    bot.slack.block_action(ADMIN, Action.REMATCH, "U0ANA", channel_id=ADMIN_CHANNEL, message=message)
    bot.wait_until(lambda: any("<@U0ANA> is already in a pair again" in c.params.get("text", "")
                               for c in bot.fake.replies("actions")), what="already paired")
    bot.slack.block_action(NOBODY, Action.REMATCH, "U0BEN", channel_id=ADMIN_CHANNEL, message=message)
    bot.wait_until(lambda: any(c.params.get("text", "").startswith("Only program admins")
                               for c in bot.fake.replies("actions")), what="the refusal")
    assert len(all_rows(bot, MatchRound)) == 1


def test_pairing_by_hand_names_every_broken_rule_and_pairs_them_anyway_when_the_admin_confirms(bot_on):
    bot = bot_on
    setup_admins(bot)
    seed_participants(bot.db, [
        participant_create(slack_user_id="U0JUN", name="Jun", department="Sales", seniority_years=25,
                           timezone="Asia/Tokyo"),
        mentee_create(slack_user_id="U0SEN", name="Sen", department="Sales", seniority_years=20,
                      timezone="Europe/London"),
        participant_create(slack_user_id="U0OK", name="Oki", timezone="Europe/London"),
        mentee_create(slack_user_id="U0FIN", name="Fin", timezone="Europe/London"),
    ])
    for uid in ("U0JUN", "U0SEN", "U0OK", "U0FIN"):
        bot.fake.add_user(uid)

    reply = run(bot, ADMIN, "pair <@U0JUN|jun> <@U0SEN|sen>")
    text = str(reply["blocks"])
    assert "<@U0JUN> mentoring <@U0SEN> breaks 3 matching rules" in text
    assert "Jun (25 years) isn't less senior than Sen (20 years)" in text
    assert "same department (Sales)" in text and "9 hours apart" in text
    assert not all_rows(bot, Pair)

    message = {"blocks": reply["blocks"], "text": reply["text"], "ts": "1700000000.000200"}
    bot.slack.block_action(NOBODY, Action.HAND_PAIR_CONFIRM, "U0JUN:U0SEN", channel_id=ADMIN_CHANNEL,
                           message=message)
    bot.wait_until(lambda: any(c.params.get("text", "").startswith("Only program admins")
                               for c in bot.fake.replies("actions")), what="the refusal")
    assert not all_rows(bot, Pair)

    bot.slack.block_action(ADMIN, Action.HAND_PAIR_CONFIRM, "U0JUN:U0SEN", channel_id=ADMIN_CHANNEL,
                           message=message)
    bot.wait_until(lambda: intro_posts(bot), what="the introduction")
    [p] = all_rows(bot, Pair)
    assert (p.mentor_user_id, p.mentee_user_id, p.status) == ("U0JUN", "U0SEN", PAIR_ACTIVE)
    [rnd] = all_rows(bot, MatchRound)
    assert rnd.kind == ROUND_KIND_HAND and rnd.created_by == ADMIN
    bot.wait_until(lambda: any("paired <@U0JUN> (mentor) with <@U0SEN> by hand, past 3 matching rules"
                               in c.params.get("text", "") for c in bot.fake.replies("actions")), what="the news")

    # A second click of the same button: both are taken now.
    bot.slack.block_action(ADMIN, Action.HAND_PAIR_CONFIRM, "U0JUN:U0SEN", channel_id=ADMIN_CHANNEL,
                           message=message)
    bot.wait_until(lambda: any("already has as many partners" in c.params.get("text", "")
                               for c in bot.fake.replies("actions")), what="the refusal")
    assert len(all_rows(bot, Pair)) == 1

    # Two people who break no rule: paired at once, introduced as a round's pair.
    ok = run(bot, ADMIN, "pair <@U0FIN> <@U0OK>")  # the order doesn't matter: Oki mentors
    assert ok["response_type"] == "in_channel"
    assert ok["text"] == (f":handshake: <@{ADMIN}> paired <@U0OK> (mentor) with <@U0FIN> by hand. "
                          "I'm introducing them in a group DM now.")
    bot.wait_until(lambda: len(intro_posts(bot)) == 2, what="the second introduction")

    assert run(bot, ADMIN, "pair <@U0OK>")["text"] == words.PAIR_USAGE
    assert "can't be paired with themselves" in run(bot, ADMIN, "pair <@U0OK> <@U0OK>")["text"]
    assert "isn't in the program" in run(bot, ADMIN, "pair <@U0NEW> <@U0OK>")["text"]
    assert run(bot, NOBODY, "pair <@U0OK> <@U0FIN>")["text"].startswith("Only program admins")
    assert len(all_rows(bot, Pair)) == 2


# --- a proposal: browse it page by page, drop pairs before confirming -------------------------


def seed_pool(bot, n: int) -> None:
    people = []
    for i in range(n):
        people.append(participant_create(slack_user_id=f"U0MR{i:02d}", name=f"Mentor {i}", timezone="Europe/London"))
        people.append(mentee_create(slack_user_id=f"U0ME{i:02d}", name=f"Mentee {i}", timezone="Europe/London"))
    seed_participants(bot.db, people)
    for p in people:
        bot.fake.add_user(p.slack_user_id)


def preview_message(bot) -> tuple[object, dict]:
    """Run `/mentoring match`; the preview's call and the message as a click would carry it."""
    from tests.support.rounds import preview
    _, call = preview(bot, ADMIN)
    return call, {"blocks": call.json("blocks"), "text": call.params["text"], "ts": call.response["ts"]}


def latest_preview(bot, call) -> dict:
    updates = [c for c in bot.fake.calls_to("chat.update") if c.params["ts"] == call.response["ts"]]
    return updates[-1].json("blocks") if updates else call.json("blocks")


def drop_buttons(blocks) -> list[dict]:
    return [b["accessory"] for b in blocks if b.get("accessory", {}).get("action_id") == Action.PROPOSAL_DROP]


def test_an_admin_pages_through_a_big_proposal_and_drops_pairs_before_confirming(bot_on):
    bot = bot_on
    setup_admins(bot)
    seed_pool(bot, 12)
    call, message = preview_message(bot)
    first = call.json("blocks")
    assert len(drop_buttons(first)) == 10 and "Pairs 1–10 of 12 · page 1 of 2" in str(first)
    assert "python" not in str(first).lower()

    # Next: the same message shows the last two pairs.
    bot.slack.block_action(ADMIN, Action.PROPOSAL_PAGE, f"{all_rows(bot, MatchRound)[0].id}:1",
                           channel_id=ADMIN_CHANNEL, message=message)
    bot.wait_until(lambda: len(drop_buttons(latest_preview(bot, call))) == 2, what="page 2")
    page2 = latest_preview(bot, call)
    assert "Pairs 11–12 of 12 · page 2 of 2" in str(page2)
    pairs_before = all_rows(bot, MatchRound)[0].proposal["pairs"]

    # Drop the first pair on page 2: gone from the proposal, both people among the unmatched.
    drop = drop_buttons(page2)[0]
    bot.slack.block_action(ADMIN, Action.PROPOSAL_DROP, drop["value"], channel_id=ADMIN_CHANNEL, message=message)
    rnd = bot.wait_until(lambda: (r := all_rows(bot, MatchRound)[0]) and len(r.proposal["pairs"]) == 11 and r,
                         what="the pair dropped")
    gone = pairs_before[10]
    assert (gone["mentor"], gone["mentee"]) not in [(p["mentor"], p["mentee"]) for p in rnd.proposal["pairs"]]
    assert [u["user"] for u in rnd.proposal["unmatched"]][-2:] == [gone["mentor"], gone["mentee"]]
    assert rnd.proposal["stats"]["pairs"] == 11
    bot.wait_until(lambda: "Confirm 11 pairs" in str(latest_preview(bot, call)), what="the preview updated")

    # The same Drop again (a double click): said plainly, nothing changes.
    bot.slack.block_action(ADMIN, Action.PROPOSAL_DROP, drop["value"], channel_id=ADMIN_CHANNEL, message=message)
    bot.wait_until(lambda: any("isn't in this proposal any more" in c.params.get("text", "")
                               for c in bot.fake.replies("actions")), what="the answer")
    # Not an admin: refused.
    other = drop_buttons(first)[0]["value"]
    bot.slack.block_action(NOBODY, Action.PROPOSAL_DROP, other, channel_id=ADMIN_CHANNEL, message=message)
    bot.wait_until(lambda: any(c.params.get("text", "").startswith("Only program admins")
                               for c in bot.fake.replies("actions")), what="the refusal")
    assert len(all_rows(bot, MatchRound)[0].proposal["pairs"]) == 11

    click(bot, call, Action.MATCH_CONFIRM)
    bot.wait_until(lambda: all_rows(bot, MatchRound)[0].status == ROUND_DONE, timeout=15, what="the round done")
    made = {(p.mentor_user_id, p.mentee_user_id) for p in all_rows(bot, Pair)}
    assert len(made) == 11 and (gone["mentor"], gone["mentee"]) not in made
    told = [c for c in bot.fake.calls_to("chat.postMessage") if c.params["channel"] in (gone["mentor"], gone["mentee"])]
    assert len(told) == 2 and all("kept your match for a later round" in str(c.json("blocks")) for c in told)

    # Too late to drop now.
    bot.slack.block_action(ADMIN, Action.PROPOSAL_DROP, other, channel_id=ADMIN_CHANNEL, message=message)
    bot.wait_until(lambda: any("already confirmed" in c.params.get("text", "")
                               for c in bot.fake.replies("actions")), what="the answer")
    assert len(all_rows(bot, Pair)) == 11


def test_dropping_the_last_pair_closes_the_preview(bot):
    setup_admins(bot)
    seed_pool(bot, 1)
    call, message = preview_message(bot)
    [drop] = drop_buttons(call.json("blocks"))
    bot.slack.block_action(ADMIN, Action.PROPOSAL_DROP, drop["value"], channel_id=ADMIN_CHANNEL, message=message)
    bot.wait_until(lambda: any("That was the last pair" in c.params.get("text", "")
                               for c in bot.fake.replies("actions")), what="the answer")
    [rnd] = all_rows(bot, MatchRound)
    assert rnd.status == "cancelled" and rnd.open_slot is None and rnd.proposal["pairs"] == []
    assert "dropped the last pair" in str(latest_preview(bot, call))
    bot.slack.block_action(ADMIN, Action.PROPOSAL_PAGE, f"{rnd.id}:0", channel_id=ADMIN_CHANNEL, message=message)
    bot.wait_until(lambda: any("This round was cancelled" in c.params.get("text", "")
                               for c in bot.fake.replies("actions")), what="the answer")
    bot.slack.block_action(ADMIN, Action.PROPOSAL_DROP, "nonsense", channel_id=ADMIN_CHANNEL, message=message)
    bot.wait_until(lambda: any("doesn't belong to a matching round" in c.params.get("text", "")
                               for c in bot.fake.replies("actions")), what="the answer")
    assert all_rows(bot, Pair) == []


def test_a_pair_ended_before_its_introduction_gets_neither_an_intro_nor_a_could_not_introduce_note(bot):
    setup_admins(bot)
    seed_pool(bot, 1)
    preview_message(bot)
    [rnd] = all_rows(bot, MatchRound)
    # Confirmed, but the introductions haven't run yet when an admin ends the pair.
    rounds.confirm(bot.deps, SlackRoundBoard(bot.fake.client(), ADMIN_CHANNEL), team_id=TEAM, round_id=rnd.id,
                   user_id=ADMIN)
    [pair] = all_rows(bot, Pair)
    steering.end_pair(bot.deps, team_id=TEAM, pair_id=pair.id, by=ADMIN, reason="asked_to_end", note="")
    fanout.run_round(bot.deps, round_id=rnd.id)
    assert intro_posts(bot) == []
    keys = [((c.json("metadata") or {}).get("event_payload") or {}).get("key", "")
            for c in bot.fake.calls_to("chat.postMessage")]
    assert not any(k.startswith("intro_failed:") for k in keys)
    assert all_rows(bot, MatchRound)[0].status == ROUND_DONE
