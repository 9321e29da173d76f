"""Modals and buttons into typed inputs: `view.state.values` becomes a `ProfileInput`, a list of
`GoalSlot`s or `CheckinAnswers`, with a field error (keyed by block_id, in the person's words)
for each problem; a button's value or a modal's metadata becomes the thing it names.

Services only ever see what comes out of here, never a Slack payload. Each `parse_*` returns
`(input, errors)`: the input is empty whenever `errors` isn't, so a bad form changes nothing.
"""

from __future__ import annotations

import re
import uuid
from datetime import date

from bot.blocks.checkins import KEEP_MEETING, PROGRESS, RECOMMEND, SHARE, USEFULNESS, YES
from bot.blocks.steering import END_NO_REASON, END_NOTE_TOO_LONG
from bot.domain import catalog
from bot.domain.schedule import add_months
from bot.domain.skills import SkillCatalog
from bot.services.checkins import CheckinAnswers, CheckinTarget
from bot.services.onboarding import ProfileInput
from bot.slack.ids import (
    CheckinBlock,
    EndBlock,
    GoalBlock,
    JoinBlock,
    SettingsBlock,
    parse_checkin_button_value,
    parse_goals_metadata,
)
from storage.models import CHECKIN_FINAL, GOAL_MENTEE, GOAL_MENTOR
from storage.repositories.goals import GoalSlot

# --- reading state ------------------------------------------------------------------------


def state_values(view: dict) -> dict:
    """`view.state.values`, or {} when the payload doesn't have that shape."""
    state = view.get("state") if isinstance(view, dict) else None
    values = state.get("values") if isinstance(state, dict) else None
    return values if isinstance(values, dict) else {}


def view_id(view: dict) -> str:
    """The ID Slack gave the modal (the same in a submission and in Slack's retries of it)."""
    vid = view.get("id") if isinstance(view, dict) else None
    return vid if isinstance(vid, str) and vid else f"unknown-{uuid.uuid4().hex}"


# Every reader below takes whatever Slack (or a forger) sent: a value of the wrong type counts as
# no answer, so a malformed payload gets field errors, never an exception.

def _element(values: dict, block_id: str) -> dict:
    """The state of the block's input (its action_id equals its block_id in every modal)."""
    block = values.get(block_id) if isinstance(values, dict) else None
    element = block.get(block_id) if isinstance(block, dict) else None
    return element if isinstance(element, dict) else {}


def _value_of(option) -> str | None:
    value = option.get("value") if isinstance(option, dict) else None
    return value if isinstance(value, str) else None


def _selected(values: dict, block_id: str) -> str | None:
    return _value_of(_element(values, block_id).get("selected_option"))


def _multi(values: dict, block_id: str) -> list[str]:
    options = _element(values, block_id).get("selected_options")
    return [v for v in map(_value_of, options if isinstance(options, list) else []) if v is not None]


def _raw_text(values: dict, block_id: str) -> str:
    """A text input's value as typed, without NUL characters (which PostgreSQL can't store)."""
    value = _element(values, block_id).get("value")
    return value.replace("\x00", "") if isinstance(value, str) else ""


def _text(values: dict, block_id: str) -> str:
    """A text input's value, trimmed; runs of spaces inside a line collapse to one."""
    lines = [" ".join(line.split()) for line in _raw_text(values, block_id).strip().splitlines()]
    return "\n".join(lines)


# --- buttons and metadata -----------------------------------------------------------------


def clicked_value(body: dict) -> str | None:
    """The value of the button a block_actions payload is about."""
    actions = body.get("actions") if isinstance(body, dict) else None
    return _value_of(actions[0]) if isinstance(actions, list) and actions else None


def positive_int(value: str | None) -> int | None:
    """A button's value naming a pair or a round (plain ASCII digits), or None when it names none."""
    if not isinstance(value, str) or not value.isascii() or not value.isdigit():
        return None
    n = int(value)
    return n if n > 0 else None


def checkin_target(value: str | None) -> CheckinTarget | None:
    """A feedback prompt's button value, or the check-in modal's metadata."""
    parsed = parse_checkin_button_value(value or "")
    return CheckinTarget(*parsed) if parsed else None


def goals_target(private_metadata: str | None) -> tuple[int | None, str]:
    """(pair id, role) the goals modal was opened for; (None, mentee) when unreadable."""
    meta = parse_goals_metadata(private_metadata)
    if meta is None:
        return None, GOAL_MENTEE
    pair_id, role = meta
    return pair_id, role if role in (GOAL_MENTEE, GOAL_MENTOR) else GOAL_MENTEE


def first_goal_block(role: str) -> str:
    """Where a refusal shows in the goals modal: on its first input."""
    return GoalBlock.slot(GoalBlock.WHAT if role == GOAL_MENTEE else GoalBlock.LEARN_BACK, 1)


