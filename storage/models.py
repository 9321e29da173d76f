"""SQLModel tables. Every row carries the Slack team ID of the workspace it belongs to.

Shapes follow the base / create / table split: `*Base` holds the fields people provide,
`*Create` is what services validate and pass to repositories, the `table=True` class adds
identity and bookkeeping columns. Every change here is also an Alembic revision in
storage/migrations/ (a test compares the two); tables are only ever made by migrations.
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.types import UTCDateTime, utcnow


def _json(default_factory):
    return Field(default_factory=default_factory, sa_column=Column(JSON, nullable=False))


# --- participants -------------------------------------------------------------------------

PARTICIPANT_ACTIVE = "active"
PARTICIPANT_PAUSED = "paused"
PARTICIPANT_LEFT = "left"


class ParticipantBase(SQLModel):
    name: str = Field(default="", max_length=120)
    side: str = Field(max_length=16)  # bot.domain.catalog.SIDES
    skills_share: list[str] = _json(list)
    skills_learn: list[str] = _json(list)
    seniority_years: int
    department: str = Field(max_length=80)
    timezone: str = Field(default="UTC", max_length=64)
    meeting_mode: str = Field(default="video", max_length=16)
    meeting_frequency: str = Field(default="weekly", max_length=16)
    intro: str = Field(default="", max_length=300)
    capacity: int = Field(default=1)
    manager_slack_id: str | None = Field(default=None, max_length=32)


class ParticipantCreate(ParticipantBase):
    team_id: str
    slack_user_id: str


class Participant(ParticipantBase, table=True):
    __table_args__ = (UniqueConstraint("team_id", "slack_user_id", name="uq_participant_user"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32, index=True)
    slack_user_id: str = Field(max_length=32)
    status: str = Field(default=PARTICIPANT_ACTIVE, max_length=16)
    paused_until: date | None = None
    # When the current pause began (UTC): prompts due before it still go out.
    paused_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    joined_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    left_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))


# --- program settings ---------------------------------------------------------------------

class ProgramSettings(SQLModel, table=True):
    """One row per workspace; absent means all defaults."""

    team_id: str = Field(primary_key=True, max_length=32)
    length_weeks: int = 12
    # 1 = weekly, 2 = every two weeks for every pair; 0 = each pair's own: the slower of the two
    # people's "How often?" choices (fixed on the pair when it is introduced).
    cadence_weeks: int = 0
    nudge_weekday: int = 0  # Monday
    nudge_time: str = "10:00"
    feedback_weekday: int = 4  # Friday
    feedback_time: str = "15:00"
    reminder_after_days: int = 2
    quiet_cycles: int = 2
    digest_weekday: int = 0
    digest_time: str = "09:00"
    digest_timezone: str = "UTC"
    max_tz_diff_hours: float = 6
    allow_same_department: bool = False


# --- matching rounds and pairs ------------------------------------------------------------

ROUND_PROPOSED = "proposed"
ROUND_CANCELLED = "cancelled"
ROUND_STALE = "stale"
ROUND_INTRODUCING = "introducing"
ROUND_DONE = "done"


class MatchRound(SQLModel, table=True):
    __table_args__ = (
        # `open_slot` is the team ID while the round is an open proposal and NULL otherwise:
        # a portable way to allow one open proposal per workspace.
        UniqueConstraint("open_slot", name="uq_round_one_open_proposal"),
    )

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32, index=True)
    status: str = Field(default=ROUND_PROPOSED, max_length=16)
    open_slot: str | None = Field(default=None, max_length=32)
    created_by: str = Field(max_length=32)
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    decided_by: str | None = Field(default=None, max_length=32)
    decided_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    pool_fingerprint: str = Field(max_length=64)
    proposal: dict = _json(dict)
    channel_id: str | None = Field(default=None, max_length=32)
    message_ts: str | None = Field(default=None, max_length=32)
    pairs_total: int = 0
    pairs_introduced: int = 0
    # ROUND_KIND_*: a matching round, a rematch of one person, or a pair made by hand.
    kind: str = Field(default="round", max_length=16, sa_column_kwargs={"server_default": "round"})


ROUND_KIND_ROUND = "round"
ROUND_KIND_REMATCH = "rematch"
ROUND_KIND_HAND = "hand"


PAIR_ACTIVE = "active"
PAIR_ENDED = "ended"
# Pair.end_reason of a pair ended because one of the two left the program.
END_REASON_LEFT = "left"
# Pair.end_reason of a pair whose program ran its course (both people are back in the pool).
END_REASON_COMPLETE = "Program complete"


class Pair(SQLModel, table=True):
    __table_args__ = (
        UniqueConstraint("team_id", "round_id", "mentee_user_id", name="uq_pair_round_mentee"),
        Index("ix_pair_team_status", "team_id", "status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    round_id: int | None = Field(default=None, foreign_key="matchround.id")
    mentor_user_id: str = Field(max_length=32)
    mentee_user_id: str = Field(max_length=32)
    score: int = 0
    reasons: list[str] = _json(list)
    status: str = Field(default=PAIR_ACTIVE, max_length=16)
    channel_id: str | None = Field(default=None, max_length=32)  # the pair's group DM
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    introduced_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    ended_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    end_reason: str | None = Field(default=None, max_length=200)
    # Ended by an admin: who, and their note (admins only; never shown to the pair). The reason
    # they chose is `end_reason` (bot.services.steering.END_REASONS keys).
    ended_by: str | None = Field(default=None, max_length=32)
    end_note: str | None = Field(default=None, max_length=500)


class PairSchedule(SQLModel, table=True):
    """A pair's own rhythm. No row: the program's cadence and no finished break."""

    pair_id: int = Field(primary_key=True, foreign_key="pair.id")
    team_id: str = Field(max_length=32)
    # The pair's cadence in weeks, fixed when it is introduced; None: the program's.
    cadence_weeks: int | None = None
    # The pair's finished breaks, [[start, end], ...] as ISO UTC instants: the cycles they
    # covered are not spent (bot/domain/schedule.py). A break under way is the participant's.
    pauses: list = _json(list)


# --- the send ledger ----------------------------------------------------------------------

SEND_QUEUED = "queued"  # recorded, waiting for a sender to take it (the dispatcher's prompts)
SEND_CLAIMED = "claimed"  # recorded, taken by a sender: about to be sent (or in flight)
SEND_SENT = "sent"
SEND_FAILED = "failed"  # Slack refused it for good (e.g. channel gone); not retried
SEND_STALE = "stale"  # too late to be useful; recorded so it is never sent


class SendLedger(SQLModel, table=True):
    """Every message that must go out once is recorded here, under a unique key, before it is sent."""

    __table_args__ = (
        UniqueConstraint("team_id", "key", name="uq_send_key"),
        Index("ix_send_status_claimed", "status", "claimed_at"),
        # The dispatcher's "keys recorded lately" read: a range of one team's rows, not all of them.
        Index("ix_send_team_claimed", "team_id", "claimed_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    key: str = Field(max_length=200)
    kind: str = Field(max_length=32)
    pair_id: int | None = Field(default=None, index=True)
    user_id: str | None = Field(default=None, max_length=32)
    cycle: int | None = None
    status: str = Field(default=SEND_CLAIMED, max_length=16)
    attempts: int = 0
    # True from the moment a post is attempted until Slack's answer is recorded: only then can
    # a crash leave us unsure whether Slack has the message.
    in_doubt: bool = False
    claimed_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    sent_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    channel_id: str | None = Field(default=None, max_length=32)
    # What to send ({"channel", "text", "blocks"}), so that a recovery after a crash resends
    # exactly what was recorded.
    payload: dict = _json(dict)
    message_ts: str | None = Field(default=None, max_length=32)
    error: str | None = Field(default=None, max_length=300)


class SendPace(SQLModel, table=True):
    """A workspace's sending pace, shared by every replica on PostgreSQL (bot/delivery/pace.py):
    the rate the pacer has learnt Slack accepts, its token bucket, and Slack's last Retry-After."""

    team_id: str = Field(primary_key=True, max_length=32)
    lane: str = Field(primary_key=True, max_length=16)  # "post" (messages) or "call" (other Web API calls)
    rate: float  # messages per second the workspace is sent at now
    tokens: float  # what the bucket holds as of `refilled_at`
    refilled_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    blocked_until: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))


