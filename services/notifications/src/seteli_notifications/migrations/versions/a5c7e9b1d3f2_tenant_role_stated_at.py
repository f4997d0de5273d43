"""tenant roles: the role stated last counts

A tenant admin made an officer was deleted from `tenant_admins`; the creation as admin heard after that change
(retried, or handled side by side) made the officer a recipient of the tenant's notices again, and of two role
changes the one heard last won. The role is now kept with the time it was stated, a role other than admin too.

Revision ID: a5c7e9b1d3f2
Revises: f1c7d3a9e5b2
Create Date: 2026-12-06 09:15:00
"""

import sqlalchemy as sa
from alembic import op

revision = "a5c7e9b1d3f2"
down_revision = "f1c7d3a9e5b2"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("tenant_admins", sa.Column("is_admin", sa.Boolean(), server_default="1", nullable=False))
    op.add_column("tenant_admins", sa.Column("stated_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    op.execute("DELETE FROM tenant_admins WHERE NOT is_admin")  # those were deleted before this revision
    with op.batch_alter_table("tenant_admins") as batch:
        batch.drop_column("stated_at")
        batch.drop_column("is_admin")
