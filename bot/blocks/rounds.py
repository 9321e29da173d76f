"""Builders for matching rounds: the admin preview and its later states, the pair intro, the
unmatched DM. Pure functions returning `{"text", "blocks"}`.

A round's `proposal` is `Proposal.to_json_dict()`: {"pairs": [{mentor, mentee, score, reasons}],
"unmatched": [{user, reason}], "stats": {...}}.
"""

from __future__ import annotations

import re

from bot.blocks.common import (
    actions,
    button,
    context,
    count,
    divider,
    esc,
    header,
    section,
    truncate,
    user,
)
from bot.domain import catalog
from bot.domain.pairing import Why
from bot.services.rounds import (
    LastPairDropped,
    Moved,
    NothingToMatch,
    NotInProposal,
    NotPosted,
    OpenProposal,
    PoolChange,
    Stale,
)
from bot.slack.ids import COMMAND, Action, Sub, proposal_drop_value, proposal_page_value

SECTION_LIMIT = 3000
MAX_BLOCKS = 50
PAIRS_SHOWN = 30
UNMATCHED_SHOWN = 25
PAIRS_PER_PAGE = 10  # the preview's pages: each pair with its Drop button
UNMATCHED_PER_PAGE = 40

PREVIEW_TITLE = "Matching round preview"


# --- helpers ------------------------------------------------------------------------------


def _pack(lines: list[str], *, max_sections: int) -> tuple[list[dict], int]:
    """Lines packed into as few sections as fit 3000 characters; returns (blocks, lines left out)."""
    blocks: list[dict] = []
    current = ""
    used = 0
    for line in lines:
        line = truncate(line, SECTION_LIMIT)
        candidate = f"{current}\n\n{line}" if current else line
        if len(candidate) <= SECTION_LIMIT:
            current = candidate
            used += 1
            continue
        if len(blocks) + 1 >= max_sections:
            break
        blocks.append(section(current))
        current = line
        used += 1
    if current:
        blocks.append(section(current))
    return blocks, len(lines) - used


def percent(share: float) -> str:
    """A share as a whole percentage, never 100% short of all nor 0% above none (1,602 of
    1,609 read "100%"): those get one decimal."""
    p = round(100 * share)
    if p == 100 and share < 1:
        return f"{min(99.9, round(100 * share, 1)):g}%"
    if p == 0 and share > 0:
        return f"{max(0.1, round(100 * share, 1)):g}%"
    return f"{p}%"


def pair_line(pair: dict) -> str:
    reasons = "\n".join(f"• {esc(r)}" for r in pair.get("reasons") or [])
    head = f"*{user(pair['mentor'])} → {user(pair['mentee'])}*"
    return f"{head}\n{reasons}" if reasons else head


def summary_line(proposal: dict) -> str:
    s = proposal.get("stats") or {}
    n_pairs = s.get("pairs", len(proposal.get("pairs") or []))
    pool = s.get("participants", 0)
    sides = f"{count(s.get('mentors', 0), 'mentor')}, {count(s.get('mentees', 0), 'mentee')}"
    if s.get("either"):
        sides += f", {count(s['either'], 'person', 'people')} happy to take either role"
    covered = s.get("mentees_with_wanted_skill_covered", 0)
    lines = [
        f"*{count(n_pairs, 'pair')}* from a pool of {count(pool, 'person', 'people')} ({sides}).",
        f"*{covered} of {n_pairs}* mentee{'' if n_pairs == 1 else 's'} "
        f"({percent(s.get('mentees_with_wanted_skill_covered_share', 0))}) "
        f"get{'s' if n_pairs == 1 else ''} a mentor who can teach something they asked for.",
    ]
    unmatched = s.get("unmatched", len(proposal.get("unmatched") or []))
    if unmatched:
        lines.append(f"{unmatched} {'person stays' if unmatched == 1 else 'people stay'} in the pool for next time.")
    if s.get("proven_optimal") is False:
        lines.append(_how_far_from_best(s))
    return "\n".join(lines)


def _how_far_from_best(s: dict) -> str:
    return f":hourglass: {stopped_early_text(s)}"


