"""Matching rounds: preview, confirm, cancel.

A round is proposed from the current pool and posted to the admin channel; one open proposal
per workspace (the unique `open_slot`). Confirming re-checks that the pool is the one the
preview was computed from (its fingerprint), then moves the round to `introducing` with a
compare-and-set and creates its pairs in the same transaction, so double clicks, two admins
and Slack's retries create the pairs once. The introductions run in the background
(bot/fanout.py).
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from bot import catalog
from bot.deps import Deps
from bot.domain.matching import Candidate, Proposal, Rules, propose
from bot.views import matching as views
from storage.db import Database, is_unique_violation
from storage.models import (
    ROUND_CANCELLED,
    ROUND_INTRODUCING,
    ROUND_PROPOSED,
    ROUND_STALE,
    MatchRound,
)
from storage.repositories import program as program_repo
from storage.repositories import rounds as repo

log = logging.getLogger(__name__)

# A proposal row whose preview never reached Slack (the process died in between) stops
# blocking new previews after this long.
ORPHAN_AFTER = timedelta(minutes=2)


# --- the pool -----------------------------------------------------------------------------


def candidate(p) -> Candidate:
    """A Participant (or a row of its matching columns) as the engine's Candidate."""
    return Candidate(
        user_id=p.slack_user_id, name=p.name or p.slack_user_id, side=p.side,
        skills_share=frozenset(p.skills_share or ()), skills_learn=frozenset(p.skills_learn or ()),
        seniority_years=p.seniority_years, department=p.department, timezone=p.timezone or "UTC",
        capacity=p.capacity, manager_id=p.manager_slack_id,
    )


@dataclass(frozen=True)
class Snapshot:
    pool: list  # rows of repo.POOL_COLUMNS
    history: list[tuple[str, str]]
    rules: Rules
    fingerprint: str

    @property
    def user_ids(self) -> frozenset[str]:
        return frozenset(p.slack_user_id for p in self.pool)


def _fingerprint(pool: list, active_pairs: list[tuple[int, str, str]], rules: Rules) -> str:
    """A hash of everything a proposal depends on: the pool's rows (with updated_at), the active
    pairs and the rules. repr() of tuples of str/int/None/date/datetime is stable and unambiguous."""
    h = hashlib.sha256()
    for p in sorted(pool, key=lambda p: p.slack_user_id):
        h.update(repr((p.slack_user_id, p.side, sorted(p.skills_share or ()), sorted(p.skills_learn or ()),
                       p.seniority_years, p.department, p.timezone, p.capacity, p.manager_slack_id, p.status,
                       p.paused_until, p.updated_at)).encode())
        h.update(b"\n")
    h.update(repr((list(active_pairs), rules.max_tz_diff_hours, rules.allow_same_department)).encode())
    return h.hexdigest()


def snapshot(session: Session, *, team_id: str, now: datetime) -> Snapshot:
    pool = repo.matchable_rows(session, team_id=team_id, today=now.date())
    settings = program_repo.get_settings(session, team_id=team_id)
    rules = Rules(max_tz_diff_hours=settings.max_tz_diff_hours,
                  allow_same_department=settings.allow_same_department, reference_time=now)
    active = repo.active_pair_keys(session, team_id=team_id)
    return Snapshot(pool=pool, history=repo.history(session, team_id=team_id), rules=rules,
                    fingerprint=_fingerprint(pool, active, rules))


def proposal_for(snap: Snapshot) -> Proposal:
    return propose([candidate(p) for p in snap.pool], snap.history, snap.rules, skill_labels=catalog.SKILL_LABELS)


def dry_run(db: Database, *, team_id: str, now: datetime) -> tuple[Proposal, Snapshot]:
    """The proposal for the current pool; touches neither the database nor Slack."""
    with db.session(read_only=True) as s:
        snap = snapshot(s, team_id=team_id, now=now)
    return proposal_for(snap), snap


def proposal_user_ids(proposal: dict) -> frozenset[str]:
    ids = {u["user"] for u in proposal.get("unmatched") or []}
    for p in proposal.get("pairs") or []:
        ids.update((p["mentor"], p["mentee"]))
    return frozenset(ids)


def what_changed(before: frozenset[str], after: frozenset[str]) -> str:
    joined, left = len(after - before), len(before - after)
    parts = []
    if joined:
        parts.append(f"{joined} {'person' if joined == 1 else 'people'} joined or came back")
    if left:
        parts.append(f"{left} {'person' if left == 1 else 'people'} left, paused or got paired")
    return " and ".join(parts) or "someone's profile, a pair or the program settings changed"


# --- preview ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reply:
    """What to tell the admin privately (None: the channel message says it all)."""

    message: dict | None = None
    round_id: int | None = None


