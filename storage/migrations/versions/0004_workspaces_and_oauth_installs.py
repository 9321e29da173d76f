"""Installs over OAuth: each workspace's tokens, admin channel and uninstall time.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26

`slack_installations`, `slack_bots` and `slack_oauth_states` are slack_sdk's own tables, as its
SQLAlchemyInstallationStore and SQLAlchemyOAuthStateStore define them (slack_sdk 3.33 to 3.48),
written out here so that this revision keeps meaning what it means whatever slack_sdk becomes.
`workspace` holds the admin channel a workspace chose in Slack and when it installed or
uninstalled the app (its data is deleted a grace period after an uninstall).

Downgrading drops the four tables, so it refuses while any of them holds something the older
release couldn't rebuild: a workspace's tokens (it could only serve one workspace, with
SLACK_BOT_TOKEN), an admin channel chosen in Slack, or an uninstall whose data is still to be
deleted. The install flow's states live ten minutes and are dropped with their table.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

KEPT = ("slack_installations", "slack_bots", "workspace")


def upgrade() -> None:
    op.create_table(
        "slack_installations",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("client_id", sa.String(length=32), nullable=False),
        sa.Column("app_id", sa.String(length=32), nullable=False),
        sa.Column("enterprise_id", sa.String(length=32), nullable=True),
        sa.Column("enterprise_name", sa.String(length=200), nullable=True),
        sa.Column("enterprise_url", sa.String(length=200), nullable=True),
        sa.Column("team_id", sa.String(length=32), nullable=True),
        sa.Column("team_name", sa.String(length=200), nullable=True),
        sa.Column("bot_token", sa.String(length=200), nullable=True),
        sa.Column("bot_id", sa.String(length=32), nullable=True),
        sa.Column("bot_user_id", sa.String(length=32), nullable=True),
        sa.Column("bot_scopes", sa.String(length=1000), nullable=True),
        sa.Column("bot_refresh_token", sa.String(length=200), nullable=True),
        sa.Column("bot_token_expires_at", sa.DateTime(), nullable=True),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("user_token", sa.String(length=200), nullable=True),
        sa.Column("user_scopes", sa.String(length=1000), nullable=True),
        sa.Column("user_refresh_token", sa.String(length=200), nullable=True),
        sa.Column("user_token_expires_at", sa.DateTime(), nullable=True),
        sa.Column("incoming_webhook_url", sa.String(length=200), nullable=True),
        sa.Column("incoming_webhook_channel", sa.String(length=200), nullable=True),
        sa.Column("incoming_webhook_channel_id", sa.String(length=200), nullable=True),
        sa.Column("incoming_webhook_configuration_url", sa.String(length=200), nullable=True),
        sa.Column("is_enterprise_install", sa.Boolean(), nullable=False),
        sa.Column("token_type", sa.String(length=32), nullable=True),
        sa.Column("installed_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("slack_installations_idx", "slack_installations",
                    ["client_id", "enterprise_id", "team_id", "user_id", "installed_at"])
    op.create_table(
        "slack_bots",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("client_id", sa.String(length=32), nullable=False),
        sa.Column("app_id", sa.String(length=32), nullable=False),
        sa.Column("enterprise_id", sa.String(length=32), nullable=True),
        sa.Column("enterprise_name", sa.String(length=200), nullable=True),
        sa.Column("team_id", sa.String(length=32), nullable=True),
        sa.Column("team_name", sa.String(length=200), nullable=True),
        sa.Column("bot_token", sa.String(length=200), nullable=True),
        sa.Column("bot_id", sa.String(length=32), nullable=True),
        sa.Column("bot_user_id", sa.String(length=32), nullable=True),
        sa.Column("bot_scopes", sa.String(length=1000), nullable=True),
        sa.Column("bot_refresh_token", sa.String(length=200), nullable=True),
        sa.Column("bot_token_expires_at", sa.DateTime(), nullable=True),
        sa.Column("is_enterprise_install", sa.Boolean(), nullable=False),
        sa.Column("installed_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("slack_bots_idx", "slack_bots", ["client_id", "enterprise_id", "team_id", "installed_at"])
    op.create_table(
        "slack_oauth_states",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("state", sa.String(length=200), nullable=False),
        sa.Column("expire_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "workspace",
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("enterprise_id", sa.String(length=32), nullable=True),
        sa.Column("admin_channel", sa.String(length=32), nullable=True),
        sa.Column("installed_at", sa.DateTime(), nullable=True),
        sa.Column("uninstalled_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("team_id"),
    )


def downgrade() -> None:
    conn = op.get_bind()
    held = {t: conn.execute(sa.text(f"SELECT COUNT(*) FROM {t}")).scalar_one() for t in KEPT}
    if any(held.values()):
        raise RuntimeError(
            "Not downgrading below 0004: the database holds what the older release can't keep "
            f"({held['slack_installations']} installation(s) and {held['slack_bots']} bot token(s) of "
            f"workspaces installed over OAuth, {held['workspace']} workspace record(s) with an admin "
            "channel chosen in Slack or data due for deletion). The older release serves one workspace "
            "with SLACK_BOT_TOKEN only. Nothing was changed; restore the backup taken before the upgrade "
            "instead.")
    op.drop_table("workspace")
    op.drop_table("slack_oauth_states")
    op.drop_index("slack_bots_idx", table_name="slack_bots")
    op.drop_table("slack_bots")
    op.drop_index("slack_installations_idx", table_name="slack_installations")
    op.drop_table("slack_installations")
