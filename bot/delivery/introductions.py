"""Introduce the pairs of a confirmed round, exactly once each, in the background.

For every pair of a round in status `introducing` that has no `introduced_at` yet:

1. `conversations.open` with both people (idempotent in Slack: the same group DM every time);
   its ID is stored on the pair at once.
2. The intro goes through the send ledger under the key `intro:{pair_id}`: one writer claims
   it, and a crash between Slack taking the message and the database recording it is settled
   by `Outbox.recover` from the conversation's history (bot/delivery/outbox.py).
3. `introduced_at` is set once the ledger says the intro was sent: the program's schedule is
   anchored on it.

A pair that has ended since the round was confirmed (someone left) is skipped: its status is
read afresh right before its intro goes out. Each person of a pair that couldn't be introduced
who is still in the program and not deactivated gets a DM (key `intro_failed:{pair_id}:{user}`).
Then everyone left unmatched gets a DM (key `unmatched:{round_id}:{user}`). The round is `done`
when every pair is introduced (or could not be: both people go back to the pool) and every DM
is settled. Progress shows on the preview message in the admin channel.

Crash safety: `resume_all` (run at startup and every minute by bot/scheduler.py) settles
ledger rows left in doubt and carries on every round still `introducing`. Two processes on the
same round are safe: opening the conversation twice gives the same ID, and the ledger lets only
one of them post each intro. Within a process, a round is worked by one thread at a time.

Pace: every call goes through the workspace's pacer (bot/delivery/sender.py), like every other
send: one token bucket per workspace, a 429 stops that workspace's sending for its Retry-After,
and recovery is paced too. On SIGTERM the pass stops before its next call; the rest stays due.
Slack refusing the app itself (APP_ERRORS: a revoked or inactive token) stops the pass with
everything due, and the admins are told once a day.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from datetime import timedelta

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.blocks import meeting as meeting_words
from bot.blocks import rounds as words
from bot.delivery import keys
from bot.delivery.outbox import APP_ERRORS, Item, Outcome
from bot.delivery.sender import Stopped
from bot.deps import Deps
from bot.domain import pairing, slots
from bot.domain.schedule import Rhythm, bounds, n_cycles, pair_cadence
from bot.domain.timezones import pair_zone, valid_zone
from bot.slack.round_board import SlackRoundBoard
from storage.models import (
    END_REASON_LEFT,
    PAIR_ACTIVE,
    PAIR_ENDED,
    PARTICIPANT_LEFT,
    ROUND_DONE,
    ROUND_INTRODUCING,
    SEND_CLAIMED,
    SEND_FAILED,
    SEND_SENT,
    MatchRound,
    Pair,
    SendLedger,
)
from storage.repositories import ledger as ledger_repo
from storage.repositories import pair_schedules
from storage.repositories import pairs as pairs_repo
from storage.repositories import participants as people
from storage.repositories import rounds as repo
from storage.repositories import settings as settings_repo

log = logging.getLogger(__name__)

PROGRESS_EVERY = 10  # pairs between updates of the preview message

# conversations.open errors that concern the two people, not the app: the pair can't be introduced.
# (`account_inactive` is about the app's own token: like every APP_ERRORS, it stops the pass,
# keeps everything due, and the admins are told once.)
PAIR_ERRORS = frozenset({
    "user_not_found", "users_not_found", "user_disabled", "cannot_dm_bot",
    "user_is_restricted", "user_is_ultra_restricted", "not_allowed_token_type_for_user",
})


def _profiles(deps: Deps, pair: Pair) -> tuple[dict[str, tuple[str, str]], pairing.Why]:
    """Each person's short intro and preferred meeting mode, and why they were paired, for the
    pair's introduction."""
    with deps.db.session(read_only=True) as s:
        mentor, mentee = (people.get(s, team_id=pair.team_id, user_id=u)
                          for u in (pair.mentor_user_id, pair.mentee_user_id))
    return ({p.slack_user_id: (p.intro, p.meeting_mode) for p in (mentor, mentee) if p is not None},
            pairing.why(mentor, mentee))


