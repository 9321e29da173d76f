"""Baseline: the schema of release d4ae0dc, the last one made by `create_all`.

Revision ID: 0001
Revises:
Create Date: 2026-11-26

A database that release made is recognised by `storage.schema` and stamped at this revision
without running it (nothing in it changes); an empty database gets these tables from here.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "matchround",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("open_slot", sa.String(length=32), nullable=True),
        sa.Column("created_by", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("decided_by", sa.String(length=32), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("pool_fingerprint", sa.String(length=64), nullable=False),
        sa.Column("proposal", sa.JSON(), nullable=False),
        sa.Column("channel_id", sa.String(length=32), nullable=True),
        sa.Column("message_ts", sa.String(length=32), nullable=True),
        sa.Column("pairs_total", sa.Integer(), nullable=False),
        sa.Column("pairs_introduced", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("open_slot", name="uq_round_one_open_proposal"),
    )
    op.create_index("ix_matchround_team_id", "matchround", ["team_id"])

    op.create_table(
        "participant",
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("side", sa.String(length=16), nullable=False),
        sa.Column("skills_share", sa.JSON(), nullable=False),
        sa.Column("skills_learn", sa.JSON(), nullable=False),
        sa.Column("seniority_years", sa.Integer(), nullable=False),
        sa.Column("department", sa.String(length=80), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("meeting_mode", sa.String(length=16), nullable=False),
        sa.Column("meeting_frequency", sa.String(length=16), nullable=False),
        sa.Column("intro", sa.String(length=300), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("manager_slack_id", sa.String(length=32), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("slack_user_id", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("paused_until", sa.Date(), nullable=True),
        sa.Column("paused_at", sa.DateTime(), nullable=True),
        sa.Column("joined_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("left_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("team_id", "slack_user_id", name="uq_participant_user"),
    )
    op.create_index("ix_participant_team_id", "participant", ["team_id"])

    op.create_table(
        "programsettings",
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("length_weeks", sa.Integer(), nullable=False),
        sa.Column("cadence_weeks", sa.Integer(), nullable=False),
        sa.Column("nudge_weekday", sa.Integer(), nullable=False),
        sa.Column("nudge_time", sa.String(), nullable=False),
        sa.Column("feedback_weekday", sa.Integer(), nullable=False),
        sa.Column("feedback_time", sa.String(), nullable=False),
        sa.Column("reminder_after_days", sa.Integer(), nullable=False),
        sa.Column("quiet_cycles", sa.Integer(), nullable=False),
        sa.Column("digest_weekday", sa.Integer(), nullable=False),
        sa.Column("digest_time", sa.String(), nullable=False),
        sa.Column("digest_timezone", sa.String(), nullable=False),
        sa.Column("max_tz_diff_hours", sa.Float(), nullable=False),
        sa.Column("allow_same_department", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("team_id"),
    )

    op.create_table(
        "sendledger",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("pair_id", sa.Integer(), nullable=True),
        sa.Column("user_id", sa.String(length=32), nullable=True),
        sa.Column("cycle", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("in_doubt", sa.Boolean(), nullable=False),
        sa.Column("claimed_at", sa.DateTime(), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.Column("channel_id", sa.String(length=32), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("message_ts", sa.String(length=32), nullable=True),
        sa.Column("error", sa.String(length=300), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("team_id", "key", name="uq_send_key"),
    )
    op.create_index("ix_send_status_claimed", "sendledger", ["status", "claimed_at"])
    op.create_index("ix_sendledger_pair_id", "sendledger", ["pair_id"])

    op.create_table(
        "pair",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=True),
        sa.Column("mentor_user_id", sa.String(length=32), nullable=False),
        sa.Column("mentee_user_id", sa.String(length=32), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("channel_id", sa.String(length=32), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("introduced_at", sa.DateTime(), nullable=True),
        sa.Column("ended_at", sa.DateTime(), nullable=True),
        sa.Column("end_reason", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(["round_id"], ["matchround.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("team_id", "round_id", "mentee_user_id", name="uq_pair_round_mentee"),
    )
    op.create_index("ix_pair_team_status", "pair", ["team_id", "status"])

    op.create_table(
        "checkin",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("pair_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("cycle", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("met", sa.Boolean(), nullable=False),
        sa.Column("usefulness", sa.Integer(), nullable=True),
        sa.Column("learned", sa.String(length=1000), nullable=False),
        sa.Column("will_try", sa.String(length=1000), nullable=False),
        sa.Column("blockers", sa.String(length=1000), nullable=False),
        sa.Column("goal_progress", sa.JSON(), nullable=False),
        sa.Column("overall_usefulness", sa.Integer(), nullable=True),
        sa.Column("recommend", sa.String(length=8), nullable=True),
        sa.Column("keep_meeting", sa.String(length=8), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["pair_id"], ["pair.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("team_id", "pair_id", "user_id", "cycle", "kind", name="uq_checkin_once"),
    )
    op.create_index("ix_checkin_pair_id", "checkin", ["pair_id"])

    op.create_table(
        "goal",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("pair_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("author_user_id", sa.String(length=32), nullable=False),
        sa.Column("what", sa.String(length=300), nullable=False),
        sa.Column("why", sa.String(length=500), nullable=False),
        sa.Column("measure", sa.String(length=300), nullable=False),
        sa.Column("target_date", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["pair_id"], ["pair.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("team_id", "pair_id", "role", "position", name="uq_goal_slot"),
    )
    op.create_index("ix_goal_pair_id", "goal", ["pair_id"])


def downgrade() -> None:
    raise RuntimeError(
        "Not downgrading below the baseline: it would drop every table and all the program's data. "
        "To start over, restore a backup or use a new, empty database.")
