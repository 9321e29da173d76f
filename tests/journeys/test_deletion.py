"""Deletion that deletes, through the real HTTP server on SQLite and PostgreSQL: a person joins,
is matched, sets goals, checks in and pauses; then leaves with "Leave and delete my data".
Every table is dumped afterwards and none holds her Slack ID, her name or any word she typed;
her partner's own data stays; she comes back and is never paired with the same partner again."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel import select

from bot.blocks import checkins as checkin_words
from bot.services import rounds as rounds_service
from bot.slack.ids import Action, CheckinBlock, EndBlock, GoalBlock, JoinBlock, checkin_button_value
from storage.models import (
    ROUND_KIND_HAND,
    ROUND_KIND_REMATCH,
    CheckIn,
    Goal,
    MatchRound,
    Pair,
    Participant,
)
from tests.support.dbutil import dump_all, find_in_dump
from tests.support.factories import participant_create, seed_participants
from tests.support.harness import ADMIN_CHANNEL
from tests.support.onboarding import dms_to, open_join_modal, valid_values
from tests.support.rounds import ADMIN, click, command_reply, intro_posts, preview, wait_round
from tests.support.slackreq import checkboxes, multi, number, plain, radio, values_from_view

MONDAY = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
ANA, BEN = "U0ANA", "U0BEN"
# Everything that is Ana's: her ID, her name in Slack, and the words she typed.
ANAS = [ANA, "Zephyrine", "Quillfeather", "Xylophonics", "marzipanology", "Tessellate", "quokkaflow",
        "obsidianwaves", "glimmerstack"]


def join_as_mentee(bot) -> None:
    view = open_join_modal(bot, ANA)
    status, _, _ = bot.slack.view_submission(ANA, view, valid_values(
        view, **{JoinBlock.SIDE: radio("mentee"), JoinBlock.SKILLS_SHARE: multi(["leadership"]),
                 JoinBlock.SKILLS_LEARN: multi(["ai_tools"]), JoinBlock.SENIORITY: number(20),
                 JoinBlock.DEPARTMENT: plain("Xylophonics"),
                 JoinBlock.INTRO: plain("I study marzipanology at weekends")}))
    assert status == 200


def open_view(bot, user, action_id, value) -> dict:
    before = len(bot.fake.calls_to("views.open"))
    status, _, _ = bot.slack.block_action(user, action_id, value, channel_id="G0PAIR",
                                          trigger_id=bot.slack.new_trigger_id())
    assert status == 200
    return bot.fake.wait_for("views.open", count=before + 1)[-1].json("view")


def command(bot, user, text) -> dict:
    before = len(bot.fake.replies("commands"))
    status, _, body = bot.slack.command(user, text)
    assert status == 200
    return body or bot.wait_until(lambda: bot.fake.replies("commands")[before:], what="the reply")[0].params


def rows(bot, model):
    with bot.db.session() as s:
        return list(s.exec(select(model)))


def test_leave_and_delete_removes_every_trace_but_a_one_way_code(bot_on):
    bot = bot_on
    bot.clock.set(MONDAY)
    bot.fake.add_user(ANA, name="Zephyrine Quillfeather", tz="Europe/London")
    bot.fake.add_user(BEN, name="Ben Okafor", tz="Europe/London")
    bot.fake.add_user(ADMIN, name="Ada Admin")
    bot.fake.set_channel_members(ADMIN_CHANNEL, [ADMIN])
    seed_participants(bot.db, [participant_create(slack_user_id=BEN, name="Ben Okafor", intro="Spreadsheets!")])
    join_as_mentee(bot)
    bot.wait_until(lambda: dms_to(bot, ANA), what="Ana's welcome DM")

    # Matched with Ben: the round's proposal and the pair hold her name and the reasons.
    _, call = preview(bot)
    click(bot, call, Action.MATCH_CONFIRM)
    wait_round(bot, "done")
    assert len(intro_posts(bot)) == 1
    [pair] = rows(bot, Pair)
    assert "Zephyrine" in str(pair.reasons) or "Xylophonics" in str(pair.reasons)

    # Goals, from the intro's button: hers, and Ben's learn-back (his data, which stays).
    view = open_view(bot, ANA, Action.OPEN_GOALS, str(pair.id))
    bot.slack.view_submission(ANA, view, values_from_view(view, {
        GoalBlock.slot(GoalBlock.WHAT, 1): plain("Tessellate my dashboards"),
        GoalBlock.slot(GoalBlock.WHY, 1): plain("quokkaflow matters to my team")}))
    view = open_view(bot, BEN, Action.OPEN_GOALS, str(pair.id))
    bot.slack.view_submission(BEN, view, values_from_view(view, {
        GoalBlock.slot(GoalBlock.LEARN_BACK, 1): plain("How budgets are decided")}))
    bot.wait_until(lambda: len(rows(bot, Goal)) == 2, what="both people's goals")

    # A week on, both check in for the first session.
    bot.clock.set(MONDAY + timedelta(days=7, hours=8))
    for user, learned, blocker in ((ANA, "obsidianwaves of prompts", "glimmerstack outages"),
                                   (BEN, "How a board meeting runs", "Time")):
        view = open_view(bot, user, Action.OPEN_CHECKIN, checkin_button_value(pair.id, 1, "checkin"))
        bot.slack.view_submission(user, view, values_from_view(view, {
            CheckinBlock.MET: radio("yes"), CheckinBlock.USEFULNESS: radio("4"),
            CheckinBlock.LEARNED: plain(learned), CheckinBlock.BLOCKERS: plain(blocker)}))
    bot.wait_until(lambda: len(rows(bot, CheckIn)) == 2, what="both check-ins")

    # A pause and a return: notes to Ben that mention her.
    command(bot, ANA, "pause 1w")
    command(bot, ANA, "resume")
    # The notes go out after the replies: let them land before she deletes (a note still on its
    # way when the deletion commits would be written after it).
    bot.wait_until(lambda: (ledger := dump_all(bot.db)["sendledger"])
                   and any(r["kind"] == "resume_note" for r in ledger)
                   and all(r["status"] not in ("claimed", "queued") for r in ledger),
                   what="the pause and resume notes sent")
    assert find_in_dump(bot.db, ANAS)  # she is everywhere now

    leave = command(bot, ANA, "leave")
    before = len(bot.fake.calls_to("response_url"))
    bot.slack.block_action(ANA, Action.LEAVE_AND_DELETE, "delete")
    reply = bot.fake.wait_for("response_url", count=before + 1)[-1].params["text"]

    # Nothing of hers is left in any table.
    assert find_in_dump(bot.db, ANAS) == []
    # Her partner's own data stays: his profile, his learn-back item, his check-in.
    [ben] = rows(bot, Participant)
    assert ben.slack_user_id == BEN and ben.status == "active"
    assert [(g.author_user_id, g.what) for g in rows(bot, Goal)] == [(BEN, "How budgets are decided")]
    assert [(c.user_id, c.learned) for c in rows(bot, CheckIn)] == [(BEN, "How a board meeting runs")]
    [pair] = rows(bot, Pair)
    assert pair.mentor_user_id == BEN and pair.mentee_user_id.startswith("h:") and pair.reasons == []
    assert pair.status == "ended"
    # The copies of the pair's messages are empty, but for the notes that its end sets off (about her, not naming her).
    assert {row["kind"] for row in dump_all(bot.db)["sendledger"]
            if row["pair_id"] == pair.id and row["payload"]} == {"pair_ended", "pair_ended_admin"}

    # She was asked first, in a confirmation that names what goes; "Leave" isn't the red button.
    buttons = {e["action_id"]: e for b in leave["blocks"] if b["type"] == "actions" for e in b["elements"]}
    assert "style" not in buttons[Action.LEAVE_CONFIRM]
    confirm = buttons[Action.LEAVE_AND_DELETE]["confirm"]
    assert confirm["title"]["text"] == "Delete your data?"
    for what in ("profile", "goals", "check-ins", "name and Slack ID", "Messages already in Slack stay there"):
        assert what in confirm["text"]["text"]
    # The reply says exactly what was removed, and that Slack keeps what it has.
    assert reply.startswith("You've left reverse mentoring, and I've deleted your data:\n• your profile")
    assert "• 1 goal you wrote" in reply and "• your check-in" in reply
    assert "my copies of " in reply and "from 1 pairing and 1 matching round" in reply
    assert "Messages already posted in Slack stay in Slack" in reply

    # Ben is told, without her name; so are the admins.
    note = bot.wait_until(lambda: dms_to(bot, BEN), what="Ben's note")[-1]
    assert note.params["text"].startswith("Your reverse-mentoring partner has stepped out")
    def ended_notes():
        found = [c for c in bot.fake.calls_to("chat.postMessage")
                 if ((c.json("metadata") or {}).get("event_payload") or {}).get("key", "").startswith("pair_ended")]
        return found if len(found) == 2 else None
    assert all(ANA not in str(c.params) for c in bot.wait_until(ended_notes, what="both notes"))

    # She comes back: she is never paired with Ben again, though nothing else keeps them apart.
    join_as_mentee(bot)
    bot.wait_until(lambda: rows(bot, Participant)[1:], what="her new profile")
    proposal, _ = rounds_service.dry_run(bot.db, team_id="T0001", now=bot.clock())
    assert proposal.pairs == () and sorted(u.user_id for u in proposal.unmatched) == [ANA, BEN]
    before = len(bot.fake.calls_to("response_url"))
    command_reply(bot, ADMIN)
    answer = bot.fake.wait_for("response_url", count=before + 2)[-1].params
    assert "No pair can be made" in answer["text"] and "paired with them before" in answer["text"]


# --- what the admins' and the meeting features add ------------------------------------------

CAT = "U0CAT"
# Words about her that others typed: the admin's note when ending her pair names her.
NOTE = "Zephyrine asked for a change; pelicanfjord"


def admin_run(bot, text) -> dict:
    before = len(bot.fake.calls_to("response_url"))
    status, _, body = bot.slack.command(ADMIN, text, channel_id=ADMIN_CHANNEL)
    assert status == 200
    return body or bot.fake.wait_for("response_url", count=before + 1)[-1].params


def settled(bot) -> bool:
    return all(r["status"] not in ("claimed", "queued") for r in dump_all(bot.db)["sendledger"])


def test_deleting_leaves_nothing_of_what_admins_and_meetings_recorded_about_her(bot_on):
    """Before deleting, she was invited by email, paired by hand (the intro shared an .ics), shared
    a blocker with the program team, had her pair ended by an admin with a note naming her, was
    offered a new partner by the admins, and was in the admins' report and export. Afterwards no
    table holds her ID, her name, her words, or the note's."""
    bot = bot_on
    bot.clock.set(MONDAY)
    bot.fake.add_user(ANA, name="Zephyrine Quillfeather", tz="Europe/London")
    bot.fake.add_user(BEN, name="Ben Okafor", tz="Europe/London")
    bot.fake.add_user(CAT, name="Cat Mbeki", tz="Europe/London")
    bot.fake.add_user(ADMIN, name="Ada Admin")
    bot.fake.set_channel_members(ADMIN_CHANNEL, [ADMIN])
    seed_participants(bot.db, [participant_create(slack_user_id=BEN, name="Ben Okafor", intro="Spreadsheets!"),
                               participant_create(slack_user_id=CAT, name="Cat Mbeki", intro="Dashboards")])

    # Invited by the email address Slack has for her.
    reply = admin_run(bot, "add zephyrine.quillfeather@acme.example.com")
    assert "Invited 1 person" in reply["text"], reply
    bot.wait_until(lambda: dms_to(bot, ANA), what="her invitation")
    join_as_mentee(bot)
    bot.wait_until(lambda: len(dms_to(bot, ANA)) >= 2, what="Ana's welcome DM")

    # Paired by hand with Ben: the intro and the pair's calendar invitation.
    admin_run(bot, f"pair <@{ANA}> <@{BEN}>")
    bot.wait_until(lambda: intro_posts(bot), what="the introduction")
    [pair] = rows(bot, Pair)
    bot.wait_until(lambda: bot.fake.files_in(pair.channel_id), what="the .ics")
    bot.wait_until(lambda: settled(bot), what="the intro's messages")

    # A check-in whose blocker she shares with the program team.
    bot.clock.set(MONDAY + timedelta(days=7, hours=8))
    view = open_view(bot, ANA, Action.OPEN_CHECKIN, checkin_button_value(pair.id, 1, "checkin"))
    bot.slack.view_submission(ANA, view, values_from_view(view, {
        CheckinBlock.MET: radio("yes"), CheckinBlock.USEFULNESS: radio("4"),
        CheckinBlock.LEARNED: plain("obsidianwaves of prompts"), CheckinBlock.BLOCKERS: plain("glimmerstack outages"),
        CheckinBlock.SHARE_BLOCKER: checkboxes([checkin_words.SHARE])}))
    bot.wait_until(lambda: rows(bot, CheckIn), what="her check-in")
    assert rows(bot, CheckIn)[0].share_blocker

    # The admins read the report (her shared blocker in it) and export the program.
    for sub in ("report", "export"):
        assert bot.slack.command(ADMIN, sub, channel_id=ADMIN_CHANNEL)[0] == 200
    bot.wait_until(lambda: {"report", "file"} <= {r["kind"] for r in dump_all(bot.db)["sendledger"]} and settled(bot),
                   what="the report and the export")

    # An admin ends the pair with a note that names her, then asks for a new partner for her.
    before = len(bot.fake.calls_to("views.open"))
    bot.slack.command(ADMIN, f"end <@{ANA}>", channel_id=ADMIN_CHANNEL)
    view = bot.fake.wait_for("views.open", count=before + 1)[-1].json("view")
    status, _, body = bot.slack.view_submission(ADMIN, view, values_from_view(
        view, {EndBlock.REASON: radio("not_a_fit"), EndBlock.NOTE: plain(NOTE)}))
    assert status == 200 and not body, body
    bot.wait_until(lambda: rows(bot, Pair)[0].status == "ended" and settled(bot), what="the pair ended")
    assert rows(bot, Pair)[0].end_note == NOTE
    bot.slack.block_action(ADMIN, Action.REMATCH, ANA, channel_id=ADMIN_CHANNEL)
    bot.wait_until(lambda: any(r.kind == ROUND_KIND_REMATCH for r in rows(bot, MatchRound)) and settled(bot),
                   what="the rematch preview")
    assert find_in_dump(bot.db, [*ANAS, "pelicanfjord"])

    command(bot, ANA, "leave")
    before = len(bot.fake.calls_to("response_url"))
    bot.slack.block_action(ANA, Action.LEAVE_AND_DELETE, "delete")
    bot.fake.wait_for("response_url", count=before + 1)

    assert find_in_dump(bot.db, [*ANAS, "pelicanfjord", "zephyrine.quillfeather@acme.example.com"]) == []
    assert {r.kind for r in rows(bot, MatchRound)} >= {ROUND_KIND_HAND, ROUND_KIND_REMATCH}
    [ben, cat] = sorted(rows(bot, Participant), key=lambda p: p.slack_user_id)
    assert (ben.slack_user_id, cat.slack_user_id) == (BEN, CAT)
