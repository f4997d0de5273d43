"""service defined_at: when applications stated the definition of a service kept here

Of two `applications.service.defined` of one service heard in the other order, the older one overwrote the
newer: the run's transfer day (the service's calendar) and the contents the client pays went back to what
the admin had changed. The service now keeps when its definition was stated, and an older one changes
nothing. Existing rows have none: any definition heard from now on is newer.

Revision ID: c6a2e8f4d0b3
Revises: b4f8d2a6c9e1
Create Date: 2026-12-06 07:35:00
"""

import sqlalchemy as sa
from alembic import op

revision = "c6a2e8f4d0b3"
down_revision = "b4f8d2a6c9e1"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("services", sa.Column("defined_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("services") as batch:
        batch.drop_column("defined_at")