def stopped_early_text(s: dict) -> str:
    """What an admin needs to know when the round stopped before proving it is the best."""
    gap = s.get("optimality_gap_pairs") or 0
    reason = s.get("stopped_by") or ("either" if s.get("either") else "size")
    why = ("Many people said they'd take either role" if reason == "either"
           else "This round is a big one")
    if s.get("stopped_at_time_limit", True):  # previews saved before it: the old words
        head = f"{why}, so I stopped at the time limit with the best set I found. "
    else:
        head = f"{why}, so I couldn't prove this is the best set; it's the best I found. "
    if gap:
        text = f"At most {gap} more pair{'s' if gap != 1 else ''} might be possible"
        # more pairs can't give a partner to more people than are left without one
        people = min(2 * gap, s["unmatched"]) if isinstance(s.get("unmatched"), int) else 2 * gap
        # pairs beyond those people can only come from someone happy to take either role
        # taking the other one (a mentor with places to spare then gains a mentee)
        switch = gap > people and s.get("either")
        if people and switch:
            text += (f" (up to {people} more {'people' if people != 1 else 'person'} with a "
                     "partner; the rest would need some people happy to take either role to switch)")
        elif people:
            text += f" (up to {people} more {'people' if people != 1 else 'person'} with a partner)"
        elif switch:
            text += " (if some people happy to take either role switched)"
        return head + text + "."
    return head + ("Nobody else could have been given a partner; a slightly better fit between "
                   "some partners may exist.")