# --- the join modal -----------------------------------------------------------------------


def _contradictions(side: str, share: list[str], learn: list[str], skills: SkillCatalog) -> dict[str, str]:
    """A profile that contradicts itself: the same skill to share and to learn, or a side whose
    skills say the other side. Field errors that say what to change."""
    share_set, learn_set = set(share), set(learn)
    if share_set and share_set == learn_set:
        return {JoinBlock.SKILLS_LEARN: "You picked the same skills to share and to learn. Keep each skill in one "
                                        "list: share what you know, learn what you don't."}
    both = [k for k in learn if k in share_set]
    if both:
        labels = [skills.label(k) for k in both]
        listed = labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " and " + labels[-1]
        return {JoinBlock.SKILLS_LEARN: f"You picked {listed} to share and to learn: keep "
                                        f"{'it' if len(both) == 1 else 'each'} in one list."}

    def digital(keys) -> bool:
        return any((s := skills.get(k)) is not None and s.group == catalog.DIGITAL for k in keys)

    def leadership(keys) -> bool:
        return any((s := skills.get(k)) is not None and s.group == catalog.LEADERSHIP for k in keys)

    if side == catalog.MENTEE and learn and not digital(learn):
        if digital(share) and leadership(learn):
            return {JoinBlock.SIDE: "You offer digital skills and want to learn leadership ones: that's a reverse "
                                    "mentor. Pick \"I'll share digital skills\", or \"Both\" to do both."}
        return {JoinBlock.SKILLS_LEARN: "Pick at least one digital skill to learn: leadership know-how is what "
                                        "you share back."}
    if side == catalog.MENTOR and share and not digital(share):
        if digital(learn) and leadership(share):
            return {JoinBlock.SIDE: "You offer leadership know-how and want to learn digital skills: that's the "
                                    "learning side. Pick \"I want to learn digital skills\", or \"Both\" to do "
                                    "both."}
        return {JoinBlock.SKILLS_SHARE: "Pick at least one digital skill you can share: reverse mentors share "
                                        "digital skills, and learn leadership know-how back."}
    return {}


def parse_join_submission(values: dict, *, skills: SkillCatalog | None = None,
                          kept=()) -> tuple[ProfileInput | None, dict[str, str]]:
    """The join modal -> a ProfileInput, or field errors keyed by block_id. `skills`: the
    workspace's catalog (default: the built-in one); `kept`: the skills already on the person's
    profile (a retired one may stay)."""
    errors: dict[str, str] = {}
    skills = skills or SkillCatalog.builtin()

    side = _selected(values, JoinBlock.SIDE)
    if side not in catalog.SIDES:
        errors[JoinBlock.SIDE] = "Choose how you'd like to take part."

    share = _multi(values, JoinBlock.SKILLS_SHARE)
    learn = _multi(values, JoinBlock.SKILLS_LEARN)
    if any(not skills.choosable(k, kept=kept) for k in share):
        errors[JoinBlock.SKILLS_SHARE] = "Pick skills from the list."
    if any(not skills.choosable(k, kept=kept) for k in learn):
        errors[JoinBlock.SKILLS_LEARN] = "Pick skills from the list."
    if side in (catalog.MENTOR, catalog.EITHER) and not share and JoinBlock.SKILLS_SHARE not in errors:
        errors[JoinBlock.SKILLS_SHARE] = "Pick at least one skill you can share with your partner."
    if side in (catalog.MENTEE, catalog.EITHER) and not learn and JoinBlock.SKILLS_LEARN not in errors:
        errors[JoinBlock.SKILLS_LEARN] = "Pick at least one skill you'd like to learn."

    if JoinBlock.SKILLS_SHARE not in errors and JoinBlock.SKILLS_LEARN not in errors and side in catalog.SIDES:
        errors.update(_contradictions(side, share, learn, skills))

    raw_years = _raw_text(values, JoinBlock.SENIORITY).strip()
    years = -1
    try:
        years = int(raw_years)
    except ValueError:
        pass
    if not 0 <= years <= catalog.MAX_SENIORITY_YEARS:
        errors[JoinBlock.SENIORITY] = (
            f"Enter your years of work experience as a whole number from 0 to {catalog.MAX_SENIORITY_YEARS}."
        )

    department = " ".join(_raw_text(values, JoinBlock.DEPARTMENT).split())
    if not department:
        errors[JoinBlock.DEPARTMENT] = "Tell us your department so we can pair you across teams."
    elif len(department) > catalog.MAX_DEPARTMENT_LEN:
        errors[JoinBlock.DEPARTMENT] = f"Keep it under {catalog.MAX_DEPARTMENT_LEN} characters."

    mode = _selected(values, JoinBlock.MEETING_MODE) or "video"
    if mode not in catalog.MEETING_MODES:
        errors[JoinBlock.MEETING_MODE] = "Pick one of the options."
    frequency = _selected(values, JoinBlock.FREQUENCY) or "weekly"
    if frequency not in catalog.FREQUENCIES:
        errors[JoinBlock.FREQUENCY] = "Pick one of the options."

    intro = _raw_text(values, JoinBlock.INTRO).strip()
    if len(intro) > catalog.MAX_INTRO_LEN:
        errors[JoinBlock.INTRO] = f"Keep your intro under {catalog.MAX_INTRO_LEN} characters."

    if errors:
        return None, errors
    return ProfileInput(
        side=side,
        skills_share=sorted(set(share)),
        skills_learn=sorted(set(learn)),
        seniority_years=years,
        department=department,
        meeting_mode=mode,
        meeting_frequency=frequency,
        intro=intro,
    ), {}


