"""catalog stated_at: when applications stated a service's definition and a provider's approval

Of two `applications.service.defined` (or two `applications.application.approved`, a change republishing every
site) heard in the other order, the older one replaced the newer: the public catalog showed the service's old
names and contents, or the sites a change had added or removed as before. Both now keep when they were stated,
and an older statement changes nothing. Existing rows have none: any statement heard from now on is newer.

Revision ID: a9c5e1f7b3d8
Revises: f7b3d9e1c5a2
Create Date: 2026-12-06 07:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "a9c5e1f7b3d8"
down_revision = "f7b3d9e1c5a2"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("catalog_services", sa.Column("stated_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("catalog_approvals", sa.Column("stated_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("catalog_approvals") as batch:
        batch.drop_column("stated_at")
    with op.batch_alter_table("catalog_services") as batch:
        batch.drop_column("stated_at")