def _meeting(deps: Deps, pair: Pair, settings, channel: str) -> tuple[int, list[dict], Item | None]:
    """The pair's cadence, fixed on the pair now (the program's, or the slower of the two
    people's choices); the intro's blocks about meeting (how often, three times inside both
    working days); and the recurring invitation (.ics) for the first of those times, to share in
    the pair's DM right after the intro (None when no time fits both)."""
    with deps.db.session() as s:
        mentor, mentee = (people.get(s, team_id=pair.team_id, user_id=u)
                          for u in (pair.mentor_user_id, pair.mentee_user_id))
        choices = tuple(p.meeting_frequency if p else None for p in (mentor, mentee))
        wanted = pair_cadence(settings.cadence_weeks, *choices)
        cadence = pair_schedules.fix_cadence(s, team_id=pair.team_id, pair_id=pair.id, cadence_weeks=wanted)
    fixed = bool(settings.cadence_weeks)
    blocks = [meeting_words.cadence_section(cadence_weeks=cadence, program_fixed=fixed, choices=choices)]
    who = [(p.slack_user_id, valid_zone(p.timezone)) for p in (mentor, mentee) if p is not None]
    if len(who) < 2 or not all(tz for _, tz in who):
        return cadence, blocks, None  # without both zones, working hours can't be told
    try:
        rhythm = Rhythm.from_settings(settings).for_pair(cadence)
    except ValueError:
        rhythm = Rhythm().for_pair(cadence)
    tz = pair_zone(mentee.timezone, mentor.timezone)
    sessions = n_cycles(rhythm)
    first = bounds(rhythm, anchor=deps.now(), tz=tz)[0]
    offered = slots.propose(window=(first, first + timedelta(weeks=cadence)), zones=tuple(z for _, z in who),
                            pair_tz=tz, cadence_weeks=cadence, sessions=sessions)
    blocks.append(meeting_words.slots_section(slots=offered, people=who, cadence_weeks=cadence, sessions=sessions,
                                              invitation=bool(offered)))
    if not offered:
        return cadence, blocks, None
    ics = slots.invitation(offered[0], pair_tz=tz, cadence_weeks=cadence, sessions=sessions,
                           uid=f"pair-{pair.id}-{pair.team_id}@reverse-mentoring",
                           summary=meeting_words.INVITATION_SUMMARY,
                           description=meeting_words.INVITATION_DESCRIPTION, stamp=deps.now())
    invite = Item(key=keys.invitation(pair.id), kind="invitation", channel=channel, pair_id=pair.id,
                  text=meeting_words.invitation_comment(slot=offered[0], tz=tz, cadence_weeks=cadence,
                                                        sessions=sessions),
                  file={"filename": f"reverse-mentoring-{pair.id}.ics", "title": "Reverse mentoring sessions",
                        "content": ics.decode("utf-8")})
    return cadence, blocks, invite


@dataclass
class PassResult:
    round_id: int
    introduced: int = 0  # pairs introduced by this pass
    ended: int = 0  # pairs that could not be introduced
    pending: int = 0  # pairs or DMs left for a later pass
    done: bool = False
    stopped: str | None = None  # why the pass stopped early
    notes: list[str] = field(default_factory=list)


class _Stop(Exception):
    """Slack is refusing for a reason that isn't about one pair: stop this pass, resume later."""


class _AppProblem(_Stop):
    """Slack refused the app itself (a revoked or inactive token, a missing scope): nothing can
    go out until whoever runs the bot fixes it; the admins are told once."""

    def __init__(self, call: str, error: str):
        super().__init__(f"{call}: {error}")
        self.error = error


# --- in-process guard ---------------------------------------------------------------------

# (the database, the round): a round's ID is unique within its database only, and a process may
# hold more than one (a lingering pass over another database's round 2 must not stop this one's).
_running: set[tuple[int, int]] = set()
_running_lock = threading.Lock()


def _acquire(round_id: tuple[int, int]) -> bool:
    with _running_lock:
        if round_id in _running:
            return False
        _running.add(round_id)
        return True


def _release(round_id: tuple[int, int]) -> None:
    with _running_lock:
        _running.discard(round_id)


def start_in_background(deps: Deps, round_id: int) -> threading.Thread:
    def work() -> None:
        try:
            run_round(deps, round_id=round_id)
        except Exception:  # a background thread: nobody else would see it
            log.exception("Introducing the pairs of round %s failed; the next resume carries on", round_id)

    thread = threading.Thread(target=work, name=f"fanout-{round_id}", daemon=True)
    thread.start()
    return thread


# --- one pass over a round ----------------------------------------------------------------


def _error_of(e: SlackApiError) -> str:
    data = e.response.data
    return (data.get("error") if isinstance(data, dict) else None) or f"http_{e.response.status_code}"


