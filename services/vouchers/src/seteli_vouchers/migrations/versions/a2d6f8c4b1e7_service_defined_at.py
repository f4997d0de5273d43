"""service defined_at: when applications stated the definition of a service kept here

Of two `applications.service.defined` of one service heard in the other order (one retried, or a batch rolled
back and handled message by message side by side), the older one overwrote the newer: a content the admin had
ended was granted again in new vouchers (or one that goes on again was refused). The service now keeps when its
definition was stated, and an older one changes nothing. Existing rows have none: any definition heard from
now on is newer.

Revision ID: a2d6f8c4b1e7
Revises: a4d2f6b8c1e3
Create Date: 2026-12-06 07:15:00
"""

import sqlalchemy as sa
from alembic import op

revision = "a2d6f8c4b1e7"
down_revision = "a4d2f6b8c1e3"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("services", sa.Column("defined_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("services") as batch:
        batch.drop_column("defined_at")
