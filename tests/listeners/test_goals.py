"""Goals journeys through the real app: intro button and `/mentoring goals`, field errors,
storing, editing, the mentor's learn-back, and people who may not open a pair's goals."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime

from sqlmodel import select

from bot.blocks import goals as goals_words
from bot.slack.ids import Action, GoalBlock, View
from storage.models import Goal, Pair
from tests.support.slackreq import date as date_value
from tests.support.slackreq import plain, values_from_view

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)  # a Monday
ANA, BEN, EVE = "U0ANA", "U0BEN", "U0EVE"  # mentee, mentor, someone else
W, WHY, M, T, LB = GoalBlock.WHAT, GoalBlock.WHY, GoalBlock.MEASURE, GoalBlock.TARGET, GoalBlock.LEARN_BACK
slot = GoalBlock.slot


def goals(bot) -> list[Goal]:
    with bot.db.session() as s:
        return list(s.exec(select(Goal).order_by(Goal.role, Goal.position)))


def posts(bot):
    return bot.fake.calls_to("chat.postMessage")


def click_goals_button(bot, user, pair_id) -> str:
    trigger = bot.slack.new_trigger_id()
    status, _, _ = bot.slack.block_action(user, Action.OPEN_GOALS, str(pair_id), channel_id="G0PAIR",
                                          trigger_id=trigger)
    assert status == 200
    return trigger


def open_via_button(bot, user, pair_id) -> dict:
    before = len(bot.fake.calls_to("views.open"))
    trigger = click_goals_button(bot, user, pair_id)
    call = bot.fake.wait_for("views.open", count=before + 1)[-1]
    assert call.params["trigger_id"] == trigger
    return call.json("view")


def open_via_command(bot, user) -> dict:
    before = len(bot.fake.calls_to("views.open"))
    status, _, body = bot.slack.command(user, "goals")
    assert status == 200 and not body
    return bot.fake.wait_for("views.open", count=before + 1)[-1].json("view")


def test_mentee_sets_goals_from_the_intro_button_and_they_are_posted_to_the_pair(bot, pair):
    view = open_via_button(bot, ANA, pair.id)
    assert view["callback_id"] == View.GOALS and view["title"]["text"] == "Your goals"
    assert view["private_metadata"] == f"{pair.id}:mentee"

    values = values_from_view(view, {
        slot(W, 1): plain("Use AI tools to draft my team updates"),
        slot(WHY, 1): plain("I spend hours on them"),
        slot(M, 1): plain("One update a week drafted with AI"),
        slot(T, 1): date_value("2026-06-01"),
        slot(W, 3): plain("Get comfortable on LinkedIn"),
    })
    status, _, body = bot.slack.view_submission(ANA, view, values)
    assert status == 200 and not body

    post = bot.wait_until(lambda: posts(bot), what="the goals summary")[0]
    assert post.params["channel"] == "G0PAIR"
    assert post.params["text"].startswith("<@U0ANA>'s goals for this program: Use AI tools")
    summary = post.json("blocks")[0]["text"]["text"]
    assert "1. *Use AI tools to draft my team updates*" in summary
    assert "2. *Get comfortable on LinkedIn*" in summary
    assert "By Monday 1 June 2026" in summary
    rows = goals(bot)
    assert [(g.role, g.position, g.author_user_id, g.what) for g in rows] == [
        ("mentee", 1, ANA, "Use AI tools to draft my team updates"),
        ("mentee", 3, ANA, "Get comfortable on LinkedIn"),
    ]
    assert (rows[0].why, rows[0].measure, rows[0].target_date) == \
        ("I spend hours on them", "One update a week drafted with AI", date(2026, 6, 1))
    assert all(g.pair_id == pair.id and g.team_id == "T0001" for g in rows)


def test_invalid_goals_get_field_errors_and_nothing_is_stored(bot, pair):
    view = open_via_button(bot, ANA, pair.id)
    cases = [
        ({}, {slot(W, 1): "Start with your first goal: what would you like to get better at?"}),
        ({slot(W, 1): plain("Learn Figma"), slot(WHY, 2): plain("Our team designs in it")},
         {slot(W, 2): "Say what this goal is, or clear its other fields to remove it."}),
        ({slot(W, 1): plain("Learn Figma"), slot(T, 1): date_value("2026-03-01")},
         {slot(T, 1): "Pick a date in the future."}),
        ({slot(W, 1): plain("Learn Figma"), slot(T, 1): date_value("2027-06-01")},
         {slot(T, 1): "Pick a date within the next 12 months."}),
        ({slot(W, 1): plain("   "), slot(W, 2): plain("Learn Figma")},
         {slot(W, 1): "Start with your first goal: what would you like to get better at?"}),
    ]
    for overrides, expected in cases:
        status, _, body = bot.slack.view_submission(ANA, view, values_from_view(view, overrides))
        assert status == 200
        assert body == {"response_action": "errors", "errors": expected}, overrides
    time.sleep(0.2)  # give a wrongly-continuing listener time to write or post
    assert goals(bot) == []
    assert posts(bot) == []


def test_editing_replaces_the_goals_keeps_ids_and_posts_an_update(bot, pair):
    view = open_via_button(bot, ANA, pair.id)
    bot.slack.view_submission(ANA, view, values_from_view(view, {
        slot(W, 1): plain("Use AI tools"), slot(W, 2): plain("Post on LinkedIn"), slot(W, 3): plain("Learn Figma"),
    }))
    bot.wait_until(lambda: posts(bot), what="the first summary")
    first = {g.position: g.id for g in goals(bot)}

    view2 = open_via_command(bot, ANA)  # the same modal, prefilled
    prefilled = values_from_view(view2)
    assert prefilled[slot(W, 2)][slot(W, 2)]["value"] == "Post on LinkedIn"
    prefilled[slot(W, 1)] = {slot(W, 1): plain("Use AI tools every week")}
    prefilled[slot(W, 2)] = {slot(W, 2): plain("")}  # removes goal 2
    status, _, body = bot.slack.view_submission(ANA, view2, prefilled)
    assert status == 200 and not body

    update = bot.wait_until(lambda: len(posts(bot)) == 2 and posts(bot)[1], what="the update post")
    assert update.params["channel"] == "G0PAIR"
    assert update.params["text"] == "<@U0ANA> updated their goals: Use AI tools every week; Learn Figma"
    rows = goals(bot)
    assert [(g.position, g.what) for g in rows] == [(1, "Use AI tools every week"), (3, "Learn Figma")]
    assert [g.id for g in rows] == [first[1], first[3]]  # progress recorded against them survives


def test_mentor_adds_what_they_want_to_learn_back(bot, pair):
    with bot.db.session() as s:
        s.add(Goal(team_id="T0001", pair_id=pair.id, role="mentee", position=1, author_user_id=ANA,
                   what="Use AI tools"))
    view = open_via_command(bot, BEN)
    assert view["title"]["text"] == "Learning back" and view["private_metadata"] == f"{pair.id}:mentor"
    assert "Their goals: 1. Use AI tools" in str(view["blocks"])

    status, _, body = bot.slack.view_submission(BEN, view, values_from_view(view))
    assert body == {"response_action": "errors",
                    "errors": {slot(LB, 1): "Add at least one thing you'd like to learn back."}}

    values = values_from_view(view, {slot(LB, 1): plain("How senior people decide on hiring"),
                                     slot(LB, 2): plain("Negotiating budgets")})
    status, _, body = bot.slack.view_submission(BEN, view, values)
    assert status == 200 and not body
    post = bot.wait_until(lambda: posts(bot), what="the learn-back post")[0]
    assert post.params["channel"] == "G0PAIR"
    assert post.params["text"].startswith("What <@U0BEN> would like to learn back: How senior people")
    assert [(g.role, g.position, g.author_user_id, g.what) for g in goals(bot)] == [
        ("mentee", 1, ANA, "Use AI tools"),
        ("mentor", 1, BEN, "How senior people decide on hiring"),
        ("mentor", 2, BEN, "Negotiating budgets"),
    ]


def test_someone_outside_the_pair_cannot_open_or_submit_its_goals(bot, pair):
    click_goals_button(bot, EVE, pair.id)
    reply = bot.fake.wait_for("response_url")[-1]
    assert reply.params["text"] == goals_words.OTHER_PAIR
    assert reply.params["response_type"] == "ephemeral"

    # A modal Eve forged from Ana's is refused at submission too.
    view = open_via_button(bot, ANA, pair.id)
    status, _, body = bot.slack.view_submission(EVE, view, values_from_view(view, {slot(W, 1): plain("Mine now")}))
    assert body == {"response_action": "errors", "errors": {slot(W, 1): goals_words.OTHER_PAIR}}

    click_goals_button(bot, ANA, "not-a-pair")
    assert bot.fake.wait_for("response_url", count=2)[-1].params["text"] == goals_words.PAIR_GONE
    time.sleep(0.2)
    assert len(bot.fake.calls_to("views.open")) == 1  # only Ana's own
    assert goals(bot) == [] and posts(bot) == []


def test_goals_without_an_active_pair(bot, pair):
    status, _, body = bot.slack.command(EVE, "goals")
    assert body["response_type"] == "ephemeral" and body["text"] == goals_words.NOT_SIGNED_UP

    view = open_via_button(bot, ANA, pair.id)
    with bot.db.session() as s:  # the pair ends while Ana has the modal open
        row = s.get(Pair, pair.id)
        row.status, row.ended_at, row.end_reason = "ended", NOW, "left"
        s.add(row)
    status, _, body = bot.slack.view_submission(ANA, view, values_from_view(view, {slot(W, 1): plain("Learn")}))
    assert body == {"response_action": "errors", "errors": {slot(W, 1): goals_words.PAIR_ENDED}}

    status, _, body = bot.slack.command(ANA, "goals")
    assert body["text"] == goals_words.NOT_MATCHED
    click_goals_button(bot, ANA, pair.id)
    assert bot.fake.wait_for("response_url")[-1].params["text"] == goals_words.PAIR_ENDED
    time.sleep(0.2)
    assert goals(bot) == [] and posts(bot) == []
