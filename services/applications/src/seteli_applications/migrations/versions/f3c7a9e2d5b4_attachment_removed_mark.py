"""attachments removed: a removal is kept as a mark instead of deleting the row

A removal heard before the attachment's addition (the two facts of no tenant are handled side by side, or
the addition was retried) deleted nothing, and the addition then brought the removed attachment back: an
application counted it as present. The row now stays, marked removed, and an addition never unmarks it.

Revision ID: f3c7a9e2d5b4
Revises: d8f2b5c1a7e3
Create Date: 2026-12-06 06:50:00
"""

import sqlalchemy as sa
from alembic import op

revision = "f3c7a9e2d5b4"
down_revision = "d8f2b5c1a7e3"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("attachments", sa.Column("removed", sa.Boolean(), nullable=False, server_default="0"))


def downgrade() -> None:
    op.execute("DELETE FROM attachments WHERE removed")
    with op.batch_alter_table("attachments") as batch:
        batch.drop_column("removed")