def _permalink(client: WebClient, rnd: MatchRound) -> str | None:
    if not (rnd.channel_id and rnd.message_ts):
        return None
    try:
        return client.chat_getPermalink(channel=rnd.channel_id, message_ts=rnd.message_ts).get("permalink")
    except SlackApiError:
        return None


def _open_or_orphan(session: Session, *, team_id: str, now: datetime) -> MatchRound | None:
    """The open proposal, after clearing one whose preview never got posted."""
    rnd = repo.open_proposal(session, team_id=team_id)
    if rnd is not None and rnd.message_ts is None and rnd.created_at < now - ORPHAN_AFTER:
        repo.move(session, round_id=rnd.id, expected=ROUND_PROPOSED, to=ROUND_CANCELLED, open_slot=None,
                  decided_at=now)
        log.info("Cleared matching round %s: its preview was never posted", rnd.id)
        return None
    return rnd


def open_proposal_reply(deps: Deps, client: WebClient, *, team_id: str) -> Reply | None:
    """The answer to `/mentoring match` while a proposal is open, or None if none is."""
    with deps.db.session() as s:
        rnd = _open_or_orphan(s, team_id=team_id, now=deps.now())
    if rnd is None:
        return None
    return Reply(views.build_open_proposal_exists(created_by=rnd.created_by, permalink=_permalink(client, rnd)),
                 rnd.id)


def preview(deps: Deps, client: WebClient, *, team_id: str, user_id: str) -> Reply:
    """Propose a round for the current pool and post it to the admin channel."""
    now = deps.now()
    channel = deps.settings.admin_channel
    with deps.db.session(read_only=True) as s:
        snap = snapshot(s, team_id=team_id, now=now)
    proposal = proposal_for(snap)
    data = proposal.to_json_dict()
    if not proposal.pairs:
        return Reply(views.build_nothing_to_match(pool_size=len(snap.pool), unmatched=data["unmatched"]))
    try:
        with deps.db.session() as s:
            if _open_or_orphan(s, team_id=team_id, now=now) is None:
                rnd = repo.insert_proposal(s, team_id=team_id, created_by=user_id, fingerprint=snap.fingerprint,
                                           proposal=data, created_at=now)
            else:
                rnd = None
    except IntegrityError as e:
        if not is_unique_violation(e):
            raise
        rnd = None
    if rnd is None:  # someone else's preview got in first
        return open_proposal_reply(deps, client, team_id=team_id) or Reply(
            views.build_open_proposal_exists(created_by=user_id, permalink=None))

    message = views.build_preview(round_id=rnd.id, proposal=data, created_by=user_id)
    try:
        resp = client.chat_postMessage(channel=channel, text=message["text"], blocks=message["blocks"],
                                       unfurl_links=False, unfurl_media=False)
    except SlackApiError as e:
        error = e.response.get("error") or f"http_{e.response.status_code}"
        log.warning("Couldn't post the matching preview to %s: %s", channel, error)
        with deps.db.session() as s:
            repo.move(s, round_id=rnd.id, expected=ROUND_PROPOSED, to=ROUND_CANCELLED, open_slot=None,
                      decided_at=deps.now())
        return Reply(views.build_preview_failed(error, channel), rnd.id)
    with deps.db.session() as s:
        repo.set_message(s, round_id=rnd.id, channel_id=resp.get("channel") or channel, message_ts=resp["ts"])
    log.info("Matching round %s proposed by %s: %d pairs", rnd.id, user_id, len(proposal.pairs))
    return Reply(None, rnd.id)


# --- confirm and cancel -------------------------------------------------------------------


def _update_message(client: WebClient, rnd: MatchRound, message: dict) -> None:
    """Best effort: the preview message shows the round's state; the database holds the truth."""
    if not (rnd.channel_id and rnd.message_ts):
        return
    try:
        client.chat_update(channel=rnd.channel_id, ts=rnd.message_ts, text=message["text"],
                           blocks=message["blocks"])
    except SlackApiError as e:
        log.warning("Couldn't update the preview of round %s: %s", rnd.id, e.response.get("error"))


def _state_reply(deps: Deps, *, team_id: str, round_id: int) -> Reply:
    with deps.db.session(read_only=True) as s:
        rnd = repo.get(s, team_id=team_id, round_id=round_id)
    status = rnd.status if rnd is not None else "missing"
    return Reply({"response_type": "ephemeral",
                  "text": views.round_state_reply(status, decided_by=rnd.decided_by if rnd else None)}, round_id)


