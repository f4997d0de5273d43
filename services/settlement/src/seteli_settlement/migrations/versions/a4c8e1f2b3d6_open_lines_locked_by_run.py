"""open lines locked by the run that pays them

`open_lines.run_id`: a run, when it starts, locks the open lines of its month and earlier; its jobs pay only
those, as they were at the lock. A line changed after the lock (corrected, deleted) is treated as paid (a
reversal, paid in the next run), and a line opened after it (recorded, approved, credited) waits for the next
run. A run still running at the upgrade locks the lines it would have paid.

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
        batch_op.add_column(sa.Column("run_id", sa.String(length=36), nullable=True))
    op.execute(
        "UPDATE open_lines SET run_id = (SELECT r.id FROM runs r WHERE r.tenant_id = open_lines.tenant_id "
        "AND r.state = 'running' AND open_lines.month <= r.month ORDER BY r.created_at LIMIT 1) "
        "WHERE EXISTS (SELECT 1 FROM runs r WHERE r.tenant_id = open_lines.tenant_id AND r.state = 'running')"
    )


def downgrade() -> None:
    with op.batch_alter_table("open_lines", schema=None) as batch_op:
        batch_op.drop_column("run_id")
