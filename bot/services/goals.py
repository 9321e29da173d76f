"""Goals: who may open the goals modal, validating it, storing it in one transaction.

The mentee of a pair sets one to three development goals; the mentor adds what they'd like to
learn back. Both are `Goal` rows of the pair (role "mentee" / "mentor"), one per modal slot.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from bot.blocks.goals import (
    MAX_GOALS,
    MAX_LEARN_BACK,
    MAX_MEASURE,
    MAX_WHAT,
    MAX_WHY,
    parse_goals_metadata,
)
from bot.slack.ids import COMMAND, GoalBlock, Sub
from storage.db import Database
from storage.models import GOAL_MENTEE, GOAL_MENTOR, PAIR_ACTIVE, Goal, Pair
from storage.repositories import goals as goals_repo
from storage.repositories import participants as people
from storage.repositories.goals import GoalSlot

NOT_MATCHED = ("You'll set goals once you're matched: your intro message with your partner "
               "will have a button for it.")
NOT_SIGNED_UP = f"You're not signed up yet. `{COMMAND} {Sub.JOIN}` takes a minute; goals come once you're matched."
OTHER_PAIR = (f"These goals belong to another pair, so I can't open them for you. "
              f"`{COMMAND} {Sub.GOALS}` opens your own pair's goals.")
PAIR_GONE = f"I couldn't find that pair. `{COMMAND} {Sub.GOALS}` opens your current pair's goals."
PAIR_ENDED = "This pairing has ended, so its goals can't be changed any more."


# --- validation (pure) --------------------------------------------------------------------

def _text(values: dict, block_id: str) -> str:
    """A text input's value, trimmed; runs of spaces inside a line collapse to one."""
    el = (values.get(block_id) or {}).get(block_id) or {}
    lines = [" ".join(line.split()) for line in str(el.get("value") or "").strip().splitlines()]
    return "\n".join(lines)


def _date(values: dict, block_id: str) -> str | None:
    el = (values.get(block_id) or {}).get(block_id) or {}
    return el.get("selected_date") or None


def add_months(d: date, months: int) -> date:
    y, m = divmod(d.month - 1 + months, 12)
    year, month = d.year + y, m + 1
    for day in (d.day, 30, 29, 28):
        try:
            return date(year, month, day)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def parse_goals_submission(values: dict, *, role: str, today: date) -> tuple[list[GoalSlot], dict[str, str]]:
    """`view.state.values` -> the filled slots, or field errors keyed by block_id."""
    errors: dict[str, str] = {}
    slots: list[GoalSlot] = []
    if role == GOAL_MENTOR:
        for n in range(1, MAX_GOALS + 1):
            bid = GoalBlock.slot(GoalBlock.LEARN_BACK, n)
            what = _text(values, bid)
            if len(what) > MAX_LEARN_BACK:
                errors[bid] = f"Keep it under {MAX_LEARN_BACK} characters."
            elif what:
                slots.append(GoalSlot(position=n, what=what))
        if not slots and not errors:
            errors[GoalBlock.slot(GoalBlock.LEARN_BACK, 1)] = "Add at least one thing you'd like to learn back."
        return ([] if errors else slots), errors

    latest = add_months(today, 12)
    for n in range(1, MAX_GOALS + 1):
        b_what, b_why = GoalBlock.slot(GoalBlock.WHAT, n), GoalBlock.slot(GoalBlock.WHY, n)
        b_measure, b_target = GoalBlock.slot(GoalBlock.MEASURE, n), GoalBlock.slot(GoalBlock.TARGET, n)
        what, why, measure = _text(values, b_what), _text(values, b_why), _text(values, b_measure)
        raw_target = _date(values, b_target)
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
        for bid, value, limit in ((b_what, what, MAX_WHAT), (b_why, why, MAX_WHY), (b_measure, measure, MAX_MEASURE)):
            if len(value) > limit:
                errors[bid] = f"Keep it under {limit} characters."
        slots.append(GoalSlot(position=n, what=what, why=why, measure=measure, target_date=target))
    return ([] if errors else slots), errors


# --- opening ------------------------------------------------------------------------------

