"""notifications: a passivated user activated again (registry.user.activated)

`passive_users` keeps, beside each user, whether they are passive and when the registry said so: of a
passivation and an activation the one stated last counts, whatever order they are heard in. Rows from before
have no time and stay passive until an activation.

Revision ID: a8c4e2f6b0d9
Revises: f3b9d5e7a1c4
Create Date: 2026-12-06 15:45:00
"""

import sqlalchemy as sa
from alembic import op

revision = "a8c4e2f6b0d9"
down_revision = "f3b9d5e7a1c4"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("passive_users") as batch_op:
        batch_op.add_column(sa.Column("passive", sa.Boolean(), nullable=False, server_default=sa.true()))
        batch_op.add_column(sa.Column("stated_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    op.execute("DELETE FROM passive_users WHERE NOT passive")
    with op.batch_alter_table("passive_users") as batch_op:
        batch_op.drop_column("stated_at")
        batch_op.drop_column("passive")
