"""The program health report, in Slack (Block Kit) and as plain text for the command line, and
the kind note "Message the pair" sends. Pure functions of a `bot.services.report.Report`.

Small bases are said as counts ("3 answers so far"), never as a percentage. No free text of
anyone's reaches these words, except a blocker its author chose to share with the program team.
"""

from __future__ import annotations

from datetime import date

from bot.blocks.common import actions, button, context, esc, header, section, truncate, user
from bot.services.report import (
    BLOCKER,
    COMPLETED,
    ENDED_EARLY,
    FIRST_SESSION,
    LOW_USEFULNESS,
    MET,
    NEEDS_ATTENTION,
    NEVER_MET,
    NO_MEETING_YET,
    NOT_INTRODUCED,
    NOT_MET,
    ON_A_BREAK,
    ON_TRACK,
    SILENT,
    TOO_EARLY,
    UNREPORTED,
    Figures,
    Mean,
    PairHealth,
    Ratio,
    Reason,
    Report,
)
from bot.slack.ids import COMMAND, Action, Sub

HEALTH_WORDS = {NEEDS_ATTENTION: "Needs attention", TOO_EARLY: "Too early to tell", ON_TRACK: "On track"}
STATUS_WORDS = {"active": "Active", COMPLETED: "Completed", ENDED_EARLY: "Ended early"}
PROGRESS_WORDS = {"done": "done", "on_track": "on track", "some": "some progress", "not_started": "not started",
                  UNREPORTED: "no progress reported yet"}
PAIRS_PER_MESSAGE = 20
MAX_ATTENTION_MESSAGES = 5


def _day(d: date) -> str:
    return f"{d.day} {d:%b %Y}"


def _plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


def ratio(r: Ratio, noun: str = "pairs", *, none: str = "none yet") -> str:
    """"12 of 15 pairs (80 %)", or on a small base "2 of 3 pairs so far"."""
    if r.n == 0:
        return none
    if r.pct is None:
        return f"{r.k} of {r.n} {noun} so far"
    return f"{r.k} of {r.n} {noun} ({r.pct} %)"


def mean(m: Mean, noun: str = "rating") -> str:
    if m.n == 0:
        return f"no {noun}s yet"
    small = " so far" if m.n < 5 else ""
    return f"{m.value:g} / 5 ({_plural(m.n, noun)}{small})"


def _progress(counts: dict[str, int]) -> str:
    parts = [f"{counts[k]} {PROGRESS_WORDS[k]}" for k in ("done", "on_track", "some", "not_started", UNREPORTED)
             if counts.get(k)]
    return ", ".join(parts)


def _answers(counts: dict[str, int]) -> str:
    return f"{counts.get('yes', 0)} yes, {counts.get('maybe', 0)} maybe, {counts.get('no', 0)} no"


def figure_lines(f: Figures) -> list[tuple[str, str]]:
    """(label, value) for every figure of one scope."""
    p = f.people
    g = f.goals
    s = f.survey
    lines = [
        ("People", f"{p.total} signed up: {p.paired} paired, {p.in_pool} in the pool, {p.paused} on a break, "
                   f"{p.left} left"),
        ("Pairs", f"{f.active} active, {f.completed} completed, {f.ended_early} ended early"
                  + (f" ({f.pairs - f.started} not introduced yet)" if f.pairs - f.started else "")),
        ("Met at least once", ratio(f.met_once, none="no pair has started yet")),
        ("Met in the last session", ratio(f.met_last_cycle, none="no session is over yet")),
        ("Meetings reported", "none yet" if f.meetings.n == 0 else
         f"{f.meetings.total:g} in all, {f.meetings.value:g} per pair"),
        ("Check-ins answered", ratio(f.response, "asked", none="none asked yet")),
        ("Usefulness", mean(f.usefulness)),
        ("Goals", "no pair has started yet" if g.pairs_with_goals.n == 0 else
         f"{ratio(g.pairs_with_goals)} set goals; {_plural(g.goals, 'goal')}"
         + (f": {_progress(g.goal_progress)}" if g.goals else "")),
        ("Learning back", "no pair has started yet" if g.pairs_with_learn_back.n == 0 else
         f"the mentors in {ratio(g.pairs_with_learn_back)} listed {_plural(g.learn_back, 'thing')} to learn back"
         + (f": {_progress(g.learn_back_progress)}" if g.learn_back else "")),
    ]
    if s.answers == 0:
        lines.append(("Final survey", "no answers yet"))
    else:
        base = s.recommend_base
        nps = (f"{s.nps:+d} (NPS-style: % yes minus % no, {_plural(base, 'answer')}: {_answers(s.recommend)})"
               if s.nps is not None else f"{_answers(s.recommend)} ({_plural(base, 'answer')} so far)")
        lines.append(("Final survey", f"{_plural(s.answers, 'answer')}{' so far' if s.answers < 5 else ''}; "
                                      f"overall usefulness {mean(s.overall)}"))
        lines.append(("Would recommend", nps))
        lines.append(("Will keep meeting", _answers(s.keep_meeting)))
    lines.append(("Breaks", f"{_plural(f.on_break, 'pair')} with someone on a break now; "
                            f"{_plural(f.extended, 'pair')} with the program extended to make up for breaks"))
    h = f.health
    lines.append(("Pair health", f"{h[NEEDS_ATTENTION]} need attention, {h[ON_TRACK]} on track, "
                                 f"{h[TOO_EARLY]} too early to tell"))
    return lines


