"""service defined_at: when applications stated the definition of a service kept here

Of two `applications.service.defined` of one service heard in the other order (a batch rolled back is handled
message by message, side by side; or one was retried), the older one overwrote the newer: a content the admin
had ended could be recorded again. The service now keeps when its definition was stated, and an older one
changes nothing. Existing rows have none: any definition heard from now on is newer.

Revision ID: e9b4c2f6a8d1
Revises: d7a1c5e3b9f2
Create Date: 2026-12-06 07:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = "e9b4c2f6a8d1"
down_revision = "d7a1c5e3b9f2"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("services", sa.Column("defined_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("services") as batch:
        batch.drop_column("defined_at")
