"""open lines held for the next run

`open_lines.held_by_run`: a line opened (recorded, approved, credited, reversed) while a run is being paid names
that run, which leaves it for the next: a run pays what was open at its lock, the total the officer confirmed.
A run's start writes nothing per line (a month of a million lines locks at once); a line it pays that changes
after the lock is reversed in the next run, as a paid one.

Revision ID: a4c8e1f2b3d6
Revises: d0f6b2c4e5a7
Create Date: 2026-12-06 06:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "a4c8e1f2b3d6"
down_revision = "d0f6b2c4e5a7"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("open_lines", schema=None) as batch_op:
        batch_op.add_column(sa.Column("held_by_run", sa.String(length=36), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("open_lines", schema=None) as batch_op:
        batch_op.drop_column("held_by_run")
