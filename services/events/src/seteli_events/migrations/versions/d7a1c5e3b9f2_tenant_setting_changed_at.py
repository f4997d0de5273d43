"""tenant setting_changed_at: when the registry stated whether interruptions need approval

Of two `registry.tenant.changed` heard in the other order (the first one retried), the older one overwrote
the newer setting: interruptions waited for an approval the municipality had turned off (or went to
settlement unapproved). The setting now keeps when it was stated, and an older statement changes nothing.
Existing rows have none: any change heard from now on is newer.

Revision ID: d7a1c5e3b9f2
Revises: c4e8a2d6f1b9
Create Date: 2026-12-06 06:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "d7a1c5e3b9f2"
down_revision = "c4e8a2d6f1b9"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("tenants", sa.Column("setting_changed_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("tenants") as batch:
        batch.drop_column("setting_changed_at")