def _scopes(report: Report) -> list[tuple[str, Figures]]:
    if report.cohort is None:
        return [("The program" + (f" (one cohort so far, matched {_day(report.cohort_since)})"
                                  if report.cohort_since else ""), report.overall)]
    return [(f"Current cohort (matched {_day(report.cohort_since)})", report.cohort),
            ("Overall (every cohort)", report.overall)]


def _who(user_id: str, name: str, *, slack: bool) -> str:
    if slack:
        return user(user_id)
    return f"{name} ({user_id})" if name else user_id


def reason_words(r: Reason, *, slack: bool = True, with_shared: bool = True) -> str:
    """Why a pair is where it is, in plain words (`with_shared`: with a blocker its author shared)."""
    who = _who(r.who, r.who_name, slack=slack) if r.who else ""
    if r.kind == NOT_INTRODUCED:
        return "not introduced yet"
    if r.kind == FIRST_SESSION:
        return "their first session is still under way"
    if r.kind == ON_A_BREAK:
        return f"{who} is on a break" + (f" until {_day(r.until)}" if r.until else "")
    if r.kind == NO_MEETING_YET:
        return f"no meeting reported in their first {_plural(r.cycles, 'session')}, still early days"
    if r.kind == SILENT:
        return f"no check-in from either of them in the last {_plural(r.cycles, 'session')}"
    if r.kind == NEVER_MET:
        return "they haven't reported meeting yet"
    if r.kind == NOT_MET:
        return f"no meeting reported in the last {_plural(r.cycles, 'session')}"
    if r.kind == BLOCKER:
        text = f"{who} said something is getting in the way (session {r.cycles})"
        if r.shared and with_shared:
            shown = esc(truncate(" ".join(r.shared.split()), 300)) if slack else " ".join(r.shared.split())
            text += f", and shared it with you: “{shown}”"
        return text
    if r.kind == LOW_USEFULNESS:
        return f"they rated their recent sessions {r.score:g} out of 5"
    if r.kind == MET:
        return f"met in session {r.cycles}"
    return r.kind


def pair_title(p: PairHealth, *, slack: bool = True) -> str:
    return f"{_who(p.mentor_id, p.mentor_name, slack=slack)} & {_who(p.mentee_id, p.mentee_name, slack=slack)}"


def _pair_detail(p: PairHealth) -> str:
    bits = [f"pair {p.pair_id}"]
    if p.started:
        bits.append(f"{_plural(p.cycles_done, 'session')} done, {p.meetings_reported} with a meeting")
    return ", ".join(bits)


def attention_blocks(p: PairHealth) -> list[dict]:
    """A pair that needs attention, why, and what an admin can do about it."""
    lines = [f"*{pair_title(p)}* ({_pair_detail(p)})"] + [f"• {reason_words(r)}" for r in p.reasons]
    return [
        section("\n".join(lines)),
        actions(
            button("Message the pair", Action.MESSAGE_PAIR, value=str(p.pair_id), confirm={
                "title": {"type": "plain_text", "text": "Message the pair?"},
                "text": {"type": "mrkdwn", "text": "I'll send them a short, friendly note from the program "
                                                   "team in their pair's conversation."},
                "confirm": {"type": "plain_text", "text": "Send it"},
                "deny": {"type": "plain_text", "text": "Not now"},
            }),
            button("End the pair", Action.END_PAIR, value=str(p.pair_id)),
        ),
    ]


