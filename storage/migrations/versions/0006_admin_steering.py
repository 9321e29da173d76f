"""Steering pairs from Slack: who ended a pair and their note, the kind of a round, each workspace's skill catalog.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26

`pair.ended_by` and `pair.end_note`: an admin who ended a pair with `/mentoring end` (or its
button) and the note they left for the other admins (the reason they chose is `end_reason`).
`matchround.kind`: "round" (every round so far), "rematch" (one person's new partner) or "hand"
(a pair an admin made with `/mentoring pair`). `skillentry`: a workspace's changes to the
built-in skill catalog. Downgrading drops them: rounds and pairs keep every other column.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ALTER TABLE on both databases (SQLite 3.35+ drops columns too): rebuilding `matchround`
    # on SQLite would trip the foreign key from `pair`.
    op.add_column("pair", sa.Column("ended_by", sa.String(length=32), nullable=True))
    op.add_column("pair", sa.Column("end_note", sa.String(length=500), nullable=True))
    op.add_column("matchround", sa.Column("kind", sa.String(length=16), server_default="round", nullable=False))
    op.create_table(
        "skillentry",
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("label", sa.String(length=80), nullable=False),
        sa.Column("group", sa.String(length=16), nullable=False),
        sa.Column("retired_at", sa.DateTime(), nullable=True),
        sa.Column("updated_by", sa.String(length=32), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("team_id", "key"),
    )


def downgrade() -> None:
    op.drop_table("skillentry")
    op.drop_column("matchround", "kind")
    op.drop_column("pair", "end_note")
    op.drop_column("pair", "ended_by")
