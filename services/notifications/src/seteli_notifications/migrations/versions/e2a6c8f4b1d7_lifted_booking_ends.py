"""lifted_booking_ends: the booking ends vouchers lifted (vouchers.booking.restored), with when

The provider is not told of an end heard after the restore that lifted it (retried while the provider was not known
here); an end stated after the lift (the voucher used up once more) is told.

Revision ID: e2a6c8f4b1d7
Revises: c7a3e9f5b1d8
Create Date: 2026-12-08 01:10:00
"""

import sqlalchemy as sa
from alembic import op
from seteli_common.tenancy import enable_row_level_security

revision = "e2a6c8f4b1d7"
down_revision = "c7a3e9f5b1d8"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "lifted_booking_ends",
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("booking_id", sa.String(length=64), nullable=False),
        sa.Column("ended_on", sa.Date(), nullable=False),
        sa.Column("reason", sa.String(length=30), nullable=False),
        sa.Column("lifted_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "booking_id", "ended_on", "reason", name=op.f("pk_lifted_booking_ends")),
    )
    enable_row_level_security(op, "notifications", ["lifted_booking_ends"])


def downgrade() -> None:
    op.drop_table("lifted_booking_ends")
