"""`/mentoring settings` in the admin channel: the program settings in a modal, checked as
`python -m bot settings` checks them; a bad value gets a field error and changes nothing."""

from __future__ import annotations

from bot.blocks import settings as words
from bot.services import workspace_settings
from bot.slack.ids import SettingsBlock as B
from bot.slack.ids import View
from storage.models import ProgramSettings
from tests.support.harness import ADMIN_CHANNEL, TEAM
from tests.support.slackreq import number, plain, radio, static, time_, values_from_view

ADMIN = "U0ADM"


def open_settings(bot, user=ADMIN) -> dict:
    before = len(bot.fake.calls_to("views.open"))
    status, _, body = bot.slack.command(user, "settings", channel_id=ADMIN_CHANNEL)
    assert status == 200 and not body
    return bot.fake.wait_for("views.open", count=before + 1)[-1].json("view")


def stored(bot) -> dict:
    return workspace_settings.get(bot.db, team_id=TEAM).model_dump()


def test_an_admin_changes_the_settings_in_a_modal_and_bad_values_change_nothing(bot_on):
    bot = bot_on
    bot.fake.add_user(ADMIN, "Ada Admin")
    bot.fake.add_user("U0NOBODY", "No Body")
    bot.fake.set_channel_members(ADMIN_CHANNEL, [ADMIN])
    view = open_settings(bot)
    assert view["callback_id"] == View.SETTINGS
    prefilled = values_from_view(view)
    assert prefilled[B.LENGTH][B.LENGTH]["value"] == "12"
    assert prefilled[B.NUDGE_DAY][B.NUDGE_DAY]["selected_option"]["value"] == "Mon"
    assert prefilled[B.NUDGE_TIME][B.NUDGE_TIME]["selected_time"] == "10:00"
    before = stored(bot)

    bad = values_from_view(view, {
        B.LENGTH: number(3), B.DIGEST_TZ: plain("Europe/Londn"), B.MAX_TZ: number("13"),
        B.FEEDBACK_DAY: static("Mon"), B.FEEDBACK_TIME: time_("10:00"),
    })
    status, _, body = bot.slack.view_submission(ADMIN, view, bad)
    assert body["response_action"] == "errors"
    errors = body["errors"]
    assert set(errors) == {B.LENGTH, B.DIGEST_TZ, B.MAX_TZ, B.FEEDBACK_DAY}
    assert errors[B.LENGTH] == "Must be a whole number from 4 to 52 (got '3')"
    assert "did you mean 'Europe/London'?" in errors[B.DIGEST_TZ]
    assert errors[B.MAX_TZ].startswith("Must be a number of hours from 0 to 12")
    assert "same slot as the nudge" in errors[B.FEEDBACK_DAY]
    assert not any("--" in e for e in errors.values())
    assert stored(bot) == before

    good = values_from_view(view, {
        B.LENGTH: number(16), B.CADENCE: static("biweekly"), B.FEEDBACK_DAY: static("Thu"),
        B.FEEDBACK_TIME: time_("16:30"), B.DIGEST_TZ: plain("europe/paris"), B.SAME_DEPT: radio("yes"),
        B.MAX_TZ: number("4.5"),
    })
    status, _, body = bot.slack.view_submission(ADMIN, view, good)
    assert status == 200 and not body
    after = stored(bot)
    assert (after["length_weeks"], after["cadence_weeks"], after["feedback_weekday"], after["feedback_time"],
            after["digest_timezone"], after["allow_same_department"], after["max_tz_diff_hours"]) == \
        (16, 2, 3, "16:30", "Europe/Paris", True, 4.5)
    note = bot.wait_until(lambda: [c for c in bot.fake.calls_to("chat.postMessage")
                                   if c.params["channel"] == ADMIN_CHANNEL], what="the admins told")
    assert len(note) == 1 and note[0].params["text"].startswith(f"<@{ADMIN}> changed the program settings:")
    assert "*16 weeks*" in note[0].params["text"] and "*biweekly*" in note[0].params["text"]

    # The modal shows the new values next time; someone not an admin can't save it.
    again = open_settings(bot)
    assert values_from_view(again)[B.LENGTH][B.LENGTH]["value"] == "16"
    status, _, body = bot.slack.view_submission("U0NOBODY", again, values_from_view(again, {B.LENGTH: number(5)}))
    assert body == {"response_action": "errors", "errors": {B.LENGTH: words.NOT_AN_ADMIN}}
    assert stored(bot) == after


def test_settings_is_for_admins_in_the_admin_channel(bot):
    bot.fake.add_user(ADMIN, "Ada Admin")
    bot.fake.add_user("U0NOBODY", "No Body")
    bot.fake.set_channel_members(ADMIN_CHANNEL, [ADMIN])
    for user, channel, expected in (("U0NOBODY", ADMIN_CHANNEL, "Only program admins can do that"),
                                    (ADMIN, "C0GENERAL", "`/mentoring settings` only works in the program's admin")):
        before = len(bot.fake.calls_to("response_url"))
        bot.slack.command(user, "settings", channel_id=channel)
        reply = bot.fake.wait_for("response_url", count=before + 1)[-1].params
        assert reply["text"].startswith(expected)
    assert not bot.fake.calls_to("views.open")
    with bot.db.session() as s:
        assert s.get(ProgramSettings, TEAM) is None
