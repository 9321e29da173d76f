"""The App Home tab: an admin's program dashboard, and a participant's own program (their pair,
goals with progress, the next prompt, their check-ins, and the buttons to pause, resume or edit).
Pure functions."""

from __future__ import annotations

from datetime import date

from bot.blocks.checkins import PROGRESS, USEFULNESS
from bot.blocks.common import (
    actions,
    button,
    context,
    divider,
    esc,
    fmt_day,
    header,
    option,
    plain,
    section,
    truncate,
    user,
)
from bot.blocks.onboarding import build_home_view, profile_lines, standing_text
from bot.blocks.report import attention_blocks, figure_lines
from bot.domain.schedule import CLOSING, FEEDBACK, FINAL_SURVEY, NUDGE, REMINDER, SURVEY_REMINDER
from bot.services.home import PairView, ParticipantHome
from bot.services.report import Report
from bot.slack.ids import COMMAND, Action, Sub
from storage.models import CHECKIN_FINAL, GOAL_MENTEE, PARTICIPANT_LEFT, PARTICIPANT_PAUSED

HOME_ATTENTION_SHOWN = 12
HEADLINES = ("Pairs", "Met at least once", "Met in the last session", "Check-ins answered", "Usefulness",
             "Pair health")
PROMPT_WORDS = {NUDGE: "the nudge to meet, with a topic", FEEDBACK: "the check-in prompt",
                REMINDER: "a check-in reminder", FINAL_SURVEY: "the final survey",
                SURVEY_REMINDER: "a final survey reminder", CLOSING: "the closing message"}
PAUSE_CHOICES = {"1w": "1 week", "2w": "2 weeks", "1 month": "1 month", "": "Until I'm back"}


def _pair_blocks(p: PairView) -> list[dict]:
    lines = [f"*Your {p.partner_role}: {user(p.partner_id)}*"]
    if not p.introduced:
        lines.append("Your introduction is on its way.")
    else:
        lines.append(f"Session {min(max(p.session, 1), p.sessions)} of {p.sessions}" if p.session
                     else "Your first session starts soon.")
        if p.next_prompt is not None:
            lines.append(f"Next from me: {PROMPT_WORDS.get(p.next_prompt.kind, 'a prompt')}, "
                         f"{p.next_prompt.at:%a %d %b, %H:%M} ({p.next_prompt.zone}).")
    blocks = [section("\n".join(lines))]
    mentee = [g for g in p.goals if g.role == GOAL_MENTEE]
    back = [g for g in p.goals if g.role != GOAL_MENTEE]
    goal_lines = []
    for title, goals in (("Goals", mentee), ("Learning back", back)):
        if goals:
            goal_lines.append(f"*{title}*")
            goal_lines += [f"• {esc(truncate(g.what, 150))}: {PROGRESS.get(g.progress, 'no progress reported yet').lower()}"
                           for g in goals]
    if not goal_lines:
        goal_lines = [f"No goals yet: `{COMMAND} {Sub.GOALS}` sets them."]
    blocks.append(section("\n".join(goal_lines)))
    if p.my_checkins:
        done = []
        for c in p.my_checkins:
            what = "final survey" if c.kind == CHECKIN_FINAL else f"session {c.cycle}"
            rating = f", {USEFULNESS[str(c.usefulness)].split(' ')[0]}/5" if c.usefulness else ""
            done.append(f"{what}: {'met' if c.met else 'no meeting'}{rating}")
        blocks.append(context("Your check-ins: " + "; ".join(done[-8:])))
    return blocks


def participant_blocks(home: ParticipantHome, *, today: date) -> list[dict]:
    st = home.standing
    profile = st.profile
    blocks = [section(standing_text(st, today=today)), section("\n".join(profile_lines(profile)))]
    for p in home.pairs:
        blocks.append(divider())
        blocks += _pair_blocks(p)
    buttons = [button("Edit my profile", Action.HOME_JOIN)]
    if profile.status == PARTICIPANT_PAUSED:
        buttons.append(button("I'm back", Action.HOME_RESUME, value="resume", style="primary"))
    else:
        buttons.append({"type": "static_select", "action_id": Action.HOME_PAUSE, "placeholder": plain("Take a break"),
                        "options": [option(label, value or "open") for value, label in PAUSE_CHOICES.items()]})
    blocks += [divider(), actions(*buttons)]
    return blocks


def admin_blocks(report: Report) -> list[dict]:
    figures = report.cohort or report.overall
    att = report.attention
    scope = "current cohort" if report.cohort is not None else "program"
    lines = [f"*{label}:* {value}" for label, value in figure_lines(figures) if label in HEADLINES]
    blocks = [
        header("Program dashboard"),
        section(f"*The {scope} as of {fmt_day(report.generated_at.date())}*\n" + "\n".join(lines)),
        actions(button("Run a matching round", Action.HOME_MATCH, value="match", style="primary"),
                button("Settings", Action.OPEN_SETTINGS, value="settings"),
                button("Export to the admin channel", Action.HOME_EXPORT, value="export")),
    ]
    if att:
        blocks.append(section(f"*Pairs that need attention ({len(att)})*"))
        for p in att[:HOME_ATTENTION_SHOWN]:
            blocks += attention_blocks(p)
        if len(att) > HOME_ATTENTION_SHOWN:
            blocks.append(context(f"…and {len(att) - HOME_ATTENTION_SHOWN} more: `{COMMAND} {Sub.REPORT}` in the "
                                  "admin channel lists them all."))
    elif report.pairs:
        blocks.append(section("*No pair needs attention right now.* :white_check_mark:"))
    blocks.append(context(f"Figures and choices only: what people write stays in their pair. `{COMMAND} "
                          f"{Sub.REPORT}` posts the full report, with its chart, in the admin channel."))
    return blocks


def build_home(*, participant: ParticipantHome, today: date, report: Report | None = None,
               notice: str | None = None) -> dict:
    """The Home tab: the dashboard first for an admin (`report`), then the person's own program."""
    profile = participant.standing.profile
    member = profile is not None and profile.status != PARTICIPANT_LEFT
    if report is None and not member:
        view = build_home_view(None, standing=standing_text(participant.standing, today=today))
        if notice:
            view["blocks"].insert(1, context(notice))
        return view
    blocks: list[dict] = []
    if notice:
        blocks.append(context(notice))
    if report is not None:
        blocks += admin_blocks(report)
        blocks.append(divider())
        blocks.append(header("Your own mentoring"))
    else:
        blocks.append(header("Reverse mentoring"))
    if member:
        blocks += participant_blocks(participant, today=today)
    else:
        blocks.append(section(f"You're not taking part yourself. `{COMMAND} {Sub.JOIN}` if you'd like to."))
        blocks.append(actions(button("Join", Action.HOME_JOIN)))
    blocks += [divider(), context(f"Type `{COMMAND} {Sub.HELP}` anywhere for everything I can do.")]
    return {"type": "home", "blocks": blocks[:100]}
