"""client_numbers: the provider's own number for a client as stated last (vouchers.client_number.changed)

A number given or changed after a booking reaches the client's bookings, events, interruptions and credits;
a booking heard after the number takes it too.

Revision ID: a3c7e1f9d2b6
Revises: d5a8c2e7f3b4
Create Date: 2026-12-06 12:20:00
"""

import sqlalchemy as sa
from alembic import op
from seteli_common.tenancy import enable_row_level_security

revision = "a3c7e1f9d2b6"
down_revision = "d5a8c2e7f3b4"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "client_numbers",
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("provider_id", sa.String(length=64), nullable=False),
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("client_ref", sa.String(length=100), nullable=False),
        sa.Column("stated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "provider_id", "client_id", name=op.f("pk_client_numbers")),
    )
    enable_row_level_security(op, "events", ["client_numbers"])


def downgrade() -> None:
    op.drop_table("client_numbers")
