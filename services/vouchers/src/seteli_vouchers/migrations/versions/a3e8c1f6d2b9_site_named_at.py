"""sites.named_at: when the site's name and notification address kept here were stated by the registry

The registry tells the sites entered before vouchers listened to `registry.site.added/changed` once, stated at
the epoch; a fact older than the one kept changes nothing, so that catch-up (or any late one) never puts back
an older name. Sites kept before this have none: the first fact heard about them is taken.

Revision ID: a3e8c1f6d2b9
Revises: c5a1e7f3b9d2
Create Date: 2026-12-05 15:55:00
"""

import sqlalchemy as sa
from alembic import op

revision = "a3e8c1f6d2b9"
down_revision = "c5a1e7f3b9d2"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("sites", sa.Column("named_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    op.drop_column("sites", "named_at")
