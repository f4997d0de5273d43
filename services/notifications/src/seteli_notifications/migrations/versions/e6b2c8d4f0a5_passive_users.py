"""passive users: a passivation kept for the user's creation heard after it

`registry.user.passivated` (a fact of no tenant) handled before the user's `registry.user.created` (the
tenant's; retried, or handled side by side) removed nothing, and the creation then made the passive user a
tenant admin who got the tenant's notices. Passivated users are now kept and never a recipient.

Revision ID: e6b2c8d4f0a5
Revises: d4a8f1c6e3b9
Create Date: 2026-12-06 07:25:00
"""

import sqlalchemy as sa
from alembic import op

revision = "e6b2c8d4f0a5"
down_revision = "d4a8f1c6e3b9"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "passive_users",
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_passive_users")),
    )


def downgrade() -> None:
    op.drop_table("passive_users")
