"""Pure builders and validators of goals and check-ins."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

from bot.blocks.checkins import build_checkin_modal, build_checkin_thanks
from bot.blocks.goals import build_goals_modal, build_goals_posted
from bot.domain.schedule import add_months
from bot.slack.forms import parse_checkin_submission, parse_goals_submission
from bot.slack.ids import CheckinBlock, GoalBlock, View, parse_goals_metadata
from tests.support.fakeslack import check_view
from tests.support.slackreq import date as date_value
from tests.support.slackreq import plain, radio, static, values_from_view

TODAY = date(2026, 3, 2)
W, WHY, M, T = GoalBlock.WHAT, GoalBlock.WHY, GoalBlock.MEASURE, GoalBlock.TARGET
slot = GoalBlock.slot


def goal(id, what, role="mentee", position=1, **kw):
    return SimpleNamespace(id=id, what=what, role=role, position=position, why=kw.get("why", ""),
                           measure=kw.get("measure", ""), target_date=kw.get("target_date"))


def mentee_values(overrides):
    view = build_goals_modal(pair_id=7, role="mentee", partner_id="U0BEN", goals=[])
    return values_from_view(view, overrides)


def test_goals_modal_for_the_mentee_is_within_slack_limits_and_prefills():
    goals = [goal(1, "Use AI for updates", why="Save time", measure="Weekly", target_date=date(2026, 6, 1)),
             goal(2, "Post on LinkedIn", position=3)]
    view = build_goals_modal(pair_id=7, role="mentee", partner_id="U0BEN", goals=goals)
    assert check_view(view) == []
    assert view["callback_id"] == View.GOALS and view["private_metadata"] == "7:mentee"
    values = values_from_view(view)
    assert values[slot(W, 1)][slot(W, 1)]["value"] == "Use AI for updates"
    assert values[slot(T, 1)][slot(T, 1)]["selected_date"] == "2026-06-01"
    assert values[slot(W, 2)][slot(W, 2)]["value"] is None
    assert values[slot(W, 3)][slot(W, 3)]["value"] == "Post on LinkedIn"
    required = [b["block_id"] for b in view["blocks"] if b["type"] == "input" and not b["optional"]]
    assert required == [slot(W, 1)]


def test_goals_modal_for_the_mentor_asks_what_to_learn_back():
    view = build_goals_modal(pair_id=7, role="mentor", partner_id="U0ANA", goals=[],
                             partner_goals=[goal(1, "Use AI for updates")])
    assert check_view(view) == []
    assert view["title"]["text"] == "Learning back"
    assert parse_goals_metadata(view["private_metadata"]) == (7, "mentor")
    assert "Use AI for updates" in str(view["blocks"])
    inputs = [b["block_id"] for b in view["blocks"] if b["type"] == "input"]
    assert inputs == [slot(GoalBlock.LEARN_BACK, n) for n in (1, 2, 3)]


def test_valid_mentee_goals_keep_their_slot_numbers():
    slots, errors = parse_goals_submission(mentee_values({
        slot(W, 1): plain("  Use   AI tools "), slot(WHY, 1): plain("Save time\nEvery week"),
        slot(T, 1): date_value("2027-03-02"),
        slot(W, 3): plain("Post on LinkedIn"),
    }), role="mentee", today=TODAY)
    assert errors == {}
    assert [(s.position, s.what) for s in slots] == [(1, "Use AI tools"), (3, "Post on LinkedIn")]
    assert slots[0].why == "Save time\nEvery week"
    assert slots[0].target_date == date(2027, 3, 2)


def test_goal_errors_are_field_errors():
    cases = [
        ({}, {slot(W, 1): "Start with your first goal: what would you like to get better at?"}),
        ({slot(W, 1): plain("A"), slot(WHY, 2): plain("because")},
         {slot(W, 2): "Say what this goal is, or clear its other fields to remove it."}),
        ({slot(W, 1): plain("A"), slot(T, 1): date_value("2026-03-02")}, {slot(T, 1): "Pick a date in the future."}),
        ({slot(W, 1): plain("A"), slot(T, 1): date_value("2027-03-03")},
         {slot(T, 1): "Pick a date within the next 12 months."}),
        ({slot(W, 1): plain("A"), slot(T, 1): date_value("2026-02-30")}, {slot(T, 1): "Pick a date from the calendar."}),
        ({slot(W, 1): plain("x" * 301)}, {slot(W, 1): "Keep it under 300 characters."}),
    ]
    for overrides, expected in cases:
        slots, errors = parse_goals_submission(mentee_values(overrides), role="mentee", today=TODAY)
        assert (slots, errors) == ([], expected), overrides


def test_mentor_needs_at_least_one_learn_back_item():
    view = build_goals_modal(pair_id=7, role="mentor", partner_id="U0ANA", goals=[])
    lb = GoalBlock.LEARN_BACK
    assert parse_goals_submission(values_from_view(view), role="mentor", today=TODAY) == \
        ([], {slot(lb, 1): "Add at least one thing you'd like to learn back."})
    slots, errors = parse_goals_submission(values_from_view(view, {slot(lb, 2): plain("Hiring")}),
                                           role="mentor", today=TODAY)
    assert errors == {} and [(s.position, s.what) for s in slots] == [(2, "Hiring")]


def test_add_months_clamps_to_the_month_end():
    assert add_months(date(2026, 3, 2), 12) == date(2027, 3, 2)
    assert add_months(date(2028, 2, 29), 12) == date(2029, 2, 28)


def test_goals_summary_message():
    msg = build_goals_posted(pair_id=7, role="mentee", author_id="U0ANA", updated=False,
                             goals=[goal(1, "Use AI", target_date=date(2026, 6, 1)), goal(2, "Post")])
    assert msg["text"] == "<@U0ANA>'s goals for this program: Use AI; Post"
    assert "1. *Use AI*" in msg["blocks"][0]["text"]["text"]
    assert "By Monday 1 June 2026" in msg["blocks"][0]["text"]["text"]
    updated = build_goals_posted(pair_id=7, role="mentor", author_id="U0BEN", updated=True, goals=[goal(3, "Hiring")])
    assert updated["text"].startswith("<@U0BEN> updated what they'd like to learn back")


def checkin_view(kind="checkin", goals=(), existing=None):
    return build_checkin_modal(pair_id=7, cycle=3, kind=kind, partner_name="Ben Okafor", goals=list(goals),
                               existing=existing)


def test_checkin_modal_has_one_progress_select_per_goal_and_prefills():
    goals = [goal(11, "Use AI"), goal(12, "Hiring", role="mentor")]
    existing = SimpleNamespace(met=True, usefulness=4, learned="Prompts", will_try="", blockers="No time",
                               share_blocker=True, goal_progress={"11": "on_track"}, overall_usefulness=None,
                               recommend=None, keep_meeting=None)
    view = checkin_view(goals=goals, existing=existing)
    assert check_view(view) == []
    assert view["private_metadata"] == "7:3:checkin" and view["title"]["text"] == "Check-in"
    values = values_from_view(view)
    assert values[CheckinBlock.MET][CheckinBlock.MET]["selected_option"]["value"] == "yes"
    assert values[CheckinBlock.USEFULNESS][CheckinBlock.USEFULNESS]["selected_option"]["value"] == "4"
    assert values[CheckinBlock.progress(11)][CheckinBlock.progress(11)]["selected_option"]["value"] == "on_track"
    assert values[CheckinBlock.progress(12)][CheckinBlock.progress(12)]["selected_option"] is None
    assert [o["value"] for o in values[CheckinBlock.SHARE_BLOCKER][CheckinBlock.SHARE_BLOCKER]
            ["selected_options"]] == ["share"]
    assert CheckinBlock.OVERALL not in values


def test_the_checkin_modal_says_truly_who_sees_what():
    view = checkin_view(goals=[])
    text = str(view["blocks"])
    assert "admins only see totals" not in text
    assert "never your words, unless you share a blocker with them" in text
    blocks = [b["block_id"] for b in view["blocks"] if b["type"] == "input"]
    assert blocks.index(CheckinBlock.SHARE_BLOCKER) == blocks.index(CheckinBlock.BLOCKERS) + 1
    share = next(b for b in view["blocks"] if b.get("block_id") == CheckinBlock.SHARE_BLOCKER)
    assert share["optional"] and share["element"]["type"] == "checkboxes"
    assert share["element"]["options"][0]["text"]["text"] == "Share this with the program team"


def test_checkin_validation():
    view = checkin_view(goals=[goal(11, "Use AI")])

    def parse(overrides, goal_ids=frozenset({11}), kind="checkin"):
        return parse_checkin_submission(values_from_view(view, overrides), kind=kind, goal_ids=set(goal_ids))

    assert parse({}) == ({}, {CheckinBlock.MET: "Let us know whether you met."})
    answers, errors = parse({CheckinBlock.MET: radio("yes")})  # "how useful" is optional, even after meeting
    assert errors == {} and answers["met"] is True and answers["usefulness"] is None
    answers, errors = parse({CheckinBlock.MET: radio("no"), CheckinBlock.BLOCKERS: plain(" Time ")})
    assert errors == {} and answers["met"] is False and answers["usefulness"] is None
    assert answers["blockers"] == "Time" and answers["goal_progress"] == {}
    answers, errors = parse({CheckinBlock.MET: radio("yes"), CheckinBlock.USEFULNESS: radio("5"),
                             CheckinBlock.progress(11): static("done")})
    assert errors == {} and answers["usefulness"] == 5 and answers["goal_progress"] == {"11": "done"}
    _, errors = parse({CheckinBlock.MET: radio("no"), CheckinBlock.progress(11): static("done")}, goal_ids={12})
    assert list(errors) == [CheckinBlock.progress(11)]


def test_final_survey_asks_about_the_whole_program():
    view = checkin_view(kind="final")
    assert check_view(view) == [] and view["title"]["text"] == "Final survey"
    labels = [b["label"]["text"] for b in view["blocks"] if b["type"] == "input"]
    assert labels[0] == "Did you and Ben Okafor meet during the program?"
    assert not any("this week" in label or label == "How useful was it?" for label in labels)
    assert checkin_view()["blocks"][2]["optional"] is True  # how useful: optional, as it says
    values = values_from_view(view, {CheckinBlock.MET: radio("no")})
    assert parse_checkin_submission(values, kind="final", goal_ids=set())[1] == {
        CheckinBlock.OVERALL: "Pick a number from 1 to 5.",
        CheckinBlock.RECOMMEND: "Pick yes, maybe or no.",
        CheckinBlock.KEEP_MEETING: "Pick one of the options.",
    }
    values = values_from_view(view, {CheckinBlock.MET: radio("no"), CheckinBlock.OVERALL: radio("4"),
                                     CheckinBlock.RECOMMEND: radio("maybe"), CheckinBlock.KEEP_MEETING: radio("yes")})
    answers, errors = parse_checkin_submission(values, kind="final", goal_ids=set())
    assert errors == {}
    assert (answers["overall_usefulness"], answers["recommend"], answers["keep_meeting"]) == (4, "maybe", "yes")


def test_checkin_thanks():
    assert build_checkin_thanks(name="Ana Silva", kind="checkin", met=True, updated=False, weekly=True) == \
        "Thanks, Ana, noted. See you next week."
    assert "updated" in build_checkin_thanks(name=None, kind="checkin", met=True, updated=True, weekly=True)
    assert "final survey" in build_checkin_thanks(name="Ana", kind="final", met=False, updated=False, weekly=True)