def confirm(deps: Deps, client: WebClient, *, team_id: str, round_id: int, user_id: str,
            start_fanout: bool = True) -> Reply:
    now = deps.now()
    outcome = None
    with deps.db.session() as s:
        rnd = repo.get(s, team_id=team_id, round_id=round_id)
        if rnd is not None and rnd.status == ROUND_PROPOSED:
            snap = snapshot(s, team_id=team_id, now=now)
            pairs = rnd.proposal.get("pairs") or []
            if snap.fingerprint != rnd.pool_fingerprint:
                if repo.move(s, round_id=round_id, expected=ROUND_PROPOSED, to=ROUND_STALE, open_slot=None,
                             decided_by=user_id, decided_at=now):
                    outcome = ("stale", what_changed(proposal_user_ids(rnd.proposal), snap.user_ids))
            elif repo.move(s, round_id=round_id, expected=ROUND_PROPOSED, to=ROUND_INTRODUCING, open_slot=None,
                           decided_by=user_id, decided_at=now, pairs_total=len(pairs)):
                repo.create_pairs(s, team_id=team_id, round_id=round_id, pairs=pairs, created_at=now)
                outcome = ("confirmed", len(pairs))
    if outcome is None:  # it had moved on already: another click, another admin, a retry
        return _state_reply(deps, team_id=team_id, round_id=round_id)

    if outcome[0] == "stale":
        log.info("Matching round %s is stale: %s", round_id, outcome[1])
        _update_message(client, rnd, views.build_stale(proposal=rnd.proposal, what_changed=outcome[1]))
        return Reply({"response_type": "ephemeral", "text": views.stale_reply(outcome[1])}, round_id)

    log.info("Matching round %s confirmed by %s: introducing %d pairs", round_id, user_id, outcome[1])
    _update_message(client, rnd, views.build_progress(proposal=rnd.proposal, decided_by=user_id, introduced=0,
                                                      total=outcome[1]))
    if start_fanout:
        from bot import fanout

        fanout.start_in_background(deps, team_id=team_id, round_id=round_id)
    return Reply(None, round_id)


def cancel(deps: Deps, client: WebClient, *, team_id: str, round_id: int, user_id: str) -> Reply:
    with deps.db.session() as s:
        rnd = repo.get(s, team_id=team_id, round_id=round_id)
        moved = rnd is not None and repo.move(
            s, round_id=round_id, expected=ROUND_PROPOSED, to=ROUND_CANCELLED, open_slot=None,
            decided_by=user_id, decided_at=deps.now())
    if not moved:
        if rnd is not None and rnd.status == ROUND_CANCELLED:
            return Reply(None, round_id)  # a second click: already done, nothing to say
        return _state_reply(deps, team_id=team_id, round_id=round_id)
    log.info("Matching round %s cancelled by %s", round_id, user_id)
    _update_message(client, rnd, views.build_cancelled(proposal=rnd.proposal, cancelled_by=user_id))
    return Reply(None, round_id)


def parse_round_id(value: str | None) -> int | None:
    try:
        n = int(value or "")
    except ValueError:
        return None
    return n if n > 0 else None


# --- the dry run's text -------------------------------------------------------------------


def format_dry_run(proposal: Proposal, snap: Snapshot, *, team_id: str) -> str:
    """A readable table of pairs with reasons, the unmatched and the figures."""
    if not snap.pool:
        return (f"Nobody in {team_id} is waiting to be matched: everyone who signed up is in a pair or "
                "paused, or nobody has signed up yet.")
    names = {p.slack_user_id: (p.name or "").strip() for p in snap.pool}

    def who(uid: str) -> str:
        return f"{names[uid]} ({uid})" if names.get(uid) else uid

    s = proposal.stats
    n = len(proposal.pairs)
    lines = [f"Matching proposal for {team_id} (dry run: nothing saved, nothing sent)", ""]
    sides = f"{s.get('mentors', 0)} mentors, {s.get('mentees', 0)} mentees, {s.get('either', 0)} either"
    lines.append(f"Pool:   {s.get('participants', len(snap.pool))} people ({sides})")
    lines.append(f"Pairs:  {n}; mentees with a wanted skill covered: "
                 f"{s.get('mentees_with_wanted_skill_covered', 0)} of {n} "
                 f"({round(100 * s.get('mentees_with_wanted_skill_covered_share', 0))}%); "
                 f"mean score {s.get('mean_score', 0)}")
    lines.append(f"Left in the pool: {len(proposal.unmatched)}")
    if proposal.pairs:
        width = max(len("MENTOR"), *(len(who(p.mentor)) for p in proposal.pairs))
        lines += ["", f"{'MENTOR':<{width}}  {'MENTEE':<{width}}  SCORE"]
        for p in proposal.pairs:
            lines.append(f"{who(p.mentor):<{width}}  {who(p.mentee):<{width}}  {p.score:>5}")
            lines += [f"    - {r}" for r in p.reasons]
    else:
        lines += ["", "No pair can be made from this pool."]
    if proposal.unmatched:
        lines += ["", f"NOT MATCHED ({len(proposal.unmatched)})"]
        lines += [f"  {who(u.user_id)}: {u.reason}" for u in proposal.unmatched]
    return "\n".join(lines)