# --- the goals modal ----------------------------------------------------------------------


def parse_goals_submission(values: dict, *, role: str, today: date) -> tuple[list[GoalSlot], dict[str, str]]:
    """The goals modal -> the filled slots (slot numbers kept), or field errors keyed by block_id.
    `today` is the person's local date: a target date must be after it, within 12 months."""
    errors: dict[str, str] = {}
    slots: list[GoalSlot] = []
    if role == GOAL_MENTOR:
        for n in range(1, catalog.MAX_GOALS + 1):
            bid = GoalBlock.slot(GoalBlock.LEARN_BACK, n)
            what = _text(values, bid)
            if len(what) > catalog.MAX_LEARN_BACK:
                errors[bid] = f"Keep it under {catalog.MAX_LEARN_BACK} characters."
            elif what:
                slots.append(GoalSlot(position=n, what=what))
        if not slots and not errors:
            errors[GoalBlock.slot(GoalBlock.LEARN_BACK, 1)] = "Add at least one thing you'd like to learn back."
        return ([] if errors else slots), errors

    latest = add_months(today, 12)
    for n in range(1, catalog.MAX_GOALS + 1):
        b_what, b_why = GoalBlock.slot(GoalBlock.WHAT, n), GoalBlock.slot(GoalBlock.WHY, n)
        b_measure, b_target = GoalBlock.slot(GoalBlock.MEASURE, n), GoalBlock.slot(GoalBlock.TARGET, n)
        what, why, measure = _text(values, b_what), _text(values, b_why), _text(values, b_measure)
        raw_target = _element(values, b_target).get("selected_date") or None
        raw_target = raw_target if isinstance(raw_target, str) else ("?" if raw_target else None)
        target: date | None = None
        if raw_target:
            try:
                target = date.fromisoformat(raw_target)
            except ValueError:
                errors[b_target] = "Pick a date from the calendar."
            else:
                if target <= today:
                    errors[b_target] = "Pick a date in the future."
                elif target > latest:
                    errors[b_target] = "Pick a date within the next 12 months."
        if not what:
            if n == 1:
                errors[b_what] = "Start with your first goal: what would you like to get better at?"
            elif why or measure or raw_target:
                errors[b_what] = "Say what this goal is, or clear its other fields to remove it."
            continue
        for bid, value, limit in ((b_what, what, catalog.MAX_GOAL_WHAT), (b_why, why, catalog.MAX_GOAL_WHY),
                                  (b_measure, measure, catalog.MAX_GOAL_MEASURE)):
            if len(value) > limit:
                errors[bid] = f"Keep it under {limit} characters."
        slots.append(GoalSlot(position=n, what=what, why=why, measure=measure, target_date=target))
    return ([] if errors else slots), errors


# --- the check-in modal -------------------------------------------------------------------


