"""Index the send ledger by workspace and claim time.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26

The dispatcher reads the keys a workspace recorded in the last 45 days every minute; without
this index that read walks all of the workspace's rows, and the ledger only grows (on SQLite,
300,000 rows of which a tenth recent: 58 ms before, 26 ms after). Downgrading drops the index
and loses nothing.
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_send_team_claimed", "sendledger", ["team_id", "claimed_at"])


def downgrade() -> None:
    op.drop_index("ix_send_team_claimed", table_name="sendledger")
