"""Check-in and final-survey journeys: a prompt's button opens the modal for whoever clicked,
answers are stored once per person, pair, cycle and kind, and bad submissions store nothing."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest
from sqlmodel import select

from bot.blocks import checkins as checkin_words
from bot.blocks.checkins import build_checkin_modal
from bot.services import onboarding, steering
from bot.slack.ids import Action, CheckinBlock, View, checkin_button_value
from storage.models import CheckIn, Goal
from tests.support.factories import paired
from tests.support.slackreq import plain, radio, static, values_from_view

NOW = datetime(2026, 3, 6, 15, 30, tzinfo=UTC)
ANA, BEN, EVE = "U0ANA", "U0BEN", "U0EVE"


@pytest.fixture
def pair_goals(bot_on, pair):
    with bot_on.db.session() as s:
        rows = [Goal(team_id="T0001", pair_id=pair.id, role="mentee", position=1, author_user_id=ANA,
                     what="Use AI tools for my updates"),
                Goal(team_id="T0001", pair_id=pair.id, role="mentor", position=1, author_user_id=BEN,
                     what="How hiring decisions are made")]
        s.add_all(rows)
        s.flush()
        return [g.id for g in rows]


def checkins(bot) -> list[CheckIn]:
    with bot.db.session() as s:
        return list(s.exec(select(CheckIn).order_by(CheckIn.id)))


def click(bot, user, value) -> str:
    trigger = bot.slack.new_trigger_id()
    status, _, _ = bot.slack.block_action(user, Action.OPEN_CHECKIN, value, channel_id="G0PAIR", trigger_id=trigger)
    assert status == 200
    return trigger


def open_checkin(bot, user, pair_id, cycle=1, kind="checkin") -> dict:
    before = len(bot.fake.calls_to("views.open"))
    trigger = click(bot, user, checkin_button_value(pair_id, cycle, kind))
    call = bot.fake.wait_for("views.open", count=before + 1)[-1]
    assert call.params["trigger_id"] == trigger  # the modal is for the person who clicked
    return call.json("view")


def thanks(bot, count=1):
    return bot.fake.wait_for("chat.postEphemeral", count=count)[-1]


def test_checkin_from_the_prompt_button_is_stored_and_a_second_submission_updates_it(bot_on, pair, pair_goals):
    bot = bot_on
    mentee_goal, mentor_goal = pair_goals
    view = open_checkin(bot, ANA, pair.id, cycle=2)
    assert view["callback_id"] == View.CHECKIN and view["private_metadata"] == f"{pair.id}:2:checkin"
    assert "Did you and Ben Okafor meet this week?" in str(view["blocks"])
    values = values_from_view(view, {
        CheckinBlock.MET: radio("yes"), CheckinBlock.USEFULNESS: radio("4"),
        CheckinBlock.LEARNED: plain("Prompt patterns"), CheckinBlock.WILL_TRY: plain("Draft Monday's update"),
        CheckinBlock.progress(mentee_goal): static("some"), CheckinBlock.progress(mentor_goal): static("on_track"),
    })
    status, _, body = bot.slack.view_submission(ANA, view, values)
    assert status == 200 and not body

    note = thanks(bot)
    assert (note.params["channel"], note.params["user"]) == ("G0PAIR", ANA)
    assert note.params["text"] == "Thanks, Ana, noted. See you next week."
    [row] = checkins(bot)
    assert (row.pair_id, row.user_id, row.cycle, row.kind, row.met, row.usefulness) == \
        (pair.id, ANA, 2, "checkin", True, 4)
    assert (row.learned, row.will_try, row.blockers) == ("Prompt patterns", "Draft Monday's update", "")
    assert row.goal_progress == {str(mentee_goal): "some", str(mentor_goal): "on_track"}

    view2 = open_checkin(bot, ANA, pair.id, cycle=2)  # prefilled with the earlier answer
    again = values_from_view(view2)
    assert again[CheckinBlock.USEFULNESS][CheckinBlock.USEFULNESS]["selected_option"]["value"] == "4"
    again[CheckinBlock.USEFULNESS] = {CheckinBlock.USEFULNESS: radio("5")}
    again[CheckinBlock.BLOCKERS] = {CheckinBlock.BLOCKERS: plain("Calendar is full")}
    bot.slack.view_submission(ANA, view2, again)
    assert thanks(bot, 2).params["text"] == "Thanks, Ana: I've updated your check-in."
    [updated] = checkins(bot)
    assert updated.id == row.id
    assert (updated.usefulness, updated.blockers, updated.learned) == (5, "Calendar is full", "Prompt patterns")
    assert updated.goal_progress == row.goal_progress

    # The partner's answer for the same cycle is their own row.
    view3 = open_checkin(bot, BEN, pair.id, cycle=2)
    bot.slack.view_submission(BEN, view3, values_from_view(view3, {CheckinBlock.MET: radio("no")}))
    assert "next nudge" in thanks(bot, 3).params["text"]
    assert [(c.user_id, c.met, c.usefulness) for c in checkins(bot)] == [(ANA, True, 5), (BEN, False, None)]


def test_invalid_checkins_get_errors_and_store_nothing(bot_on, pair, pair_goals):
    bot = bot_on
    _, _, other = paired(bot.db, channel_id="G0OTHER")
    with bot.db.session() as s:
        foreign = Goal(team_id="T0001", pair_id=other.id, role="mentee", position=1,
                       author_user_id=other.mentee_user_id, what="Not yours")
        s.add(foreign)
        s.flush()
        foreign_id = foreign.id
    view = open_checkin(bot, ANA, pair.id)

    forged = values_from_view(view, {CheckinBlock.MET: radio("no")})
    forged[CheckinBlock.progress(foreign_id)] = {CheckinBlock.progress(foreign_id): static("done")}
    status, _, body = bot.slack.view_submission(ANA, view, forged)
    assert body["response_action"] == "errors" and list(body["errors"]) == [CheckinBlock.progress(foreign_id)]

    for metadata, error in ((f"{other.id}:1:checkin", checkin_words.OTHER_PAIR),
                            (f"{pair.id}:99:checkin", checkin_words.GARBLED),
                            (f"{pair.id}:1:weekly", checkin_words.GARBLED),
                            ("garbage", checkin_words.GARBLED)):
        tampered = {**view, "private_metadata": metadata}
        status, _, body = bot.slack.view_submission(ANA, tampered, values_from_view(view, {CheckinBlock.MET: radio("no")}))
        assert body == {"response_action": "errors", "errors": {CheckinBlock.MET: error}}, metadata
    time.sleep(0.2)
    assert checkins(bot) == []
    assert bot.fake.calls_to("chat.postEphemeral") == []


def test_only_pair_members_can_open_a_checkin_and_garbled_buttons_get_a_friendly_answer(bot_on, pair):
    bot = bot_on
    click(bot, EVE, checkin_button_value(pair.id, 1, "checkin"))
    reply = bot.fake.wait_for("response_url")[-1]
    assert reply.params["text"] == "This check-in belongs to another pair, so I can't open it for you."
    assert reply.params["response_type"] == "ephemeral"
    click(bot, ANA, "1:two:checkin")
    assert bot.fake.wait_for("response_url", count=2)[-1].params["text"] == checkin_words.GARBLED
    click(bot, ANA, checkin_button_value(pair.id + 100, 1, "checkin"))
    assert bot.fake.wait_for("response_url", count=3)[-1].params["text"] == checkin_words.PAIR_GONE
    time.sleep(0.2)
    assert bot.fake.calls_to("views.open") == []


def test_final_survey_is_stored_with_kind_final(bot_on, pair):
    bot = bot_on
    bot.clock.set(datetime(2026, 3, 27, 16, 0, tzinfo=UTC))  # the Friday of the last session: the survey is out
    view = open_checkin(bot, BEN, pair.id, cycle=12, kind="final")
    assert view["title"]["text"] == "Final survey" and view["private_metadata"] == f"{pair.id}:12:final"
    status, _, body = bot.slack.view_submission(BEN, view, values_from_view(view, {CheckinBlock.MET: radio("yes")}))
    assert body["response_action"] == "errors"
    assert set(body["errors"]) == {CheckinBlock.OVERALL, CheckinBlock.RECOMMEND, CheckinBlock.KEEP_MEETING}
    assert checkins(bot) == []

    bot.slack.view_submission(BEN, view, values_from_view(view, {
        CheckinBlock.MET: radio("yes"), CheckinBlock.OVERALL: radio("5"),
        CheckinBlock.RECOMMEND: radio("yes"), CheckinBlock.KEEP_MEETING: radio("maybe"),
        CheckinBlock.LEARNED: plain("Lots"),
    }))
    assert "final survey" in thanks(bot).params["text"]
    [row] = checkins(bot)
    assert (row.user_id, row.cycle, row.kind, row.met, row.usefulness) == (BEN, 12, "final", True, None)
    assert (row.overall_usefulness, row.recommend, row.keep_meeting, row.learned) == (5, "yes", "maybe", "Lots")


@pytest.mark.parametrize("cycle, kind", [(12, "checkin"), (12, "final"), (10, "checkin")])
def test_a_checkin_for_a_session_that_has_not_started_is_refused(bot_on, pair, cycle, kind):
    """In week 9, the check-ins of sessions 10 to 12 and the final survey aren't open yet."""
    bot = bot_on
    click(bot, ANA, checkin_button_value(pair.id, cycle, kind))
    reply = bot.wait_until(lambda: bot.fake.replies("actions"), what="the reply")[-1]
    assert reply.params["text"] == checkin_words.NOT_STARTED
    view = build_checkin_modal(pair_id=pair.id, cycle=cycle, kind=kind, partner_name="Ben", goals=[])
    status, _, body = bot.slack.view_submission(ANA, view, values_from_view(view, {CheckinBlock.MET: radio("no")}))
    assert body == {"response_action": "errors", "errors": {CheckinBlock.MET: checkin_words.NOT_STARTED}}
    assert checkins(bot) == [] and bot.fake.calls_to("views.open") == []