@dataclass(frozen=True)
class GoalsContext:
    pair: Pair
    role: str
    partner_id: str
    goals: list[Goal]  # the opener's role
    partner_goals: list[Goal] = field(default_factory=list)


def role_in(pair: Pair, user_id: str) -> str | None:
    if pair.mentee_user_id == user_id:
        return GOAL_MENTEE
    if pair.mentor_user_id == user_id:
        return GOAL_MENTOR
    return None


def _context(s, pair: Pair, user_id: str) -> GoalsContext:
    role = role_in(pair, user_id)
    partner = pair.mentor_user_id if role == GOAL_MENTEE else pair.mentee_user_id
    all_goals = goals_repo.list_for_pair(s, team_id=pair.team_id, pair_id=pair.id)
    return GoalsContext(pair=pair, role=role, partner_id=partner,
                        goals=[g for g in all_goals if g.role == role],
                        partner_goals=[g for g in all_goals if g.role != role])


def _check_pair(pair: Pair | None, *, team_id: str, user_id: str) -> str | None:
    if pair is None or pair.team_id != team_id:
        return PAIR_GONE
    if role_in(pair, user_id) is None:
        return OTHER_PAIR
    if pair.status != PAIR_ACTIVE:
        return PAIR_ENDED
    return None


def open_goals(db: Database, *, team_id: str, user_id: str,
               pair_id: int | None = None) -> tuple[GoalsContext | None, str | None]:
    """What the goals modal needs, or a friendly refusal. `pair_id` None: the caller's active pair."""
    with db.session(read_only=True) as s:
        if pair_id is None:
            pair = people.active_pair_of(s, team_id=team_id, user_id=user_id)
            if pair is None:
                profile = people.get(s, team_id=team_id, user_id=user_id)
                return None, NOT_SIGNED_UP if profile is None or profile.status == "left" else NOT_MATCHED
        else:
            pair = s.get(Pair, pair_id)
            refusal = _check_pair(pair, team_id=team_id, user_id=user_id)
            if refusal:
                return None, refusal
        return _context(s, pair, user_id), None


def parse_pair_button(value: str | None) -> int | None:
    try:
        return int(value or "")
    except ValueError:
        return None


# --- saving -------------------------------------------------------------------------------

@dataclass(frozen=True)
class SaveResult:
    errors: dict[str, str]
    pair: Pair | None = None
    role: str | None = None
    goals: list[Goal] = field(default_factory=list)
    updated: bool = False


def first_block(role: str) -> str:
    return GoalBlock.slot(GoalBlock.WHAT if role == GOAL_MENTEE else GoalBlock.LEARN_BACK, 1)


def save_goals(db: Database, *, team_id: str, user_id: str, private_metadata: str, values: dict,
               now: datetime) -> SaveResult:
    """Validate the submission and replace the submitter's goals for the pair, all or nothing."""
    meta = parse_goals_metadata(private_metadata)
    claimed_role = meta[1] if meta and meta[1] in (GOAL_MENTEE, GOAL_MENTOR) else GOAL_MENTEE
    with db.session() as s:
        pair = s.get(Pair, meta[0]) if meta else None
        refusal = _check_pair(pair, team_id=team_id, user_id=user_id)
        role = role_in(pair, user_id) if pair is not None else None
        if refusal is None and role != claimed_role:
            refusal = "Your role in this pair has changed: close this and open the goals again."
        if refusal:
            return SaveResult(errors={first_block(claimed_role): refusal})
        profile = people.get(s, team_id=team_id, user_id=user_id)
        today = _local_today(now, profile.timezone if profile else None)
        slots, errors = parse_goals_submission(values, role=role, today=today)
        if errors:
            return SaveResult(errors=errors)
        rows, had = goals_repo.replace_for_role(s, team_id=team_id, pair_id=pair.id, role=role,
                                                author_user_id=user_id, slots=slots)
        return SaveResult(errors={}, pair=pair, role=role, goals=rows, updated=had)


def _local_today(now: datetime, tz: str | None) -> date:
    from bot.domain.schedule import zone

    try:
        return now.astimezone(zone(tz)).date()
    except ValueError:
        return now.date()
