"""Deleting a person: their profile, goals and check-ins go; their Slack ID, name and words go
from every other row; a one-way code of their Slack ID stands in for it where a row must stay.

A code is "h:" and 30 hex digits of HMAC-SHA256(the workspace's secret, the Slack ID): it can't
be a Slack ID (those are capitals and digits), it can't be turned back into one, and the same
person always gets the same code in the same workspace. It replaces the ID in the pairs they
were in (so "never paired again" holds if they come back: `resolve` turns the codes of people
back in the pool into their IDs), in the people they managed, and anywhere else an ID stays.

`forget` works in the caller's transaction (all or nothing), table by table for what it knows,
then sweeps every other table that has a `team_id` for the ID, so a table added later is
covered too. Keyword-only functions over a Session; no commits, no Slack.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, SQLModel, col, delete, select

from storage.models import (
    SEND_CLAIMED,
    SEND_QUEUED,
    SEND_STALE,
    CheckIn,
    ErasureSalt,
    Goal,
    MatchRound,
    Pair,
    Participant,
    SendLedger,
)

PREFIX = "h:"
CODE_LENGTH = 32  # fits every user-ID column (32 characters)
STALE_REASON = "not sent: the person it concerned asked for their data to be deleted"


def is_code(value: str | None) -> bool:
    return isinstance(value, str) and value.startswith(PREFIX)


def code(salt: str, user_id: str) -> str:
    digest = hmac.new(salt.encode(), user_id.encode(), hashlib.sha256).hexdigest()
    return PREFIX + digest[: CODE_LENGTH - len(PREFIX)]


def existing_salt(session: Session, *, team_id: str) -> str | None:
    return session.exec(select(ErasureSalt.salt).where(ErasureSalt.team_id == team_id)).first()


def salt(session: Session, *, team_id: str) -> str:
    """The workspace's secret, made on first use (two first uses at once: one wins, both use it)."""
    found = existing_salt(session, team_id=team_id)
    if found:
        return found
    try:
        with session.begin_nested():
            session.add(ErasureSalt(team_id=team_id, salt=secrets.token_hex(32)))
    except IntegrityError:
        pass
    return existing_salt(session, team_id=team_id)


def resolve(session: Session, *, team_id: str, user_ids: Iterable[str], values: Iterable[str | None]) -> dict[str, str]:
    """{code: user ID} for the codes among `values` that belong to one of `user_ids` (people who
    came back); empty without any code, or before anyone of the workspace was forgotten."""
    wanted = {v for v in values if is_code(v)}
    if not wanted:
        return {}
    s = existing_salt(session, team_id=team_id)
    if not s:
        return {}
    out = {}
    for uid in user_ids:
        c = code(s, uid)
        if c in wanted:
            out[c] = uid
    return out


def was_in(session: Session, *, team_id: str, user_id: str, pair: Pair) -> bool:
    """The person was one of the pair before their data was deleted (their code stands in it)."""
    codes = [u for u in (pair.mentor_user_id, pair.mentee_user_id) if is_code(u)]
    s = existing_salt(session, team_id=team_id) if codes else None
    return bool(s) and code(s, user_id) in codes


@dataclass(frozen=True)
class Erased:
    """What `forget` removed or scrubbed, in rows."""

    profile: bool  # their participant row
    goals: int  # goals and learn-back items they wrote
    checkins: int  # their check-ins and final-survey answers
    pairs: int  # pairings they were in: their ID replaced by the code, the reasons cleared
    rounds: int  # matching rounds whose proposal (or decision) named them
    messages: int  # the app's copies of messages that named them or were for their pairs
    other: int  # other rows that held their ID (people they manage, installs, ...)

    @property
    def anything(self) -> bool:
        return bool(self.profile or self.goals or self.checkins or self.pairs or self.rounds
                    or self.messages or self.other)


