"""company users and the company's own address: a company without one has its notices sent to its main user

A company registered without an address of its own (a registration request approved without the optional
company email) had its notices logged "no recipient address". A company's users now say whose they are and
their role (registry.user.created), so its notices go to its main user created first until the company gives
an address of its own (registry.provider.email_changed, kept with the time it was stated). Users heard before
this say neither until the registry tells them again (its migration e5a9c3f7b1d2 tells every company user
there was, at their creation time: no manual step).

Revision ID: f3b9d5e7a1c4
Revises: d2f6b8a4c0e7
Create Date: 2026-12-06 15:20:00
"""

import sqlalchemy as sa
from alembic import op

revision = "f3b9d5e7a1c4"
down_revision = "d2f6b8a4c0e7"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch_op:
        batch_op.add_column(sa.Column("provider_id", sa.String(length=36), nullable=True))
        batch_op.add_column(sa.Column("role", sa.String(length=30), nullable=True))
        batch_op.add_column(sa.Column("created_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index("ix_users_provider", "users", ["provider_id"])
    with op.batch_alter_table("providers") as batch_op:
        batch_op.add_column(sa.Column("email_stated_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("providers") as batch_op:
        batch_op.drop_column("email_stated_at")
    op.drop_index("ix_users_provider", table_name="users")
    with op.batch_alter_table("users") as batch_op:
        batch_op.drop_column("created_at")
        batch_op.drop_column("role")
        batch_op.drop_column("provider_id")