def _tell_admins(deps: Deps, client: WebClient, rnd: MatchRound, error: str) -> None:
    """Once a day per problem: the admins hear that introductions wait for the app to be fixed.
    (With a dead token this note waits in the ledger too, and goes out once the app works.)"""
    channel = deps.admins.channel(rnd.team_id)
    if not channel:
        return
    text = words.app_problem_note(error=error, round_id=rnd.id)
    item = Item(key=keys.app_problem(error, deps.now().date()), kind="app_problem", channel=channel, text=text)
    try:
        deps.pacer.send_once(deps.outbox, client, team_id=rnd.team_id, item=item)
    except Stopped:
        pass


def _ledger(deps: Deps, *, team_id: str, key: str) -> SendLedger | None:
    return deps.outbox.row(team_id=team_id, key=key)


def _end_pair(deps: Deps, pair: Pair, reason: str) -> bool:
    with deps.db.session() as s:
        ended = pairs_repo.end_unintroduced(s, pair_id=pair.id, when=deps.now(), reason=reason)
    if ended:
        log.warning("Pair %s (%s, %s) can't be introduced: %s", pair.id, pair.mentor_user_id,
                    pair.mentee_user_id, reason)
    return ended


def _open_conversation(deps: Deps, client: WebClient, pair: Pair) -> str | None:
    """The pair's group DM ID (stored on the pair), or None if the pair can't be introduced."""
    if pair.channel_id:
        return pair.channel_id
    try:
        resp = deps.pacer.call(client, pair.team_id, client.conversations_open,
                               users=f"{pair.mentor_user_id},{pair.mentee_user_id}")
    except SlackApiError as e:
        error = _error_of(e)
        if error in PAIR_ERRORS:
            _end_pair(deps, pair, f"couldn't open a conversation with them ({error})")
            return None
        if error in APP_ERRORS:
            raise _AppProblem("conversations.open", error) from e
        raise _Stop(f"conversations.open: {error}") from e
    except OSError as e:
        raise _Stop(f"conversations.open: {e}") from e
    channel = resp["channel"]["id"]
    with deps.db.session() as s:
        pairs_repo.set_pair_channel(s, pair_id=pair.id, channel_id=channel)
    pair.channel_id = channel
    return channel


def _introduce(deps: Deps, client: WebClient, rnd: MatchRound, pair: Pair,
               settings, invitations: list[tuple[int, str]]) -> str:
    """'introduced', 'ended' or 'pending' (another writer or recovery will settle it)."""
    key = keys.intro(pair.id)
    row = _ledger(deps, team_id=rnd.team_id, key=key)
    if row is None:
        channel = _open_conversation(deps, client, pair)
        if channel is None:
            return "ended"
        if not _still_active(deps, pair.id):  # someone left while the round was being introduced
            log.info("Not introducing pair %s: it has ended since the round was confirmed", pair.id)
            return "ended"
        cadence, meeting, invite = _meeting(deps, pair, settings, channel)
        profiles, why = _profiles(deps, pair)
        message = words.build_intro(pair_id=pair.id, mentor=pair.mentor_user_id, mentee=pair.mentee_user_id,
                                    why=why, length_weeks=settings.length_weeks,
                                    cadence_weeks=cadence, profiles=profiles, meeting=meeting)
        item = Item(key=key, kind="intro", channel=channel, text=message["text"], blocks=message["blocks"],
                    pair_id=pair.id)
        outcome = _send_intro(deps, client, rnd.team_id, item, invite, invitations)
        if outcome is Outcome.RETRY_LATER:
            row = _ledger(deps, team_id=rnd.team_id, key=key)
            error = (row.error if row else None) or "no answer"
            if error in APP_ERRORS:
                raise _AppProblem("chat.postMessage", error)
            raise _Stop(f"chat.postMessage: {error}")
        row = _ledger(deps, team_id=rnd.team_id, key=key)
    if row is None or row.status == SEND_CLAIMED:
        return "pending"  # another writer has it in flight, or recovery will settle it
    if row.status == SEND_SENT:
        with deps.db.session() as s:
            pairs_repo.mark_introduced(s, pair_id=pair.id, when=row.sent_at or deps.now())
        return "introduced"
    if row.status == SEND_FAILED:
        _end_pair(deps, pair, f"Slack refused the intro ({row.error or 'unknown error'})")
        return "ended"
    return "pending"