def test_an_old_checkin_button_after_leaving_and_deleting_is_refused_kindly(bot_on, pair):
    bot = bot_on
    view = open_checkin(bot, ANA, pair.id, cycle=2)
    onboarding.leave(bot.db, team_id="T0001", user_id=ANA, delete_data=True)
    status, _, body = bot.slack.view_submission(ANA, view, values_from_view(view, {CheckinBlock.MET: radio("no")}))
    assert body == {"response_action": "errors", "errors": {CheckinBlock.MET: checkin_words.NOT_IN_PROGRAM}}
    click(bot, ANA, checkin_button_value(pair.id, 3, "checkin"))
    assert bot.wait_until(lambda: bot.fake.replies("actions"), what="the reply")[-1].params["text"] == \
        checkin_words.NOT_IN_PROGRAM
    click(bot, BEN, checkin_button_value(pair.id, 3, "checkin"))  # the partner: the pair ended when Ana left
    assert bot.wait_until(lambda: bot.fake.replies("actions")[1:], what="the reply")[-1].params["text"] == \
        checkin_words.PAIR_ENDED
    assert checkins(bot) == []


def test_an_old_checkin_button_after_an_admin_ended_the_pair_is_refused_kindly(bot_on, pair):
    bot = bot_on
    view = open_checkin(bot, ANA, pair.id, cycle=2)
    steering.end_pair(bot.deps, team_id="T0001", pair_id=pair.id, by="U0ADM", reason="schedules", note="")
    status, _, body = bot.slack.view_submission(ANA, view, values_from_view(view, {CheckinBlock.MET: radio("no")}))
    assert body == {"response_action": "errors", "errors": {CheckinBlock.MET: checkin_words.PAIR_ENDED}}
    for n, user in enumerate((ANA, BEN), start=1):
        click(bot, user, checkin_button_value(pair.id, 2, "checkin"))
        assert bot.wait_until(lambda n=n: bot.fake.replies("actions")[n - 1:], what="the reply")[-1].params["text"] == \
            checkin_words.PAIR_ENDED
    assert checkins(bot) == []
