"""A secret per workspace for the one-way codes that replace the Slack ID of someone whose data was deleted.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-26

"Leave and delete my data" (and `python -m bot forget`) delete a person's profile, goals and
check-ins and take their ID, name and words out of every other row; in the pairs they were in,
their Slack ID becomes a one-way code (HMAC-SHA256 with this secret), so that they are never
paired with the same person again if they come back. `erasuresalt` holds that secret, one row
per workspace, made the first time someone of the workspace asks to be forgotten.

Downgrading drops the table, so it refuses while it holds a secret: without it the codes
already written could never be matched again, and a returning person could be paired with
someone they were paired with before.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "erasuresalt",
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("salt", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("team_id"),
    )


def downgrade() -> None:
    held = op.get_bind().execute(sa.text("SELECT count(*) FROM erasuresalt")).scalar()
    if held:
        raise RuntimeError(
            f"Not downgrading below 0007: {held} workspace(s) have deleted someone's data, and the secret in "
            "erasuresalt is what keeps those people from being paired with the same person again. Nothing "
            "was changed.")
    op.drop_table("erasuresalt")
