"""The program settings modal (`/mentoring settings` in the admin channel) and what the admin
channel is told when they change. Pure functions; the values are checked by
bot/services/workspace_settings.py, as on the command line."""

from __future__ import annotations

from bot.blocks.common import esc, input_block, modal, option, plain, section, user
from bot.services import workspace_settings as ws
from bot.slack.ids import SettingsBlock as B
from bot.slack.ids import View
from storage.models import ProgramSettings

DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
CADENCE_LABELS = {"weekly": "Every week", "biweekly": "Every two weeks"}

# Each option's first block: where a problem with it is shown.
OPTION_BLOCK = {
    "length_weeks": B.LENGTH, "cadence": B.CADENCE, "nudge": B.NUDGE_DAY, "feedback": B.FEEDBACK_DAY,
    "reminder_after_days": B.REMINDER, "quiet_cycles": B.QUIET, "digest": B.DIGEST_DAY,
    "digest_timezone": B.DIGEST_TZ, "max_tz_diff_hours": B.MAX_TZ, "allow_same_department": B.SAME_DEPT,
}


def _number(value, low, high, *, decimal: bool = False) -> dict:
    return {"type": "number_input", "is_decimal_allowed": decimal, "initial_value": f"{value:g}",
            "min_value": str(low), "max_value": str(high)}


def _select(options: list[tuple[str, str]], current: str) -> dict:
    opts = [option(label, value) for value, label in options]
    el = {"type": "static_select", "options": opts}
    chosen = next((o for o in opts if o["value"] == current), None)
    if chosen:
        el["initial_option"] = chosen
    return el


def _day(weekday: int) -> dict:
    return _select([(ws.WEEKDAYS[i], DAYS[i]) for i in range(7)], ws.WEEKDAYS[weekday] if 0 <= weekday <= 6 else "")


def _time(at: str) -> dict:
    return {"type": "timepicker", "initial_time": at}


def build_settings_modal(row: ProgramSettings) -> dict:
    cadence = {1: "weekly", 2: "biweekly"}.get(row.cadence_weeks, "weekly")
    blocks = [
        section("The program's rhythm and matching rules for everyone in this workspace. Changes apply to "
                "prompts not sent yet; nothing already sent goes out again."),
        input_block(B.LENGTH, "Program length (weeks)", _number(row.length_weeks, ws.MIN_LENGTH_WEEKS,
                                                                 ws.MAX_LENGTH_WEEKS),
                    hint=f"How long each pair's program runs: {ws.MIN_LENGTH_WEEKS} to {ws.MAX_LENGTH_WEEKS} weeks."),
        input_block(B.CADENCE, "How often pairs meet", _select(list(CADENCE_LABELS.items()), cadence)),
        input_block(B.NUDGE_DAY, "Nudge to meet: day", _day(row.nudge_weekday)),
        input_block(B.NUDGE_TIME, "Nudge to meet: time", _time(row.nudge_time),
                    hint="In each pair's own time zone."),
        input_block(B.FEEDBACK_DAY, "How-did-it-go check-in: day", _day(row.feedback_weekday)),
        input_block(B.FEEDBACK_TIME, "How-did-it-go check-in: time", _time(row.feedback_time),
                    hint="In each pair's own time zone; a different slot from the nudge."),
        input_block(B.REMINDER, "Remind who hasn't checked in after (days)",
                    _number(row.reminder_after_days, 0, ws.MAX_REMINDER_AFTER_DAYS), hint="0: no reminder."),
        input_block(B.QUIET, "Flag a pair after this many cycles without a meeting",
                    _number(row.quiet_cycles, ws.MIN_QUIET_CYCLES, ws.MAX_QUIET_CYCLES)),
        input_block(B.DIGEST_DAY, "Admins' weekly report: day", _day(row.digest_weekday)),
        input_block(B.DIGEST_TIME, "Admins' weekly report: time", _time(row.digest_time)),
        input_block(B.DIGEST_TZ, "Time zone of the weekly report",
                    {"type": "plain_text_input", "initial_value": row.digest_timezone, "max_length": 64},
                    hint="A time zone name such as Europe/London or America/New_York."),
        input_block(B.MAX_TZ, "Largest time-zone gap within a pair (hours)",
                    _number(row.max_tz_diff_hours, 0, ws.MAX_TZ_DIFF_HOURS, decimal=True)),
        input_block(B.SAME_DEPT, "May a pair work in the same department?",
                    {"type": "radio_buttons", "options": [option("Yes", "yes"), option("No", "no")],
                     "initial_option": option("Yes", "yes") if row.allow_same_department else option("No", "no")}),
    ]
    view = modal(View.SETTINGS, "Program settings", blocks, submit="Save")
    view["close"] = plain("Cancel")
    return view


def field_errors(problems: list[str]) -> dict[str, str]:
    """The service's problems (worded for the command line, each naming its --option) as the
    modal's field errors, each on its setting's block."""
    errors: dict[str, str] = {}
    for problem in problems:
        block, text = B.LENGTH, problem
        for name, blk in OPTION_BLOCK.items():
            flag = ws.flag(name)
            if problem.startswith(flag + " ") or problem.startswith(flag + ":"):
                block, text = blk, problem[len(flag):].lstrip(" :")
                break
        text = text[:1].upper() + text[1:]
        text = esc(text)
        errors[block] = f"{errors[block]} {text}" if block in errors else text
    return errors


def settings_changed(*, user_id: str, row: ProgramSettings, changed: tuple[str, ...]) -> str:
    """For the admin channel."""
    if not changed:
        return f"{user(user_id)} saved the program settings; nothing changed."
    labels = {name: label for name, _, label in ws.OPTIONS}
    lines = [f"• {labels[o][:1].upper()}{labels[o][1:]}: *{esc(ws.value_label(row, o))}*" for o in changed]
    tail = ""
    if set(changed) & set(ws.RHYTHM_OPTIONS):
        tail = "\nPrompts not sent yet follow the new rhythm; those already sent stay as they were."
    return f"{user(user_id)} changed the program settings:\n" + "\n".join(lines) + tail


NOT_AN_ADMIN = "Only program admins can change the program settings. Nothing was changed."