# --- goals and check-ins ------------------------------------------------------------------

GOAL_MENTEE = "mentee"  # the mentee's development goals (1-3)
GOAL_MENTOR = "mentor"  # what the mentor wants to learn back


class Goal(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("team_id", "pair_id", "role", "position", name="uq_goal_slot"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    pair_id: int = Field(foreign_key="pair.id", index=True)
    role: str = Field(max_length=16)
    position: int = 1
    author_user_id: str = Field(max_length=32)
    what: str = Field(max_length=300)
    why: str = Field(default="", max_length=500)
    measure: str = Field(default="", max_length=300)
    target_date: date | None = None
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))


CHECKIN_REGULAR = "checkin"
CHECKIN_FINAL = "final"


class CheckIn(SQLModel, table=True):
    __table_args__ = (
        UniqueConstraint("team_id", "pair_id", "user_id", "cycle", "kind", name="uq_checkin_once"),
    )

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    pair_id: int = Field(foreign_key="pair.id", index=True)
    user_id: str = Field(max_length=32)
    cycle: int
    kind: str = Field(default=CHECKIN_REGULAR, max_length=16)
    met: bool
    usefulness: int | None = None  # 1-5
    learned: str = Field(default="", max_length=1000)
    will_try: str = Field(default="", max_length=1000)
    blockers: str = Field(default="", max_length=1000)
    # The person ticked "share this with the program team": only then do admins see `blockers`
    # (with the person's name); every other free-text answer stays in the pair.
    share_blocker: bool = Field(default=False, sa_column=Column(sa.Boolean(), nullable=False,
                                                                server_default=sa.false()))
    goal_progress: dict = _json(dict)  # {goal_id: progress key}
    # Final survey only (kind "final"); NULL on regular check-ins.
    overall_usefulness: int | None = None  # 1-5, the program as a whole
    recommend: str | None = Field(default=None, max_length=8)  # "yes" | "maybe" | "no"
    keep_meeting: str | None = Field(default=None, max_length=8)  # "yes" | "maybe" | "no"
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))


