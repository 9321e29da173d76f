"""Each pair's own rhythm: its cadence and its finished breaks (a pause extends the program).

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-26

`pairschedule` holds, per pair, the cadence fixed when it was introduced (the slower of the two
people's "How often?" choices, unless the program fixes one) and the breaks it has finished,
whose cycles are not spent. No row means what the release before did: the program's cadence and
no break, so a pair under way when this runs keeps its timetable and its ledger keys; a pause
under way is read from the participant as before, and from now on moves the pair's remaining
sessions out instead of spending them. Downgrading drops the table: the pairs go back to the
program's cadence and to spending paused cycles.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pairschedule",
        sa.Column("pair_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("cadence_weeks", sa.Integer(), nullable=True),
        sa.Column("pauses", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["pair_id"], ["pair.id"]),
        sa.PrimaryKeyConstraint("pair_id"),
    )


def downgrade() -> None:
    op.drop_table("pairschedule")