def _id_pattern(user_id: str) -> re.Pattern:
    """The ID (or a name) as a whole word: U0ANA in "<@U0ANA>" or "unmatched:3:U0ANA", never in U0ANA2."""
    return re.compile(rf"(?<![A-Za-z0-9]){re.escape(user_id)}(?![A-Za-z0-9])")


def _names(value, pattern: re.Pattern) -> bool:
    if value is None:
        return False
    return bool(pattern.search(value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)))


def _replace_in(value, pattern: re.Pattern, replacement: str):
    """`value` (JSON: dicts, lists, strings) with the ID replaced wherever it is a whole word."""
    if isinstance(value, str):
        return pattern.sub(replacement, value)
    if isinstance(value, list):
        return [_replace_in(v, pattern, replacement) for v in value]
    if isinstance(value, dict):
        return {_replace_in(k, pattern, replacement): _replace_in(v, pattern, replacement) for k, v in value.items()}
    return value


def _mentions(column, user_id: str):
    """SQL: the column's text contains the ID (a superset of `_names`, which decides)."""
    return sa.cast(column, sa.Text).contains(user_id)


def _scrub_proposal(proposal: dict, user_id: str, pattern: re.Pattern, c: str,
                    quoted: re.Pattern | None) -> dict:
    """Their pairs' reasons and their own unmatched reason cleared (and any quoting their name)."""
    pairs = []
    for p in proposal.get("pairs") or []:
        if user_id in (p.get("mentor"), p.get("mentee")) or (quoted and _names(p.get("reasons"), quoted)):
            p = {**p, "reasons": []}
        pairs.append(p)
    unmatched = []
    for u in proposal.get("unmatched") or []:
        if u.get("user") == user_id or (quoted and _names(u.get("reason"), quoted)):
            u = {**u, "reason": ""}
        unmatched.append(u)
    return _replace_in({**proposal, "pairs": pairs, "unmatched": unmatched}, pattern, c)