# --- workspaces and their installations ----------------------------------------------------

class Workspace(SQLModel, table=True):
    """What the app knows about a workspace beyond its program: the admin channel its admins
    chose in Slack, and when it installed or uninstalled the app. No row: installed with the
    bot token (or not at all), admin channel from MENTORING_ADMIN_CHANNEL."""

    team_id: str = Field(primary_key=True, max_length=32)
    enterprise_id: str | None = Field(default=None, max_length=32)  # an Enterprise Grid organization
    admin_channel: str | None = Field(default=None, max_length=32)
    installed_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    # Set when Slack says the app was uninstalled or its bot token revoked: nothing is sent to the
    # workspace from then on, and its data is deleted DATA_GRACE_DAYS later unless it installs
    # the app again first.
    uninstalled_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))


# --- people whose data was deleted ---------------------------------------------------------

class ErasureSalt(SQLModel, table=True):
    """A workspace's random secret for the one-way codes that stand in for people whose data was
    deleted (storage/repositories/erasure.py): a code replaces the person's Slack ID in the pairs
    they were in, so "never paired again" still holds if they come back, and without this
    secret a code can't be linked to a Slack ID by anyone who hasn't the database."""

    team_id: str = Field(primary_key=True, max_length=32)
    salt: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))


class SkillEntry(SQLModel, table=True):
    """A workspace's change to the skill catalog (bot/domain/catalog.py is the default): a skill
    it added, or a built-in one it renamed or retired. Keys never change; a retired skill stays on
    the profiles that have it and isn't offered to anyone new."""

    team_id: str = Field(primary_key=True, max_length=32)
    key: str = Field(primary_key=True, max_length=40)
    label: str = Field(max_length=80)
    group: str = Field(default="digital", max_length=16)  # catalog.DIGITAL or catalog.LEADERSHIP
    retired_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    updated_by: str | None = Field(default=None, max_length=32)
    updated_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))