def parse_checkin_submission(values: dict, *, kind: str,
                             goal_ids: set[int]) -> tuple[CheckinAnswers, dict[str, str]]:
    """The check-in (or final survey) modal -> answers, or field errors keyed by block_id.
    `goal_ids`: the pair's goals now, which progress may be reported on."""
    errors: dict[str, str] = {}
    met_raw = _selected(values, CheckinBlock.MET)
    if met_raw not in ("yes", "no"):
        errors[CheckinBlock.MET] = "Let us know whether you met."
    met = met_raw == YES

    usefulness = _selected(values, CheckinBlock.USEFULNESS)
    if usefulness is not None and usefulness not in USEFULNESS:  # optional: skipping it is fine
        errors[CheckinBlock.USEFULNESS] = "Pick a number from 1 to 5."

    texts = {}
    for name, bid in (("learned", CheckinBlock.LEARNED), ("will_try", CheckinBlock.WILL_TRY),
                      ("blockers", CheckinBlock.BLOCKERS)):
        value = _raw_text(values, bid).strip()
        if len(value) > catalog.MAX_CHECKIN_TEXT:
            errors[bid] = f"Keep it under {catalog.MAX_CHECKIN_TEXT} characters."
        texts[name] = value

    progress: dict[str, str] = {}
    for bid in values:
        if not isinstance(bid, str) or not bid.startswith(CheckinBlock.PROGRESS_PREFIX):
            continue
        try:
            goal_id = int(bid[len(CheckinBlock.PROGRESS_PREFIX):])
        except ValueError:
            goal_id = None
        key = _selected(values, bid)
        if goal_id not in goal_ids:
            errors[bid] = ("That goal isn't one of your pair's goals any more. Close this and "
                           "open the check-in again to see the current list.")
        elif key is not None and key not in PROGRESS:
            errors[bid] = "Pick one of the options."
        elif key is not None:
            progress[str(goal_id)] = key

    # Shared only when ticked and there is something to share.
    share = SHARE in _multi(values, CheckinBlock.SHARE_BLOCKER) and bool(texts["blockers"])
    answers = CheckinAnswers(met=met, usefulness=int(usefulness) if met and usefulness in USEFULNESS else None,
                             goal_progress=progress, share_blocker=share, **texts)
    if kind == CHECKIN_FINAL:
        overall = _selected(values, CheckinBlock.OVERALL)
        recommend = _selected(values, CheckinBlock.RECOMMEND)
        keep = _selected(values, CheckinBlock.KEEP_MEETING)
        if overall not in USEFULNESS:
            errors[CheckinBlock.OVERALL] = "Pick a number from 1 to 5."
        if recommend not in RECOMMEND:
            errors[CheckinBlock.RECOMMEND] = "Pick yes, maybe or no."
        if keep not in KEEP_MEETING:
            errors[CheckinBlock.KEEP_MEETING] = "Pick one of the options."
        answers.update(overall_usefulness=int(overall) if overall in USEFULNESS else None,
                       recommend=recommend, keep_meeting=keep)
    return (CheckinAnswers() if errors else answers), errors


# --- admin commands and the end-a-pair modal ----------------------------------------------

_MENTION = re.compile(r"^<@([UW][A-Z0-9]{1,30})(?:\|[^>]*)?>$")


def mentioned_user(word: str | None) -> str | None:
    """The Slack user ID in a command's `<@U123|name>` (Slack escapes @mentions that way), or None."""
    m = _MENTION.match(word or "")
    return m.group(1) if m else None


def slack_user_id(value: str | None) -> str | None:
    """A button's value naming a person (a Slack user ID), or None."""
    if isinstance(value, str) and value[:1] in ("U", "W") and value.isascii() and value.isalnum() \
            and len(value) <= 32:
        return value
    return None


def parse_end_submission(values: dict, *, reasons, max_note: int) -> tuple[tuple[str, str] | None, dict[str, str]]:
    """(reason key, note) from the end-a-pair modal, or field errors."""
    errors: dict[str, str] = {}
    reason = _selected(values, EndBlock.REASON)
    if reason not in reasons:
        errors[EndBlock.REASON] = END_NO_REASON
    note = _raw_text(values, EndBlock.NOTE).strip()
    if len(note) > max_note:
        errors[EndBlock.NOTE] = END_NOTE_TOO_LONG
    return (None, errors) if errors else ((reason, note), {})


def parse_settings_submission(values: dict) -> dict[str, str]:
    """The settings modal as the command line's options (bot/services/workspace_settings.py
    `update_settings` checks them): each value as text, None where the field is empty."""

    def number(block: str) -> str:
        value = _element(values, block).get("value")
        return value.strip() if isinstance(value, str) else ""

    def slot(day_block: str, time_block: str) -> str:
        day = _selected(values, day_block)
        at = _element(values, time_block).get("selected_time")
        return f"{day or ''} {at if isinstance(at, str) else ''}".strip()

    return {
        "length_weeks": number(SettingsBlock.LENGTH),
        "cadence": _selected(values, SettingsBlock.CADENCE) or "",
        "nudge": slot(SettingsBlock.NUDGE_DAY, SettingsBlock.NUDGE_TIME),
        "feedback": slot(SettingsBlock.FEEDBACK_DAY, SettingsBlock.FEEDBACK_TIME),
        "reminder_after_days": number(SettingsBlock.REMINDER),
        "quiet_cycles": number(SettingsBlock.QUIET),
        "digest": slot(SettingsBlock.DIGEST_DAY, SettingsBlock.DIGEST_TIME),
        "digest_timezone": _raw_text(values, SettingsBlock.DIGEST_TZ).strip(),
        "max_tz_diff_hours": number(SettingsBlock.MAX_TZ),
        "allow_same_department": _selected(values, SettingsBlock.SAME_DEPT) or "",
    }