def forget(session: Session, *, team_id: str, user_id: str) -> Erased:
    """Delete the person's own rows and take their ID, name and words out of every other row of
    the workspace. Their active pairs must have been ended first (the caller's transaction)."""
    c = code(salt(session, team_id=team_id), user_id)
    named = _id_pattern(user_id)

    profile = session.exec(select(Participant).where(Participant.team_id == team_id,
                                                     Participant.slack_user_id == user_id)).first()
    if profile is not None:
        session.delete(profile)
    goals = session.exec(delete(Goal).where(Goal.team_id == team_id, Goal.author_user_id == user_id)).rowcount
    checkins = session.exec(delete(CheckIn).where(CheckIn.team_id == team_id, CheckIn.user_id == user_id)).rowcount

    # The reasons of a match quote both people's names (and departments): theirs, and any other
    # that quotes their name, are cleared.
    name = (profile.name or "").strip() if profile is not None else ""
    quoted = _id_pattern(name) if len(name) >= 2 else None
    pairs = list(session.exec(select(Pair).where(
        Pair.team_id == team_id, (Pair.mentor_user_id == user_id) | (Pair.mentee_user_id == user_id))))
    pair_ids = [p.id for p in pairs]
    if quoted is not None:
        pairs += [p for p in session.exec(select(Pair).where(Pair.team_id == team_id, _mentions(Pair.reasons, name)))
                  if p.id not in pair_ids and _names(p.reasons, quoted)]
    # An admin's note on ending a pair is about its two people: cleared on hers, and on any other
    # pair's note that names her (by ID or by name).
    noted = _mentions(Pair.end_note, user_id)
    if quoted is not None:
        noted = noted | _mentions(Pair.end_note, name)
    seen = {p.id for p in pairs}
    pairs += [p for p in session.exec(select(Pair).where(Pair.team_id == team_id, noted))
              if p.id not in seen and (_names(p.end_note, named) or (quoted is not None and _names(p.end_note, quoted)))]
    for p in pairs:
        mine = p.id in pair_ids
        p.mentor_user_id = c if p.mentor_user_id == user_id else p.mentor_user_id
        p.mentee_user_id = c if p.mentee_user_id == user_id else p.mentee_user_id
        if mine or _names(p.reasons, named) or (quoted is not None and _names(p.reasons, quoted)):
            p.reasons = []
        if p.end_reason:
            p.end_reason = named.sub(c, p.end_reason)
        if p.end_note and (mine or _names(p.end_note, named) or (quoted is not None and _names(p.end_note, quoted))):
            p.end_note = None
        session.add(p)

    about_them = _mentions(MatchRound.proposal, user_id) | (MatchRound.created_by == user_id) \
        | (MatchRound.decided_by == user_id)
    if quoted is not None:
        about_them = about_them | _mentions(MatchRound.proposal, name)
    rounds = [r for r in session.exec(select(MatchRound).where(MatchRound.team_id == team_id, about_them))
              if _names(r.proposal, named) or user_id in (r.created_by, r.decided_by)
              or (quoted is not None and _names(r.proposal, quoted))]
    for r in rounds:
        r.proposal = _scrub_proposal(r.proposal or {}, user_id, named, c, quoted)
        r.created_by = c if r.created_by == user_id else r.created_by
        r.decided_by = c if r.decided_by == user_id else r.decided_by
        session.add(r)

    # The app's copies of messages: every one that named them, was for them, or was for a pair
    # they were in loses its payload; one still waiting is never sent.
    about = ((SendLedger.user_id == user_id) | (SendLedger.channel_id == user_id)
             | col(SendLedger.key).contains(user_id) | _mentions(SendLedger.payload, user_id))
    if pair_ids:
        about = about | col(SendLedger.pair_id).in_(pair_ids)
    messages = [m for m in session.exec(select(SendLedger).where(SendLedger.team_id == team_id, about))
                if user_id in (m.user_id, m.channel_id) or m.pair_id in pair_ids
                or _names(m.key, named) or _names(m.payload, named)]
    for m in messages:
        m.payload = {}
        if m.status in (SEND_QUEUED, SEND_CLAIMED):
            m.status, m.error, m.in_doubt = SEND_STALE, STALE_REASON, False
        m.key = named.sub(c, m.key)
        m.user_id = c if m.user_id == user_id else m.user_id
        m.channel_id = c if m.channel_id == user_id else m.channel_id
        if m.error:
            m.error = named.sub(c, m.error)
        session.add(m)
    session.flush()

    other = _sweep(session, team_id=team_id, user_id=user_id, pattern=named, replacement=c)
    return Erased(profile=profile is not None, goals=goals or 0, checkins=checkins or 0, pairs=len(pairs),
                  rounds=len(rounds), messages=len(messages), other=other)


def _holds_text(column) -> bool:
    """A text or JSON column (SQLModel's AutoString and other decorated types included)."""
    kind = column.type
    if isinstance(kind, sa.types.TypeDecorator):
        kind = kind.impl_instance
    return isinstance(kind, sa.String | sa.JSON)


def _sweep(session: Session, *, team_id: str, user_id: str, pattern: re.Pattern, replacement: str) -> int:
    """Every other row of the workspace, in every table with a `team_id`, that holds the ID in a
    text or JSON column: the ID becomes the code. Returns the rows changed."""
    changed = 0
    for table in SQLModel.metadata.sorted_tables:
        if "team_id" not in table.c:
            continue
        columns = [c for c in table.c if _holds_text(c) and c.name != "team_id" and not c.primary_key]
        if not columns or not table.primary_key.columns:
            continue
        key = list(table.primary_key.columns)
        hit = sa.or_(*[_mentions(c, user_id) for c in columns])
        rows = session.execute(sa.select(*key, *columns).where(table.c.team_id == team_id, hit)).all()
        for row in rows:
            values = {c.name: _replace_in(row._mapping[c], pattern, replacement) for c in columns
                      if _names(row._mapping[c], pattern)}
            if values:
                session.execute(sa.update(table).where(*[k == row._mapping[k] for k in key]).values(**values))
                changed += 1
    return changed