def _round_blocks(proposal: dict, *, status: list[dict], footer: list[dict]) -> list[dict]:
    """Header, status, summary, the pairs and the unmatched, then `footer`; within 50 blocks."""
    top = [header(PREVIEW_TITLE), *status, section(summary_line(proposal)), divider()]
    pairs = proposal.get("pairs") or []
    unmatched = proposal.get("unmatched") or []
    # Blocks left for the two lists and their "more" notes.
    room = MAX_BLOCKS - len(top) - len(footer) - 4
    pair_room = max(1, room * 2 // 3) if unmatched else max(1, room)
    shown = pairs[:PAIRS_SHOWN]
    pair_blocks, cut = _pack([pair_line(p) for p in shown], max_sections=pair_room)
    more = len(pairs) - len(shown) + cut
    blocks = top + pair_blocks
    if more:
        blocks.append(context(f"…and {more} more pair{'s' if more != 1 else ''}."))
    if unmatched:
        lines = [f"{user(u['user'])}: {esc(u.get('reason')) or 'no partner fits this round'}"
                 for u in unmatched[:UNMATCHED_SHOWN]]
        lines[0] = f"*Not matched this round ({len(unmatched)})*\n{lines[0]}"
        # Unmatched people are short lines: one section holds many.
        un_room = max(1, MAX_BLOCKS - len(blocks) - len(footer) - 2)
        un_blocks, un_cut = _pack(["\n".join(lines)], max_sections=un_room)
        blocks.append(divider())
        blocks += un_blocks
        un_more = len(unmatched) - min(len(unmatched), UNMATCHED_SHOWN) + un_cut
        if un_more:
            blocks.append(context(f"…and {un_more} more."))
    return blocks + footer


def _text(proposal: dict, lead: str) -> str:
    s = proposal.get("stats") or {}
    n = s.get('pairs', len(proposal.get('pairs') or []))
    return f"{lead} {count(n, 'pair')} from a pool of {count(s.get('participants', 0), 'person', 'people')}."


# --- the admin channel --------------------------------------------------------------------


def pages(proposal: dict) -> list[tuple[str, int, int]]:
    """The preview's pages: ("pairs" | "unmatched" | "both", start, end) slices of the proposal's
    lists. A small proposal is one page holding both lists."""
    pairs = proposal.get("pairs") or []
    unmatched = proposal.get("unmatched") or []
    if len(pairs) <= PAIRS_PER_PAGE and len(unmatched) <= UNMATCHED_PER_PAGE:
        return [("both", 0, len(pairs))]
    out = [("pairs", i, min(i + PAIRS_PER_PAGE, len(pairs))) for i in range(0, len(pairs), PAIRS_PER_PAGE)]
    out += [("unmatched", i, min(i + UNMATCHED_PER_PAGE, len(unmatched)))
            for i in range(0, len(unmatched), UNMATCHED_PER_PAGE)]
    return out or [("both", 0, 0)]


def _drop_button(round_id: int, page: int, pair: dict) -> dict:
    dialog = {
        "title": {"type": "plain_text", "text": "Drop this pair?"},
        "text": {"type": "mrkdwn", "text": (
            f"{user(pair['mentor'])} and {user(pair['mentee'])} won't be paired in this round. They stay in the "
            "pool, and each gets the usual kind note when the round is confirmed.")},
        "confirm": {"type": "plain_text", "text": "Drop it"},
        "deny": {"type": "plain_text", "text": "Keep it"},
    }
    return button("Drop", Action.PROPOSAL_DROP, value=proposal_drop_value(round_id, page, pair["mentor"],
                                                                           pair["mentee"]), confirm=dialog)


def _unmatched_blocks(unmatched: list[dict], total: int) -> list[dict]:
    """Everyone in `unmatched` with the reason, as few sections as hold them (one line each)."""
    lines = [truncate(f"{user(u['user'])}: {esc(u.get('reason')) or 'no partner fits this round'}", 500)
             for u in unmatched]
    blocks, current = [], f"*Not matched this round ({total})*"
    for line in lines:
        if len(current) + 1 + len(line) > SECTION_LIMIT:
            blocks.append(section(current))
            current = line
        else:
            current = f"{current}\n{line}"
    return [*blocks, section(current)]


def build_preview(*, round_id: int, proposal: dict, created_by: str, page: int = 0) -> dict:
    """The proposal's preview, one page at a time: every pair with its reasons and a Drop button,
    then everyone not matched; Previous/Next page through all of it."""
    pairs = proposal.get("pairs") or []
    unmatched = proposal.get("unmatched") or []
    n_pairs = len(pairs)
    all_pages = pages(proposal)
    page = max(0, min(page, len(all_pages) - 1))
    kind, start, end = all_pages[page]
    blocks = [header(PREVIEW_TITLE), section(summary_line(proposal)), divider()]
    if kind in ("both", "pairs"):
        for p in pairs[start:end]:
            blocks.append(section(pair_line(p), accessory=_drop_button(round_id, page, p)))
    if kind == "both" and unmatched:
        blocks += [divider(), *_unmatched_blocks(unmatched, len(unmatched))]
    if kind == "unmatched":
        blocks += _unmatched_blocks(unmatched[start:end], len(unmatched))
    if len(all_pages) > 1:
        if kind == "pairs":
            where = f"Pairs {start + 1}–{end} of {n_pairs}"
            if unmatched:
                where += f"; the {len(unmatched)} people not matched come after the pairs"
        else:
            where = f"Not matched: {start + 1}–{end} of {len(unmatched)}"
        nav = []
        if page > 0:
            nav.append(button("◀ Previous", Action.PROPOSAL_PAGE_BACK, value=proposal_page_value(round_id, page - 1)))
        if page < len(all_pages) - 1:
            nav.append(button("Next ▶", Action.PROPOSAL_PAGE, value=proposal_page_value(round_id, page + 1)))
        blocks += [context(f"{where} · page {page + 1} of {len(all_pages)}"), actions(*nav)]
    confirm_dialog = {
        "title": {"type": "plain_text", "text": "Introduce these pairs?"},
        "text": {"type": "mrkdwn", "text": (
            ("The pair gets" if n_pairs == 1 else f"Each of the {n_pairs} pairs gets")
            + " a group DM introducing them, and everyone not matched "
            "gets a kind note that they stay in the pool. This can't be undone.")},
        "confirm": {"type": "plain_text", "text": "Introduce them"},
        "deny": {"type": "plain_text", "text": "Not yet"},
    }
    blocks += [
        context(f"Proposed by {user(created_by)}. Drop any pair you don't want; confirm to introduce every pair "
                "in a group DM; cancel to start again later. Nothing is sent until you confirm."),
        actions(
            button(f"Confirm {n_pairs} pair{'s' if n_pairs != 1 else ''}", Action.MATCH_CONFIRM,
                   value=str(round_id), style="primary", confirm=confirm_dialog),
            button("Cancel", Action.MATCH_CANCEL, value=str(round_id)),
        ),
    ]
    return {"text": _text(proposal, "Matching round preview:"), "blocks": blocks}


def drop_reply(outcome) -> dict | None:
    """The admin's private answer to Drop (None: the preview shows it)."""
    if isinstance(outcome, Moved):
        return {"response_type": "ephemeral", "text": round_state_reply(outcome.status, decided_by=outcome.decided_by)}
    if isinstance(outcome, NotInProposal):
        return {"response_type": "ephemeral", "text": "That pair isn't in this proposal any more. Nothing was changed."}
    if isinstance(outcome, LastPairDropped):
        return {"response_type": "ephemeral",
                "text": (f"That was the last pair, so there's nothing left to confirm: I've closed the preview. "
                         f"Run `{COMMAND} {Sub.MATCH}` for a new one.")}
    return None


def build_emptied(*, proposal: dict, dropped_by: str) -> dict:
    line = (f":no_entry_sign: {user(dropped_by)} dropped the last pair, so this preview is closed. Nobody was "
            f"introduced; run `{COMMAND} {Sub.MATCH}` for a new preview.")
    return {"text": "Every pair was dropped from this preview.",
            "blocks": _round_blocks(proposal, status=[section(line)], footer=[])}


def build_progress(*, proposal: dict, decided_by: str, introduced: int, total: int,
                   note: str | None = None) -> dict:
    line = (f":hourglass_flowing_sand: Confirmed by {user(decided_by)}. "
            f"Introducing {introduced} of {count(total, 'pair')}…")
    status = [section(line)]
    if note:
        status.append(context(esc(note)))
    return {"text": f"Introducing {introduced} of {count(total, 'pair')}…",
            "blocks": _round_blocks(proposal, status=status, footer=[])}


def build_finished(*, proposal: dict, decided_by: str, introduced: int, total: int,
                   unmatched: int, failed: list[tuple[str, str, str]]) -> dict:
    if introduced == total:
        line = (":white_check_mark: The pair is introduced." if total == 1
                else f":white_check_mark: All {total} pairs introduced.")
    else:
        line = f":white_check_mark: {introduced} of {count(total, 'pair')} introduced."
    if unmatched:
        line += f" {unmatched} {'person stays' if unmatched == 1 else 'people stay'} in the pool for next time."
    status = [section(f"{line}\nConfirmed by {user(decided_by)}.")]
    if failed:
        lines = [f"{user(m)} &amp; {user(e)}: {esc(why)}" for m, e, why in failed[:10]]
        if len(failed) > 10:
            lines.append(f"…and {len(failed) - 10} more")
        status.append(section("*Couldn't introduce these pairs*, so both people are back in the pool:\n"
                              + "\n".join(lines)))
    return {"text": line, "blocks": _round_blocks(proposal, status=status, footer=[])}


def build_cancelled(*, proposal: dict, cancelled_by: str) -> dict:
    line = (f":no_entry_sign: Cancelled by {user(cancelled_by)}. Nobody was introduced; "
            f"run `{COMMAND} {Sub.MATCH}` for a new preview.")
    return {"text": "Matching round cancelled.",
            "blocks": _round_blocks(proposal, status=[section(line)], footer=[])}


def build_stale(*, proposal: dict, what_changed: str) -> dict:
    line = (f":warning: This preview is out of date: {what_changed}. Nobody was introduced; "
            f"run `{COMMAND} {Sub.MATCH}` for a fresh one.")
    return {"text": "This matching preview is out of date.",
            "blocks": _round_blocks(proposal, status=[section(line)], footer=[])}


SLACK_BUSY = "Slack is busy or didn't answer; I'll carry on in a minute or so."


def what_changed(change: PoolChange) -> str:
    parts = []
    if change.joined:
        parts.append(f"{change.joined} {'person' if change.joined == 1 else 'people'} joined or came back")
    if change.left:
        parts.append(f"{change.left} {'person' if change.left == 1 else 'people'} left, paused or got paired")
    return " and ".join(parts) or "someone's profile, a pair or the program settings changed"


def stale_reply(what_changed: str) -> str:
    return (f"The pool has changed since this preview ({what_changed}), so I haven't introduced anyone. "
            f"Run `{COMMAND} {Sub.MATCH}` again for a fresh preview.")


PREVIEW_FAILED = ("Sorry, something went wrong while I was preparing the preview, so there's no proposal "
                  "and nothing has changed. Please run the command again in a minute.")
NOT_A_ROUND = (f"That button doesn't belong to a matching round I know. Run `{COMMAND} {Sub.MATCH}` "
               "for a new preview.")


def app_problem_note(*, error: str, round_id: int) -> str:
    """To the admin channel when Slack refuses the app itself while introducing a round."""
    return (f"I can't introduce the pairs of the latest matching round right now: Slack refuses the app "
            f"itself (`{esc(error)}`). Whoever runs the bot should check that it is still installed and that "
            "its token is valid. Nothing is lost: every introduction stays due and goes out once the app "
            "works again.")


def build_working() -> dict:
    return {"response_type": "ephemeral", "text": "Working out the best pairs… the preview will appear here."}


def build_open_proposal_exists(*, created_by: str, permalink: str | None) -> dict:
    where = f"<{permalink}|the open preview>" if permalink else "the open preview in this channel"
    return {"response_type": "ephemeral",
            "text": (f"There's already an open matching preview (from {user(created_by)}). Confirm or cancel "
                     f"{where} first; then run `{COMMAND} {Sub.MATCH}` again if you need a new one.")}


def build_nothing_to_match(*, pool_size: int, unmatched: list[dict]) -> dict:
    if pool_size == 0:
        text = ("Nobody is waiting to be matched: everyone who signed up is already in a pair, paused, "
                f"or there's nobody yet. People join with `{COMMAND} {Sub.JOIN}`.")
    elif pool_size == 1:
        text = (f"Only one person is waiting to be matched ({user(unmatched[0]['user'])}), so there's no pair "
                "to make yet. They'll be matched once someone on the other side joins.")
    else:
        reasons: dict[str, int] = {}
        for u in unmatched:
            reasons[u.get("reason") or ""] = reasons.get(u.get("reason") or "", 0) + 1
        top = sorted(reasons.items(), key=lambda kv: -kv[1])[:3]
        detail = "\n".join(f"• {n} × {esc(r)}" for r, n in top if r)
        text = (f"No pair can be made from the {pool_size} people waiting, so there's nothing to preview. "
                f"The main reasons:\n{detail}")
    return {"response_type": "ephemeral", "text": truncate(text, 3000)}


def build_preview_failed(error: str, channel: str) -> dict:
    if error in ("not_in_channel", "channel_not_found"):
        text = (f"I can't post in <#{channel}> yet. Invite me there (`/invite @Reverse Mentoring`) "
                f"and run `{COMMAND} {Sub.MATCH}` again.")
    else:
        text = (f"Slack didn't take the preview ({esc(error)}), so nothing was proposed. "
                f"Try `{COMMAND} {Sub.MATCH}` again in a minute.")
    return {"response_type": "ephemeral", "text": text}


def round_state_reply(status: str, *, decided_by: str | None) -> str:
    """Ephemeral answer to a button on a round that has moved on."""
    by = f" by {user(decided_by)}" if decided_by else ""
    return {
        "introducing": f"This round was already confirmed{by}; I'm introducing the pairs now.",
        "done": f"This round was already confirmed{by}, and every pair has been introduced.",
        "cancelled": f"This round was cancelled{by}. Run `{COMMAND} {Sub.MATCH}` for a new preview.",
        "stale": f"This preview is out of date. Run `{COMMAND} {Sub.MATCH}` for a fresh one.",
        "missing": f"I can't find that matching round any more. Run `{COMMAND} {Sub.MATCH}` for a new preview.",
    }.get(status, f"This round can't be changed any more. Run `{COMMAND} {Sub.MATCH}` for a new preview.")


def preview_reply(outcome) -> dict | None:
    """The admin's private answer to `/mentoring match` (None: the channel's message says it all)."""
    if isinstance(outcome, OpenProposal):
        return build_open_proposal_exists(created_by=outcome.created_by, permalink=outcome.permalink)
    if isinstance(outcome, NothingToMatch):
        return build_nothing_to_match(pool_size=outcome.pool_size, unmatched=outcome.unmatched)
    if isinstance(outcome, NotPosted):
        return build_preview_failed(outcome.error, outcome.channel)
    return None


def decision_reply(outcome) -> dict | None:
    """The admin's private answer to Confirm or Cancel (None: the round's message shows it)."""
    if isinstance(outcome, Stale):
        return {"response_type": "ephemeral", "text": stale_reply(what_changed(outcome.change))}
    if isinstance(outcome, Moved):
        return {"response_type": "ephemeral", "text": round_state_reply(outcome.status, decided_by=outcome.decided_by)}
    return None


# --- the pair and the unmatched -----------------------------------------------------------

GUIDELINES = (
    "*Mutual respect*: each of you is the expert in something; the job titles stay at the door.",
    "*Patience*: new tools and new perspectives both take a few goes. No question is too basic.",
    "*Confidentiality*: what you share in your sessions stays between the two of you.",
    "*Feedback about behaviour, not the person*: \"when you did X, I felt Y\" lands better than \"you are…\".",
    "*Agree how and how often you'll talk*: video, coffee or chat, and a rhythm you can both keep.",
)

AGENDA = (
    "*Introductions*: your role, your path so far, what you're curious about.",
    "*Expectations*: what each of you hopes to get out of the next few months.",
    "*Strengths & gaps*: what you're good at, and what you'd like to get better at.",
    "*Pick goals*: the mentee sets 1–3 goals; the mentor adds what they'd like to learn back.",
    "*Book a recurring slot* before you hang up, so the next session is already in the calendar.",
)


def _and(items: list[str]) -> str:
    """"A", "A and B", "A, B and C"."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def why_lines(why: Why, *, mentor: str, mentee: str) -> list[str]:
    """Why the two were paired, in their terms (`why`: bot.domain.pairing.Why)."""
    def skills(labels) -> str:
        shown = [f"*{esc(label)}*" for label in labels[:4]]
        if len(labels) > 4:
            return ", ".join(shown) + f" and {len(labels) - 4} more"
        return _and(shown)

    lines = []
    if why.wanted:
        lines.append(f"{user(mentee)} wants to get better at {skills(why.wanted)}, and {user(mentor)} can share "
                     f"{'it' if len(why.wanted) == 1 else 'them'}.")
    if why.back:
        lines.append(f"{user(mentor)} would like to learn about {skills(why.back)}, which {user(mentee)} "
                     "can share back.")
    if why.common:
        lines.append(f"You both care about {skills(why.common)}.")
    if why.departments:
        mentor_team, mentee_team = (esc(d) for d in why.departments)
        lines.append(f"Your teams, {mentor_team} and {mentee_team}, rarely meet: you'll each see a side of the "
                     "organisation you don't usually see.")
    if not why.skills:
        lines.append("You picked different skills, so your first conversation is the place to find what you "
                     "can learn from each other.")
    return lines


def build_intro(*, pair_id: int, mentor: str, mentee: str, why: Why | None = None, length_weeks: int = 12,
                cadence_weeks: int = 1, profiles: dict[str, tuple[str, str]] | None = None,
                meeting: list[dict] | None = None) -> dict:
    """`why`: why they were paired (bot.domain.pairing.why of their profiles); `profiles`:
    {user_id: (their short intro, their preferred meeting mode key)}; `meeting`: how often and
    when to meet (bot/blocks/meeting.py), shown before the goals button."""
    rhythm = "every week" if cadence_weeks == 1 else f"every {cadence_weeks} weeks"
    reasons = "\n".join(f"• {line}" for line in why_lines(why or Why(), mentor=mentor, mentee=mentee))
    own_words = []
    for person in (mentor, mentee):
        intro, mode = (profiles or {}).get(person, ("", ""))
        parts = [f"“{esc(intro)}”"] if intro else []
        if mode in catalog.MEETING_MODES and mode != "any":
            parts.append(f"prefers to meet: {catalog.MEETING_MODES[mode].lower()}")
        if parts:
            own_words.append(f"• {user(person)}: " + " · ".join(parts))
    blocks = [
        section(f":wave: *{user(mentee)}, meet {user(mentor)}!* You're a reverse-mentoring pair for the next "
                f"{length_weeks} weeks."),
        section("*Who is who*\n"
                f"• {user(mentor)} is the *mentor*: they'll share digital skills, such as tools, platforms "
                "and trends.\n"
                f"• {user(mentee)} is the *mentee*: they'll learn those skills, and share leadership, career "
                "and organisational know-how back. It's learning in both directions."),
        section(f"*Why we paired you*\n{reasons}"),
        *([section("*In your own words*\n" + "\n".join(own_words))] if own_words else []),
        section("*How to make it work*\n" + "\n".join(f"• {g}" for g in GUIDELINES)),
        section("*Your first session (about 45 minutes)*\n"
                + "\n".join(f"{n}. {a}" for n, a in enumerate(AGENDA, 1))),
        *(meeting or []),
        actions(button("Set our goals", Action.OPEN_GOALS, value=str(pair_id), style="primary")),
        context(f"{user(mentee)}, the goals are yours to set; {user(mentor)}, add what you'd like to learn "
                f"back. I'll check in {rhythm} with a topic for your next session."),
    ]
    return {"text": f"Meet your reverse-mentoring partner: {user(mentor)} and {user(mentee)}, you're a pair!",
            "blocks": blocks}


_PLAIN_REASONS: tuple[tuple[re.Pattern, str], ...] = tuple((re.compile(p, re.I), t) for p, t in (
    (r"time zone \(.*\) is not recognised|unknown time zone",
     "we couldn't read your time zone, so we couldn't check who shares your working hours. "
     "Setting it in your Slack profile fixes that"),
    (r"capacity is set to 0", "your mentoring capacity is set to 0, so we didn't give you a mentee"),
    (r"paired elsewhere|fit the round better|already paired|capacity used up|mentoring others|"
     r"mentees? themselves",
     "the people who'd suit you were all paired with someone else this time"),
    (r"paired with them before",
     "you've already been paired with everyone who suits you in the current pool"),
    (r"hours away", "the people who'd suit you work in time zones too far from yours to share working hours"),
    (r"same department", "everyone who'd suit you is in your own department, and we pair people across teams"),
    (r"senior|seniority", "reverse mentoring needs a gap in experience between the two people, and nobody "
                          "in the pool had the right gap with you this time"),
    (r"manager|direct reports", "the only people who'd suit you are in your own reporting line"),
    (r"Nobody in the pool can be", "there was nobody on the other side of the program for you this round"),
    (r"Taken out of this round", "the program team kept your match for a later round, so you weren't paired "
                                 "this time"),
))


def plain_reason(reason: str) -> str:
    for pattern, text in _PLAIN_REASONS:
        if pattern.search(reason or ""):
            return text
    return "we couldn't find a partner who suits you this round"


def build_unmatched_dm(*, user_id: str, reason: str) -> dict:
    text = (f"Hi {user(user_id)}, thanks for signing up for reverse mentoring. We couldn't find you a partner "
            f"in this round: {plain_reason(reason)}.\n\n"
            "You stay in the pool and you'll be considered again in the next round; there's nothing you need "
            f"to do. If your skills or department have changed, `{COMMAND} {Sub.JOIN}` updates your profile.")
    return {"text": "No reverse-mentoring partner for you this round, but you stay in the pool.",
            "blocks": [section(text)]}


def build_intro_failed_dm(*, user_id: str) -> dict:
    """To someone whose pair this round couldn't be introduced (e.g. the other person's account
    is no longer active): they're back in the pool."""
    text = (f"Hi {user(user_id)}, I had found you a reverse-mentoring partner in this round, but I "
            "couldn't start your conversation with them, so that pairing won't go ahead. Sorry about that.\n\n"
            "You're back in the pool and you'll be considered again in the next round; there's nothing "
            f"you need to do. `{COMMAND} {Sub.STATUS}` shows where you stand.")
    return {"text": "Your reverse-mentoring pairing this round couldn't go ahead, but you stay in the pool.",
            "blocks": [section(text)]}
