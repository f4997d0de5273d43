"""sites stated_at: when the registry stated the site's address kept here

Two changes of a site handled side by side (facts of no tenant are), or one retried, could leave the older
notification address: booking and feedback notices went to the address the provider had corrected. The
site now keeps when it was stated, and an older statement changes nothing. Existing rows have none: any
statement heard from now on is newer.

Revision ID: c9d3e5f7a2b6
Revises: b7e2d4f8a1c3
Create Date: 2026-12-06 07:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "c9d3e5f7a2b6"
down_revision = "b7e2d4f8a1c3"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("sites", sa.Column("stated_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("sites") as batch:
        batch.drop_column("stated_at")
