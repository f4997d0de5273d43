"""user addresses: a passivated user's address is known, so that mail queued to it is not sent

A tenant's or a company's admin passivated after a notice to them was queued, and before it went out (the
mail server busy, or the sender not come round yet), still got it. Every user's address is now kept from
the registry's facts; the sender sends nothing to the address of a passivated user. The tenant admins known
now bring theirs (row-level security is forced on the tables' owner, who runs this, too: lifted meanwhile to
read every tenant's admins); other users' addresses are learnt from their next fact.

Revision ID: c2e8a4f6b0d3
Revises: b9d4f6a2c8e1
Create Date: 2026-12-06 12:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "c2e8a4f6b0d3"
down_revision = "b9d4f6a2c8e1"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_users")),
    )
    op.create_index("ix_users_email", "users", ["email"])
    postgres = op.get_bind().dialect.name == "postgresql"
    if postgres:
        op.execute("ALTER TABLE tenant_admins NO FORCE ROW LEVEL SECURITY")
    op.execute("INSERT INTO users (user_id, email) SELECT user_id, MAX(LOWER(TRIM(email))) FROM tenant_admins GROUP BY user_id")
    if postgres:
        op.execute("ALTER TABLE tenant_admins FORCE ROW LEVEL SECURITY")


def downgrade() -> None:
    op.drop_index("ix_users_email", table_name="users")
    op.drop_table("users")
