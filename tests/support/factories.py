"""Test data factories: valid objects by default, override what the test is about."""

from __future__ import annotations

from itertools import count

from storage.models import ParticipantCreate

_seq = count(1)


def participant_create(**overrides) -> ParticipantCreate:
    n = next(_seq)
    data = dict(
        team_id="T0001",
        slack_user_id=f"U{n:05d}",
        name=f"Person {n}",
        side="mentor",
        skills_share=["ai_tools", "social_media"],
        skills_learn=["leadership"],
        seniority_years=3,
        department="Engineering",
        timezone="Europe/London",
        meeting_mode="video",
        meeting_frequency="weekly",
        intro="",
        capacity=1,
    )
    data.update(overrides)
    return ParticipantCreate(**data)


def mentee_create(**overrides) -> ParticipantCreate:
    """A senior colleague who wants to learn digital skills (matches `participant_create`'s mentor)."""
    data = dict(side="mentee", seniority_years=20, skills_share=["leadership"], skills_learn=["ai_tools"],
                department="Finance")
    data.update(overrides)
    return participant_create(**data)


def seed_participants(db, people) -> None:
    """Store ParticipantCreate objects in one unit of work."""
    from storage.repositories import participants as repo

    with db.session() as s:
        for data in people:
            repo.upsert(s, data=data)


def paired(db, *, mentee: dict | None = None, mentor: dict | None = None, channel_id: str | None = "G0PAIR",
           introduced_at=None, team_id: str = "T0001"):
    """A mentee, a mentor and their active Pair, stored; returns (mentee, mentor, pair) rows."""
    from datetime import UTC, datetime

    from storage.models import Pair
    from storage.repositories import participants as repo

    with db.session() as s:
        mentee_row, _ = repo.upsert(s, data=participant_create(
            team_id=team_id, side="mentee", seniority_years=20, skills_share=["leadership"],
            skills_learn=["ai_tools"], department="Finance", **(mentee or {})))
        mentor_row, _ = repo.upsert(s, data=participant_create(team_id=team_id, **(mentor or {})))
        pair = Pair(team_id=team_id, mentor_user_id=mentor_row.slack_user_id,
                    mentee_user_id=mentee_row.slack_user_id, channel_id=channel_id,
                    introduced_at=introduced_at or datetime(2026, 1, 5, 9, 0, tzinfo=UTC))
        s.add(pair)
        s.flush()
    return mentee_row, mentor_row, pair


def started_pair(db, fake, *, mentee_tz: str = "Europe/London", mentor_tz: str | None = None,
                 introduced_at=None, team_id: str = "T0001", mentee_id: str | None = None,
                 mentor_id: str | None = None, token: str | None = None, **pair_fields):
    """An introduced pair as the matching round leaves it: both people signed up (and known to
    the fake Slack, in workspace `team_id`), a group DM opened through the fake (with `token`, a
    token of that workspace, when it isn't the fake's own), and an active Pair. Returns the Pair."""
    from datetime import UTC, datetime

    from storage.models import Pair
    from storage.repositories import participants as repo

    n = next(_seq)
    mentee_id = mentee_id or f"UE{n:05d}"
    mentor_id = mentor_id or f"UR{n:05d}"
    mentor_tz = mentor_tz or mentee_tz
    fake.add_user(mentee_id, f"Mentee {n}", tz=mentee_tz, team_id=team_id)
    fake.add_user(mentor_id, f"Mentor {n}", tz=mentor_tz, team_id=team_id)
    client = fake.client(token) if token else fake.client()
    channel = client.conversations_open(users=f"{mentee_id},{mentor_id}")["channel"]["id"]
    channel = pair_fields.pop("channel_id", channel)
    with db.session() as s:
        repo.upsert(s, data=participant_create(
            team_id=team_id, slack_user_id=mentee_id, side="mentee", seniority_years=20,
            skills_share=["leadership"], skills_learn=["ai_tools"], department="Finance", timezone=mentee_tz))
        repo.upsert(s, data=participant_create(team_id=team_id, slack_user_id=mentor_id, timezone=mentor_tz))
        pair = Pair(team_id=team_id, mentor_user_id=mentor_id, mentee_user_id=mentee_id, channel_id=channel,
                    introduced_at=introduced_at or datetime(2026, 1, 7, 12, 0, tzinfo=UTC), **pair_fields)
        s.add(pair)
        s.flush()
    return pair
