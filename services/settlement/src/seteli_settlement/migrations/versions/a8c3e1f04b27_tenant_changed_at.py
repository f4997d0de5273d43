"""tenant changed_at: when the registry stated the payer account and languages kept

Of two `registry.tenant.changed` heard in the other order (the first one retried), the older one overwrote
the newer payer account: the next payment file was paid from the account the admin had replaced. The
settings now keep when they were stated, and an older statement changes nothing. Existing rows have none:
any change heard from now on is newer.

Revision ID: a8c3e1f04b27
Revises: a4c8e1f2b3d6
Create Date: 2026-12-06 06:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "a8c3e1f04b27"
down_revision = "a4c8e1f2b3d6"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("tenants", sa.Column("changed_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("tenants") as batch:
        batch.drop_column("changed_at")