def report_messages(report: Report) -> list[dict]:
    """The report for the admin channel: the figures, then the pairs that need attention (each
    with its buttons) in as many messages as Slack's 50 blocks a message take."""
    att = report.attention
    blocks: list[dict] = [header("Program health"),
                          context(f"As of {_day(report.generated_at.date())}. Admins see figures and choices only: "
                                  "what people write stays in their pair, unless they share a blocker with you.")]
    for title, figures in _scopes(report):
        blocks.append(section(f"*{title}*\n" + "\n".join(f"*{label}:* {value}" for label, value in figure_lines(figures))))
    if not report.pairs:
        blocks.append(section(f"No pairs yet. `{COMMAND} {Sub.MATCH}` here previews a matching round."))
    elif att:
        blocks.append(section(f"*{_plural(len(att), 'pair needs', 'pairs need')} attention*, listed below. A kind "
                              "word often gets a pair going again."))
    else:
        blocks.append(section("*No pair needs attention right now.* :white_check_mark:"))
    blocks.append(context(f"`{COMMAND} {Sub.EXPORT}` exports pairs, people and check-ins as CSV."))
    text = f"Program health: {_plural(len(att), 'pair needs', 'pairs need')} attention"
    messages = [{"text": text, "blocks": blocks}]
    shown = att[: PAIRS_PER_MESSAGE * MAX_ATTENTION_MESSAGES]
    pages = [shown[i:i + PAIRS_PER_MESSAGE] for i in range(0, len(shown), PAIRS_PER_MESSAGE)]
    for n, page in enumerate(pages, start=1):
        head = "Pairs that need attention" + (f" ({n} of {len(pages)})" if len(pages) > 1 else "")
        page_blocks: list[dict] = [header(head)]
        for p in page:
            page_blocks += attention_blocks(p)
        if n == len(pages) and len(att) > len(shown):
            page_blocks.append(context(f"…and {len(att) - len(shown)} more: `{COMMAND} {Sub.EXPORT}` has every pair, "
                                       "with its health, in pairs.csv."))
        messages.append({"text": head, "blocks": page_blocks})
    return messages


def report_text(report: Report, *, every_pair: bool = False) -> str:
    """The same report as plain text, for `python -m bot report` (`every_pair`: then each pair's
    health and its reason)."""
    lines = [f"Program health for {report.team_id}, as of {report.generated_at:%Y-%m-%d %H:%M} UTC", ""]
    for title, figures in _scopes(report):
        lines.append(title)
        width = max(len(label) for label, _ in figure_lines(figures))
        lines += [f"  {label + ':':<{width + 1}} {value}" for label, value in figure_lines(figures)]
        lines.append("")
    att = report.attention
    if not report.pairs:
        lines.append("No pairs yet.")
    elif not att:
        lines.append("No pair needs attention right now.")
    else:
        lines.append(f"Pairs that need attention ({len(att)})")
        for p in att:
            lines.append(f"  {pair_title(p, slack=False)}, {_pair_detail(p)}")
            lines += [f"    - {reason_words(r, slack=False)}" for r in p.reasons]
    if every_pair and report.pairs:
        lines += ["", f"Every pair ({len(report.pairs)})"]
        for p in sorted(report.pairs, key=lambda p: p.pair_id):
            state = HEALTH_WORDS.get(p.health) or STATUS_WORDS[p.status]
            why = "; ".join(reason_words(r, slack=False) for r in p.reasons)
            lines.append(f"  {p.pair_id:>6}  {state:<17}  {pair_title(p, slack=False)}" + (f": {why}" if why else ""))
    return "\n".join(lines).rstrip() + "\n"


# --- "Message the pair" -------------------------------------------------------------------


def pair_nudge(*, mentor: str, mentee: str) -> dict:
    """The kind note from the program team, in the pair's conversation."""
    text = "A friendly hello from your program team"
    body = (f"Hi {user(mentor)} and {user(mentee)} :wave: The program team is thinking of you. Finding time "
            "is the hardest part of any mentoring: even 20 minutes this week keeps the conversation going. "
            "If something is in the way, tell us in your next check-in (you can share it with the program "
            "team there), and we'll help where we can.")
    return {"text": text, "blocks": [section(body)]}


def pair_nudged(*, mentor: str, mentee: str) -> str:
    return f"Sent a friendly note to {user(mentor)} and {user(mentee)} in their pair's conversation."


def pair_already_nudged(*, mentor: str, mentee: str) -> str:
    return (f"{user(mentor)} and {user(mentee)} already got a note from the program team today, so I didn't "
            "send another.")


PAIR_NOT_ACTIVE = "That pair has ended, so there's nobody to message. Nothing was sent."
PAIR_NOT_FOUND = "I couldn't find that pair; it may have been removed. Nothing was sent."
PAIR_NO_CONVERSATION = ("That pair hasn't been introduced yet, so there's no conversation to write in. "
                        "Nothing was sent.")
PAIR_NUDGE_FAILED = "Slack didn't take the note just now, so nothing was sent. Please try again in a minute."
REPORT_WORKING = "Working out the program's health; the report will appear in this channel in a moment."
REPORT_FAILED = "Sorry, I couldn't put the report together just now. Please try again in a minute."
CHART_COMMENT = ("Week by week: the share of pairs that met, check-ins answered, and how useful people "
                 "found their sessions.")
CHART_LOST = (f"The program health chart didn't make it to Slack this time. `{COMMAND} {Sub.REPORT}` "
              "draws it again.")
HOME_NOT_AN_ADMIN = ("Only program admins can do that: members of the program's admin channel and workspace "
                     "admins. Nothing was changed.")


def preview_posted(channel: str) -> str:
    return f"The matching preview is in <#{channel}>: confirm or cancel it there."


def export_posted(channel: str) -> str:
    return f"The export (pairs.csv, people.csv, checkins.csv) is in <#{channel}>."
