"""provider attachments removed: a removal is kept as a mark instead of deleting the row

A removal heard before the attachment's addition (registry facts of no tenant are handled side by side, or
the addition was retried) deleted nothing, and the addition brought the removed attachment back: the daily
digest told the provider that an attachment it had removed runs out. The row now stays, marked removed, and
an addition or expiry never unmarks it.

Revision ID: d4a8f1c6e3b9
Revises: c9d3e5f7a2b6
Create Date: 2026-12-06 07:20:00
"""

import sqlalchemy as sa
from alembic import op

revision = "d4a8f1c6e3b9"
down_revision = "c9d3e5f7a2b6"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("provider_attachments", sa.Column("removed", sa.Boolean(), nullable=False, server_default="0"))


def downgrade() -> None:
    op.execute("DELETE FROM provider_attachments WHERE removed")
    with op.batch_alter_table("provider_attachments") as batch:
        batch.drop_column("removed")