# Bolt's OAuth installs: the tables of slack_sdk's SQLAlchemyInstallationStore and
# SQLAlchemyOAuthStateStore (bot/slack/installations.py), exactly as slack_sdk builds them
# (tests/unit/test_installations.py compares), declared here so that the migrations follow them
# like any other table. Their times are naive UTC, as slack_sdk writes them.
SLACK_INSTALLATIONS = sa.Table(
    "slack_installations", SQLModel.metadata,
    Column("id", sa.Integer, primary_key=True, autoincrement=True),
    Column("client_id", sa.String(32), nullable=False),
    Column("app_id", sa.String(32), nullable=False),
    Column("enterprise_id", sa.String(32)),
    Column("enterprise_name", sa.String(200)),
    Column("enterprise_url", sa.String(200)),
    Column("team_id", sa.String(32)),
    Column("team_name", sa.String(200)),
    Column("bot_token", sa.String(200)),
    Column("bot_id", sa.String(32)),
    Column("bot_user_id", sa.String(32)),
    Column("bot_scopes", sa.String(1000)),
    Column("bot_refresh_token", sa.String(200)),
    Column("bot_token_expires_at", sa.DateTime),
    Column("user_id", sa.String(32), nullable=False),
    Column("user_token", sa.String(200)),
    Column("user_scopes", sa.String(1000)),
    Column("user_refresh_token", sa.String(200)),
    Column("user_token_expires_at", sa.DateTime),
    Column("incoming_webhook_url", sa.String(200)),
    Column("incoming_webhook_channel", sa.String(200)),
    Column("incoming_webhook_channel_id", sa.String(200)),
    Column("incoming_webhook_configuration_url", sa.String(200)),
    Column("is_enterprise_install", sa.Boolean, default=False, nullable=False),
    Column("token_type", sa.String(32)),
    Column("installed_at", sa.DateTime, nullable=False, default=sa.func.now()),
    Index("slack_installations_idx", "client_id", "enterprise_id", "team_id", "user_id", "installed_at"),
)
SLACK_BOTS = sa.Table(
    "slack_bots", SQLModel.metadata,
    Column("id", sa.Integer, primary_key=True, autoincrement=True),
    Column("client_id", sa.String(32), nullable=False),
    Column("app_id", sa.String(32), nullable=False),
    Column("enterprise_id", sa.String(32)),
    Column("enterprise_name", sa.String(200)),
    Column("team_id", sa.String(32)),
    Column("team_name", sa.String(200)),
    Column("bot_token", sa.String(200)),
    Column("bot_id", sa.String(32)),
    Column("bot_user_id", sa.String(32)),
    Column("bot_scopes", sa.String(1000)),
    Column("bot_refresh_token", sa.String(200)),
    Column("bot_token_expires_at", sa.DateTime),
    Column("is_enterprise_install", sa.Boolean, default=False, nullable=False),
    Column("installed_at", sa.DateTime, nullable=False, default=sa.func.now()),
    Index("slack_bots_idx", "client_id", "enterprise_id", "team_id", "installed_at"),
)
SLACK_OAUTH_STATES = sa.Table(
    "slack_oauth_states", SQLModel.metadata,
    Column("id", sa.Integer, primary_key=True, autoincrement=True),
    Column("state", sa.String(200), nullable=False),
    Column("expire_at", sa.DateTime, nullable=False),
)