def _send_intro(deps: Deps, client: WebClient, team_id: str, item: Item, invite: Item | None,
                invitations: list[tuple[int, str]]) -> Outcome:
    """The intro and its calendar invitation are recorded together; the intro goes out now, and
    the invitation (its row and channel added to `invitations`) once the pass has posted its
    intros, so that no pair's DM waits out the one-post-a-second rule. What a pass doesn't get
    to share, recovery shares, once."""
    won = deps.outbox.claim(team_id=team_id, items=[item, *([invite] if invite else [])])
    if item.key not in won:
        return Outcome.DUPLICATE
    outcome = deps.pacer.deliver(deps.outbox, client, team_id=team_id, row_id=won[item.key], channel=item.channel)
    if outcome is Outcome.SENT and invite is not None and invite.key in won:
        invitations.append((won[invite.key], invite.channel))
    return outcome


def _share_invitations(deps: Deps, client: WebClient, team_id: str, invitations: list[tuple[int, str]]) -> None:
    for row_id, channel in invitations:
        deps.pacer.deliver(deps.outbox, client, team_id=team_id, row_id=row_id, channel=channel)


def _still_active(deps: Deps, pair_id: int) -> bool:
    with deps.db.session(read_only=True) as s:
        row = s.get(Pair, pair_id)
        return row is not None and row.status == PAIR_ACTIVE


def _can_be_told(deps: Deps, client: WebClient, *, team_id: str, user_id: str) -> bool:
    """Still in the program and not deactivated in Slack."""
    with deps.db.session(read_only=True) as s:
        person = people.get(s, team_id=team_id, user_id=user_id)
    if person is None or person.status == PARTICIPANT_LEFT:
        return False
    try:
        info = deps.pacer.call(client, team_id, client.users_info, user=user_id)["user"]
    except SlackApiError as e:
        error = _error_of(e)
        if error in PAIR_ERRORS:
            return False
        if error in APP_ERRORS:
            raise _AppProblem("users.info", error) from e
        raise _Stop(f"users.info: {error}") from e
    except OSError as e:
        raise _Stop(f"users.info: {e}") from e
    return not (info.get("deleted") or info.get("is_bot"))


def _dm_intro_failed(deps: Deps, client: WebClient, rnd: MatchRound) -> int:
    """Tell the people of every pair that couldn't be introduced (not someone who has left, nor
    a deactivated account) that they're back in the pool; returns how many DMs are unsettled.
    Run on every pass, so a crash after `_end_pair` loses no DM."""
    with deps.db.session(read_only=True) as s:
        failed = [p for p in pairs_repo.pairs_of_round(s, round_id=rnd.id)
                  if p.status == PAIR_ENDED and p.introduced_at is None and p.end_reason != END_REASON_LEFT
                  and p.ended_by is None]  # an admin who ended it had both told already
    pending = 0
    for pair in failed:
        for uid in (pair.mentor_user_id, pair.mentee_user_id):
            key = keys.intro_failed(pair.id, uid)
            row = _ledger(deps, team_id=rnd.team_id, key=key)
            if row is None:
                if not _can_be_told(deps, client, team_id=rnd.team_id, user_id=uid):
                    continue
                message = words.build_intro_failed_dm(user_id=uid)
                item = Item(key=key, kind="intro_failed", channel=uid, text=message["text"],
                            blocks=message["blocks"], pair_id=pair.id, user_id=uid)
                if deps.pacer.send_once(deps.outbox, client, team_id=rnd.team_id, item=item) is Outcome.RETRY_LATER:
                    raise _Stop("chat.postMessage to someone whose pair couldn't be introduced")
                row = _ledger(deps, team_id=rnd.team_id, key=key)
            if row is None or row.status == SEND_CLAIMED:
                pending += 1
    return pending


def _dm_unmatched(deps: Deps, client: WebClient, rnd: MatchRound) -> int:
    """DM everyone the round left unmatched; returns how many are not settled yet."""
    pending = 0
    for u in rnd.proposal.get("unmatched") or []:
        key = keys.unmatched(rnd.id, u["user"])
        row = _ledger(deps, team_id=rnd.team_id, key=key)
        if row is None:
            message = words.build_unmatched_dm(user_id=u["user"], reason=u.get("reason") or "")
            item = Item(key=key, kind="unmatched", channel=u["user"], text=message["text"],
                        blocks=message["blocks"], user_id=u["user"])
            outcome = deps.pacer.send_once(deps.outbox, client, team_id=rnd.team_id, item=item)
            if outcome is Outcome.RETRY_LATER:
                raise _Stop("chat.postMessage to an unmatched person")
            row = _ledger(deps, team_id=rnd.team_id, key=key)
        if row is None or row.status == SEND_CLAIMED:
            pending += 1
    return pending


