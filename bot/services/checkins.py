"""Check-ins and the final survey: opening the modal for the person who clicked a prompt's
button, validating the answers and storing them once per person, pair, cycle and kind."""

from __future__ import annotations

from dataclasses import dataclass

from bot.blocks.checkins import KEEP_MEETING, MAX_TEXT, PROGRESS, RECOMMEND, USEFULNESS, YES
from bot.domain.schedule import Rhythm, n_cycles
from bot.slack.ids import CheckinBlock, parse_checkin_button_value
from storage.db import Database
from storage.models import CHECKIN_FINAL, CHECKIN_REGULAR, CheckIn, Goal, Pair
from storage.repositories import checkins as checkins_repo
from storage.repositories import goals as goals_repo
from storage.repositories import participants as people
from storage.repositories import program as program_repo

KINDS = (CHECKIN_REGULAR, CHECKIN_FINAL)

GARBLED = ("That check-in button doesn't look right, so I can't open it. The next prompt in "
           "your pair's DM will have a fresh one.")
OTHER_PAIR = "This check-in belongs to another pair, so I can't open it for you."
PAIR_GONE = "I couldn't find the pair this check-in is for; it may have been removed."


@dataclass(frozen=True)
class CheckinContext:
    pair: Pair
    cycle: int
    kind: str
    partner_name: str
    goals: list[Goal]
    existing: CheckIn | None
    period: str


def _rhythm(s, team_id: str) -> Rhythm:
    try:
        return Rhythm.from_settings(program_repo.get_settings(s, team_id=team_id))
    except ValueError:
        return Rhythm()


def _period(r: Rhythm) -> str:
    return "this week" if r.cadence_weeks == 1 else f"in the last {r.cadence_weeks} weeks"


def _locate(s, *, team_id: str, user_id: str, pair_id: int, cycle: int, kind: str) -> tuple[Pair | None, str | None]:
    if kind not in KINDS or cycle < 1:
        return None, GARBLED
    pair = s.get(Pair, pair_id)
    if pair is None or pair.team_id != team_id:
        return None, PAIR_GONE
    if user_id not in (pair.mentor_user_id, pair.mentee_user_id):
        return None, OTHER_PAIR
    if cycle > n_cycles(_rhythm(s, team_id)):
        return None, GARBLED
    return pair, None


def open_checkin(db: Database, *, team_id: str, user_id: str,
                 button_value: str | None) -> tuple[CheckinContext | None, str | None]:
    """What the clicker's check-in modal needs, or a friendly refusal."""
    parsed = parse_checkin_button_value(button_value or "")
    if parsed is None:
        return None, GARBLED
    pair_id, cycle, kind = parsed
    with db.session(read_only=True) as s:
        pair, refusal = _locate(s, team_id=team_id, user_id=user_id, pair_id=pair_id, cycle=cycle, kind=kind)
        if refusal:
            return None, refusal
        partner_id = pair.mentee_user_id if user_id == pair.mentor_user_id else pair.mentor_user_id
        partner = people.get(s, team_id=team_id, user_id=partner_id)
        return CheckinContext(
            pair=pair, cycle=cycle, kind=kind,
            partner_name=(partner.name if partner and partner.name else "your partner"),
            goals=goals_repo.list_for_pair(s, team_id=team_id, pair_id=pair.id),
            existing=checkins_repo.get(s, team_id=team_id, pair_id=pair.id, user_id=user_id,
                                       cycle=cycle, kind=kind),
            period=_period(_rhythm(s, team_id)),
        ), None


# --- validation (pure) --------------------------------------------------------------------

def _el(values: dict, block_id: str) -> dict:
    return (values.get(block_id) or {}).get(block_id) or {}


def _selected(values: dict, block_id: str) -> str | None:
    opt = _el(values, block_id).get("selected_option")
    return opt.get("value") if opt else None


def parse_checkin_submission(values: dict, *, kind: str, goal_ids: set[int]) -> tuple[dict, dict[str, str]]:
    """`view.state.values` -> CheckIn answers, or field errors keyed by block_id."""
    errors: dict[str, str] = {}
    met_raw = _selected(values, CheckinBlock.MET)
    if met_raw not in ("yes", "no"):
        errors[CheckinBlock.MET] = "Let us know whether you met."
    met = met_raw == YES

    usefulness = _selected(values, CheckinBlock.USEFULNESS)
    if usefulness is not None and usefulness not in USEFULNESS:
        errors[CheckinBlock.USEFULNESS] = "Pick a number from 1 to 5."
    elif usefulness is None and met:
        errors[CheckinBlock.USEFULNESS] = "You met: how useful was it, from 1 to 5?"

    texts = {}
    for name, bid in (("learned", CheckinBlock.LEARNED), ("will_try", CheckinBlock.WILL_TRY),
                      ("blockers", CheckinBlock.BLOCKERS)):
        value = str(_el(values, bid).get("value") or "").strip()
        if len(value) > MAX_TEXT:
            errors[bid] = f"Keep it under {MAX_TEXT} characters."
        texts[name] = value

    progress: dict[str, str] = {}
    for bid in values:
        if not bid.startswith(CheckinBlock.PROGRESS_PREFIX):
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

    answers = dict(met=met, usefulness=int(usefulness) if met and usefulness in USEFULNESS else None,
                   goal_progress=progress, **texts)
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
    return ({} if errors else answers), errors


# --- saving -------------------------------------------------------------------------------

@dataclass(frozen=True)
class CheckinResult:
    errors: dict[str, str]
    row: CheckIn | None = None
    created: bool = False
    pair: Pair | None = None
    name: str | None = None
    weekly: bool = True


def submit_checkin(db: Database, *, team_id: str, user_id: str, private_metadata: str,
                   values: dict) -> CheckinResult:
    """Validate and upsert the person's answers, all or nothing."""
    parsed = parse_checkin_button_value(private_metadata or "")
    with db.session() as s:
        if parsed is None:
            pair, refusal = None, GARBLED
        else:
            pair, refusal = _locate(s, team_id=team_id, user_id=user_id, pair_id=parsed[0],
                                    cycle=parsed[1], kind=parsed[2])
        if refusal:
            return CheckinResult(errors={CheckinBlock.MET: refusal})
        _, cycle, kind = parsed
        goal_ids = {g.id for g in goals_repo.list_for_pair(s, team_id=team_id, pair_id=pair.id)}
        answers, errors = parse_checkin_submission(values, kind=kind, goal_ids=goal_ids)
        if errors:
            return CheckinResult(errors=errors)
        row, created = checkins_repo.upsert(s, team_id=team_id, pair_id=pair.id, user_id=user_id,
                                            cycle=cycle, kind=kind, answers=answers)
        profile = people.get(s, team_id=team_id, user_id=user_id)
        return CheckinResult(errors={}, row=row, created=created, pair=pair,
                             name=profile.name if profile and profile.name else None,
                             weekly=_rhythm(s, team_id).cadence_weeks == 1)
