"""A check-in's blocker can be shared with the program team.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26

`checkin.share_blocker` is true when the person ticked "share this with the program team" under
the check-in's blocker question: only those blockers reach the admins (with the person's name);
every other free-text answer stays in the pair. Existing check-ins were answered under the
promise that admins only see totals, so they are all false. Downgrading drops the column (and
with it the choice to share: nothing is shown to admins any more).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("checkin", sa.Column("share_blocker", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("checkin") as batch:
        batch.drop_column("share_blocker")
