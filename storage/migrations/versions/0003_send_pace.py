"""Each workspace's sending pace, shared by every replica.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26

The pacer (bot/delivery/pace.py) learns how fast Slack accepts a workspace's messages; on
PostgreSQL several copies of the bot share that rate, its token bucket and Slack's last
Retry-After in this table, so together they stay within the one limit Slack sets for the
workspace. One row per workspace and lane: messages, and other Web API calls (Slack limits
conversations.open far lower than posting). Downgrading drops the table: the pace is learnt again, nothing is lost.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sendpace",
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("lane", sa.String(length=16), nullable=False),
        sa.Column("rate", sa.Float(), nullable=False),
        sa.Column("tokens", sa.Float(), nullable=False),
        sa.Column("refilled_at", sa.DateTime(), nullable=False),
        sa.Column("blocked_until", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("team_id", "lane"),
    )


def downgrade() -> None:
    op.drop_table("sendpace")