def _progress(deps: Deps, board: SlackRoundBoard, rnd: MatchRound, *, waiting: bool = False) -> None:
    with deps.db.session() as s:
        introduced = repo.refresh_progress(s, round_id=rnd.id)
    board.show_progress(rnd, decided_by=rnd.decided_by or rnd.created_by, introduced=introduced,
                        total=rnd.pairs_total, waiting=waiting)


def _finish(deps: Deps, board: SlackRoundBoard, rnd: MatchRound) -> bool:
    with deps.db.session() as s:
        introduced = repo.refresh_progress(s, round_id=rnd.id)
        pairs = pairs_repo.pairs_of_round(s, round_id=rnd.id)
        moved = repo.move(s, round_id=rnd.id, expected=ROUND_INTRODUCING, to=ROUND_DONE)
    if not moved:
        return False
    failed = [(p.mentor_user_id, p.mentee_user_id, p.end_reason or "unknown") for p in pairs
              if p.status == PAIR_ENDED and p.introduced_at is None and p.end_reason != END_REASON_LEFT
              and p.ended_by is None]
    unmatched = len(rnd.proposal.get("unmatched") or [])
    log.info("Matching round %s done: %d of %d pairs introduced, %d unmatched told", rnd.id, introduced,
             rnd.pairs_total, unmatched)
    board.show_finished(rnd, decided_by=rnd.decided_by or rnd.created_by, introduced=introduced,
                        total=rnd.pairs_total, unmatched=unmatched, failed=failed)
    return True


def run_round(deps: Deps, *, round_id: int, client: WebClient | None = None) -> PassResult:
    """One pass over a round: introduce what's left, DM the unmatched, finish if all is settled."""
    result = PassResult(round_id)
    running = (id(deps.db), round_id)
    if not _acquire(running):
        result.stopped = "already running in this process"
        return result
    try:
        with deps.db.session() as s:
            rnd = s.get(MatchRound, round_id)
            if rnd is None or rnd.status != ROUND_INTRODUCING:
                result.done = rnd is not None and rnd.status == ROUND_DONE
                return result
            settings = settings_repo.get(s, team_id=rnd.team_id)
            todo = [p for p in pairs_repo.pairs_of_round(s, round_id=round_id)
                    if p.introduced_at is None and p.status == PAIR_ACTIVE]
        client = client or deps.slack.sending(rnd.team_id)
        board = SlackRoundBoard(client, rnd.channel_id)
        step = max(1, min(PROGRESS_EVERY, rnd.pairs_total // 10 or 1))
        with deps.db.session(read_only=True) as s:  # recorded by a pass that stopped before sharing them
            invitations = ledger_repo.untried(s, team_id=rnd.team_id, kind="invitation", round_id=round_id)
        try:
            for n, pair in enumerate(todo, 1):
                state = _introduce(deps, client, rnd, pair, settings, invitations)
                if state == "introduced":
                    result.introduced += 1
                elif state == "ended":
                    result.ended += 1
                else:
                    result.pending += 1
                if n % step == 0 and n < len(todo):
                    _progress(deps, board, rnd)
            _share_invitations(deps, client, rnd.team_id, invitations)
            result.pending += _dm_intro_failed(deps, client, rnd)
            result.pending += _dm_unmatched(deps, client, rnd)
        except Stopped:
            result.stopped = "stopping"
            log.info("Introductions for round %s stop with the process; the next start carries on", round_id)
            return result
        except _Stop as e:
            result.stopped = str(e)
            if isinstance(e, _AppProblem):
                log.error("Slack refused the app itself (%s) while introducing round %s: check the bot token "
                          "and its scopes; everything stays due", e.error, round_id)
                _tell_admins(deps, client, rnd, e.error)
            log.warning("Introductions for round %s paused (%s); the next resume carries on", round_id, e)
            _progress(deps, board, rnd, waiting=True)
            return result
        if result.pending:
            _progress(deps, board, rnd)
            return result
        result.done = _finish(deps, board, rnd)
        return result
    finally:
        _release(running)


# --- crash recovery -----------------------------------------------------------------------


def resume_all(deps: Deps) -> list[PassResult]:
    """Settle sends left in doubt, then carry on every round still introducing (all workspaces)."""
    with deps.db.session(read_only=True) as s:
        rounds = repo.introducing(s)
    try:
        for team_id in sorted({r.team_id for r in rounds}):
            counts = deps.outbox.recover(deps.slack.sending, team_id=team_id,
                                         pace=lambda t: deps.pacer.bucket(t).acquire())
            if counts:
                log.info("Recovered sends for %s: %s", team_id, counts)
    except Stopped:
        return []
    return [run_round(deps, round_id=rnd.id) for rnd in rounds]
